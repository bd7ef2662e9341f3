package audit

// The contract between the sources of facts and the rules: what a source
// (audit/live's gather*.go, audit/terraform, audit/cloudformation) fills,
// and what it must leave to the rules.
//
//   - Route tables: copy DescribeRouteTables as is (Main flag + the explicit
//     subnet associations in SubnetIDs). Do NOT resolve a subnet's table;
//     the rules do it (explicit association first, else the VPC's main
//     table), so there is one place that knows the rule.
//   - Network ACLs: copy every entry including the default "*" entries
//     (rule number 32767) if the API returns them; the rules deny by
//     default anyway. SubnetIDs are the associations; set Default for the
//     VPC's default ACL.
//   - Tri-state VPC attributes: leave DNSSupport/DNSHostnames as TriUnknown
//     when DescribeVpcAttribute is denied, and add an Undecided with the
//     action and the VPC id as Resource.
//   - Undecided.Action must be the IAM action name, e.g.
//     "ec2:DescribeVpcEndpoints" (constants Action* below). Resource is the
//     resource id the call was about, or "" when the whole call failed (then
//     the rules treat every resource of that kind as undecided).
//   - Security group and NACL protocols: pass what the API gives ("-1",
//     "tcp", "6", "udp", "17", ...); the rules normalise names and numbers.
//   - Prefix lists: at least the AWS-managed com.amazonaws.REGION.s3 list
//     (DescribeManagedPrefixLists or DescribePrefixLists), plus any pl- id
//     that a security group rule or a route names.
//   - Subnet.CIDR matters: security group and NACL coverage is decided
//     from subnet CIDRs (task subnets and endpoint subnets), and, for the
//     task groups' egress to an interface endpoint, also from the private
//     addresses of the endpoint's network interfaces (Endpoint.Addrs, read
//     with ec2:DescribeNetworkInterfaces for Endpoint.NetworkInterfaceIDs):
//     rules to those /32s cover the endpoint. When that read fails, leave
//     Addrs nil and add an Undecided for ActionDescribeNetworkInterfaces
//     (Resource: the endpoint id, or "" for the whole call); the subnet
//     CIDRs are still judged.
//   - Endpoint.Type and State are compared case-insensitively; pass the
//     SDK's strings as they are.
//   - EFS mount targets (MountTargets) are optional: fill them when
//     elasticfilesystem:DescribeMountTargets(+SecurityGroups) is in reach; the
//     EFS rule says "could not decide" when a task uses EFS and there are
//     none for its file system.
//   - Container instances (ContainerInstances) are read for the clusters of
//     EC2 and EXTERNAL workloads: ecs:ListContainerInstances (every page),
//     ecs:DescribeContainerInstances (100 at a time), then
//     ec2:DescribeInstances for the EC2 ones. A cluster whose instances
//     could not be listed or described has no key in the map and an
//     Undecided (ActionListContainerInstances or
//     ActionDescribeContainerInstances, Resource the cluster name); a key
//     with an empty list means none are registered. An EC2 instance whose
//     DescribeInstances failed keeps an empty SubnetID and gets an
//     Undecided (ActionDescribeInstances, Resource the instance id). The
//     VPCs of the instances are gathered like the task subnets' VPCs: the
//     host's own traffic (image pulls, awslogs, secrets, the agent) leaves
//     through the instance's primary network interface.
//   - Capacity providers (CapacityProviders) are described for the
//     workloads whose strategy names one other than FARGATE and
//     FARGATE_SPOT: ecs:DescribeCapacityProviders, once per cluster for
//     the names it needs. A provider that could not be described has no
//     key and an Undecided (ActionDescribeCapacityProviders, Resource the
//     provider name); its workloads stay LaunchUnknown, never LaunchEC2.
//   - A service during a rollout is one workload per distinct task
//     definition, network configuration and launch type among its
//     PRIMARY and ACTIVE deployments (or task sets, for the CODE_DEPLOY
//     and EXTERNAL controllers); Workload.Deployment names them.

import (
	"net/netip"
	"strings"

	"github.com/preflight-dev/preflight/report"
)

