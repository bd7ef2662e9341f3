package config

import (
	"testing"
)

func TestParseImage(t *testing.T) {
	const acct = "123456789012"
	tests := []struct {
		image  string
		want   Image
		expect Expect
	}{
		{
			image:  acct + ".dkr.ecr.us-east-1.amazonaws.com/orders:1",
			want:   Image{Registry: acct + ".dkr.ecr.us-east-1.amazonaws.com", ECR: true, Account: acct, Region: "us-east-1", Partition: "aws", APIHost: "api.ecr.us-east-1.amazonaws.com"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr.cn-north-1.amazonaws.com.cn/team/app@sha256:abc",
			want:   Image{Registry: acct + ".dkr.ecr.cn-north-1.amazonaws.com.cn", ECR: true, Account: acct, Region: "cn-north-1", Partition: "aws-cn", APIHost: "api.ecr.cn-north-1.amazonaws.com.cn"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr.us-gov-west-1.amazonaws.com/app",
			want:   Image{Registry: acct + ".dkr.ecr.us-gov-west-1.amazonaws.com", ECR: true, Account: acct, Region: "us-gov-west-1", Partition: "aws-us-gov", APIHost: "api.ecr.us-gov-west-1.amazonaws.com"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr-fips.us-east-2.amazonaws.com/app:2",
			want:   Image{Registry: acct + ".dkr.ecr-fips.us-east-2.amazonaws.com", ECR: true, Account: acct, Region: "us-east-2", Partition: "aws", FIPS: true, APIHost: "ecr-fips.us-east-2.amazonaws.com"},
			expect: ExpectAny,
		},
		{
			image:  acct + ".dkr-ecr.eu-west-1.on.aws/app:2",
			want:   Image{Registry: acct + ".dkr-ecr.eu-west-1.on.aws", ECR: true, Account: acct, Region: "eu-west-1", Partition: "aws", DualStack: true, APIHost: "ecr.eu-west-1.api.aws"},
			expect: ExpectAny,
		},
		{
			image:  acct + ".dkr-ecr-fips.us-gov-east-1.on.aws/app",
			want:   Image{Registry: acct + ".dkr-ecr-fips.us-gov-east-1.on.aws", ECR: true, Account: acct, Region: "us-gov-east-1", Partition: "aws-us-gov", FIPS: true, DualStack: true, APIHost: "ecr-fips.us-gov-east-1.api.aws"},
			expect: ExpectAny,
		},
		{
			image:  acct + ".dkr.ecr.us-iso-east-1.c2s.ic.gov/app",
			want:   Image{Registry: acct + ".dkr.ecr.us-iso-east-1.c2s.ic.gov", ECR: true, Account: acct, Region: "us-iso-east-1", Partition: "aws-iso", APIHost: "api.ecr.us-iso-east-1.c2s.ic.gov"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr.us-isob-east-1.sc2s.sgov.gov/app",
			want:   Image{Registry: acct + ".dkr.ecr.us-isob-east-1.sc2s.sgov.gov", ECR: true, Account: acct, Region: "us-isob-east-1", Partition: "aws-iso-b", APIHost: "api.ecr.us-isob-east-1.sc2s.sgov.gov"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk/app",
			want:   Image{Registry: acct + ".dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", ECR: true, Account: acct, Region: "eu-isoe-west-1", Partition: "aws-iso-e", APIHost: "api.ecr.eu-isoe-west-1.cloud.adc-e.uk"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr.us-isof-south-1.csp.hci.ic.gov/app",
			want:   Image{Registry: acct + ".dkr.ecr.us-isof-south-1.csp.hci.ic.gov", ECR: true, Account: acct, Region: "us-isof-south-1", Partition: "aws-iso-f", APIHost: "api.ecr.us-isof-south-1.csp.hci.ic.gov"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr.eusc-de-east-1.amazonaws.eu/app",
			want:   Image{Registry: acct + ".dkr.ecr.eusc-de-east-1.amazonaws.eu", ECR: true, Account: acct, Region: "eusc-de-east-1", Partition: "aws-eusc", APIHost: "api.ecr.eusc-de-east-1.amazonaws.eu"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".DKR.ECR.US-EAST-1.AMAZONAWS.COM/app", // registry hosts are case-insensitive
			want:   Image{Registry: acct + ".dkr.ecr.us-east-1.amazonaws.com", ECR: true, Account: acct, Region: "us-east-1", Partition: "aws", APIHost: "api.ecr.us-east-1.amazonaws.com"},
			expect: ExpectPrivate,
		},
		{
			image:  acct + ".dkr.ecr.us-east-1.amazonaws.com:443/app",
			want:   Image{Registry: acct + ".dkr.ecr.us-east-1.amazonaws.com", Port: 443, ECR: true, Account: acct, Region: "us-east-1", Partition: "aws", APIHost: "api.ecr.us-east-1.amazonaws.com"},
			expect: ExpectPrivate,
		},
		// Look-alikes are not ECR: wrong suffix for the region, a region in
		// no partition, a short account, dual-stack outside aws/aws-us-gov.
		{image: acct + ".dkr.ecr.cn-north-1.amazonaws.com/app", want: Image{Registry: acct + ".dkr.ecr.cn-north-1.amazonaws.com", Public: true}, expect: ExpectAny},
		{image: acct + ".dkr.ecr.zz-nowhere-9.amazonaws.com/app", want: Image{Registry: acct + ".dkr.ecr.zz-nowhere-9.amazonaws.com", Public: true}, expect: ExpectAny},
		{image: "12345.dkr.ecr.us-east-1.amazonaws.com/app", want: Image{Registry: "12345.dkr.ecr.us-east-1.amazonaws.com", Public: true}, expect: ExpectAny},
		{image: acct + ".dkr-ecr.cn-north-1.on.aws/app", want: Image{Registry: acct + ".dkr-ecr.cn-north-1.on.aws", Public: true}, expect: ExpectAny},
		{image: acct + ".dkr.ecr.us-east-1.amazonaws.com.evil.example/app", want: Image{Registry: acct + ".dkr.ecr.us-east-1.amazonaws.com.evil.example", Public: true}, expect: ExpectAny},
		{image: acct + ".dkr.ecr.us-east-1.amazonaws.com:8443/app", want: Image{Registry: acct + ".dkr.ecr.us-east-1.amazonaws.com", Port: 8443, Public: true}, expect: ExpectAny},
		// Public and other registries.
		{image: "nginx", want: Image{Registry: "registry-1.docker.io", Public: true}, expect: ExpectAny},
		{image: "nginx:1.27", want: Image{Registry: "registry-1.docker.io", Public: true}, expect: ExpectAny},
		{image: "library/nginx@sha256:abc", want: Image{Registry: "registry-1.docker.io", Public: true}, expect: ExpectAny},
		{image: "docker.io/library/nginx", want: Image{Registry: "registry-1.docker.io", Public: true}, expect: ExpectAny},
		{image: "index.docker.io/bitnami/redis", want: Image{Registry: "registry-1.docker.io", Public: true}, expect: ExpectAny},
		{image: "registry-1.docker.io/bitnami/redis", want: Image{Registry: "registry-1.docker.io", Public: true}, expect: ExpectAny},
		{image: "public.ecr.aws/nginx/nginx:stable", want: Image{Registry: "public.ecr.aws", Public: true}, expect: ExpectAny},
		{image: "ghcr.io/org/app:1", want: Image{Registry: "ghcr.io", Public: true}, expect: ExpectAny},
		{image: "quay.io/prometheus/node-exporter", want: Image{Registry: "quay.io", Public: true}, expect: ExpectAny},
		{image: "localhost:5000/app", want: Image{Registry: "localhost", Port: 5000, Public: true}, expect: ExpectAny},
		{image: "localhost/app", want: Image{Registry: "localhost", Public: true}, expect: ExpectAny},
		{image: "registry.internal:5000/team/app:1", want: Image{Registry: "registry.internal", Port: 5000, Public: true}, expect: ExpectAny},
		{image: "10.0.1.5:5000/app", want: Image{Registry: "10.0.1.5", Port: 5000, Public: true}, expect: ExpectAny},
		{image: "[fd00::1]:5000/app", want: Image{Registry: "fd00::1", Port: 5000, Public: true}, expect: ExpectAny},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			got, ok := ParseImage(tt.image)
			if !ok {
				t.Fatalf("ParseImage(%q) = _, false; want %+v", tt.image, tt.want)
			}
			if got != tt.want {
				t.Errorf("ParseImage(%q)\n got %+v\nwant %+v", tt.image, got, tt.want)
			}
			if e := got.Expect(); e != tt.expect {
				t.Errorf("Expect() = %s; want %s", e, tt.expect)
			}
		})
	}
}

func TestParseImageRejects(t *testing.T) {
	for _, image := range []string{
		"", " ", "nginx latest", "/app", ":tag", "@sha256:abc", "ghcr.io/", "ghcr.io/:tag",
		"host:0/app", "host:99999/app", "host:port/app", "bad..host/app", "-bad.example/app", "[fd00::1/app",
	} {
		if got, ok := ParseImage(image); ok {
			t.Errorf("ParseImage(%q) = %+v, true; want false", image, got)
		}
	}
}

func TestECRDualStackRegistry(t *testing.T) {
	for _, tt := range []struct {
		account, region, want string
		ok                    bool
	}{
		{"111122223333", "eu-west-1", "111122223333.dkr-ecr.eu-west-1.on.aws", true},
		{"111122223333", "us-gov-west-1", "111122223333.dkr-ecr.us-gov-west-1.on.aws", true},
		{"111122223333", "cn-north-1", "", false},
		{"not-an-account", "eu-west-1", "", false},
	} {
		got, ok := ECRDualStackRegistry(tt.account, tt.region)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ECRDualStackRegistry(%q, %q): got %q, %v; want %q, %v", tt.account, tt.region, got, ok, tt.want, tt.ok)
		}
		// What it builds, ParseImage reads back as the dual-stack name.
		if ok {
			if im, _ := ParseImage(got + "/app:1"); !im.DualStack || im.Region != tt.region || im.Account != tt.account {
				t.Errorf("ParseImage(%q): got %+v; want the dual-stack name of %s in %s", got, im, tt.account, tt.region)
			}
		}
	}
}
