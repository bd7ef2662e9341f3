package config

import (
	"errors"
	"strings"
	"testing"
)

// regionPrefix is each test region's reverse-DNS prefix, written out rather
// than derived, so the test does not share the code's derivation.
var regionPrefix = map[string]string{
	"us-east-1":       "com.amazonaws",
	"us-gov-west-1":   "com.amazonaws",
	"cn-north-1":      "cn.com.amazonaws",
	"cn-northwest-1":  "cn.com.amazonaws",
	"us-iso-east-1":   "gov.ic.c2s",
	"us-iso-west-1":   "gov.ic.c2s",
	"us-isob-east-1":  "gov.sgov.sc2s",
	"us-isob-west-1":  "gov.sgov.sc2s",
	"eu-isoe-west-1":  "uk.adc-e.cloud",
	"us-isof-south-1": "gov.ic.hci.csp",
	"us-isof-east-1":  "gov.ic.hci.csp",
	"eusc-de-east-1":  "eu.amazonaws",
}

// TestEndpointServiceNames checks every catalogue service in one or two
// regions of every partition: the regions listed use the partition's own
// prefix, all others com.amazonaws.
func TestEndpointServiceNames(t *testing.T) {
	const (
		cn    = "cn-north-1 cn-northwest-1"
		iso   = "us-iso-east-1 us-iso-west-1"
		isoB  = "us-isob-east-1 us-isob-west-1"
		isoEF = "eu-isoe-west-1 us-isof-south-1 us-isof-east-1"
	)
	reversed := map[string]string{ // service -> regions with the partition prefix
		"ecr.api":           cn + " " + iso + " " + isoB + " " + isoEF + " eusc-de-east-1",
		"ecr.dkr":           cn + " " + iso + " " + isoB + " " + isoEF + " eusc-de-east-1",
		"ecr.layers":        "",
		"s3":                "",
		"dynamodb":          "",
		"logs":              "",
		"monitoring":        cn + " us-iso-west-1",
		"secretsmanager":    "",
		"ssm":               "",
		"ssmmessages":       "",
		"ec2messages":       "",
		"kms":               "",
		"sts":               cn,
		"ecs":               "",
		"ecs-agent":         "",
		"ecs-telemetry":     "",
		"ec2":               cn + " " + iso + " us-isob-east-1",
		"xray":              cn,
		"elasticfilesystem": cn + " " + iso + " us-isob-east-1",
		"sqs":               cn + " " + iso + " us-isob-east-1",
		"sns":               iso + " us-isob-east-1",
		"kinesis-streams":   "", // unconfirmed outside aws: the partition-wide default
		"firehose":          "", // likewise
	}
	if len(reversed) != len(catalogue) {
		t.Errorf("test covers %d services; catalogue has %d", len(reversed), len(catalogue))
	}
	for _, svc := range Services() {
		regions, ok := reversed[svc.Name]
		if !ok {
			t.Errorf("service %s: no expectation in the test", svc.Name)
			continue
		}
		rev := map[string]bool{}
		for _, r := range strings.Fields(regions) {
			rev[r] = true
		}
		for region, prefix := range regionPrefix {
			if !rev[region] {
				prefix = "com.amazonaws"
			}
			want := prefix + "." + region + "." + svc.EndpointService
			got, err := EndpointServiceNameFor(svc.Name, region)
			if err != nil || got != want {
				t.Errorf("EndpointServiceNameFor(%s, %s) = %q, %v; want %q", svc.Name, region, got, err, want)
			}
		}
	}
}

