package report

import (
	"cmp"
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
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
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
	// ID and Message are set on related locations only.
	ID               *int                   `json:"id,omitempty"`
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifMessage          `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

// sarifRegion is the line (and column) of a resource's key; SARIF's
// columns count UTF-16 code units from 1, as the readers give them.
type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
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
// resources and workload as logical locations. Its physical location is
// the file and line that declare the first of its resources (then its
// workload) that r.Declared knows, else the input file (r.SourceFile or
// r.Source); the files that declare its other resources are related
// locations. Every file a result names is listed once in the run's
// artifacts.
func (r *Report) WriteSARIF(w io.Writer) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "preflight", Version: r.Version, InformationURI: informationURI, Rules: []sarifRule{},
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: r.Code != ExitInternal && r.Code != ExitUsage, ExitCode: r.Code}},
		Results:     []sarifResult{},
		Properties:  map[string]string{"command": r.Command, "region": r.Region, "account": r.Account},
	}
	arts := &sarifArtifacts{run: &run, workDir: r.WorkDir, index: map[string]int{}}
	// The input as a whole, for rows that name nothing it declares; an
	// artifact only once a result points at it.
	whole := cmp.Or(r.SourceFile, r.Source)
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
		var physical *sarifPhysicalLocation
		declared := declaredOf(res, r.Declared)
		switch {
		case len(declared) > 0:
			physical = arts.physical(declared[0].Location)
		case whole != "":
			physical = arts.physical(Location{Path: whole})
		}
		loc := sarifLocation{PhysicalLocation: physical, LogicalLocations: logicalLocations(res)}
		if loc.PhysicalLocation != nil || len(loc.LogicalLocations) > 0 {
			out.Locations = []sarifLocation{loc}
		}
		for i, d := range declared[min(1, len(declared)):] {
			id := i + 1
			out.RelatedLocations = append(out.RelatedLocations, sarifLocation{
				ID: &id, PhysicalLocation: arts.physical(d.Location), Message: &sarifMessage{Text: d.id},
				LogicalLocations: []sarifLogicalLocation{{Name: d.id, FullyQualifiedName: d.id, Kind: d.kind}},
			})
		}
		run.Results = append(run.Results, out)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

// declaredResource is a resource of a row with where the input declares it.
type declaredResource struct {
	id, kind string
	Location
}

// declaredOf lists the row's resources, then its workload, that declared
// knows, each once.
func declaredOf(res Result, declared map[string]Location) []declaredResource {
	if len(declared) == 0 {
		return nil
	}
	var out []declaredResource
	add := func(id, kind string) {
		loc, ok := declared[id]
		if ok && !slices.ContainsFunc(out, func(d declaredResource) bool { return d.id == id }) {
			out = append(out, declaredResource{id: id, kind: kind, Location: loc})
		}
	}
	for _, id := range res.Resources {
		add(id, "resource")
	}
	if res.Workload != nil {
		// The same kind logicalLocations gives the workload.
		add(res.Workload.Name, "module")
	}
	return out
}

// sarifArtifacts lists each file once in the run's artifacts, in the
// order the results first name them, and points locations at its index.
type sarifArtifacts struct {
	run     *sarifRun
	workDir string
	index   map[string]int
}

// physical is loc as a physical location, its file added to the
// artifacts when it is new.
func (a *sarifArtifacts) physical(loc Location) *sarifPhysicalLocation {
	uri := artifactURI(loc.Path, a.workDir)
	i, ok := a.index[uri]
	if !ok {
		i = len(a.run.Artifacts)
		a.index[uri] = i
		a.run.Artifacts = append(a.run.Artifacts, sarifArtifact{Location: sarifArtifactLocation{URI: uri}})
	}
	p := &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: uri, Index: &i}}
	if loc.Line > 0 {
		p.Region = &sarifRegion{StartLine: loc.Line, StartColumn: loc.Column}
	}
	return p
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
// with forward slashes and no leading ./; an absolute path under workDir
// is made relative to it; other absolute paths become file URIs.
func artifactURI(path, workDir string) string {
	if filepath.IsAbs(path) && filepath.IsAbs(workDir) {
		if rel, err := filepath.Rel(workDir, path); err == nil && filepath.IsLocal(rel) {
			path = rel
		}
	}
	p := filepath.ToSlash(filepath.Clean(path))
	if filepath.IsAbs(path) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}
