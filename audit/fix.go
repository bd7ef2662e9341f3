package audit

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/preflight-dev/preflight/internal/awsid"
)

// ChangeKind is what one step of a fix plan does.
type ChangeKind int

// Change kinds, in the order a plan runs them: the VPC's DNS attributes
// before the endpoints whose private DNS needs them; the endpoint security
// group and its ingress before the endpoints that use it; the endpoints
// before the task-group egress that references them; the allow rules
// before the allow-all they replace is revoked; the public IP last, once
// the private paths exist.
const (
	ChangeVPCAttribute ChangeKind = iota
	ChangeCreateSecurityGroup
	ChangeAuthorizeIngress
	ChangeCreateInterfaceEndpoint
	ChangeEndpointGroups
	ChangeEndpointPrivateDNS
	ChangeEndpointAddSubnets
	ChangeCreateGatewayEndpoint
	ChangeEndpointAddRouteTables
	ChangeNACLDelete
	ChangeNACLInsert
	ChangeAuthorizeEgress
	ChangeRevokeEgress
	ChangeDisablePublicIP
	// changeNACLAllow is what a rule asks for (let TCP through an ACL);
	// the planner turns it into deletes or inserts with rule numbers.
	changeNACLAllow
)

// Change is one typed step of a fix plan. Which fields matter depends on
// Kind. An id field holds either a literal AWS id or a reference to a
// resource the plan creates (see refID), which the writers render as a
// shell variable, a Terraform reference or a CloudFormation !GetAtt.
type Change struct {
	Kind ChangeKind
	// VPC is the VPC a resource is created in (create kinds, attributes).
	VPC string
	// Group is the security group a rule goes on, or the one created.
	Group string
	// Protocol is "tcp" or "-1"; FromPort and ToPort bound the ports.
	Protocol         string
	FromPort, ToPort int
	// Exactly one peer names the other side of a security group rule.
	PeerGroup, PeerPrefixList string
	// CIDR is a security group rule's or a NACL entry's block.
	CIDR string
	// Endpoint is the VPC endpoint changed or created; Service its
	// endpoint-service name ("com.amazonaws.us-east-1.ecr.dkr").
	Endpoint, Service string
	Subnets           []string
	// Groups are the endpoint's (or service's) security groups to set or
	// add; RemoveGroups those to take off the endpoint.
	Groups, RemoveGroups []string
	RouteTables          []string
	// ACL, Egress and RuleNumber locate a NACL entry; Blocker is the rule
	// that denies (0: the default "*" entry) for changeNACLAllow.
	ACL        string
	Egress     bool
	RuleNumber int
	Blocker    int
	// Attribute is enableDnsSupport or enableDnsHostnames.
	Attribute string
	// Cluster and ECSService name the service whose public IP is turned
	// off (its Subnets and Groups are kept).
	Cluster, ECSService string
	// Workload is the name of that service's workload (Workload.Name):
	// from a plan, its address, which the Terraform writer names as
	// where to turn the public IP off once it passes the address
	// grammar. It is never printed otherwise.
	Workload string
	// ServiceARN is that service's ARN, by which Plan.Names may name it
	// (a live service a change laid over the account declares). It is
	// never printed.
	ServiceARN string
	// Description labels created rules and groups.
	Description string
	// Note is what the step cannot know (a host name's addresses), said
	// in the comment above it; empty for most steps.
	Note string
}

// refPrefix marks an id the plan creates. No AWS id starts with it, so
// validation tells a reference from a literal by it.
const refPrefix = "plan:"

// refID is the id a created resource carries until it exists.
func refID(name string) string { return refPrefix + name }

// refName returns the name of a reference, or "" for a literal id.
func refName(id string) string {
	if s, ok := strings.CutPrefix(id, refPrefix); ok {
		return s
	}
	return ""
}

// endpointGroupRef is the security group the plan creates for the
// interface endpoints of vpc.
func endpointGroupRef(vpc string) string {
	return refID("endpoint_sg_" + refSuffix(vpc))
}

// refSuffix is the part of a reference's name that says which VPC it is
// in: the VPC's id without "vpc-". A reference's name is also a shell
// variable and a Terraform name, which take no "/" or "-": a template's
// VPC that two stacks share (Prod-Net/Vpc) becomes Prod_Net_Vpc. No two
// VPCs meet there, as a logical id holds neither character. A plan's VPC
// is an address, named by addressName.
func refSuffix(vpc string) string {
	if _, ok := parseTFAddress(vpc); ok {
		return addressName(vpc)
	}
	return strings.NewReplacer("/", "_", "-", "_").Replace(strings.TrimPrefix(vpc, "vpc-"))
}

// addressName turns a Terraform address into letters, digits and
// underscores, one to one: two VPCs of a plan must never give the
// resources made for them one name (the second would be refused as a
// duplicate, or, worse, merged). An address of plain names
// (module.net.aws_vpc.main) keeps them, each dot written "__":
// module__net__aws_vpc__main. That is undone by reading "__" as a dot
// again, so it is kept only where it can be: an address with no "__" of
// its own and no "_" beside a dot. Any other (a bracket, a quote, a "-")
// has every character but a letter or digit written "_" and its two hex
// digits (aws_vpc.this["b"] → aws_5fvpc_2ethis_5b_22b_22_5d), which holds
// no "__" at all, so the two forms never meet; an AWS id's suffix (hex
// digits) holds no "_".
func addressName(a string) string {
	plain := !strings.Contains(a, "__") && !strings.Contains(a, "_.") && !strings.Contains(a, "._")
	for _, r := range a {
		plain = plain && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.')
	}
	if plain {
		return strings.ReplaceAll(a, ".", "__")
	}
	var b strings.Builder
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "_%02x", c)
	}
	return b.String()
}

