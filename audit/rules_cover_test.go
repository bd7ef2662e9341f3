package audit

import (
	"net/netip"
	"testing"
)

func TestUnionCovers(t *testing.T) {
	tests := []struct {
		blocks []string
		c      string
		want   bool
	}{
		{[]string{"10.0.10.0/25", "10.0.10.128/25"}, "10.0.10.0/24", true},
		{[]string{"10.0.10.128/25", "10.0.10.0/25"}, "10.0.10.0/24", true},
		{[]string{"10.0.10.0/25", "10.0.10.192/26"}, "10.0.10.0/24", false},
		{[]string{"0.0.0.0/1", "128.0.0.0/1"}, "0.0.0.0/0", true},
		{[]string{"0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"}, "0.0.0.0/0", true},
		{[]string{"0.0.0.0/1", "128.0.0.0/2"}, "0.0.0.0/0", false},
		{[]string{"0.0.0.0/0"}, "52.219.0.0/16", true},
		{[]string{"10.0.0.0/8", "10.0.11.0/24"}, "10.0.11.0/24", true},
		{[]string{"::/0"}, "0.0.0.0/0", false},
		{[]string{"0.0.0.0/0"}, "::/0", false},
		{[]string{"::/1", "8000::/1"}, "::/0", true},
		{[]string{"2001:db8::/33", "2001:db8:8000::/33"}, "2001:db8::/32", true},
		{[]string{"10.0.11.7/32", "10.0.12.9/32"}, "10.0.11.7/32", true},
		{nil, "10.0.0.0/8", false},
		{[]string{"255.255.255.255/32"}, "255.255.255.254/31", false},
		{[]string{"255.255.255.254/32", "255.255.255.255/32"}, "255.255.255.254/31", true},
	}
	for _, tt := range tests {
		var blocks []netip.Prefix
		for _, b := range tt.blocks {
			blocks = append(blocks, pfx(b))
		}
		if got := unionCovers(blocks, pfx(tt.c)); got != tt.want {
			t.Errorf("unionCovers(%v, %s): got %v; want %v", tt.blocks, tt.c, got, tt.want)
		}
	}
}
