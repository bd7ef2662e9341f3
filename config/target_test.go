package config

import (
	"strings"
	"testing"
)

// TestExpandNames: names depend on the target's region and account relative
// to the run, never on entry order, and never collide.
func TestExpandNames(t *testing.T) {
	const (
		run    = "us-east-1"
		runAcc = "123456789012"
		other  = "111122223333"
	)
	own := Entry{Name: "ecr"}
	crossRegion := Entry{Name: "ecr", Region: "us-west-2"}
	crossAccount := Entry{Name: "ecr", Account: other}
	crossBoth := Entry{Name: "ecr", Region: "us-west-2", Account: other}
	explicitOwn := Entry{Name: "ecr.dkr", Region: run, Account: runAcc}
	tests := []struct {
		name    string
		entries []Entry
		want    []string // "name host"
	}{
		{
			name:    "own region and account",
			entries: []Entry{own},
			want: []string{
				"ecr.api api.ecr.us-east-1.amazonaws.com",
				"ecr.dkr 123456789012.dkr.ecr.us-east-1.amazonaws.com",
				"ecr.layers prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
			},
		},
		{
			name:    "cross-region registry first, own second",
			entries: []Entry{crossRegion, own},
			want: []string{
				"ecr.api@us-west-2 api.ecr.us-west-2.amazonaws.com",
				"ecr.dkr@us-west-2 123456789012.dkr.ecr.us-west-2.amazonaws.com",
				"ecr.layers@us-west-2 prod-us-west-2-starport-layer-bucket.s3.us-west-2.amazonaws.com",
				"ecr.api api.ecr.us-east-1.amazonaws.com",
				"ecr.dkr 123456789012.dkr.ecr.us-east-1.amazonaws.com",
				"ecr.layers prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
			},
		},
		{
			name:    "own first, cross-region second",
			entries: []Entry{own, crossRegion},
			want: []string{
				"ecr.api api.ecr.us-east-1.amazonaws.com",
				"ecr.dkr 123456789012.dkr.ecr.us-east-1.amazonaws.com",
				"ecr.layers prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
				"ecr.api@us-west-2 api.ecr.us-west-2.amazonaws.com",
				"ecr.dkr@us-west-2 123456789012.dkr.ecr.us-west-2.amazonaws.com",
				"ecr.layers@us-west-2 prod-us-west-2-starport-layer-bucket.s3.us-west-2.amazonaws.com",
			},
		},
		{
			name:    "two accounts in the run's region",
			entries: []Entry{crossAccount, own},
			want: []string{
				"ecr.api api.ecr.us-east-1.amazonaws.com",
				"ecr.dkr@111122223333 111122223333.dkr.ecr.us-east-1.amazonaws.com",
				"ecr.layers prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
				"ecr.dkr 123456789012.dkr.ecr.us-east-1.amazonaws.com",
			},
		},
		{
			name:    "other account and region, then the same account in the run's region",
			entries: []Entry{crossBoth, crossAccount},
			want: []string{
				"ecr.api@us-west-2 api.ecr.us-west-2.amazonaws.com",
				"ecr.dkr@111122223333.us-west-2 111122223333.dkr.ecr.us-west-2.amazonaws.com",
				"ecr.layers@us-west-2 prod-us-west-2-starport-layer-bucket.s3.us-west-2.amazonaws.com",
				"ecr.api api.ecr.us-east-1.amazonaws.com",
				"ecr.dkr@111122223333 111122223333.dkr.ecr.us-east-1.amazonaws.com",
				"ecr.layers prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com",
			},
		},
		{
			name:    "explicit own region and account is the bare name",
			entries: []Entry{explicitOwn},
			want:    []string{"ecr.dkr 123456789012.dkr.ecr.us-east-1.amazonaws.com"},
		},
		{
			name:    "account override on a service without one is ignored",
			entries: []Entry{{Name: "logs", Account: other}, {Name: "logs", Region: "us-west-2"}},
			want: []string{
				"logs logs.us-east-1.amazonaws.com",
				"logs@us-west-2 logs.us-west-2.amazonaws.com",
			},
		},
		{
			name:    "same name on two ports",
			entries: []Entry{{Name: "db.internal", Port: 5432}, {Name: "db.internal", Port: 5433}, {Name: "logs"}, {Name: "logs", Port: 8443}},
			want: []string{
				"db.internal db.internal",
				"db.internal:5433 db.internal",
				"logs logs.us-east-1.amazonaws.com",
				"logs:8443 logs.us-east-1.amazonaws.com",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, err := Expand(tt.entries, run, runAcc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			names := map[string]bool{}
			for _, tg := range targets {
				got = append(got, tg.Name+" "+tg.Host)
				if names[tg.Name] {
					t.Errorf("name %q used twice", tg.Name)
				}
				names[tg.Name] = true
			}
			if g, w := strings.Join(got, "\n"), strings.Join(tt.want, "\n"); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestExpandRefusesRegionsInNoPartition(t *testing.T) {
	_, err := Expand([]Entry{{Name: "logs", Region: "zz-nowhere-9"}}, "us-east-1", "")
	if err == nil || !strings.Contains(err.Error(), `region "zz-nowhere-9" is in no AWS partition`) {
		t.Errorf("Expand error = %v; want the region named", err)
	}
}

func TestTargetAddress(t *testing.T) {
	for _, tt := range []struct {
		host string
		port int
		want string
	}{
		{"example.com", 443, "example.com:443"},
		{"10.0.0.1", 53, "10.0.0.1:53"},
		{"fd00::1", 443, "[fd00::1]:443"},
		{"fe80::1%eth0", 443, "[fe80::1%eth0]:443"},
	} {
		if got := (Target{Host: tt.host, Port: tt.port}).Address(); got != tt.want {
			t.Errorf("Address(%s, %d) = %q; want %q", tt.host, tt.port, got, tt.want)
		}
	}
}