func TestEndpointServiceNameExamples(t *testing.T) {
	tests := []struct{ service, region, want string }{
		{"ecr.dkr", "us-east-1", "com.amazonaws.us-east-1.ecr.dkr"},
		{"ecr.dkr", "cn-north-1", "cn.com.amazonaws.cn-north-1.ecr.dkr"},
		{"ecr.api", "us-iso-east-1", "gov.ic.c2s.us-iso-east-1.ecr.api"},
		{"ecr.layers", "cn-north-1", "com.amazonaws.cn-north-1.s3"},
		{"logs", "cn-northwest-1", "com.amazonaws.cn-northwest-1.logs"},
		{"ecs-agent", "us-east-1", "com.amazonaws.us-east-1.ecs-agent"},
		{"ecs-telemetry", "us-gov-east-1", "com.amazonaws.us-gov-east-1.ecs-telemetry"},
		{"sns", "cn-north-1", "com.amazonaws.cn-north-1.sns"},
	}
	for _, tt := range tests {
		if got, err := EndpointServiceNameFor(tt.service, tt.region); err != nil || got != tt.want {
			t.Errorf("EndpointServiceNameFor(%s, %s) = %q, %v; want %q", tt.service, tt.region, got, err, tt.want)
		}
	}
	for _, bad := range [][2]string{{"nope", "us-east-1"}, {"logs", "zz-nowhere-9"}} {
		if got, err := EndpointServiceNameFor(bad[0], bad[1]); err == nil {
			t.Errorf("EndpointServiceNameFor(%s, %s) = %q, nil; want an error", bad[0], bad[1], got)
		}
	}
}

