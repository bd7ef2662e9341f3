package config

import (
	"strings"
	"testing"
)

// TestHostForFillsTemplatesAsAReplacerWould holds hostFor's one-pass fill to
// strings.Replacer on every catalogue template, in a region of every
// partition family, and on templates the catalogue does not (yet) have.
func TestHostForFillsTemplatesAsAReplacerWould(t *testing.T) {
	templates := []string{"{unknown}.{region}", "a{region", "{region}}", "}{", "{}", "{dns}{dns}", "plain.example", ""}
	for _, svc := range Services() {
		templates = append(templates, svc.HostTemplate)
	}
	for _, region := range []string{"us-east-1", "cn-north-1", "us-iso-east-1", "eusc-de-east-1", "us-gov-west-1"} {
		for _, tmpl := range templates {
			want := strings.NewReplacer("{region}", region, "{account}", "111122223333", "{dns}", DNSSuffix(region)).Replace(tmpl)
			if got := hostFor(Service{HostTemplate: tmpl}, region, "111122223333"); got != want {
				t.Errorf("hostFor(%q, %s) = %q; want %q", tmpl, region, got, want)
			}
		}
	}
}
