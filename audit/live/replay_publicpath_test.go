package live

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/config"
	"github.com/preflight-dev/preflight/report"
)

// TestReplayPublicPath is the CDK case on AWS-shaped answers:
// private subnets whose route table sends 0.0.0.0/0 to a NAT gateway, and
// no VPC endpoint at all. One rule judges every need a VPC endpoint would
// serve privately: ecr.api, ecr.dkr, logs and the S3 layers each fail
// with exit 11, naming the NAT gateway, its route table and the task
// subnets in its text and its resources, and saying how to accept the
// path. --public-path warn turns
// every one of them into a warning that names the endpoint that would
// keep it private and NAT's charges on image pulls; --checks ecr.api=any
// relaxes ecr.api alone (derived from the task definition), the row
// saying which entry won. A need with no private option (a log group in
// another Region) keeps its warning and names the internet path.
func TestReplayPublicPath(t *testing.T) {
	const (
		nat     = "nat-0a1b2c3d4e5f60789"
		rtb     = "rtb-0f1e2d3c4b5a69788"
		subnet1 = "subnet-0a11b22c33d44e551"
		subnet2 = "subnet-0a11b22c33d44e552"
	)
	path := "only over the public path " + nat + " via " + rtb + " (" + subnet1 + "," + subnet2 + ")"
	interfaceRow := func(target string, status report.Status, errHas string) replayRow {
		return replayRow{check: audit.CheckEndpoint, target: target, status: status, class: report.ClassDNSPosture,
			errHas: errHas, resources: []string{nat, rtb, subnet1, subnet2, replayVPC}}
	}
	layersRow := func(status report.Status, errHas string) replayRow {
		return replayRow{check: audit.CheckEndpoint, target: "ecr.layers", status: status, class: report.ClassDNSPosture,
			errHas: errHas, resources: []string{nat, rtb, replayVPC}}
	}
	relax, err := config.ParseEntries("ecr.api=any")
	if err != nil {
		t.Fatal(err)
	}
	accept := func(need string) string { return "--checks " + need + "=any for this need alone" }
	warned := "(accepted by --public-path warn): not private; "
	tests := []struct {
		name, scenario string
		opts           audit.Options
		want           []replayRow
		exit           int
	}{
		{"fail by default, S3 layers as ECR and logs", "no-endpoints+bpa-nat", audit.Options{}, []replayRow{
			interfaceRow("ecr.api", report.StatusFail, path+"; to accept the path, run with --public-path warn, or "+accept("ecr.api")),
			interfaceRow("ecr.dkr", report.StatusFail, path+"; to accept the path, run with --public-path warn, or "+accept("ecr.dkr")),
			interfaceRow("logs", report.StatusFail, path+"; to accept the path, run with --public-path warn, or "+accept("logs")),
			layersRow(report.StatusFail, "no available gateway endpoint for com.amazonaws.us-east-1.s3 in "+replayVPC+": the tasks reach it "+path),
		}, report.ExitDNSPosture},
		{"--public-path warn", "no-endpoints+bpa-nat", audit.Options{PublicPath: config.PublicPathWarn}, []replayRow{
			interfaceRow("ecr.api", report.StatusWarn, path+" "+warned+"an interface endpoint for com.amazonaws.us-east-1.ecr.api would keep it in the VPC, and NAT gateway data processing charges apply to image pulls"),
			interfaceRow("ecr.dkr", report.StatusWarn, path+" "+warned),
			interfaceRow("logs", report.StatusWarn, path+" "+warned),
			layersRow(report.StatusWarn, path+" "+warned),
		}, report.ExitOK},
		{"--checks ecr.api=any relaxes the derived need alone", "no-endpoints+bpa-nat", audit.Options{Extra: relax}, []replayRow{
			interfaceRow("ecr.api", report.StatusWarn, path+" (relaxed by --checks ecr.api=any): not private"),
			interfaceRow("ecr.dkr", report.StatusFail, path+"; to accept the path"),
		}, report.ExitDNSPosture},
		{"a log group in another Region has no private option", "xregion-taskdef+no-endpoints+bpa-nat", audit.Options{}, []replayRow{
			{check: audit.CheckCrossRegion, target: "logs", status: report.StatusWarn, class: report.ClassConnect,
				errHas:    "logs has no cross-Region VPC endpoint (AWS PrivateLink serves it only in its own Region: https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html): the traffic leaves through " + subnet1 + " via " + nat,
				resources: []string{nat, rtb, subnet1, subnet2}},
			{check: audit.CheckCrossRegion, target: "ecr.dkr", status: report.StatusFail, class: report.ClassDNSPosture,
				errHas: "no available cross-Region interface endpoint for com.amazonaws.us-west-2.ecr.dkr: the tasks resolve the public name and reach it " + path, resources: []string{nat, rtb, subnet1, subnet2}},
		}, report.ExitDNSPosture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplayAWS(t, tt.scenario)
			facts, err := r.gather(t)
			if err != nil {
				t.Fatalf("gather: %v", err)
			}
			rows := audit.Evaluate(facts, tt.opts)
			for _, w := range tt.want {
				assertReplayRows(t, rows, w)
			}
			if got := audit.ExitCode(rows); got != tt.exit {
				t.Errorf("exit %d; want %d\n%s", got, tt.exit, motoDumpRows(rows))
			}
		})
	}
}

// TestReplayPublicPathFingerprints: the SARIF fingerprint of a public-path
// row hashes its resources, which now hold the NAT gateway and the route
// table; two audits of the same account (whose reads run concurrently, in
// any order) give every row the same fingerprint, and each service's
// four needs stay four alerts.
func TestReplayPublicPathFingerprints(t *testing.T) {
	sarif := func() map[string]string {
		_, rows := replayRows(t, newReplayAWS(t, "no-endpoints+bpa-nat"), audit.Options{})
		var buf bytes.Buffer
		if err := report.New("audit", "us-east-1", replayAccount, nil, rows, 0).WriteSARIF(&buf); err != nil {
			t.Fatalf("WriteSARIF: %v", err)
		}
		var doc struct {
			Runs []struct {
				Results []struct {
					Message             struct{ Text string }
					PartialFingerprints map[string]string
				}
			}
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("SARIF: %v", err)
		}
		out := map[string]string{}
		for _, run := range doc.Runs {
			for _, r := range run.Results {
				if strings.Contains(r.Message.Text, "only over the public path") {
					fp := r.PartialFingerprints["preflightFinding/v1"]
					if prev, ok := out[fp]; ok && prev != r.Message.Text {
						t.Errorf("got fingerprint %s for %q and %q; want one a finding", fp, prev, r.Message.Text)
					}
					out[fp] = r.Message.Text
				}
			}
		}
		return out
	}
	first, second := sarif(), sarif()
	// The 12 services of the base account, each with four needs.
	if len(first) != 48 {
		t.Errorf("got %d public-path fingerprints; want 48 (12 services by ecr.api, ecr.dkr, logs, ecr.layers)", len(first))
	}
	for fp, msg := range first {
		if _, ok := second[fp]; !ok {
			t.Errorf("fingerprint %s of %q is not in the second run", fp, msg)
		}
	}
	if len(second) != len(first) {
		t.Errorf("got %d fingerprints in the second run; want %d", len(second), len(first))
	}
}