func TestHostFor(t *testing.T) {
	tests := []struct {
		service, region, account, want, wantErr string
	}{
		{service: "ecr.api", region: "us-east-1", want: "api.ecr.us-east-1.amazonaws.com"},
		{service: "ecr.dkr", region: "cn-north-1", account: "123456789012", want: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"},
		{service: "ecr.dkr", region: "us-isob-east-1", account: "123456789012", want: "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov"},
		{service: "ecr.layers", region: "eu-isoe-west-1", want: "prod-eu-isoe-west-1-starport-layer-bucket.s3.eu-isoe-west-1.cloud.adc-e.uk"},
		{service: "logs", region: "eusc-de-east-1", want: "logs.eusc-de-east-1.amazonaws.eu"},
		{service: "sts", region: "us-gov-west-1", want: "sts.us-gov-west-1.amazonaws.com"},
		{service: "ec2", region: "us-iso-east-1", want: "ec2.us-iso-east-1.c2s.ic.gov"},
		{service: "kms", region: "us-isof-south-1", want: "kms.us-isof-south-1.csp.hci.ic.gov"},
		{service: "ecr.dkr", region: "us-east-1", wantErr: "not a 12-digit AWS account ID"},
		{service: "logs", region: "zz-nowhere-9", wantErr: "in no AWS partition"},
		{service: "nope", region: "us-east-1", wantErr: "not in the catalogue"},
		{service: "ecs-agent", region: "us-east-1", wantErr: "no fixed host"},
		{service: "ecs-telemetry", region: "us-east-1", wantErr: "DiscoverPollEndpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.service+"/"+tt.region, func(t *testing.T) {
			got, err := HostFor(tt.service, tt.region, tt.account)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("HostFor = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("HostFor = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := HostFor("ecs-agent", "us-east-1", ""); !errors.Is(err, ErrNoFixedHost) {
		t.Errorf("HostFor(ecs-agent) error = %v; want ErrNoFixedHost", err)
	}
}

func TestS3Helpers(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1":      "com.amazonaws.us-east-1.s3",
		"cn-north-1":     "com.amazonaws.cn-north-1.s3",
		"us-gov-west-1":  "com.amazonaws.us-gov-west-1.s3",
		"us-iso-east-1":  "com.amazonaws.us-iso-east-1.s3",
		"eusc-de-east-1": "com.amazonaws.eusc-de-east-1.s3",
	} {
		if got := S3PrefixListName(region); got != want {
			t.Errorf("S3PrefixListName(%q) = %q; want %q", region, got, want)
		}
		bucket := ECRLayerBucket(region)
		if want := "prod-" + region + "-starport-layer-bucket"; bucket != want {
			t.Errorf("ECRLayerBucket(%q) = %q; want %q", region, bucket, want)
		}
		host, err := HostFor("ecr.layers", region, "")
		if err != nil || !strings.HasPrefix(host, bucket+".s3.") {
			t.Errorf("HostFor(ecr.layers, %s) = %q, %v; want it to start with %s.s3.", region, host, err, bucket)
		}
	}
}

func TestUnprobeableServicesAreRefused(t *testing.T) {
	for _, name := range []string{"ecs-agent", "ecs-telemetry"} {
		svc, ok := LookupService(name)
		if !ok || svc.Probeable() || svc.NoHost == "" {
			t.Errorf("LookupService(%s) = %+v, %v; want an unprobeable row with a reason", name, svc, ok)
		}
		if _, err := ParseEntry(name); err == nil || !strings.Contains(err.Error(), "cannot be probed") {
			t.Errorf("ParseEntry(%s) error = %v; want cannot be probed", name, err)
		}
		_, err := Expand([]Entry{{Name: name}}, "us-east-1", "111122223333")
		if err == nil || !strings.Contains(err.Error(), "DiscoverPollEndpoint") {
			t.Errorf("Expand(%s) error = %v; want the reason", name, err)
		}
	}
	for _, svc := range Services() {
		if svc.Probeable() == (svc.NoHost != "") {
			t.Errorf("service %s: HostTemplate %q and NoHost %q: want exactly one", svc.Name, svc.HostTemplate, svc.NoHost)
		}
	}
}

func TestCatalogueCopiesAreIndependent(t *testing.T) {
	svc, _ := LookupService("ecr.dkr")
	svc.ReverseDNSIn[0] = "changed"
	for _, s := range Services() {
		s.ReverseDNSIn = append(s.ReverseDNSIn[:0], "changed")
	}
	if got, _ := EndpointServiceNameFor("ecr.dkr", "cn-north-1"); got != "cn.com.amazonaws.cn-north-1.ecr.dkr" {
		t.Errorf("after changing copies, ecr.dkr in cn-north-1 = %q; want cn.com.amazonaws.cn-north-1.ecr.dkr", got)
	}
}

// TestCrossRegion: the services AWS PrivateLink serves across Regions
// (its cross-Region enabled services page) are marked, and the ones it
// serves only in their own Region are not.
func TestCrossRegion(t *testing.T) {
	want := map[string]bool{
		"ecr.api": true, "ecr.dkr": true, "ecr.layers": true, "s3": true, "ecs": true, "kms": true, "firehose": true,
		"logs": false, "secretsmanager": false, "ssm": false, "ecs-agent": false, "ecs-telemetry": false, "sts": false, "dynamodb": false,
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			svc, ok := LookupService(name)
			if !ok {
				t.Fatalf("%s not in the catalogue", name)
			}
			if svc.CrossRegion != w {
				t.Errorf("got CrossRegion %v; want %v", svc.CrossRegion, w)
			}
		})
	}
	if !strings.HasPrefix(CrossRegionSource(), "https://docs.aws.amazon.com/") {
		t.Errorf("got source %q; want an AWS documentation page", CrossRegionSource())
	}
}

// TestECSEndpointSet: Regions introduced starting on 2023-12-23 need the
// three ECS endpoints together; older ones do not, and every listed
// Region is a Region of the aws partition.
func TestECSEndpointSet(t *testing.T) {
	tests := []struct {
		region string
		want   bool
	}{
		{"ca-west-1", true}, {"mx-central-1", true}, {"ap-southeast-5", true}, {"ap-southeast-7", true},
		{"ap-east-2", true}, {"ap-southeast-6", true},
		{"us-east-1", false}, {"ap-northeast-1", false}, {"il-central-1", false}, {"ap-southeast-4", false},
		{"ca-central-1", false}, {"cn-north-1", false}, {"us-gov-west-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			got, source := ECSEndpointSet(tt.region)
			if got != tt.want {
				t.Errorf("got %v; want %v", got, tt.want)
			}
			if !strings.Contains(source, "AmazonECS/latest/developerguide/vpc-endpoints") {
				t.Errorf("got source %q; want the ECS VPC endpoint page", source)
			}
		})
	}
	for _, r := range ecsEndpointSetRegions {
		if p := PartitionOf(r); p.Name != PartitionAWS || !ValidRegion(r) {
			t.Errorf("listed Region %s: got partition %q; want a known Region of aws", r, p.Name)
		}
	}
	for _, name := range ECSEndpointSetServices() {
		if _, ok := LookupService(name); !ok {
			t.Errorf("%s is not a catalogue service", name)
		}
	}
}
