package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/performance"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/preflight-dev/preflight/internal/schematest"
	"github.com/preflight-dev/preflight/report"
)

// browserOutputDir is where the browser tests leave their pages and
// screenshots: $PREFLIGHT_TEST_OUTPUT/browser (.ci/run sets it, so CI
// keeps them as artefacts), else a temporary directory.
func browserOutputDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("PREFLIGHT_TEST_OUTPUT")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromium starts headless Chromium (Debian's chromium package) for the
// test and returns its browser context; the browser ends with the test.
func chromium(t *testing.T) context.Context {
	t.Helper()
	bin := schematest.RequireTool(t, "chromium", "apt-get install chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.WindowSize(1280, 900),
		// Root in a container has no user namespace for the sandbox.
		chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// pageWatch records what a tab does that a self-contained page must not:
// requests other than the page's own load, log errors (a Content-Security-
// Policy violation is one) and uncaught exceptions.
type pageWatch struct {
	mu       sync.Mutex
	requests []string
	errors   []string
	wg       sync.WaitGroup
}

// watch subscribes to the tab's network, log and runtime events; the
// subscriptions end with ctx.
func watch(t *testing.T, ctx context.Context) *pageWatch {
	t.Helper()
	w := &pageWatch{}
	enable := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, cdpruntime.Enable, cdp.Empty{})
		return err
	})
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	entries := chromedp.Events(ctx, cdplog.EntryAdded)
	exceptions := chromedp.Events(ctx, cdpruntime.ExceptionThrown)
	if err := chromedp.Do(ctx, enable); err != nil {
		t.Fatalf("enable events: %v", err)
	}
	w.wg.Add(3)
	go func() {
		defer w.wg.Done()
		for ev, err := range requests {
			if err != nil {
				return
			}
			w.add(&w.requests, ev.Request.URL)
		}
	}()
	go func() {
		defer w.wg.Done()
		for ev, err := range entries {
			if err != nil {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy") {
				w.add(&w.errors, string(ev.Entry.Source)+": "+ev.Entry.Text)
			}
		}
	}()
	go func() {
		defer w.wg.Done()
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			w.add(&w.errors, "exception: "+ev.ExceptionDetails.Text)
		}
	}()
	return w
}

func (w *pageWatch) add(list *[]string, s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*list = append(*list, s)
}

// check fails t for every request but the page's own and every error.
func (w *pageWatch) check(t *testing.T, pageURL string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, u := range w.requests {
		if u != pageURL {
			t.Errorf("the page requested %s; want no request but its own load", u)
		}
	}
	for _, e := range w.errors {
		t.Errorf("the page logged %s", e)
	}
}

// filterJS sets the page's filter select id to value as a person would
// (the change event the page listens to) and returns the rows and
// paths left visible.
const filterJS = `(() => {
  const s = document.getElementById(%q);
  s.value = %q;
  s.dispatchEvent(new Event("change"));
  const shown = sel => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null).length;
  return {rows: shown("tr[data-row]"), paths: shown("figure[data-need]"), label: document.getElementById("shown").textContent};
})()`

// drawJS brings each section of the page into view in turn, as a person
// scrolling would, waits two frames for the page to draw its paths (it
// draws a section's paths as it nears the viewport), scrolls back to the
// top and returns how many paths are still undrawn.
const drawJS = `(async () => {
  const frame = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  for (const sec of document.querySelectorAll("section[data-workload]")) {
    sec.scrollIntoView();
    await frame();
  }
  window.scrollTo(0, 0);
  await frame();
  return document.querySelectorAll("noscript.path").length;
})()`

type filterResult struct {
	Rows, Paths int
	Label       string
}

