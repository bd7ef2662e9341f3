package audit

import (
	"path"
	"strings"

	"github.com/preflight-dev/preflight/config"
)

// containerEntries are the check entries a container of a task definition
// runs preflight with: the task checks them itself when it starts (an init
// container fails the task on them), so the audit judges them too.
type containerEntries struct {
	// Container is the container's name.
	Container string
	// Source names where the entries come from: "PREFLIGHT_CHECKS" (its
	// environment) or "--checks" (its command line, which wins).
	Source string
	// Entries are the parsed entries ("auto" included when named).
	Entries []config.Entry
	// Region is the container's --region or PREFLIGHT_REGION, which
	// catalogue entries without their own @REGION expand in; empty means
	// the task's region.
	Region string
	// Err is set when the entries (or the region) do not parse: the
	// container then exits 2 before it checks anything.
	Err error
}

// PreflightEnvPrefix is the prefix of the variables Container.Environment
// keeps.
const PreflightEnvPrefix = "PREFLIGHT_"

// containerChecks lists, for each container of td that runs `preflight
// check` or `preflight serve`, the entries it checks. A container with
// neither --checks nor PREFLIGHT_CHECKS checks "auto", which adds nothing
// to what the audit derives, and is left out.
func containerChecks(td *TaskDefinition) []containerEntries {
	var out []containerEntries
	for _, ct := range td.Containers {
		args, ok := preflightArgs(ct)
		if !ok {
			continue
		}
		cc := containerEntries{Container: ct.Name}
		list, source := flagValue(args, "checks"), "--checks"
		if list == "" {
			list, source = ct.Environment[config.EnvName("checks")], config.EnvName("checks")
		}
		if strings.TrimSpace(list) == "" {
			continue
		}
		cc.Source = source
		cc.Entries, cc.Err = config.ParseEntries(list)
		cc.Region = flagValue(args, "region")
		if cc.Region == "" {
			cc.Region = ct.Environment[config.EnvName("region")]
		}
		if cc.Region != "" && !config.ValidRegion(cc.Region) {
			cc.Region = ""
		}
		out = append(out, cc)
	}
	return out
}

// preflightArgs returns the arguments after the subcommand when ct runs
// `preflight check` or `preflight serve`, the commands that probe entries.
// A container runs preflight when its entryPoint or command calls a
// program named preflight (also inside a shell string: sh -c "preflight
// check && ..."), or when its image's repository is named after preflight
// and the entryPoint is the image's own (/preflight, with CMD check: an
// empty command runs check).
func preflightArgs(ct Container) ([]string, bool) {
	var words []string
	for _, a := range append(append([]string(nil), ct.EntryPoint...), ct.Command...) {
		words = append(words, strings.Fields(a)...)
	}
	for i, w := range words {
		if path.Base(w) != "preflight" {
			continue
		}
		if i+1 < len(words) && probeCommand(words[i+1]) {
			return words[i+2:], true
		}
		return nil, false
	}
	if len(ct.EntryPoint) > 0 || !imageIsPreflight(ct.Image) {
		return nil, false
	}
	if len(words) == 0 {
		return nil, true // the image's CMD: check
	}
	if probeCommand(words[0]) {
		return words[1:], true
	}
	return nil, false
}

func probeCommand(s string) bool { return s == "check" || s == "serve" }

// imageIsPreflight reports whether the repository of an image reference
// (not its registry host, not its tag) contains "preflight".
func imageIsPreflight(image string) bool {
	repo := strings.ToLower(image)
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if first, rest, ok := strings.Cut(repo, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		repo = rest
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	return strings.Contains(repo, "preflight")
}

// flagValue finds --name VALUE, --name=VALUE, -name VALUE or -name=VALUE
// in args (the last one wins, as in preflight's own flag parsing), or "".
func flagValue(args []string, name string) string {
	var v string
	for i, a := range args {
		flag := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if flag == a {
			continue
		}
		switch {
		case flag == name && i+1 < len(args):
			v = args[i+1]
		case strings.HasPrefix(flag, name+"="):
			v = flag[len(name)+1:]
		}
	}
	return v
}
