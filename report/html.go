package report

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The page's styles and script, embedded once. They are constant, so
// their hashes are too: the page's Content-Security-Policy admits exactly
// them, no other script or style, and no request of any kind
// (default-src 'none').
//
// The page is written by hand with one escaper, not with html/template:
// text/template calls methods by reflection, which makes the linker keep
// every exported method of every type in the binary (the AWS SDK's
// thousands), and the binary grew from 16 MB to 53 MB with it. Every
// value from a row goes through escapeHTML, in text and in quoted
// attributes alike; numbers are formatted, and URLs are built here from
// ids with url.URL and then escaped as attributes.
//
//go:embed htmlpage/page.css htmlpage/page.js
var htmlPage embed.FS

// OutputHTML is one self-contained HTML page: summary, filters, and each
// service's needs drawn as paths of hops.
const OutputHTML Output = "html"

// Geometry of a path's hops in the SVG (user units).
const (
	hopWidth = 132
	hopGap   = 22
)

// htmlEscaper escapes for HTML text and quoted attribute values: the five
// characters that end either, and NUL, which browsers drop or replace.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "\x00", "\uFFFD")

// escapeHTML escapes s for HTML text or a quoted attribute value.
func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

type htmlPageData struct {
	Command, Region, Account, Source     string
	Code                                 int
	ExitMeaning                          string
	Summary                              htmlSummary
	Statuses, Clusters, Services, Checks []string
	Groups                               []htmlGroup
}

type htmlSummary struct{ Services, Needs, Failures, Warnings, Undecided, Rows int }

type htmlGroup struct {
	Name, Title, Cluster, Service string
	Needs                         []htmlNeed
	Rows                          []htmlRow
}

type htmlNeed struct {
	Target, Statuses, Checks string
	Width                    int
	// Arrows is one SVG path of every arrow between the hops.
	Arrows string
	// Clear: every hop passes; the page names the need instead of
	// drawing it.
	Clear bool
	Hops  []htmlHop
	Notes []htmlNote
}

type htmlHop struct {
	Kind             HopKind
	State            HopState
	Label, Sub, Word string
	// Title is the hop's ids in full, shown on hover; empty without ids.
	Title string
	X     int
}

type htmlNote struct {
	Kind        HopKind
	State       HopState
	Word, Label string
	Text, Hint  string
}

type htmlRow struct {
	Status                        Status
	Statuses, Check, Target, What string
	Reason, Hint                  string
	IDs                           []htmlID
}

type htmlID struct{ ID, URL string }