// TestAuditPageInChromium opens the page of a passing audit, a security
// group block, a missing endpoint and a page of hostile values in
// headless Chromium: the page's script runs under its own CSP (no
// violation, the filter works), the red hops are the hops the findings
// are about and red on screen, a status filter leaves the failing rows,
// a hostile service name is text, and no request leaves the page. The
// screenshots are left in the test output directory; with -update the
// security-group block's is the README's picture.
func TestAuditPageInChromium(t *testing.T) {
	browser := chromium(t)
	out := browserOutputDir(t)
	hostileName := `<script>document.title="pwned"</script><img src="x.png">`
	scenarios := map[string]formatScenario{}
	for _, s := range formatScenarios() {
		scenarios[s.name] = s
	}
	hostile := scenarios["sg-block"]
	hostile.name = "hostile"
	hostile.facts = func() *Facts {
		f := scenarios["sg-block"].facts()
		firstWorkload(f).Service = hostileName
		return f
	}
	tests := []struct {
		scenario formatScenario
		// red are the red hops as SERVICE/NEED/HOP.
		red []string
	}{
		{scenarios["pass"], nil},
		{scenarios["sg-block"], []string{"orders/ecr.api/endpoint-sg", "orders/ecr.dkr/endpoint-sg", "orders/logs/endpoint-sg"}},
		{scenarios["missing-endpoint"], []string{"orders/logs/endpoint"}},
		{hostile, []string{hostileName + "/ecr.api/endpoint-sg", hostileName + "/ecr.dkr/endpoint-sg", hostileName + "/logs/endpoint-sg"}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario.name, func(t *testing.T) {
			r := tt.scenario.report()
			r.ConsoleDomain = "console.aws.amazon.com"
			path := filepath.Join(out, tt.scenario.name+".html")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.WriteHTML(f); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			tab, cancel := chromedp.NewContext(browser)
			defer cancel()
			w := watch(t, tab)
			pageURL := "file://" + path
			if err := chromedp.Do(tab, chromedp.Navigate(pageURL)); err != nil {
				t.Fatal(err)
			}
			undrawn, err := chromedp.Run(tab, chromedp.Evaluate[int](drawJS, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if undrawn != 0 {
				t.Errorf("%d paths undrawn after every section was in view; want 0", undrawn)
			}
			red, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("figure[data-need] g[data-state=fail]")).map(g =>
				g.closest("section").dataset.service + "/" + g.closest("figure").dataset.need + "/" + g.dataset.hop)`))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(red, tt.red) && !(len(red) == 0 && len(tt.red) == 0) {
				t.Errorf("got red hops %q; want %q", red, tt.red)
			}
			if len(tt.red) > 0 {
				stroke, err := chromedp.Run(tab, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("g[data-state=fail] rect")).stroke`))
				if err != nil {
					t.Fatal(err)
				}
				if stroke != "rgb(198, 40, 40)" {
					t.Errorf("the blocking hop's stroke is %q; want red rgb(198, 40, 40) (the page's style applied under its CSP)", stroke)
				}
			}
			failing := 0
			for _, row := range r.Results {
				if row.Status == report.StatusFail {
					failing++
				}
			}
			got, err := chromedp.Run(tab, chromedp.Evaluate[filterResult](fmt.Sprintf(filterJS, "filter-status", "fail")))
			if err != nil {
				t.Fatal(err)
			}
			label := fmt.Sprintf("%d rows shown", failing)
			if failing == 1 {
				label = "1 row shown"
			}
			if got.Rows != failing || got.Label != label {
				t.Errorf("status filter fail: %d rows shown, label %q; want %d rows and the script's label", got.Rows, got.Label, failing)
			}
			if failing > 0 && got.Paths == 0 {
				t.Errorf("status filter fail: no path shown; want the paths of the failing needs")
			}
			png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, tt.scenario.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(tab, chromedp.Evaluate[filterResult](fmt.Sprintf(filterJS, "filter-status", ""))); err != nil {
				t.Fatal(err)
			}
			if tt.scenario.name == "hostile" {
				title, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.title + "|" + document.images.length + "|" + document.querySelector("h2").textContent`))
				if err != nil {
					t.Fatal(err)
				}
				if want := "|0|cluster prod, service " + hostileName + ","; !strings.Contains(title, want) || strings.HasPrefix(title, "pwned") {
					t.Errorf("got title|images|heading %q; want the name as text (…%s)", title, want)
				}
			}
			if tt.scenario.name == "sg-block" {
				shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				if *update {
					if err := os.WriteFile(filepath.Join("..", "docs", "audit-html-sg-block.png"), shot, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			cancel()
			w.wg.Wait()
			w.check(t, pageURL)
		})
	}
	t.Logf("pages and screenshots in %s", out)
}

// manyServices is sweepFacts with n services: every third like search
// (its group lacks the egress to the endpoints, a secret without an
// endpoint), the others like orders.
func manyServices(n int) *Facts {
	f := sweepFacts()
	orders, search := f.Workloads[1], f.Workloads[2]
	f.Workloads = nil
	for i := range n {
		base := orders
		if i%3 == 2 {
			base = search
		}
		w := *base
		w.Service = fmt.Sprintf("svc-%03d", i)
		w.Name = "service/prod/" + w.Service
		w.ServiceARN = "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/" + w.Service
		f.Workloads = append(f.Workloads, &w)
	}
	return f
}

// pageLoadRuns is how many times TestAuditPage200ServicesInChromium
// loads the page: the machine is shared, so one reading says little;
// the median and the minimum of several say more.
const pageLoadRuns = 5

// pageTiming is one load of a page: from navigation to the load event,
// to the first paint after it (what a person waits for), and the main
// thread's busy time until then (Performance.getMetrics TaskDuration,
// less sensitive to other processes than the wall clock), and the DOM
// nodes then (Performance.getMetrics Nodes: what the parser built, the
// same on a busy machine as on an idle one).
type pageTiming struct{ Load, Painted, Task, Nodes float64 }

// TestAuditPage200ServicesInChromium measures the page of a sweep of 200
// services in Chromium, pageLoadRuns times in fresh tabs: the time from
// navigation to the load event and to the first frame after it, the
// main thread's task time until then, and one status filter with the
// layout it forces. The figures (median and minimum) are logged and
// written to perf.txt in the test output directory, not asserted; what
// is asserted is that the filter leaves exactly the failing rows and
// that no request leaves the page.
func TestAuditPage200ServicesInChromium(t *testing.T) {
	browser := chromium(t)
	out := browserOutputDir(t)
	f := manyServices(200)
	renameIDs(reflect.ValueOf(f).Elem())
	r := report.New("audit", f.Region, f.Account, nil, Evaluate(f, Options{}), time.Second)
	r.ConsoleDomain = "console.aws.amazon.com"
	path := filepath.Join(out, "sweep-200.html")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(file); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	failing := 0
	for _, row := range r.Results {
		if row.Status == report.StatusFail {
			failing++
		}
	}
	var loads, painted, tasks, nodes, filters []float64
	for range pageLoadRuns {
		timing, filterMs := loadAndFilter(t, browser, "file://"+path, failing)
		loads, painted, tasks = append(loads, timing.Load), append(painted, timing.Painted), append(tasks, timing.Task)
		nodes = append(nodes, timing.Nodes)
		filters = append(filters, filterMs)
	}
	drawn := drawnOnDemand(t, browser, "file://"+path)
	if drawn.Paths == 0 || drawn.AtLoad*4 > drawn.Paths || drawn.LastAfterScroll == 0 || drawn.LastUndrawn != 0 {
		t.Errorf("got %d of %d paths drawn at load, %d drawn and %d undrawn in the last section once in view; want under a quarter drawn at load (those near the viewport) and the last section's drawn in view",
			drawn.AtLoad, drawn.Paths, drawn.LastAfterScroll, drawn.LastUndrawn)
	}
	msg := fmt.Sprintf("200 services, %d rows, page %d bytes, %d loads (median, min): load %s ms, first frame after load %s ms, main-thread tasks %s ms, status filter with layout %s ms; %.0f DOM nodes, %d of %d paths drawn at load",
		len(r.Results), info.Size(), pageLoadRuns, medianMin(loads), medianMin(painted), medianMin(tasks), medianMin(filters), slices.Min(nodes), drawn.AtLoad, drawn.Paths)
	t.Log(msg)
	if err := os.WriteFile(filepath.Join(out, "perf.txt"), []byte(msg+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadAndFilter loads pageURL in a fresh tab of browser, times it, and
// filters the page by status fail, checking that exactly failing rows
// stay and that no request left the page.
func loadAndFilter(t *testing.T, browser context.Context, pageURL string, failing int) (pageTiming, float64) {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	w := watch(t, tab)
	if _, err := chromedp.Call(tab, performance.Enable, performance.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	// Two frames after the load event: what the page draws once it is
	// on screen (an observer's first callback) is in the figure too.
	timing, err := chromedp.Run(tab, chromedp.Evaluate[pageTiming](`new Promise(done => {
  const n = performance.getEntriesByType("navigation")[0];
  requestAnimationFrame(() => requestAnimationFrame(() => done({load: n.loadEventEnd - n.startTime, painted: performance.now() - n.startTime})));
})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := chromedp.Call(tab, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics.Metrics {
		switch m.Name {
		case "TaskDuration":
			timing.Task = m.Value * 1000
		case "Nodes":
			timing.Nodes = m.Value
		}
	}
	type timed struct {
		Ms   float64
		Rows int
	}
	filter, err := chromedp.Run(tab, chromedp.Evaluate[timed](`(() => {
  const s = document.getElementById("filter-status");
  const t0 = performance.now();
  s.value = "fail";
  s.dispatchEvent(new Event("change"));
  const rows = Array.from(document.querySelectorAll("tr[data-row]")).filter(e => !e.hidden && !e.closest("section").hidden).length;
  document.body.getBoundingClientRect();
  return {ms: performance.now() - t0, rows: rows};
})()`))
	if err != nil {
		t.Fatal(err)
	}
	if filter.Rows != failing {
		t.Errorf("status filter fail: %d rows; want %d", filter.Rows, failing)
	}
	cancel()
	w.wg.Wait()
	w.check(t, pageURL)
	return timing, filter.Ms
}

// drawnPaths is how many of a page's paths are drawn when it has loaded,
// and in the last section with a path once that is in view.
type drawnPaths struct{ Paths, AtLoad, LastAfterScroll, LastUndrawn int }

// drawnOnDemand loads pageURL in a fresh tab of browser and counts the
// paths drawn after the load and in the last section with paths once
// scrolled into view: the page draws a path when its section nears the viewport.
func drawnOnDemand(t *testing.T, browser context.Context, pageURL string) drawnPaths {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(tab, chromedp.Evaluate[drawnPaths](`(async () => {
  const frame = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  await frame();
  const paths = document.querySelectorAll("figure[data-need]").length;
  const atLoad = document.querySelectorAll("figure[data-need]:has(svg.path g[data-state])").length;
  const last = Array.from(document.querySelectorAll("section[data-workload]")).filter(s => s.querySelector("figure[data-need]")).pop();
  last.scrollIntoView();
  await frame();
  return {paths: paths, atLoad: atLoad,
    lastAfterScroll: last.querySelectorAll("figure[data-need]:has(svg.path g[data-state])").length,
    lastUndrawn: last.querySelectorAll("noscript.path").length};
})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// medianMin formats the median and the minimum of xs as "M (min N)".
func medianMin(xs []float64) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	return fmt.Sprintf("%.0f (min %.0f)", s[len(s)/2], s[0])
}
