// Package awsid holds the patterns of the AWS ids preflight prints in
// commands (fix plans, egress rules, hints, causes) and reads from flags.
// An id that reaches a shell line must match its pattern: a crafted
// "sg-1;touch pwned;#" from an API answer, a task-definition file, a flag
// or a plan is refused, never printed. One place, so the flag check, the
// fix planner and the hints cannot drift apart.
package awsid

import (
	"fmt"
	"regexp"
)

// The patterns. They are compiled once and only read.
var (
	// SecurityGroup matches a security group id (sg-0123abcd).
	SecurityGroup = regexp.MustCompile(`^sg-[0-9a-f]+$`)
	// Subnet matches a subnet id.
	Subnet = regexp.MustCompile(`^subnet-[0-9a-f]+$`)
	// VPC matches a VPC id.
	VPC = regexp.MustCompile(`^vpc-[0-9a-f]+$`)
	// RouteTable matches a route table id.
	RouteTable = regexp.MustCompile(`^rtb-[0-9a-f]+$`)
	// NetworkACL matches a network ACL id.
	NetworkACL = regexp.MustCompile(`^acl-[0-9a-f]+$`)
	// PrefixList matches a managed prefix list id.
	PrefixList = regexp.MustCompile(`^pl-[0-9a-f]+$`)
	// VPCEndpoint matches a VPC endpoint id.
	VPCEndpoint = regexp.MustCompile(`^vpce-[0-9a-f]+$`)
	// FileSystem matches an EFS file system id.
	FileSystem = regexp.MustCompile(`^fs-[0-9a-f]+$`)
	// Service matches an endpoint service name (com.amazonaws.us-east-1.s3).
	Service = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9-]+)+$`)
	// ECSName matches an ECS cluster or service name.
	ECSName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	// Account matches an AWS account id.
	Account = regexp.MustCompile(`^[0-9]{12}$`)
	// Region matches the shape of a Region name.
	Region = regexp.MustCompile(`^[a-z0-9-]+$`)
)

// Check returns nil when v matches re, and otherwise an error naming the
// field and the value (quoted, so a control character in it is escaped).
func Check(field string, re *regexp.Regexp, v string) error {
	if re.MatchString(v) {
		return nil
	}
	return fmt.Errorf("%s %q: does not match %s", field, v, re)
}

// CheckAll is Check for every value of vs, the first failure first.
func CheckAll(field string, re *regexp.Regexp, vs ...string) error {
	for _, v := range vs {
		if err := Check(field, re, v); err != nil {
			return err
		}
	}
	return nil
}