// IAM action names for Undecided.Action. Rules look data up by these, so
// every source of facts must use the same strings.
const (
	ActionDescribeVpcs                 = "ec2:DescribeVpcs"
	ActionDescribeVpcAttribute         = "ec2:DescribeVpcAttribute"
	ActionDescribeDhcpOptions          = "ec2:DescribeDhcpOptions"
	ActionDescribeSubnets              = "ec2:DescribeSubnets"
	ActionDescribeRouteTables          = "ec2:DescribeRouteTables"
	ActionDescribeVpcEndpoints         = "ec2:DescribeVpcEndpoints"
	ActionDescribeSecurityGroups       = "ec2:DescribeSecurityGroups"
	ActionDescribeNetworkAcls          = "ec2:DescribeNetworkAcls"
	ActionDescribeManagedPrefixLists   = "ec2:DescribeManagedPrefixLists"
	ActionDescribeNetworkInterfaces    = "ec2:DescribeNetworkInterfaces"
	ActionDescribeServices             = "ecs:DescribeServices"
	ActionDescribeTaskDefinition       = "ecs:DescribeTaskDefinition"
	ActionDescribeMountTargets         = "elasticfilesystem:DescribeMountTargets"
	ActionDescribeMountTargetSecGroups = "elasticfilesystem:DescribeMountTargetSecurityGroups"
	ActionListContainerInstances       = "ecs:ListContainerInstances"
	ActionDescribeContainerInstances   = "ecs:DescribeContainerInstances"
	ActionDescribeInstances            = "ec2:DescribeInstances"
	ActionDescribeCapacityProviders    = "ecs:DescribeCapacityProviders"
	ActionDescribeBPAOptions           = "ec2:DescribeVpcBlockPublicAccessOptions"
	ActionDescribeBPAExclusions        = "ec2:DescribeVpcBlockPublicAccessExclusions"
)

// IAM actions of the reads that fill no fact of their own (the sweep's
// cluster and service lists, a prefix list's entries): the rules look up
// their Undecided too. audit-policy.json lists every action.
const (
	ActionListClusters                = "ecs:ListClusters"
	ActionDescribeClusters            = "ecs:DescribeClusters"
	ActionListServices                = "ecs:ListServices"
	ActionGetManagedPrefixListEntries = "ec2:GetManagedPrefixListEntries"
)

