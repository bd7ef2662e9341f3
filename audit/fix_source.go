package audit

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources of facts (Facts.Source).
const (
	// SourceAWS: the live account; every id is an AWS id.
	SourceAWS = ""
	// SourceTerraform: a Terraform plan; a resource the plan creates has
	// its address as id (module.vpc.aws_subnet.private[0]), an attribute
	// of one its address and the attribute (aws_vpc.main.default_security_group_id).
	SourceTerraform = "terraform"
	// SourceCloudFormation: a template or cdk.out; a resource has its
	// logical id, an attribute of one LogicalId.Attribute
	// (Vpc.DefaultSecurityGroup).
	SourceCloudFormation = "cloudformation"
)

// maxSourceID bounds an address or logical id printed in code: a real
// one is far shorter, a crafted one is not worth a wrapped line.
const maxSourceID = 512

// The grammars of the names a plan or template gives resources. They are
// strict on purpose: a pull request can carry a crafted plan, and a name
// reaches HCL, YAML and comment lines. A for_each key is limited to
// characters that mean nothing inside an HCL string or to a shell: no
// quote, backslash, "$", "%", "{", "}" or whitespace.
var (
	// reTFAddress is a Terraform resource address with an optional
	// attribute: (module.NAME[INDEX].)* (data.)? TYPE.NAME[INDEX] (.ATTR)?
	reTFAddress = regexp.MustCompile(`^((?:module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:[0-9]+|"[A-Za-z0-9_.:/@+=,-]{1,128}")\])?\.)*)` +
		`((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:[0-9]+|"[A-Za-z0-9_.:/@+=,-]{1,128}")\])?)` +
		`(\.[a-z][a-z0-9_]*)?$`)
	// reLogicalID is a CloudFormation logical id, with an optional
	// Fn::GetAtt attribute.
	reLogicalID = regexp.MustCompile(`^([A-Za-z0-9]{1,255})(\.[A-Za-z][A-Za-z0-9]{0,63})?$`)
	// reStackName is a CloudFormation stack name, which qualifies the
	// logical id a resource shares with another stack of a cdk.out
	// (Stack/LogicalId).
	reStackName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)
)

// cfnID is a parsed CloudFormation fact id: [Stack/]LogicalId[.Attribute].
type cfnID struct {
	// stack is the stack's name when the id is qualified with it (a
	// logical id two stacks of the input share), else "".
	stack string
	// logical is the logical id; attr the Fn::GetAtt attribute without
	// its dot, empty for the resource itself.
	logical, attr string
}

// parseLogicalID parses a CloudFormation fact id, false when v does not
// match the grammar: the stack name and the logical id are checked each
// by its own.
func parseLogicalID(v string) (cfnID, bool) {
	if len(v) > maxSourceID {
		return cfnID{}, false
	}
	var id cfnID
	if stack, rest, ok := strings.Cut(v, "/"); ok {
		if !reStackName.MatchString(stack) {
			return cfnID{}, false
		}
		id.stack, v = stack, rest
	}
	m := reLogicalID.FindStringSubmatch(v)
	if m == nil {
		return cfnID{}, false
	}
	id.logical, id.attr = m[1], strings.TrimPrefix(m[2], ".")
	return id, true
}

// resource is the fact id of the resource the id names (without its
// attribute): the key of Facts.Stacks.
func (id cfnID) resource() string {
	if id.stack != "" {
		return id.stack + "/" + id.logical
	}
	return id.logical
}

// tfAddress is a parsed Terraform address (see reTFAddress).
type tfAddress struct {
	// module is the module path with its trailing dot ("module.vpc."),
	// empty in the root module.
	module string
	// resource is [data.]TYPE.NAME[INDEX]; attr the attribute without
	// its dot, empty for the resource itself.
	resource, attr string
}

// parseTFAddress parses a Terraform address, false when v does not
// match the grammar.
func parseTFAddress(v string) (tfAddress, bool) {
	if len(v) > maxSourceID {
		return tfAddress{}, false
	}
	m := reTFAddress.FindStringSubmatch(v)
	if m == nil {
		return tfAddress{}, false
	}
	return tfAddress{module: m[1], resource: m[2], attr: strings.TrimPrefix(m[3], ".")}, true
}

// expr is the address as an expression of its own module: the
// resource's id, or the attribute it names.
func (a tfAddress) expr() string {
	if a.attr != "" {
		return a.resource + "." + a.attr
	}
	return a.resource + ".id"
}

// sourceName says what kind of name a source gives resources.
func sourceName(source string) string {
	switch source {
	case SourceTerraform:
		return "a Terraform address"
	case SourceCloudFormation:
		return "a CloudFormation logical id"
	}
	return "an AWS id"
}

// isSourceID reports whether v is a name source gives a resource (an
// address or a logical id), by its strict grammar.
func isSourceID(source, v string) bool {
	switch source {
	case SourceTerraform:
		_, ok := parseTFAddress(v)
		return ok
	case SourceCloudFormation:
		_, ok := parseLogicalID(v)
		return ok
	}
	return false
}

// checkID accepts v in a field whose AWS ids match re: an AWS id, or,
// from a plan or template, a name of the input's own. Anything else is
// refused naming the field and the value, quoted (a control character in
// it escaped), never raw.
func checkID(source, field string, re *regexp.Regexp, v string) error {
	if re.MatchString(v) || isSourceID(source, v) {
		return nil
	}
	if source == SourceAWS {
		return fmt.Errorf("%s %q: does not match %s", field, v, re)
	}
	return fmt.Errorf("%s %q: neither an AWS id (%s) nor %s", field, v, re, sourceName(source))
}
