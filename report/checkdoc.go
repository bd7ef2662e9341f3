package report

// CheckDoc describes a check kind to a reader outside the terminal: the
// SARIF rule of the kind (GitHub code scanning shows Short as the rule's
// title, Full under it and Help as its help panel) and the JUnit and HTML
// renderings.
type CheckDoc struct {
	Short string
	Full  string
	// Help says how to fix a failing row of the kind in general; the
	// row's own hint says it for that row.
	Help string
}

// checkDocs holds every check kind of both planes, keyed by the kind's
// value: the control plane's kinds are declared in package audit and the
// explain kind in package explain, which import this package, so their
// values are spelled here; a test fails when a declared kind has no entry.
var checkDocs = map[Check]CheckDoc{
	CheckMetadata: {"Task metadata", "preflight reads the ECS task metadata endpoint (v4) to learn the task's region, account, network and containers.",
		"Run inside an ECS task (Fargate platform 1.4.0 or later, or EC2 agent 1.39.0 or later), or give --region and --account outside ECS."},
	CheckResolver: {"DNS resolver", "The task's DNS resolver answers, and is the VPC resolver (or forwards to it) so that interface endpoints' private DNS names resolve.",
		"Point the task at the VPC resolver (the VPC base address + 2, or 169.254.169.253), or make the custom resolver forward AWS names to it."},
	CheckPlan: {"Check plan", "What preflight could not plan: an entry that does not apply, a need that could not be derived.",
		"Correct the --checks entry, or the task definition field the row names."},
	CheckDNS: {"DNS answer", "A target's name resolves, and to addresses of the expected class (private through an interface endpoint, or public).",
		"Create the interface endpoint with private DNS enabled, enable the VPC's enableDnsSupport and enableDnsHostnames, or correct the entry's =EXPECT."},
	CheckConnect: {"TCP connect", "A TCP connection to the target's port is established from the task.",
		"Allow the traffic: the task security group's egress, the endpoint security group's ingress, the subnets' network ACLs (both directions) and routes."},
	CheckTLS: {"TLS handshake", "A TLS handshake with the target succeeds with SNI set to the host and the certificate chain verified.",
		"Check for a proxy or firewall that intercepts TLS, and that SSL_CERT_FILE (if set) holds the roots the target's chain ends in."},
	CheckPublicIP: {"Public IPv4 address", "The tasks get no public IPv4 address (Security Hub control ECS.2): assignPublicIp is DISABLED.",
		"Set assignPublicIp=DISABLED in the service's awsvpcConfiguration, and give the tasks a NAT gateway or VPC endpoints for what they reach."},
	CheckInternal: {"Internal", "preflight itself could not finish the check (a panic, an interrupted run).",
		"Run preflight again; report the error if it repeats."},
	"explain": {"Cause from the control plane", "The AWS configuration that explains a failing in-task check (--explain).",
		"Follow the cause's fix."},
	"endpoint": {"VPC endpoint for a need", "An available VPC endpoint in the tasks' VPC serves each AWS service the task definition needs (images, logs, secrets, file systems), so that the tasks reach it privately.",
		"Create the interface endpoint (with private DNS) in the task subnets, or the S3 gateway endpoint on their route tables; `preflight audit --fix cli` prints the steps."},
	"private_dns": {"Endpoint private DNS", "An interface endpoint has private DNS enabled, so that the service's public name resolves to the endpoint's addresses.",
		"Enable private DNS on the endpoint (aws ec2 modify-vpc-endpoint --private-dns-enabled)."},
	"dns_support": {"VPC DNS attributes", "The VPC's enableDnsSupport and enableDnsHostnames are both true, which an interface endpoint's private DNS requires.",
		"Enable both attributes (aws ec2 modify-vpc-attribute)."},
	"dhcp": {"DHCP options resolver", "The VPC's DHCP options give the tasks the Amazon-provided resolver, which answers interface endpoints' private DNS names. No options set (DhcpOptionsId default) or a set without domain-name-servers gives no DNS server at all.",
		"Associate a DHCP options set with domain-name-servers=AmazonProvidedDNS, or make the custom resolver forward AWS names to the VPC resolver."},
	"endpoint_az": {"Endpoint in every task AZ", "An interface endpoint has a network interface in every Availability Zone the tasks run in.",
		"Add a subnet of each missing Availability Zone to the endpoint."},
	"security_group": {"Security groups", "The task security groups allow outbound TCP to the endpoint (or prefix list, or address), and the endpoint's security groups allow it in.",
		"Add the egress rule to the task security group or the ingress rule to the endpoint's, as the row's hint says."},
	"route": {"Routes", "The task subnets' route tables send the traffic where it must go: the gateway endpoint's prefix list, a NAT gateway, or the address's next hop.",
		"Associate the gateway endpoint with the task subnets' route tables, or add the missing route."},
	"nacl": {"Network ACLs", "The task subnets' network ACLs allow the traffic out and its return (TCP 1024-65535) back in; they are stateless and evaluated in rule order.",
		"Add allow entries before the deny that matches, for the traffic and its return."},
	"endpoint_policy": {"S3 gateway endpoint policy", "The S3 gateway endpoint's policy allows reading ECR's image layers (the bucket prod-REGION-starport-layer-bucket).",
		"Allow s3:GetObject on arn:aws:s3:::prod-REGION-starport-layer-bucket/* in the endpoint policy."},
	"egress": {"Open egress", "No task security group allows all traffic to 0.0.0.0/0: the tasks reach only what they need.",
		"Replace the open rule with the egress rules the tasks need (`preflight audit --egress-rules`)."},
	"cross_region": {"Need in another Region", "A need in another Region, which no VPC endpoint of this Region serves: it needs an internet path or a peered endpoint.",
		"Give the tasks a NAT gateway, or reach the Region through a peered VPC's endpoint."},
	"service_status": {"Service not audited", "A service named with --service is DRAINING (being deleted): ECS stops its tasks, so its network is not judged; a sweep of the cluster leaves DRAINING and INACTIVE services out.",
		"Audit the service that replaces it, or name an ACTIVE service."},
	"undecided": {"Undecided", "A fact the audit needs could not be read (an AWS API call was denied, throttled, answered with a server error or an undecodable body, or never reached), so the findings that need it are not decided.",
		"Grant the read the row names when it was denied (audit-policy.json lists every call); otherwise check the endpoint and the network, or retry when throttled."},
	"coverage": {"Nothing judged", "The audit judged no need at all (a cluster without services, or every read it needed failed), so it cannot pass.",
		"Fix what the undecided rows name, or point the audit at a cluster or task definition that has services, then run it again."},
}

// DocFor returns the description of check kind c; a kind without an entry
// gets one made from its name, so that no output drops its rows.
func DocFor(c Check) CheckDoc {
	if d, ok := checkDocs[c]; ok {
		return d
	}
	return CheckDoc{Short: string(c), Full: "preflight check " + string(c) + ".", Help: "Follow the row's hint."}
}