// Facts is everything audit knows about one region of one account: plain
// data filled by gather and read by the rules. Maps are keyed by resource
// id. A nil map or slice means "nothing found", never "not asked": a call
// that failed is listed in Undecided instead.
type Facts struct {
	// Region is the region the workloads run in, e.g. "ap-northeast-1".
	Region string
	// Account is the 12-digit account id the workloads run in.
	Account string
	// Partition is "aws", "aws-cn", "aws-us-gov", ...
	Partition string
	// Source is where the facts come from: SourceAWS (the account, ids
	// are AWS ids), SourceTerraform (a plan: resources not yet created
	// carry their address) or SourceCloudFormation (a template: logical
	// ids). The rules never read it; the fix plan and the hints do, to
	// write against the input's own names.
	Source string

	VPCs           map[string]*VPC
	Subnets        map[string]*Subnet
	RouteTables    []*RouteTable
	Endpoints      []*Endpoint
	SecurityGroups map[string]*SecurityGroup
	NetworkACLs    []*NetworkACL
	// PrefixLists holds managed prefix lists by id (pl-...), at least the
	// S3 one named com.amazonaws.REGION.s3.
	PrefixLists map[string]*PrefixList
	// MountTargets are EFS mount targets of the file systems the workloads
	// mount (optional: empty when not gathered).
	MountTargets []*MountTarget
	// ContainerInstances are the container instances registered in the
	// clusters of EC2 and EXTERNAL workloads, by cluster name (not ARN).
	// A cluster missing from the map was not read (an Undecided says why,
	// or no workload needed it); an empty list means none are registered.
	ContainerInstances map[string][]*ContainerInstance
	// CapacityProviders are the capacity providers the workloads'
	// strategies name, other than FARGATE and FARGATE_SPOT, by name. A
	// provider missing from the map could not be described (an Undecided
	// for ActionDescribeCapacityProviders names it).
	CapacityProviders map[string]*CapacityProvider
	// BPA is the account's VPC Block Public Access in the Region. Nil
	// when it was not read: an Undecided for ActionDescribeBPAOptions
	// says why when the read failed; a source with no Undecided for it
	// and no BPA is judged as BPA off, the AWS default.
	BPA *BlockPublicAccess

	// Workloads are the ECS services (or task definitions to be deployed)
	// to audit.
	Workloads []*Workload
	// Undecided lists the API calls that failed: denied, throttled, a
	// server error, no connection (see Undecided).
	Undecided []Undecided

	// Declared says where a template declares each resource, by fact id
	// (and each service by its workload name): the reports point at it
	// (SARIF's physical locations). No rule reads it: a verdict never
	// depends on where a resource is written. Nil for a live account and
	// a plan (Terraform writes its plan JSON on one line).
	Declared map[string]report.Location
	// Stacks says which stack declares each resource of an input of
	// several CloudFormation stacks (a cdk.out), by fact id: a fix step is
	// written for the template of the stack its resources are in, and a
	// step whose resources lie in two stacks is said in words. Nil for one
	// template, a plan and a live account.
	Stacks map[string]Stack

	// Names maps an AWS id of these facts to the input's own name for
	// the resource (a Terraform address: aws_security_group.task), for
	// facts that are a change laid over the account (audit/overlay),
	// where a resource the change declares keeps the account's id. The
	// fix plan and the egress rules in the input's own format name the
	// resource by it, so they paste into the change; an id it does not
	// hold is outside the change and stays an id. No rule reads it. Nil
	// for every other source.
	Names map[string]string
	// Inline says, by fact id, which of a resource's rules or
	// associations its declaration in the input manages itself: the
	// settings the aws provider lets either the resource or separate
	// resources manage, never both (InlineIngress... InlineRoutes). A fix
	// written in the input's format edits that setting of the resource
	// instead of adding a resource that the next apply would take off
	// again. A resource with an entry (possibly empty) is one whose
	// declaration the source read; one without is not known. No rule
	// reads it. Nil for a live account and a template.
	Inline map[string][]string
}

// Settings a Terraform resource can manage inline (Facts.Inline): the
// attribute or block names of aws_security_group and aws_network_acl
// (ingress, egress), aws_vpc_endpoint (route_table_ids, subnet_ids,
// security_group_ids) and aws_route_table (route).
const (
	InlineIngress          = "ingress"
	InlineEgress           = "egress"
	InlineRouteTableIDs    = "route_table_ids"
	InlineSubnetIDs        = "subnet_ids"
	InlineSecurityGroupIDs = "security_group_ids"
	InlineRoutes           = "route"
)

// Stack is one stack of an input of several CloudFormation stacks.
type Stack struct {
	// Name is the stack's name (the manifest's stackName, else its
	// artifact id).
	Name string
	// Template is the file its template was read from.
	Template string
}

// Tri is a boolean that can also be unknown, for attributes whose read
// may be denied. The zero value is TriUnknown, so a fact gather could not
// read is never mistaken for false or true.
type Tri int8

// Tri values.
const (
	TriUnknown Tri = iota
	TriFalse
	TriTrue
)

// TriOf converts a known boolean.
func TriOf(b bool) Tri {
	if b {
		return TriTrue
	}
	return TriFalse
}

// String renders t as "true", "false" or "unknown".
func (t Tri) String() string {
	switch t {
	case TriTrue:
		return "true"
	case TriFalse:
		return "false"
	}
	return "unknown"
}

// VPC is one VPC with the attributes that decide private DNS.
type VPC struct {
	ID string
	// CIDRs are every associated IPv4 and IPv6 block, primary first.
	CIDRs []netip.Prefix
	// DNSSupport is the enableDnsSupport attribute.
	DNSSupport Tri
	// DNSHostnames is the enableDnsHostnames attribute.
	DNSHostnames Tri
	// DHCPOptionsID is the associated DHCP options set ("default" or dopt-...).
	DHCPOptionsID string
	// DomainNameServers is the domain-name-servers value of the DHCP options
	// ("AmazonProvidedDNS" or addresses). Empty (not nil) when the set was
	// read and has no domain-name-servers option; nil when it was not read
	// (then an Undecided for ActionDescribeDhcpOptions says why) or when
	// DHCPOptionsID is "default" (no set).
	DomainNameServers []string
}

