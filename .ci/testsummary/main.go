// Command testsummary reads `go test -json` on stdin and writes what a
// person needs from it: the output of every failed test, build and package
// as go test would print it, one line per package, every skipped test with
// the reason it gave, and a count of passed, failed and skipped tests. It
// exits 1 when anything failed, so a pipeline still fails without pipefail.
//
// Run it as a file (`go run .ci/testsummary/main.go`): a directory that
// starts with a dot cannot be an import path.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	failed, err := run(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json), including the
// build events of Go 1.24 and later.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type key struct{ pkg, test string }

type skip struct {
	name, reason string
}

// run summarises the events on r to w and reports whether anything failed.
func run(r io.Reader, w io.Writer) (failed bool, err error) {
	out := map[key][]string{} // output so far, per test and per package (test "")
	var passed, failedTests, skips []string
	var skipped []skip
	var failedPkgs []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event (a stray line from the go command): pass it on.
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "build-fail":
			// The package's own fail event, "[build failed]", follows.
			failed = true
		case "output":
			out[k] = append(out[k], e.Output)
		case "pass":
			if e.Test != "" {
				passed = append(passed, e.Test)
			} else {
				printMatching(w, out[k], "ok")
			}
			delete(out, k)
		case "skip":
			if e.Test != "" {
				skips = append(skips, e.Test)
				skipped = append(skipped, skip{e.Package + " " + e.Test, skipReason(out[k])})
			} else {
				// A package without tests; its output is "?   pkg [no test files]".
				printMatching(w, out[k], "?")
				skipped = append(skipped, skip{e.Package, "no test files"})
			}
			delete(out, k)
		case "fail":
			failed = true
			if e.Test != "" {
				failedTests = append(failedTests, e.Package+" "+e.Test)
			} else {
				failedPkgs = append(failedPkgs, e.Package)
			}
			// What go test -v would have shown for it: a test's own output,
			// or a package's (a panic, a timeout, TestMain, the FAIL line).
			fmt.Fprint(w, strings.Join(out[k], ""))
			delete(out, k)
		}
	}
	if err := sc.Err(); err != nil {
		return true, fmt.Errorf("reading go test -json: %w", err)
	}

	if len(skipped) > 0 {
		fmt.Fprintln(w, "\nskipped:")
		sort.Slice(skipped, func(i, j int) bool { return skipped[i].name < skipped[j].name })
		for _, s := range skipped {
			fmt.Fprintf(w, "  %s: %s\n", s.name, s.reason)
		}
	}
	if len(failedTests)+len(failedPkgs) > 0 {
		fmt.Fprintln(w, "\nfailed:")
		for _, f := range append(failedPkgs, failedTests...) {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	// The last line is the plain "N passed, N failed, N skipped" that CI
	// reads; tests and subtests count alike, and a package that did not
	// build counts as failed.
	fmt.Fprintf(w, "\n%d passed, %d failed, %d skipped\n", len(passed), len(failedTests)+len(failedPkgs), len(skips))
	return failed, nil
}

// printMatching prints the lines of out that start with prefix.
func printMatching(w io.Writer, out []string, prefix string) {
	for _, l := range out {
		if strings.HasPrefix(l, prefix) {
			fmt.Fprint(w, l)
		}
	}
}

// skipReason is what a skipped test logged: its output without the lines
// test2json frames it with (=== RUN, --- SKIP, ...), with the file:line
// prefix t.Skip adds.
func skipReason(out []string) string {
	var reason []string
	for _, l := range out {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		reason = append(reason, t)
	}
	if len(reason) == 0 {
		return "(no reason given)"
	}
	return strings.Join(reason, " ")
}