// WriteHTML writes r as one self-contained HTML page (no external script,
// style, font or image; it renders offline and under its own strict
// Content-Security-Policy): a summary, filters by status, cluster,
// service and check, and per service its needs drawn hop by hop (the
// blocking hop red with the error and hint beside it, undecided hops
// dashed), then its rows with every resource id as text and a console
// link in the partition's console (r.ConsoleDomain). Every value is
// escaped (escapeHTML).
func (r *Report) WriteHTML(w io.Writer) error {
	css, err := htmlPage.ReadFile("htmlpage/page.css")
	if err != nil {
		return fmt.Errorf("read embedded page.css: %w", err)
	}
	js, err := htmlPage.ReadFile("htmlpage/page.js")
	if err != nil {
		return fmt.Errorf("read embedded page.js: %w", err)
	}
	d := r.htmlData()
	csp := "default-src 'none'; style-src " + cspHash(string(css)) + "; script-src " + cspHash(string(js)) +
		"; img-src 'none'; font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
	bw := bufio.NewWriter(w)
	p := func(parts ...string) {
		for _, s := range parts {
			bw.WriteString(s)
		}
	}
	e := escapeHTML
	itoa := strconv.Itoa
	p("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
		"<meta http-equiv=\"Content-Security-Policy\" content=\"", e(csp), "\">\n",
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n",
		"<title>preflight ", e(d.Command), ": ", e(d.Region), " ", e(d.Account), "</title>\n",
		"<style>", string(css), "</style>\n</head>\n<body>\n<header>\n<h1>preflight ", e(d.Command), "</h1>\n",
		"<p class=\"meta\">region ", e(orDash(d.Region)), ", account ", e(orDash(d.Account)))
	if d.Source != "" {
		p(", from ", e(d.Source))
	}
	p("; exit ", itoa(d.Code), ": ", e(d.ExitMeaning), "</p>\n<ul class=\"summary\">\n",
		"<li><b>", itoa(d.Summary.Services), "</b>services</li>\n",
		"<li><b>", itoa(d.Summary.Needs), "</b>needs</li>\n",
		"<li class=\"fail\"><b id=\"count-fail\">", itoa(d.Summary.Failures), "</b>failures</li>\n",
		"<li class=\"warn\"><b id=\"count-warn\">", itoa(d.Summary.Warnings), "</b>warnings</li>\n",
		"<li class=\"undecided\"><b id=\"count-undecided\">", itoa(d.Summary.Undecided), "</b>undecided</li>\n",
		"<li><b>", itoa(d.Summary.Rows), "</b>rows</li>\n</ul>\n<div class=\"filters\" id=\"filters\">\n")
	for _, f := range []struct {
		name   string
		values []string
	}{{"status", d.Statuses}, {"cluster", d.Clusters}, {"service", d.Services}, {"check", d.Checks}} {
		p("<label>", f.name, "<select data-filter=\"", f.name, "\" id=\"filter-", f.name, "\"><option value=\"\">all</option>")
		for _, v := range f.values {
			p("<option value=\"", e(v), "\">", e(v), "</option>")
		}
		p("</select></label>\n")
	}
	p("<span id=\"shown\">", itoa(d.Summary.Rows), " rows</span>\n</div>\n</header>\n<main>\n")
	for _, g := range d.Groups {
		p("<section data-workload=\"", e(g.Name), "\" data-cluster=\"", e(g.Cluster), "\" data-service=\"", e(g.Service), "\">\n<h2>", e(g.Title), "</h2>\n")
		var clear []htmlNeed
		for _, n := range g.Needs {
			if n.Clear {
				clear = append(clear, n)
				continue
			}
			p("<figure class=\"need\" data-row data-need=\"", e(n.Target), "\" data-statuses=\"", e(n.Statuses), "\" data-checks=\"", e(n.Checks), "\">\n",
				"<figcaption>", e(n.Target), "</figcaption>\n",
				// The drawing is the noscript's content: with scripting on,
				// the parser keeps it as one text node (a raw text element)
				// instead of building some thirty SVG nodes per path, and
				// page.js draws it from that text when its section nears
				// the viewport; with scripting off it is the drawing. It
				// cannot end early: every value in it is escaped, so no
				// "</noscript" can occur but the one closing it.
				"<noscript class=\"path\"><svg class=\"path\" width=\"", itoa(n.Width), "\" height=\"76\" viewBox=\"0 0 ", itoa(n.Width), " 76\" role=\"img\" aria-label=\"path to ", e(n.Target), "\">",
				"<path class=\"arrows\" d=\"", n.Arrows, "\"></path>\n")
			for _, h := range n.Hops {
				// One group per hop, its geometry relative to the group:
				// a sweep of hundreds of services draws thousands.
				p("<g data-hop=\"", string(h.Kind), "\" data-state=\"", string(h.State), "\" transform=\"translate(", itoa(h.X), ")\">")
				if h.Title != "" {
					p("<title>", e(h.Title), "</title>")
				}
				p("<rect width=\"", itoa(hopWidth), "\" height=\"64\" y=\"4\" rx=\"6\"></rect>",
					"<text x=\"", itoa(hopWidth/2), "\" y=\"24\">", e(h.Label), "</text>",
					"<text class=\"sub\" x=\"", itoa(hopWidth/2), "\" y=\"40\">", e(h.Sub), "</text>",
					"<text class=\"state\" x=\"", itoa(hopWidth/2), "\" y=\"58\">", e(h.Word), "</text></g>\n")
			}
			p("</svg></noscript>\n")
			if len(n.Notes) > 0 {
				p("<ul class=\"blocks\">")
				for _, note := range n.Notes {
					p("<li class=\"", string(note.State), "\" data-note-hop=\"", string(note.Kind), "\"><b class=\"", string(note.State), "\">",
						e(note.Word), " at ", e(note.Label), "</b>: ", e(note.Text))
					if note.Hint != "" {
						p("<div class=\"hint\">fix: ", e(note.Hint), "</div>")
					}
					p("</li>")
				}
				p("</ul>\n")
			}
			p("</figure>\n")
		}
		if len(clear) > 0 {
			// Needs whose every hop passes are named, not drawn: a sweep
			// of 200 services draws some 900 paths otherwise, and the SVG
			// is most of the page's load time (2.2 s against about 1 s).
			var names, checks []string
			for _, n := range clear {
				names = append(names, n.Target)
				for _, c := range strings.Fields(n.Checks) {
					if !slices.Contains(checks, c) {
						checks = append(checks, c)
					}
				}
			}
			p("<p class=\"clear\" data-row data-statuses=\"pass\" data-checks=\"", e(strings.Join(checks, " ")), "\">every hop passes for ")
			for i, name := range names {
				if i > 0 {
					p(", ")
				}
				p("<b data-need=\"", e(name), "\">", e(name), "</b>")
			}
			p(": task subnets, routes, network ACLs, security groups, endpoint</p>\n")
		}
		p("<table>\n<thead><tr><th>status</th><th>check</th><th>target</th><th>what</th><th>hint</th><th>resources</th></tr></thead>\n<tbody>\n")
		for _, row := range g.Rows {
			p("<tr data-row data-status=\"", e(string(row.Status)), "\" data-statuses=\"", e(row.Statuses), "\" data-checks=\"", e(row.Check), "\">",
				"<td class=\"status\">", e(string(row.Status)), "</td><td>", e(row.Check), "</td><td>", e(row.Target), "</td><td>", e(row.What))
			if row.Reason != "" {
				p("<div class=\"meta\">why: ", e(row.Reason), "</div>")
			}
			p("</td><td class=\"hint\">", e(row.Hint), "</td><td class=\"ids\">")
			for _, id := range row.IDs {
				p("<div><code class=\"id\">", e(id.ID), "</code>")
				if id.URL != "" {
					// The page's referrer policy is no-referrer.
					p("<a href=\"", e(id.URL), "\">console</a>")
				}
				p("</div>")
			}
			p("</td></tr>\n")
		}
		p("</tbody>\n</table>\n</section>\n")
	}
	p("</main>\n<script>", string(js), "</script>\n</body>\n</html>\n")
	return bw.Flush()
}