// Subnet is one subnet. Its route table is not stored here: the rules
// resolve it from RouteTables (explicit association, else the main table).
type Subnet struct {
	ID    string
	VPCID string
	// AZ is the availability zone name, e.g. "ap-northeast-1a".
	AZ string
	// AZID is the zone id, e.g. "apne1-az4" (optional).
	AZID string
	// CIDR is the IPv4 block; IPv6 is the IPv6 block (invalid when none).
	CIDR netip.Prefix
	IPv6 netip.Prefix
	// MapPublicIPOnLaunch is the subnet's auto-assign setting (informative).
	MapPublicIPOnLaunch bool
}

// Route target kinds.
const (
	TargetLocal     = "local"
	TargetIGW       = "igw"  // internet gateway (igw-)
	TargetEIGW      = "eigw" // egress-only internet gateway (IPv6)
	TargetNAT       = "nat"  // NAT gateway (nat-)
	TargetVPCE      = "vpce" // gateway endpoint (vpce-) via its prefix list
	TargetTGW       = "tgw"  // transit gateway (tgw-)
	TargetPCX       = "pcx"  // VPC peering (pcx-)
	TargetENI       = "eni"  // a network interface (eni-), e.g. a NAT instance or firewall
	TargetInstance  = "instance"
	TargetVGW       = "vgw" // virtual private gateway (vgw-)
	TargetBlackhole = "blackhole"
	TargetOther     = "other"
)

// RouteTable is one route table with its associations.
type RouteTable struct {
	ID    string
	VPCID string
	// Main is true for the VPC's main table, which serves every subnet that
	// has no explicit association.
	Main bool
	// SubnetIDs are the explicit subnet associations.
	SubnetIDs []string
	Routes    []Route
}

// Route is one route. Exactly one of Destination (IPv4 or IPv6) and
// DestinationPrefixListID is set.
type Route struct {
	Destination             netip.Prefix
	DestinationPrefixListID string
	// Target is one of the Target* kinds; TargetID is the id (igw-..., nat-...).
	Target   string
	TargetID string
	// State is "active" or "blackhole"; a blackhole route carries nothing.
	State string
}

// Endpoint types.
const (
	EndpointInterface = "Interface"
	EndpointGateway   = "Gateway"
)

// Endpoint is one VPC endpoint.
type Endpoint struct {
	ID    string
	VPCID string
	// ServiceName is e.g. "com.amazonaws.us-east-1.ecr.dkr". Empty for the
	// VPC Lattice types (Resource, ServiceNetwork), which name an ARN.
	ServiceName string
	// ServiceRegion is the Region of the service the endpoint reaches:
	// another Region than the VPC's for a cross-Region interface endpoint
	// (its ServiceName names that Region too). Empty when not given.
	ServiceRegion string
	// Type is EndpointInterface, EndpointGateway, "GatewayLoadBalancer",
	// "Resource" or "ServiceNetwork".
	Type string
	// State is e.g. "available", "pending", "pendingAcceptance",
	// "rejected", "failed", "deleting", "deleted" (any case).
	State             string
	PrivateDNSEnabled bool
	// PrivateDNSOnlyForInbound is DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint:
	// on an S3 interface endpoint its private DNS answers only queries
	// that come in through a Route 53 Resolver inbound endpoint (on
	// premises); clients in the VPC resolve S3's public addresses, which
	// the VPC's S3 gateway endpoint routes.
	PrivateDNSOnlyForInbound bool
	// SubnetIDs are the subnets with an endpoint ENI (interface endpoints).
	SubnetIDs []string
	// NetworkInterfaceIDs are the endpoint's ENIs (interface endpoints).
	NetworkInterfaceIDs []string
	// Addrs are the private IPv4 and IPv6 addresses of those ENIs: what
	// the service's name resolves to with private DNS. Nil when not read.
	Addrs []netip.Addr
	// SecurityGroupIDs guard the endpoint ENIs (interface endpoints).
	SecurityGroupIDs []string
	// RouteTableIDs are the associated route tables (gateway endpoints).
	RouteTableIDs []string
	// PolicyDocument is the raw JSON policy; empty means the default full
	// access policy.
	PolicyDocument string
}

