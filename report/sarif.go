package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// SARIF 2.1.0 as typed structs of our own: the dozen fields preflight
// writes. A SARIF library (github.com/owenrumney/go-sarif/v2) models the
// whole specification and pulls its own dependencies into the binary, which
// must stay within 6 MiB gzipped; these structs cost what encoding/json,
// already linked, costs. The schema test (sarif_test.go) keeps them honest.

// sarifSchema is the schema URI SARIF consumers expect in $schema.
const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// informationURI is where the SARIF tool entry says preflight lives.
const informationURI = "https://github.com/preflight-dev/preflight"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Artifacts   []sarifArtifact   `json:"artifacts,omitempty"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]string `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifMessage    `json:"shortDescription"`
	FullDescription      sarifMessage    `json:"fullDescription"`
	Help                 sarifMessage    `json:"help"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
	ExitCode            int  `json:"exitCode"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
}

type sarifArtifactLocation struct {
	URI   string `json:"uri"`
	Index *int   `json:"index,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          *sarifResultProps `json:"properties,omitempty"`
}

// sarifResultProps carries what a row says beyond its message, for a
// reader of the file (GitHub shows properties to none).
type sarifResultProps struct {
	Target   string `json:"target"`
	Class    string `json:"class,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Workload string `json:"workload,omitempty"`
	// Account and Region name a sweep's account-Region.
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
}

// fingerprintKey names preflight's partial fingerprint: GitHub code
// scanning matches an alert across runs by it when the result has no
// source line to hash.
const fingerprintKey = "preflightFinding/v1"

// WriteSARIF writes r as a SARIF 2.1.0 log with one run: one rule per check
// kind among the rows (its id the kind, stable as the JSON report's check
// field), one result per failing (level error) or warning (level warning)
// row, its message the row's error and hint, its locations the row's
// resources and workload as logical locations and, when the input was a
// file (r.Source), the file as the physical location.
func (r *Report) WriteSARIF(w io.Writer) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "preflight", Version: r.Version, InformationURI: informationURI, Rules: []sarifRule{},
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: r.Code != ExitInternal && r.Code != ExitUsage, ExitCode: r.Code}},
		Results:     []sarifResult{},
		Properties:  map[string]string{"command": r.Command, "region": r.Region, "account": r.Account},
	}
	var physical *sarifPhysicalLocation
	if r.Source != "" {
		zero := 0
		run.Artifacts = []sarifArtifact{{Location: sarifArtifactLocation{URI: artifactURI(r.Source)}}}
		physical = &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: artifactURI(r.Source), Index: &zero}}
	}
	var kinds []Check
	for _, res := range r.Results {
		if !slices.Contains(kinds, res.Check) {
			kinds = append(kinds, res.Check)
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		d := DocFor(k)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: string(k), Name: ruleName(k), ShortDescription: sarifMessage{d.Short}, FullDescription: sarifMessage{d.Full},
			Help: sarifMessage{d.Help}, DefaultConfiguration: sarifRuleConfig{Level: "error"},
		})
	}
	for _, res := range r.Results {
		var level string
		switch res.Status {
		case StatusFail:
			level = "error"
		case StatusWarn:
			level = "warning"
		default:
			continue
		}
		out := sarifResult{
			RuleID: string(res.Check), RuleIndex: slices.Index(kinds, res.Check), Level: level,
			Message:             sarifMessage{Text: resultMessage(res)},
			PartialFingerprints: map[string]string{fingerprintKey: fingerprint(res)},
			Properties: &sarifResultProps{Target: res.Target, Class: string(res.Class), Reason: res.Reason,
				Account: res.Account, Region: res.Region},
		}
		if res.Workload != nil {
			out.Properties.Workload = res.Workload.Name
		}
		loc := sarifLocation{PhysicalLocation: physical, LogicalLocations: logicalLocations(res)}
		if loc.PhysicalLocation != nil || len(loc.LogicalLocations) > 0 {
			out.Locations = []sarifLocation{loc}
		}
		run.Results = append(run.Results, out)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// resultMessage is what is wrong, then the fix: GitHub shows the message
// as the alert's text, where both belong.
func resultMessage(res Result) string {
	what := res.Error
	if what == "" {
		what = res.Detail
	}
	if what == "" {
		what = string(res.Check) + " " + res.Target + ": " + string(res.Status)
	}
	if res.Hint == "" {
		return what
	}
	return what + "\nFix: " + res.Hint
}

// logicalLocations are the row's resources (an id, an ARN, a Terraform
// address or a logical id: whatever the source named them by), then its
// workload; a row with neither has its target.
func logicalLocations(res Result) []sarifLogicalLocation {
	var locs []sarifLogicalLocation
	for _, id := range res.Resources {
		locs = append(locs, sarifLogicalLocation{Name: id, FullyQualifiedName: id, Kind: "resource"})
	}
	if res.Workload != nil {
		locs = append(locs, sarifLogicalLocation{Name: res.Workload.Name, FullyQualifiedName: res.Workload.Name, Kind: "module"})
	}
	if len(locs) == 0 && res.Target != "" {
		// A data-plane row names no resource: its target (a catalogue
		// name, a host) is where it happened.
		name := res.Target
		if res.Host != "" && res.Host != res.Target {
			name += " (" + res.Host + ")"
		}
		locs = append(locs, sarifLogicalLocation{Name: name, FullyQualifiedName: res.Target, Kind: "resource"})
	}
	return locs
}

// fingerprint identifies a finding across runs: its check, target,
// workload and resources, not its wording, which may improve.
func fingerprint(res Result) string {
	h := sha256.New()
	parts := []string{string(res.Check), res.Target}
	if res.Workload != nil {
		parts = append(parts, res.Workload.Name)
	}
	parts = append(parts, res.Resources...)
	if res.Account != "" || res.Region != "" {
		// A sweep: the same service name in two account-Regions is two
		// alerts. Rows of one account-Region keep their fingerprints.
		parts = append(parts, "scope", res.Account, res.Region)
	}
	io.WriteString(h, strings.Join(parts, "\x00")) //nolint:errcheck // a hash never fails to write
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// ruleName is the kind in the PascalCase SARIF gives rule names:
// security_group → SecurityGroup.
func ruleName(k Check) string {
	var b strings.Builder
	for _, part := range strings.Split(string(k), "_") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// artifactURI is a file path as a SARIF artifact URI: relative paths stay
// relative (code scanning resolves them against the repository root),
// with forward slashes and no leading ./; absolute ones become file URIs.
func artifactURI(path string) string {
	p := filepath.ToSlash(filepath.Clean(path))
	if filepath.IsAbs(path) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}
