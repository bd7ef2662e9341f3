package report

import (
	"net/url"
	"strings"
)

// consolePages are the console pages of the resource kinds audit names,
// by id prefix: the console's path and the fragment before the id.
var consolePages = []struct{ prefix, path, fragment string }{
	{"vpce-", "/vpcconsole/home", "EndpointDetails:vpcEndpointId="},
	{"sg-", "/ec2/home", "SecurityGroup:groupId="},
	{"subnet-", "/vpcconsole/home", "SubnetDetails:subnetId="},
	{"rtb-", "/vpcconsole/home", "RouteTableDetails:RouteTableId="},
	{"acl-", "/vpcconsole/home", "NetworkAclDetails:networkAclId="},
	{"vpc-", "/vpcconsole/home", "VpcDetails:VpcId="},
	{"pl-", "/vpcconsole/home", "PrefixListDetails:prefixListId="},
	{"nat-", "/vpcconsole/home", "NatGatewayDetails:natGatewayId="},
	{"igw-", "/vpcconsole/home", "InternetGatewayDetails:internetGatewayId="},
	{"eni-", "/ec2/home", "NetworkInterface:networkInterfaceId="},
	{"dopt-", "/vpcconsole/home", "DhcpOptionsDetails:DhcpOptionsId="},
}

// ConsoleURL is the AWS console page of resource id in region, on the
// console of domain (config.ConsoleDomain: it differs per partition), or
// "" when domain is empty or the id is of no kind the page links. An ECS
// service ARN links to its service page.
func ConsoleURL(domain, region, id string) string {
	if domain == "" || region == "" {
		return ""
	}
	query := url.Values{"region": {region}}.Encode()
	if strings.HasPrefix(id, "arn:") {
		// arn:PARTITION:ecs:REGION:ACCOUNT:service/CLUSTER/NAME
		parts := strings.SplitN(id, ":", 6)
		if len(parts) != 6 || parts[2] != "ecs" {
			return ""
		}
		res := strings.Split(parts[5], "/")
		if len(res) != 3 || res[0] != "service" {
			return ""
		}
		u := url.URL{Scheme: "https", Host: domain, Path: "/ecs/v2/clusters/" + res[1] + "/services/" + res[2] + "/health", RawQuery: "region=" + url.QueryEscape(parts[3])}
		return u.String()
	}
	for _, p := range consolePages {
		if strings.HasPrefix(id, p.prefix) {
			u := url.URL{Scheme: "https", Host: domain, Path: p.path, RawQuery: query, Fragment: p.fragment + id}
			return u.String()
		}
	}
	return ""
}