// SecurityGroup is one security group. Security groups are stateful: the
// return traffic of an allowed connection is always allowed.
type SecurityGroup struct {
	ID      string
	VPCID   string
	Name    string
	Ingress []Rule
	Egress  []Rule
}

// Rule is one security group permission. Its sources/destinations are the
// union of CIDRs, PrefixListIDs and GroupIDs.
type Rule struct {
	// Protocol is "-1" (all), "tcp", "udp", "icmp" or a number.
	Protocol string
	// FromPort and ToPort bound the port range (ignored for "-1").
	FromPort, ToPort int
	// CIDRs are IPv4 and IPv6 blocks.
	CIDRs         []netip.Prefix
	PrefixListIDs []string
	GroupIDs      []string
}

// NetworkACL is one network ACL. NACLs are stateless and evaluated in rule
// number order, lowest first; the first matching entry decides, and no
// match denies.
type NetworkACL struct {
	ID    string
	VPCID string
	// Default is true for the VPC's default ACL.
	Default bool
	// SubnetIDs are the associated subnets.
	SubnetIDs []string
	Entries   []NACLEntry
}

// NACLEntry is one network ACL entry.
type NACLEntry struct {
	RuleNumber int
	Egress     bool
	// Protocol is "-1" (all), "6"/"tcp", "17"/"udp", ...
	Protocol string
	// PortFrom and PortTo bound the port range; both 0 means all ports.
	PortFrom, PortTo int
	// CIDR is the IPv4 or IPv6 block the entry matches.
	CIDR  netip.Prefix
	Allow bool
}

// PrefixList is a managed prefix list.
type PrefixList struct {
	ID string
	// Name is e.g. "com.amazonaws.us-east-1.s3".
	Name  string
	CIDRs []netip.Prefix
}

// BPA modes (InternetGatewayBlockMode) and exclusion modes
// (InternetGatewayExclusionMode), as the EC2 API spells them.
const (
	BPAOff                = "off"
	BPABlockBidirectional = "block-bidirectional"
	BPABlockIngress       = "block-ingress"
	BPAAllowBidirectional = "allow-bidirectional"
	BPAAllowEgress        = "allow-egress"
)

// BlockPublicAccess is VPC Block Public Access (BPA) of one account in
// one Region (ec2:DescribeVpcBlockPublicAccessOptions), with its
// exclusions (ec2:DescribeVpcBlockPublicAccessExclusions). It closes
// internet paths whatever the routes say; rules_bpa.go says which.
type BlockPublicAccess struct {
	// Mode is BPAOff, BPABlockBidirectional or BPABlockIngress.
	Mode string
	// State is default-state, update-in-progress or update-complete.
	State string
	// ExclusionsAllowed is "allowed" or "not-allowed" (a declarative
	// policy of the organization); empty when not given.
	ExclusionsAllowed string
	// ExclusionsRead is false when the exclusions could not be read
	// (then an Undecided for ActionDescribeBPAExclusions says why).
	ExclusionsRead bool
	// Exclusions are every exclusion of the account in the Region, in
	// whatever state.
	Exclusions []BPAExclusion
}

// BPAExclusion is one VPC BPA exclusion: a VPC or a subnet exempt from
// the account's mode.
type BPAExclusion struct {
	ID string
	// ResourceID is the excluded vpc-... or subnet-... id (from the
	// exclusion's ResourceArn).
	ResourceID string
	// Mode is BPAAllowBidirectional or BPAAllowEgress.
	Mode string
	// State is create-complete, update-complete (in effect) or
	// create-in-progress, update-in-progress, delete-in-progress, ...
	State string
}

// Active reports whether x is in effect: created or updated, not being
// created, changed, disabled or deleted.
func (x BPAExclusion) Active() bool {
	return x.State == "create-complete" || x.State == "update-complete"
}

