package config

import "testing"

func TestConsoleDomain(t *testing.T) {
	for _, tt := range []struct{ region, want string }{
		{"us-east-1", "console.aws.amazon.com"},
		{"ap-northeast-1", "console.aws.amazon.com"},
		{"cn-north-1", "console.amazonaws.cn"},
		{"us-gov-west-1", "console.amazonaws-us-gov.com"},
		{"us-iso-east-1", ""},
		{"eusc-de-east-1", ""},
		{"not-a-region", ""},
	} {
		t.Run(tt.region, func(t *testing.T) {
			if got := ConsoleDomain(tt.region); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}
