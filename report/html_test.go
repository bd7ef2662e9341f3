package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// renderHTML renders rows as the page and parses it as a browser would.
func renderHTML(t *testing.T, rows []Result) (string, *html.Node) {
	t.Helper()
	r := New("audit", "eu-west-1", "123456789012", nil, rows, time.Second)
	r.ConsoleDomain = "console.aws.amazon.com"
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), doc
}

// elements returns the elements named tag under n, in document order.
func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// TestHTMLEscapesHostileValues: a value with a script element, a CDATA
// end, control characters and quotes, in every field the page prints,
// renders as text: the page has its one script and one style and no
// other element the value could have opened, and the value reads back
// from the text.
func TestHTMLEscapesHostileValues(t *testing.T) {
	_, doc := renderHTML(t, formatRows())
	if n := len(elements(doc, "script")); n != 1 {
		t.Errorf("got %d script elements; want 1, the page's own", n)
	}
	if n := len(elements(doc, "style")); n != 1 {
		t.Errorf("got %d style elements; want 1", n)
	}
	body := text(elements(doc, "main")[0])
	// The parser turns a NUL in text into U+FFFD, as the browser does.
	want := strings.ReplaceAll(hostile, "\x00", "\uFFFD")
	if n := strings.Count(body, want); n < 4 {
		t.Errorf("the hostile value reads back %d times from the page's text; want it in its target, error, hint and resource", n)
	}
	for _, sec := range elements(doc, "section") {
		if attr(sec, "data-service") == want {
			return
		}
	}
	t.Errorf("no section has the hostile service name as its data-service attribute")
}

// TestHTMLIsSelfContained: the Content-Security-Policy allows no request
// (default-src 'none', nothing else but the hashes) and admits the page's
// script and style by the hashes of what the browser will see in them;
// nothing in the page loads anything (no src, no link, no url() in the
// styles); the only links are console pages over https.
func TestHTMLIsSelfContained(t *testing.T) {
	page, doc := renderHTML(t, formatRows()[:2])
	var csp string
	for _, m := range elements(doc, "meta") {
		if attr(m, "http-equiv") == "Content-Security-Policy" {
			csp = attr(m, "content")
		}
	}
	hash := func(n *html.Node) string {
		sum := sha256.Sum256([]byte(text(n)))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	script, style := elements(doc, "script")[0], elements(doc, "style")[0]
	var referrer string
	for _, m := range elements(doc, "meta") {
		if attr(m, "name") == "referrer" {
			referrer = attr(m, "content")
		}
	}
	if referrer != "no-referrer" {
		t.Errorf("got referrer policy %q; want no-referrer (a console link must not tell AWS where the page lies)", referrer)
	}
	for _, want := range []string{"default-src 'none'", "script-src " + hash(script) + ";", "style-src " + hash(style) + ";", "connect-src 'none'", "img-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows something unsafe", csp)
	}
	for _, tag := range []string{"link", "img", "iframe", "object", "embed", "base", "form"} {
		if n := len(elements(doc, tag)); n > 0 {
			t.Errorf("got %d %s elements; want none", n, tag)
		}
	}
	if strings.Contains(page, " src=") || strings.Contains(text(style), "url(") || strings.Contains(text(style), "@import") {
		t.Errorf("the page loads something (src=, url() or @import)")
	}
	links := elements(doc, "a")
	if len(links) == 0 {
		t.Fatal("got no console links")
	}
	for _, a := range links {
		if href := attr(a, "href"); !strings.HasPrefix(href, "https://console.aws.amazon.com/") {
			t.Errorf("got link %q; want a console page", href)
		}
	}
}

func TestConsoleURL(t *testing.T) {
	for _, tt := range []struct{ domain, region, id, want string }{
		{"console.aws.amazon.com", "eu-west-1", "vpce-0123456789abcdef0", "https://console.aws.amazon.com/vpcconsole/home?region=eu-west-1#EndpointDetails:vpcEndpointId=vpce-0123456789abcdef0"},
		{"console.amazonaws.cn", "cn-north-1", "sg-0123456789abcdef0", "https://console.amazonaws.cn/ec2/home?region=cn-north-1#SecurityGroup:groupId=sg-0123456789abcdef0"},
		{"console.amazonaws-us-gov.com", "us-gov-west-1", "acl-0123456789abcdef0", "https://console.amazonaws-us-gov.com/vpcconsole/home?region=us-gov-west-1#NetworkAclDetails:networkAclId=acl-0123456789abcdef0"},
		{"console.aws.amazon.com", "eu-west-1", "arn:aws:ecs:eu-west-1:123456789012:service/prod/orders", "https://console.aws.amazon.com/ecs/v2/clusters/prod/services/orders/health?region=eu-west-1"},
		{"console.aws.amazon.com", "eu-west-1", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", ""},
		{"console.aws.amazon.com", "eu-west-1", "fs-0123", ""},
		{"", "us-iso-east-1", "vpce-0123456789abcdef0", ""},
	} {
		t.Run(tt.id, func(t *testing.T) {
			if got := ConsoleURL(tt.domain, tt.region, tt.id); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestHTMLPathsWithoutScript: a browser with scripting on parses each
// path's drawing as the text of its noscript (no SVG node until page.js
// draws it as its section nears the viewport: that is what keeps a
// 200-service page's load short); with scripting off the same page draws
// every path, the blocking hops red, and a hostile value opens nothing.
func TestHTMLPathsWithoutScript(t *testing.T) {
	page, on := renderHTML(t, formatRows())
	figures := len(elements(on, "figure"))
	if figures == 0 {
		t.Fatal("got no path figure; want the failing needs drawn")
	}
	if n := len(elements(on, "g")); n != 0 {
		t.Errorf("scripting on: got %d SVG hop groups parsed; want 0 (the drawing is the noscript's text)", n)
	}
	if n := len(elements(on, "noscript")); n != figures {
		t.Errorf("scripting on: got %d noscript elements; want one per figure (%d)", n, figures)
	}
	off, err := html.ParseWithOptions(strings.NewReader(page), html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(elements(off, "svg")); n != figures {
		t.Errorf("scripting off: got %d SVG paths; want one per figure (%d)", n, figures)
	}
	var red []string
	for _, g := range elements(off, "g") {
		if attr(g, "data-state") == "fail" {
			red = append(red, attr(g, "data-hop"))
		}
	}
	if got, want := strings.Join(red, ","), "task-sg"; got != want {
		// logs' security-group row has no endpoint row beside it, so it
		// is laid on the task SG hop (pathOf); the hostile row is about
		// its workload, not a need.
		t.Errorf("scripting off: got red hops %s; want %s", got, want)
	}
	if n := len(elements(off, "script")); n != 1 {
		t.Errorf("scripting off: got %d script elements; want 1, the page's own", n)
	}
}