// MountTarget is one EFS mount target.
type MountTarget struct {
	ID               string
	FileSystemID     string
	SubnetID         string
	AZ               string
	SecurityGroupIDs []string
}

// ContainerInstance is one container instance of a cluster: the host
// whose own network interface carries what the container agent and the
// Docker daemon do for the tasks (image pulls, awslogs, secrets).
type ContainerInstance struct {
	// ARN is the container instance ARN.
	ARN string
	// EC2InstanceID is the EC2 instance (i-...), or the managed instance
	// id (mi-...) of an EXTERNAL (ECS Anywhere) instance, which is in no
	// VPC.
	EC2InstanceID string
	// Status is ACTIVE, DRAINING, REGISTERING, ...
	Status string
	// VPCID, SubnetID and AZ are those of the instance's primary network
	// interface; SubnetID is empty when the instance could not be read
	// (then an Undecided for ActionDescribeInstances says so) and for an
	// external instance.
	VPCID, SubnetID, AZ string
	// SecurityGroupIDs guard the primary network interface.
	SecurityGroupIDs []string
	// PublicIPv4 is the primary interface's public IPv4 address; invalid
	// when it has none.
	PublicIPv4 netip.Addr
	// CapacityProvider is the capacity provider that launched the
	// instance (capacityProviderName); empty for an instance registered
	// by hand.
	CapacityProvider string
}

// Capacity provider kinds (the provider's type).
const (
	ProviderASG              = "EC2_AUTOSCALING"
	ProviderManagedInstances = "MANAGED_INSTANCES"
)

// CapacityProvider is one capacity provider a workload's strategy names:
// an EC2 Auto Scaling group, whose instances register in the cluster, or
// ECS Managed Instances, which ECS launches in the provider's own subnets
// and security groups.
type CapacityProvider struct {
	Name string
	// Kind is ProviderASG or ProviderManagedInstances.
	Kind string
	// Subnets and SecurityGroups are the instance launch template's
	// network configuration (Managed Instances only).
	Subnets        []string
	SecurityGroups []string
}

// External reports whether ci is an EXTERNAL (ECS Anywhere) instance: its
// network is outside AWS, so no VPC fact describes it.
func (ci *ContainerInstance) External() bool {
	return !strings.HasPrefix(ci.EC2InstanceID, "i-")
}

// Launch types.
const (
	LaunchFargate  = "FARGATE"
	LaunchEC2      = "EC2"
	LaunchExternal = "EXTERNAL"
	// LaunchManagedInstances: ECS Managed Instances, EC2 instances ECS
	// launches in a capacity provider's subnets and security groups.
	LaunchManagedInstances = "MANAGED_INSTANCES"
	// LaunchUnknown: what runs the tasks could not be learned (a
	// capacity provider that could not be described, a service that
	// names neither a launch type nor a strategy). Never taken as EC2.
	LaunchUnknown = "UNKNOWN"
)

// assignPublicIp values.
const (
	PublicIPEnabled  = "ENABLED"
	PublicIPDisabled = "DISABLED"
)

