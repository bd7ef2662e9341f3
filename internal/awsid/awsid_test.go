package awsid

import (
	"regexp"
	"strings"
	"testing"
)

// TestCheck: real ids pass; ids a shell would act on, or with a newline
// after a valid prefix, do not, and the error names the field.
func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		re   *regexp.Regexp
		v    string
		want bool
	}{
		{SecurityGroup, "sg-0123456789abcdef0", true},
		{SecurityGroup, "sg-1;touch pwned;#", false},
		{SecurityGroup, "sg-1'$(touch pwned)'", false},
		{SecurityGroup, "sg-1\n", false},
		{SecurityGroup, "sg-ABC", false},
		{Subnet, "subnet-0a1b", true},
		{Subnet, "subnet-", false},
		{VPCEndpoint, "vpce-1 --dry-run", false},
		{PrefixList, "pl-63a5400a", true},
		{FileSystem, "fs-1$(id)", false},
		{ECSName, "prod_cluster-1", true},
		{ECSName, "prod;id", false},
		{Account, "123456789012", true},
		{Account, "1234", false},
		{Region, "us-east-1", true},
		{Region, "us-east-1;id", false},
		{Service, "com.amazonaws.us-east-1.s3", true},
		{Service, "com.amazonaws.us-east-1.s3 x", false},
	} {
		t.Run(tt.v, func(t *testing.T) {
			err := Check("field_x", tt.re, tt.v)
			if got := err == nil; got != tt.want {
				t.Fatalf("got valid=%t (%v); want %t", got, err, tt.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "field_x ") {
				t.Errorf("got %q; want it to name the field", err)
			}
		})
	}
	if err := CheckAll("subnet_ids", Subnet, "subnet-0a", "subnet-x;id"); err == nil || !strings.Contains(err.Error(), `"subnet-x;id"`) {
		t.Errorf("got %v; want the second id refused", err)
	}
}