// endpointRef is the endpoint the plan creates for serviceName in vpc,
// named by what follows the region: endpoint_ecr_dkr, endpoint_s3.
func endpointRef(vpc, serviceName, region string) string {
	short := serviceName
	if _, after, ok := strings.Cut(serviceName, "."+region+"."); ok {
		short = after
	}
	short = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(short))
	return refID("endpoint_" + short + "_" + refSuffix(vpc))
}

// key identifies a change for de-duplication: two rows that ask for the
// same step produce one.
func (c Change) key() string {
	c.Description = ""
	// The kind as a number: several kinds share a command name.
	return fmt.Sprintf("%d %+v", int(c.Kind), c)
}

// idField is one id a change carries, the field's name and its pattern.
type idField struct {
	name string
	val  *string
	re   *regexp.Regexp
}

// AWS id patterns (internal/awsid, shared with the flags and the hints).
// An id that reaches a command must match its pattern; anything else (a
// crafted "sg-1;touch pwned;#") is refused, not printed.
var (
	reSG        = awsid.SecurityGroup
	reSubnet    = awsid.Subnet
	reVPC       = awsid.VPC
	reRTB       = awsid.RouteTable
	reACL       = awsid.NetworkACL
	rePL        = awsid.PrefixList
	reVPCE      = awsid.VPCEndpoint
	reService   = awsid.Service
	reECSName   = awsid.ECSName
	reRegion    = awsid.Region
	reAttribute = regexp.MustCompile(`^enableDns(Support|Hostnames)$`)
	// reRefName takes capitals for a logical id in the name
	// (endpoint_sg_OrdersStack_Vpc8378EB38).
	reRefName = regexp.MustCompile(`^[a-z][A-Za-z0-9_]*$`)
)

// fields lists the ids of c with their patterns; empty ones are skipped
// by validate.
func (c *Change) fields() []idField {
	fs := []idField{
		{"vpc_id", &c.VPC, reVPC}, {"group_id", &c.Group, reSG},
		{"peer_group_id", &c.PeerGroup, reSG}, {"prefix_list_id", &c.PeerPrefixList, rePL},
		{"vpc_endpoint_id", &c.Endpoint, reVPCE}, {"service_name", &c.Service, reService},
		{"network_acl_id", &c.ACL, reACL}, {"attribute", &c.Attribute, reAttribute},
		{"cluster", &c.Cluster, reECSName}, {"service", &c.ECSService, reECSName},
	}
	for i := range c.Subnets {
		fs = append(fs, idField{"subnet_ids", &c.Subnets[i], reSubnet})
	}
	for i := range c.Groups {
		fs = append(fs, idField{"security_group_ids", &c.Groups[i], reSG})
	}
	for i := range c.RemoveGroups {
		fs = append(fs, idField{"remove_security_group_ids", &c.RemoveGroups[i], reSG})
	}
	for i := range c.RouteTables {
		fs = append(fs, idField{"route_table_ids", &c.RouteTables[i], reRTB})
	}
	return fs
}

// validate refuses a change whose ids, block, ports or protocol could not
// be pasted safely, naming the field and the value. source is where the
// facts came from (Facts.Source): from a plan or template an id may also
// be the input's own name for a resource, by its strict grammar; the
// service names, cluster and service names keep their AWS patterns.
func (c *Change) validate(source string) error {
	for _, f := range c.fields() {
		v := *f.val
		if v == "" {
			continue
		}
		if n := refName(v); n != "" {
			if !reRefName.MatchString(n) {
				return fmt.Errorf("%s %q: not a plan reference", f.name, v)
			}
			continue
		}
		src := source
		// A template names a cluster or service by its logical id, which
		// a stack qualifies when another stack shares it (Orders/Service).
		if f.re == reService || f.re == reAttribute || f.re == reECSName && source != SourceCloudFormation {
			src = SourceAWS
		}
		if err := checkID(src, f.name, f.re, v); err != nil {
			return err
		}
	}
	if strings.Contains(c.Description, refPrefix) || sgDescription(c.Description) != c.Description {
		return fmt.Errorf("description %q: holds characters a rule description cannot", c.Description)
	}
	if c.CIDR != "" {
		p, err := netip.ParsePrefix(c.CIDR)
		if err != nil || p.String() != c.CIDR {
			return fmt.Errorf("cidr %q: not a canonical CIDR block", c.CIDR)
		}
	}
	if c.Protocol != "" && c.Protocol != "tcp" && c.Protocol != "-1" {
		return fmt.Errorf("protocol %q: want tcp or -1", c.Protocol)
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"from_port", c.FromPort}, {"to_port", c.ToPort}} {
		if p.v < 0 || p.v > 65535 {
			return fmt.Errorf("%s %d: not a port", p.name, p.v)
		}
	}
	if c.RuleNumber < 0 || c.RuleNumber > 32766 {
		return fmt.Errorf("rule_number %d: want 1-32766", c.RuleNumber)
	}
	return nil
}

// refs are the plan references c uses (not the one it creates).
func (c *Change) refs() []string {
	var out []string
	for _, f := range c.fields() {
		if n := refName(*f.val); n != "" && !(c.Kind == ChangeCreateSecurityGroup && f.val == &c.Group) &&
			!(c.creates() && f.val == &c.Endpoint) {
			out = append(out, n)
		}
	}
	return out
}

// creates reports whether c creates a resource (whose id is a reference).
func (c *Change) creates() bool {
	return slices.Contains([]ChangeKind{ChangeCreateSecurityGroup, ChangeCreateInterfaceEndpoint, ChangeCreateGatewayEndpoint}, c.Kind)
}