// Workload is what one ECS service (or a task definition about to be
// deployed with a network configuration) would run.
type Workload struct {
	// Name is "service/CLUSTER/NAME" or "taskdef/FAMILY:REV"; it is the
	// Target of workload-level findings. During a rollout it ends with
	// the Deployment in parentheses.
	Name string
	// Cluster is the cluster name (not the ARN); Service the service name
	// (empty for a task definition). Both are used in hints.
	Cluster    string
	Service    string
	ServiceARN string
	// Status is the service's status (ACTIVE, DRAINING); empty for a task
	// definition. A DRAINING service named with --service is reported,
	// not audited.
	Status string
	// LaunchType is what runs the tasks: LaunchFargate (the launch type,
	// or a strategy of FARGATE and FARGATE_SPOT), LaunchEC2 (the launch
	// type, or Auto Scaling group providers), LaunchExternal,
	// LaunchManagedInstances or LaunchUnknown.
	LaunchType string
	// CapacityProviders are the providers of the strategy that place
	// tasks (weight or base above 0); empty with a launch type.
	CapacityProviders []string
	// Deployment says which of the service's deployments or task sets
	// the workload is, e.g. "deployment ecs-svc/123, ACTIVE"; empty when
	// the service runs one task definition and network configuration.
	Deployment string
	// Rollout is true for a workload that is not what the service's
	// own configuration says (an ACTIVE deployment or task set being
	// replaced): a fix belongs to the service's PRIMARY, not to it.
	Rollout bool
	// Subnets and SecurityGroups are the awsvpcConfiguration.
	Subnets        []string
	SecurityGroups []string
	// AssignPublicIP is PublicIPEnabled, PublicIPDisabled or "" (unknown).
	AssignPublicIP       string
	EnableExecuteCommand bool
	// ServiceConnect is true when Service Connect is enabled.
	ServiceConnect bool
	// TaskDefinition is nil when it could not be read (then an Undecided
	// for ActionDescribeTaskDefinition says so).
	TaskDefinition *TaskDefinition
	// Unjudged, when not empty, says why the source cannot tell what
	// the workload's tasks run or where (a service whose EXTERNAL or
	// CODE_DEPLOY deployment controller lists no running task set, a
	// deployment that names no task definition): nothing of it is
	// judged, and its one row is undecided with this reason, never
	// silence and never a pass.
	Unjudged string
	// LaunchNote, when not empty, says why LaunchType is LaunchUnknown
	// where the capacity providers do not (a launch type the audit does
	// not know); the undecided row of the launch type gives it.
	LaunchNote string
}

// TaskDefinition is the part of a task definition that decides network
// needs.
type TaskDefinition struct {
	ARN         string
	Family      string
	Revision    int
	NetworkMode string
	// OSFamily is runtimePlatform.operatingSystemFamily ("LINUX",
	// "WINDOWS_SERVER_2022_CORE", ...); empty means LINUX, ECS's default.
	// It decides the ephemeral ports the tasks' connections come back to.
	OSFamily   string
	Containers []Container
	EFSVolumes []EFSVolume
}

// Container is one container definition.
type Container struct {
	Name  string
	Image string
	// RepositoryCredentials is repositoryCredentials.credentialsParameter
	// (a Secrets Manager ARN or name); empty when the image needs none.
	RepositoryCredentials string
	// LogDriver is logConfiguration.logDriver, e.g. "awslogs" or
	// "awsfirelens"; LogOptions its options (awslogs-region,
	// awslogs-endpoint, a FireLens output's Name, region, endpoint...).
	LogDriver  string
	LogOptions map[string]string
	// FireLens is the firelensConfiguration of the task's log router
	// container; nil for the other containers.
	FireLens *FireLens
	// Secrets are the valueFrom of secrets (container secrets and the log
	// configuration's secretOptions): Secrets Manager ARNs, SSM parameter
	// ARNs or SSM parameter names.
	Secrets []string
	// EntryPoint and Command are the container's entryPoint and command;
	// they say whether the container runs preflight (see containerChecks).
	EntryPoint, Command []string
	// Environment holds the container's PREFLIGHT_* environment variables
	// (name → value): a preflight container checks what they name. Other
	// variables decide nothing the audit judges, so they are not kept.
	Environment map[string]string
}

// FireLens is a log router container's firelensConfiguration.
type FireLens struct {
	// Type is "fluentbit" or "fluentd".
	Type string
	// Options are its options: config-file-type ("s3" or "file") and
	// config-file-value (an S3 object ARN for s3), enable-ecs-log-metadata.
	Options map[string]string
}

// EFSVolume is one EFS volume of a task definition.
type EFSVolume struct {
	Name              string
	FileSystemID      string
	TransitEncryption bool
}

// Undecided is an API call that failed after its retries (denied,
// throttled, a server error, an undecodable or oversized answer, a
// runaway pagination, no connection): the rules that need its data report
// "could not decide" rather than passing.
type Undecided struct {
	// Action is the IAM action, e.g. "ec2:DescribeVpcEndpoints".
	Action string
	// Resource is the resource id the call was about; empty means the whole
	// call failed.
	Resource string
	// Err is the error message; Code the API error code
	// ("AccessDenied", "UnauthorizedOperation", "Throttling", ...) or,
	// when AWS gave none, one of the Code* phrases ("server error").
	Err  string
	Code string
}
