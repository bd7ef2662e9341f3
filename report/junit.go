package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML in the Surefire/Ant form that Jenkins, GitLab, CircleCI and
// Buildkite read (checked against Jenkins xUnit's junit-10.xsd in the
// tests). encoding/xml is linked already (the EC2 API speaks XML), so the
// writer costs the binary only these types.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     junitSeconds `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       junitSeconds    `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      junitSeconds  `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junitSeconds is a duration as JUnit's time attribute: seconds with three
// decimals (the schema's SUREFIRE_TIME).
type junitSeconds time.Duration

// MarshalXMLAttr writes the seconds.
func (s junitSeconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: fmt.Sprintf("%.3f", time.Duration(s).Seconds())}, nil
}

// WriteJUnit writes r as JUnit XML: one test suite per workload (audit's
// services and task definitions; one for a check run), one test case per
// row, its classname the workload as CLUSTER.SERVICE (Jenkins shows the
// cluster as the package, the service as the class), its name the check
// and target. A failing row is a failure whose message is the hint, a
// skipped row is skipped, a warning passes with the warning as its output:
// the exit code does not count warnings either.
func (r *Report) WriteJUnit(w io.Writer) error {
	doc := junitSuites{Name: "preflight " + r.Command, Time: junitSeconds(r.Elapsed)}
	scopes := groupByScope(r.Results)
	var groups []group
	var keys []scopeKey
	for _, sc := range scopes {
		for _, g := range groupByWorkload(sc.rows) {
			groups = append(groups, g)
			keys = append(keys, sc.key)
		}
	}
	for i, g := range groups {
		suite := junitSuite{Name: "preflight " + r.Command}
		classname := "preflight." + r.Command
		if g.workload != nil {
			suite.Name = workloadTitle(g.workload, func(s string) string { return s })
			classname = junitClassname(g.workload)
		}
		region, account := r.Region, r.Account
		if len(scopes) > 1 && keys[i] != (scopeKey{}) {
			// A sweep: one suite per workload of each account-Region,
			// named for both, so that the same service name in two
			// accounts is two suites.
			region, account = keys[i].region, keys[i].account
			suite.Name = account + " " + region + ": " + suite.Name
		}
		suite.Properties = []junitProperty{{"region", region}, {"account", account}}
		var elapsed time.Duration
		for _, res := range g.rows {
			elapsed += res.Duration
			c := junitCase{Name: string(res.Check) + " " + res.Target, Classname: classname, Time: junitSeconds(res.Duration)}
			switch res.Status {
			case StatusFail:
				message := res.Hint
				if message == "" {
					message = res.Error
				}
				c.Failure = &junitMessage{Message: message, Type: string(res.Class), Text: junitDetail(res)}
				suite.Failures++
			case StatusSkip:
				c.Skipped = &junitMessage{Message: firstNonEmpty(res.Detail, res.Error)}
				suite.Skipped++
			case StatusWarn:
				c.SystemOut = "warning: " + junitDetail(res)
			}
			suite.Cases = append(suite.Cases, c)
		}
		suite.Tests = len(g.rows)
		suite.Time = junitSeconds(elapsed)
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Suites = append(doc.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitClassname is CLUSTER.SERVICE for a service, taskdef.FAMILY:REVISION
// for a task definition, the workload's name otherwise.
func junitClassname(wl *Workload) string {
	switch {
	case wl.Cluster != "" && wl.Service != "":
		return wl.Cluster + "." + wl.Service
	case wl.TaskDefinition != "":
		return "taskdef." + wl.TaskDefinition
	}
	return wl.Name
}

// junitDetail is a failing or warning row as the text report says it
// under the row: what is wrong, why the check is there, the fix, the cause.
func junitDetail(res Result) string {
	var lines []string
	add := func(label, text string) {
		if text != "" {
			lines = append(lines, label+text)
		}
	}
	add("", firstNonEmpty(res.Error, res.Detail))
	add("why: ", res.Reason)
	add("hint: ", res.Hint)
	if len(res.Resources) > 0 {
		add("resources: ", strings.Join(res.Resources, " "))
	}
	if c := res.Cause; c != nil {
		add("cause: ", c.Error)
		add("fix: ", c.Hint)
	}
	return strings.Join(lines, "\n")
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