// cspHash is the CSP source expression of an inline element's content.
func cspHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func (r *Report) htmlData() htmlPageData {
	d := htmlPageData{
		Command: r.Command, Region: r.Region, Account: r.Account, Source: r.Source, Code: r.Code,
		ExitMeaning: ExitMeaningFor(r.Command, r.Code),
	}
	add := func(list *[]string, v string) {
		if v != "" && !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	scopes := groupByScope(r.Results)
	for _, sc := range scopes {
		for _, g := range groupByWorkload(sc.rows) {
			d.Groups = append(d.Groups, r.htmlGroupOf(&d, g, sc.key, len(scopes) > 1, add))
		}
	}
	d.Statuses = []string{string(StatusFail), string(StatusWarn), "undecided", string(StatusPass), string(StatusSkip)}
	slices.Sort(d.Clusters)
	slices.Sort(d.Services)
	slices.Sort(d.Checks)
	return d
}

// htmlGroupOf is the page's group of g's rows, counted into d's summary.
// In a sweep (sweep set) its title and name begin with the
// account-Region, so the same service in two accounts is two groups.
func (r *Report) htmlGroupOf(d *htmlPageData, g group, key scopeKey, sweep bool, add func(*[]string, string)) htmlGroup {
	hg := htmlGroup{Name: "preflight " + r.Command, Title: "preflight " + r.Command}
	if wl := g.workload; wl != nil {
		d.Summary.Services++
		hg.Name, hg.Cluster, hg.Service = wl.Name, wl.Cluster, wl.Service
		hg.Title = workloadTitle(wl, func(s string) string { return s })
		add(&d.Clusters, wl.Cluster)
		add(&d.Services, wl.Service)
		for _, n := range NeedsOf(wl, g.rows) {
			hg.Needs = append(hg.Needs, htmlNeedOf(n))
		}
		d.Summary.Needs += len(hg.Needs)
	}
	for _, res := range g.rows {
		d.Summary.Rows++
		switch {
		case res.Class == ClassUndecided:
			d.Summary.Undecided++
		case res.Status == StatusFail:
			d.Summary.Failures++
		case res.Status == StatusWarn:
			d.Summary.Warnings++
		}
		add(&d.Checks, string(res.Check))
		hg.Rows = append(hg.Rows, r.htmlRowOf(res))
	}
	if sweep && key != (scopeKey{}) {
		hg.Title = key.account + " " + key.region + ": " + hg.Title
		hg.Name = key.account + "." + key.region + " " + hg.Name
	}
	return hg
}

// statuses is what the status filter matches a row by: its status, and
// "undecided" for an undecided row.
func statuses(res Result) string {
	if res.Class == ClassUndecided {
		return string(res.Status) + " undecided"
	}
	return string(res.Status)
}

func (r *Report) htmlRowOf(res Result) htmlRow {
	row := htmlRow{
		Status: res.Status, Statuses: statuses(res), Check: string(res.Check), Target: res.Target,
		What: firstNonEmpty(res.Error, res.Detail), Hint: res.Hint,
	}
	if res.Status == StatusFail || res.Status == StatusWarn {
		row.Reason = res.Reason
		if res.Workload != nil {
			// The section names the workload; the reason need not.
			row.Reason = strings.TrimPrefix(row.Reason, res.Workload.Name+": ")
		}
	}
	if res.Error != "" && res.Detail != "" {
		row.What = res.Error + " (" + res.Detail + ")"
	}
	for _, id := range res.Resources {
		row.IDs = append(row.IDs, htmlID{ID: id, URL: ConsoleURL(r.ConsoleDomain, r.Region, id)})
	}
	return row
}

// hopWords are what a hop's box says of its state.
var hopWords = map[HopState]string{
	HopPass: "ok", HopFail: "blocks", HopWarn: "warning", HopUndecided: "undecided?",
	HopNotJudged: "not judged", HopUnreached: "not reached",
}

func htmlNeedOf(n Need) htmlNeed {
	out := htmlNeed{Target: n.Target, Width: len(n.Hops)*(hopWidth+hopGap) - hopGap + 8}
	var arrows strings.Builder
	out.Clear = true
	var sts, checks []string
	for _, res := range n.Rows {
		for _, s := range strings.Fields(statuses(res)) {
			if !slices.Contains(sts, s) {
				sts = append(sts, s)
			}
		}
		if !slices.Contains(checks, string(res.Check)) {
			checks = append(checks, string(res.Check))
		}
	}
	out.Statuses, out.Checks = strings.Join(sts, " "), strings.Join(checks, " ")
	for i, h := range n.Hops {
		x := 4 + i*(hopWidth+hopGap)
		out.Clear = out.Clear && h.State == HopPass
		hh := htmlHop{Kind: h.Kind, State: h.State, Label: h.Label, Word: hopWords[h.State], X: x, Sub: hopSub(h)}
		if len(h.IDs) > 0 {
			hh.Title = h.Label + ": " + strings.Join(h.IDs, " ")
		}
		if i < len(n.Hops)-1 {
			// A shaft from this box to the next and its head.
			arrows.WriteString(fmt.Sprintf("M%d 36h%dm0-5l7 5-7 5z", x+hopWidth+2, hopGap-4))
		}
		out.Hops = append(out.Hops, hh)
		out.Arrows = arrows.String()
		if h.State != HopFail && h.State != HopUndecided && h.State != HopWarn {
			continue
		}
		for _, res := range h.Rows {
			if res.Status == StatusPass || res.Status == StatusSkip {
				continue
			}
			out.Notes = append(out.Notes, htmlNote{Kind: h.Kind, State: h.State, Word: hopWords[h.State], Label: h.Label,
				Text: firstNonEmpty(res.Error, res.Detail), Hint: res.Hint})
		}
	}
	return out
}

// hopSub is the box's second line: the first id, with how many others.
func hopSub(h Hop) string {
	switch len(h.IDs) {
	case 0:
		return ""
	case 1:
		return shorten(h.IDs[0])
	}
	return fmt.Sprintf("%s +%d", shorten(h.IDs[0]), len(h.IDs)-1)
}

// shorten fits an id in a hop's box: an ARN by its resource part, a long
// id by its ends.
func shorten(id string) string {
	if i := strings.LastIndex(id, "/"); strings.HasPrefix(id, "arn:") && i >= 0 {
		id = id[i+1:]
	}
	if r := []rune(id); len(r) > 20 {
		return string(r[:9]) + "…" + string(r[len(r)-8:])
	}
	return id
}
