package audit

import "testing"

func TestNACLAllowsTCP(t *testing.T) {
	allowAll := NACLEntry{RuleNumber: 100, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true}
	defaultDeny := NACLEntry{RuleNumber: 32767, Protocol: "-1", CIDR: pfx("0.0.0.0/0")}
	peer := pfx("10.0.11.0/24")
	tests := []struct {
		name    string
		entries []NACLEntry
		lo, hi  int
		want    naclVerdict
	}{
		{"allow all", []NACLEntry{allowAll, defaultDeny}, 443, 443, naclVerdict{Allowed: true}},
		{"no entries: default deny", nil, 443, 443, naclVerdict{Port: 443}},
		{"lower deny shadows a later allow", []NACLEntry{
			{RuleNumber: 200, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("10.0.0.0/16"), Allow: true},
			{RuleNumber: 90, Protocol: "tcp", PortFrom: 400, PortTo: 500, CIDR: pfx("10.0.0.0/8")},
		}, 443, 443, naclVerdict{Rule: 90, Port: 443}},
		{"lower allow wins over a later deny", []NACLEntry{
			{RuleNumber: 90, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("10.0.0.0/16"), Allow: true},
			{RuleNumber: 200, Protocol: "-1", CIDR: pfx("0.0.0.0/0")},
		}, 443, 443, naclVerdict{Allowed: true}},
		{"deny on another port does not matter", []NACLEntry{
			{RuleNumber: 50, Protocol: "6", PortFrom: 22, PortTo: 22, CIDR: pfx("0.0.0.0/0")},
			allowAll,
		}, 443, 443, naclVerdict{Allowed: true}},
		{"udp allow does not carry tcp", []NACLEntry{
			{RuleNumber: 100, Protocol: "17", PortFrom: 443, PortTo: 443, CIDR: pfx("0.0.0.0/0"), Allow: true},
		}, 443, 443, naclVerdict{Port: 443}},
		{"ephemeral return range fully allowed", []NACLEntry{
			{RuleNumber: 100, Protocol: "6", PortFrom: 1024, PortTo: 65535, CIDR: pfx("10.0.0.0/16"), Allow: true},
		}, 1024, 65535, naclVerdict{Allowed: true}},
		{"ephemeral return range missing", []NACLEntry{
			{RuleNumber: 100, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("10.0.0.0/16"), Allow: true},
		}, 1024, 65535, naclVerdict{Port: 1024}},
		{"ephemeral range only partly allowed", []NACLEntry{
			{RuleNumber: 100, Protocol: "6", PortFrom: 32768, PortTo: 65535, CIDR: pfx("10.0.0.0/16"), Allow: true},
		}, 1024, 65535, naclVerdict{Port: 1024}},
		{"ephemeral range allowed in two pieces", []NACLEntry{
			{RuleNumber: 100, Protocol: "6", PortFrom: 32768, PortTo: 65535, CIDR: pfx("10.0.0.0/16"), Allow: true},
			{RuleNumber: 110, Protocol: "6", PortFrom: 1024, PortTo: 32767, CIDR: pfx("10.0.0.0/16"), Allow: true},
		}, 1024, 65535, naclVerdict{Allowed: true}},
		{"deny inside the ephemeral range after a partial allow", []NACLEntry{
			{RuleNumber: 100, Protocol: "6", PortFrom: 1024, PortTo: 2000, CIDR: pfx("10.0.0.0/16"), Allow: true},
			{RuleNumber: 110, Protocol: "6", PortFrom: 1500, PortTo: 3000, CIDR: pfx("10.0.0.0/16")},
			{RuleNumber: 120, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		}, 1024, 65535, naclVerdict{Rule: 110, Port: 2001}},
		{"allow narrower than the peer proves nothing", []NACLEntry{
			{RuleNumber: 100, Protocol: "-1", CIDR: pfx("10.0.11.0/25"), Allow: true},
		}, 443, 443, naclVerdict{Port: 443}},
		{"deny overlapping part of the peer blocks", []NACLEntry{
			{RuleNumber: 90, Protocol: "-1", CIDR: pfx("10.0.11.128/25")},
			allowAll,
		}, 443, 443, naclVerdict{Rule: 90, Port: 443}},
		{"IPv6 entries do not match IPv4 peers", []NACLEntry{
			{RuleNumber: 90, Protocol: "-1", CIDR: pfx("::/0")},
			allowAll,
		}, 443, 443, naclVerdict{Allowed: true}},
		{"two allows in a row hold the peer between them", []NACLEntry{
			{RuleNumber: 100, Protocol: "-1", CIDR: pfx("10.0.11.0/25"), Allow: true},
			{RuleNumber: 110, Protocol: "6", PortFrom: 0, PortTo: 0, CIDR: pfx("10.0.11.128/25"), Allow: true},
			{RuleNumber: 120, Protocol: "-1", CIDR: pfx("10.0.0.0/8")},
		}, 443, 443, naclVerdict{Allowed: true}},
		{"a deny in between still wins for its part", []NACLEntry{
			{RuleNumber: 100, Protocol: "-1", CIDR: pfx("10.0.11.0/25"), Allow: true},
			{RuleNumber: 105, Protocol: "6", PortFrom: 443, PortTo: 443, CIDR: pfx("10.0.11.192/26")},
			{RuleNumber: 110, Protocol: "-1", CIDR: pfx("10.0.11.128/25"), Allow: true},
		}, 443, 443, naclVerdict{Rule: 105, Port: 443}},
		{"a deny of addresses an earlier allow settled never matches", []NACLEntry{
			{RuleNumber: 100, Protocol: "-1", CIDR: pfx("10.0.11.0/25"), Allow: true},
			{RuleNumber: 105, Protocol: "-1", CIDR: pfx("10.0.11.0/26")},
			{RuleNumber: 110, Protocol: "-1", CIDR: pfx("10.0.11.128/25"), Allow: true},
		}, 443, 443, naclVerdict{Allowed: true}},
		{"addresses and ports in pieces", []NACLEntry{
			{RuleNumber: 100, Protocol: "6", PortFrom: 32768, PortTo: 40000, CIDR: pfx("10.0.11.0/24"), Allow: true},
			{RuleNumber: 110, Protocol: "6", PortFrom: 40001, PortTo: 60999, CIDR: pfx("10.0.11.0/25"), Allow: true},
			{RuleNumber: 120, Protocol: "6", PortFrom: 40001, PortTo: 65535, CIDR: pfx("10.0.11.128/25"), Allow: true},
		}, 32768, 60999, naclVerdict{Allowed: true}},
		{"pieces with a hole: the first blocked port", []NACLEntry{
			{RuleNumber: 100, Protocol: "6", PortFrom: 32768, PortTo: 40000, CIDR: pfx("10.0.11.0/24"), Allow: true},
			{RuleNumber: 110, Protocol: "6", PortFrom: 40001, PortTo: 60999, CIDR: pfx("10.0.11.0/25"), Allow: true},
		}, 32768, 60999, naclVerdict{Port: 40001}},
		{"other direction ignored", []NACLEntry{
			{RuleNumber: 100, Egress: true, Protocol: "-1", CIDR: pfx("0.0.0.0/0"), Allow: true},
		}, 443, 443, naclVerdict{Port: 443}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acl := &NetworkACL{ID: "acl-1", Entries: tt.entries}
			if got := naclAllowsTCP(acl, false, peer, tt.lo, tt.hi); got != tt.want {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestPrefixContains(t *testing.T) {
	tests := []struct {
		outer, inner string
		want         bool
	}{
		{"10.0.0.0/16", "10.0.1.0/24", true},
		{"10.0.1.0/24", "10.0.1.0/24", true},
		{"10.0.1.0/24", "10.0.0.0/16", false},
		{"10.0.8.0/21", "10.0.12.0/24", true},
		{"10.0.8.0/21", "10.0.16.0/24", false},
		{"0.0.0.0/0", "52.219.0.0/16", true},
		{"::/0", "10.0.0.0/8", false},
	}
	for _, tt := range tests {
		if got := prefixContains(pfx(tt.outer), pfx(tt.inner)); got != tt.want {
			t.Errorf("prefixContains(%s, %s): got %v; want %v", tt.outer, tt.inner, got, tt.want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "arn:aws:s3:::b/k", true},
		{"s3:Get*", "s3:GetObject", true},
		{"s3:Get?bject", "s3:GetObject", true},
		{"arn:aws:s3:::prod-*-starport-layer-bucket/*", "arn:aws:s3:::prod-ap-northeast-1-starport-layer-bucket/*", true},
		{"arn:aws:s3:::my-bucket/*", "arn:aws:s3:::prod-ap-northeast-1-starport-layer-bucket/*", false},
		{"s3:PutObject", "s3:GetObject", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q): got %v; want %v", tt.p, tt.s, got, tt.want)
		}
	}
}
