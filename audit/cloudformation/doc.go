// Package cloudformation reads a CloudFormation template, or every stack
// of a cdk.out cloud assembly, into audit.Facts: the same facts the live
// reader gathers from an account, so the same rules judge a change before
// it is deployed.
//
// Resources keep their logical ids as ids (VpcPrivateSubnet1Subnet536B997A),
// so a finding names the block to change. Intrinsic functions are
// evaluated where the template decides their value (Ref, Fn::GetAtt,
// Fn::Sub, Fn::Join, Fn::Select, Fn::GetAZs, Fn::If with Conditions,
// Fn::FindInMap, parameters and pseudo parameters); a fact the template
// leaves open (Fn::ImportValue, a parameter without a value) is an
// audit.Undecided with Code audit.CodeUnknownInSource, never a guess. What
// CloudFormation itself adds when a property is left out (a security
// group's allow-all egress, a VPC's main route table, default network ACL
// and default security group) is written once, in defaults.go, with the
// documentation it follows.
//
// The package does no work at init and no I/O beyond reading the files it
// is given.
package cloudformation
