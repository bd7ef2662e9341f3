package probe

import (
	"fmt"
	"strings"

	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// judgePublicPath applies to res, the DNS row of t, the rule check shares
// with audit's: a name that an interface endpoint would answer privately
// (config.Target.PrivateOption) but that resolves to public addresses is
// reached only over a public path, a NAT or internet gateway. Tasks there
// do work (AWS documents NAT as a way to pull images), so the row is about
// posture: it fails as dns_posture (exit 11) unless the user accepted the
// path, for this need alone by an entry NAME=any (the row names the entry
// that won) or for every such need by --public-path warn. Gateway
// services (S3, DynamoDB) answer public addresses through their endpoints
// too, and a service with no private option (logs in another region) is
// judged as before: neither is touched here. public are the public
// addresses of the answer, as strings.
func (r *Runner) judgePublicPath(t *config.Target, res *report.Result, public []string) {
	endpoint := t.PrivateOption(r.Env.Region)
	if endpoint == "" || len(public) == 0 {
		return
	}
	relaxedBy := t.RelaxedBy()
	if t.Expect != config.ExpectPrivate && relaxedBy == "" {
		return
	}
	path := "the task reaches it, if at all, only over a public path (a NAT or internet gateway)"
	var accepted string
	switch {
	case relaxedBy != "":
		accepted = "relaxed by " + relaxedBy
		res.Error = fmt.Sprintf("%s resolves to public %s: %s", t.Host, strings.Join(public, ", "), path)
	case r.PublicPath == config.PublicPathWarn:
		accepted = "accepted by --public-path warn"
		res.Error += ": " + path
	default:
		res.Error += fmt.Sprintf(": %s; to accept the path, run with --public-path warn, or --checks %s=any for this need alone", path, t.Name)
		return
	}
	kind := "an interface endpoint"
	if r.Env.Region != "" && t.Region != "" && t.Region != r.Env.Region {
		kind = "a cross-Region interface endpoint"
	}
	res.Status, res.Class = report.StatusWarn, report.ClassDNSPosture
	res.FailedAddresses = public
	res.Error += fmt.Sprintf(" (%s): not private; %s for %s would keep it in the VPC", accepted, kind, endpoint)
	if pullsImages(t) {
		res.Error += ", and where that path is a NAT gateway, NAT gateway data processing charges apply to image pulls"
	}
	res.Detail += "; public path " + accepted
	res.Hint = hint(report.ClassDNSPosture, hintInput{target: *t, addrs: public, env: r.Env, situation: "public-path"})
}

// pullsImages reports whether t is one of the registry hosts an image
// pull goes through, whose traffic is what NAT data charges weigh on.
func pullsImages(t *config.Target) bool {
	return t.Service != nil && (t.Service.Name == "ecr.api" || t.Service.Name == "ecr.dkr")
}
