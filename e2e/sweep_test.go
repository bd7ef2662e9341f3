package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A run killed by a timeout (the go command SIGKILLs a test binary that
// outlives -timeout by a minute) runs no t.Cleanup, and leaves its network
// namespaces, their /etc/netns files and the processes started in them
// (preflight serve, moto_server) behind. So every namespace the suite creates
// has an owner file, written before the namespace exists, and each suite
// start sweeps the namespaces whose owner is gone.
//
// nftables state needs no sweeping of its own: the suite only loads tables
// inside its namespaces, and they go with the namespace once no process
// holds it. The veth pairs are created with both ends already in the
// namespaces, so a stray end in the root namespace should not exist; one that
// matches the suite's naming is removed all the same.

// defaultOwnerDir holds one owner file per namespace, <ns>.pid.
const defaultOwnerDir = "/run/preflight-e2e"

// ownerlessGrace is how old a namespace without an owner file must be before
// it counts as a leftover: runs built from a commit that predates owner
// files (another branch, on the same machine) are live for minutes, never an
// hour (go test's default -timeout is 10 minutes).
const ownerlessGrace = time.Hour

// suiteNamespace reports whether name is one newVPC makes: "pf", 8 hex
// digits, then t (task) or v (vpc). Nothing else is ever swept.
func suiteNamespace(name string) bool {
	return len(name) == 11 && strings.HasPrefix(name, "pf") && isLowerHex(name[2:10]) && (name[10] == 't' || name[10] == 'v')
}

// suiteVeth reports whether name is one end of newVPC's veth pair
// (pf + id + a or b) and returns the namespaces that pair belongs to.
func suiteVeth(name string) (taskNS, vpcNS string, ok bool) {
	if len(name) != 11 || !strings.HasPrefix(name, "pf") || !isLowerHex(name[2:10]) || (name[10] != 'a' && name[10] != 'b') {
		return "", "", false
	}
	return name[:10] + "t", name[:10] + "v", true
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// owner identifies a process: its PID and its start time in clock ticks
// since boot, so that a recycled PID is not taken for the owner.
type owner struct {
	pid   int
	start uint64 // 0: unknown, the PID alone decides
}

// processOwner returns pid's identity; an error if it is not running (a
// zombie has exited and counts as not running).
func processOwner(pid int) (owner, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return owner{}, err
	}
	// The command name (field 2) may hold spaces and parentheses; the fields
	// after its closing parenthesis start with the state (field 3).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return owner{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return owner{}, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	if f[0] == "Z" || f[0] == "X" {
		return owner{}, fmt.Errorf("process %d has exited", pid)
	}
	start, err := strconv.ParseUint(f[19], 10, 64) // field 22, starttime
	if err != nil {
		return owner{}, fmt.Errorf("/proc/%d/stat: starttime: %w", pid, err)
	}
	return owner{pid: pid, start: start}, nil
}

// alive reports whether the process o names still runs.
func (o owner) alive() bool {
	now, err := processOwner(o.pid)
	return err == nil && (o.start == 0 || now.start == o.start)
}

func (o owner) String() string { return fmt.Sprintf("PID %d", o.pid) }

// claim records o as the owner of namespace ns in dir, atomically, so a
// sweeper never reads half a file.
func claim(dir, ns string, o owner) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+ns+".*")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(tmp, "%d %d\n", o.pid, o.start)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, ns+".pid"))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("owner file for %s: %w", ns, err)
	}
	return nil
}

// readOwner parses an owner file: "PID START" (or a bare PID).
func readOwner(path string) (owner, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return owner{}, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 || len(f) > 2 {
		return owner{}, fmt.Errorf("%s: want \"PID [START]\", got %q", path, b)
	}
	var o owner
	if o.pid, err = strconv.Atoi(f[0]); err != nil || o.pid <= 0 {
		return owner{}, fmt.Errorf("%s: PID %q", path, f[0])
	}
	if len(f) == 2 {
		if o.start, err = strconv.ParseUint(f[1], 10, 64); err != nil {
			return owner{}, fmt.Errorf("%s: start time %q", path, f[1])
		}
	}
	return o, nil
}

// sweeper removes the leftovers of suite runs that no longer run.
type sweeper struct {
	ownerDir string        // owner files, <ns>.pid
	netnsDir string        // where `ip netns` keeps named namespaces
	etcNetns string        // per-namespace /etc overrides
	grace    time.Duration // age after which an ownerless namespace is a leftover
	now      func() time.Time
	// match narrows the sweep further than suiteNamespace (tests use it so
	// as to touch only what they made); nil matches every suite namespace.
	match func(ns string) bool
	logf  func(format string, args ...any)
}

func defaultSweeper(logf func(string, ...any)) sweeper {
	return sweeper{ownerDir: defaultOwnerDir, netnsDir: "/run/netns", etcNetns: "/etc/netns", grace: ownerlessGrace, now: time.Now, logf: logf}
}

func (s sweeper) matches(ns string) bool {
	return suiteNamespace(ns) && (s.match == nil || s.match(ns))
}

// sweep removes every suite namespace whose owner is not running (or that
// has no owner file and is older than s.grace), the processes still in it,
// its /etc/netns directory and its owner file, then the suite's veth ends
// left in the root namespace. It carries on past errors and returns them
// all.
func (s sweeper) sweep() error {
	candidates := map[string]bool{}
	for _, dir := range []string{s.netnsDir, s.etcNetns} {
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sweep: %w", err)
		}
		for _, e := range entries {
			if s.matches(e.Name()) {
				candidates[e.Name()] = true
			}
		}
	}
	entries, err := os.ReadDir(s.ownerDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sweep: %w", err)
	}
	for _, e := range entries {
		if ns, ok := strings.CutSuffix(e.Name(), ".pid"); ok && s.matches(ns) {
			candidates[ns] = true
		}
	}

	var errs []error
	kept := map[string]bool{}
	for ns := range candidates {
		reason, stale := s.stale(ns)
		if !stale {
			kept[ns] = true
			if reason != "" {
				s.logf("e2e: leaving %s: %s", ns, reason)
			}
			continue
		}
		if err := s.remove(ns); err != nil {
			errs = append(errs, err)
			continue
		}
		s.logf("e2e: removed leftover namespace %s (%s)", ns, reason)
	}
	errs = append(errs, s.sweepVeths(kept))
	return errors.Join(errs...)
}

// stale decides whether ns is a leftover, and says why (or, for a kept
// namespace, why it is kept when that is not simply a live owner).
func (s sweeper) stale(ns string) (reason string, stale bool) {
	o, err := readOwner(filepath.Join(s.ownerDir, ns+".pid"))
	if err == nil {
		if o.alive() {
			return "", false
		}
		return "owner " + o.String() + " is not running: its PID is gone or names another process", true
	}
	// No usable owner file: a run from before owner files, or a file lost.
	// Judge by age: the namespace's name (an nsfs mount whose time is the
	// namespace's creation) or, without a namespace, its /etc/netns entry.
	var born time.Time
	for _, p := range []string{filepath.Join(s.netnsDir, ns), filepath.Join(s.etcNetns, ns)} {
		if fi, err := os.Stat(p); err == nil {
			born = fi.ModTime()
			break
		}
	}
	if born.IsZero() {
		// Only an unreadable owner file is left: nothing to protect.
		return fmt.Sprintf("owner file unreadable: %v", err), true
	}
	age := s.now().Sub(born).Round(time.Second)
	if age < s.grace {
		return fmt.Sprintf("no owner file and only %s old (a run without owner files may still use it)", age), false
	}
	return fmt.Sprintf("no owner file and %s old", age), true
}

// remove deletes ns, the processes in it, its /etc/netns entry and its
// owner file.
func (s sweeper) remove(ns string) error {
	if _, err := os.Lstat(filepath.Join(s.netnsDir, ns)); err == nil {
		// Processes left in the namespace (a serve or moto_server the dead
		// run started) would keep it, and its nftables tables, alive after
		// `ip netns del` unlinks its name.
		out, err := exec.Command("ip", "netns", "pids", ns).Output()
		if err != nil {
			return fmt.Errorf("sweep %s: ip netns pids: %w", ns, err)
		}
		for _, f := range strings.Fields(string(out)) {
			pid, err := strconv.Atoi(f)
			if err != nil || pid == os.Getpid() {
				continue
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("sweep %s: kill %d: %w", ns, pid, err)
			}
			s.logf("e2e: killed PID %d left in %s", pid, ns)
		}
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil && !strings.Contains(string(out), "No such file") {
			return fmt.Errorf("sweep %s: ip netns del: %v: %s", ns, err, strings.TrimSpace(string(out)))
		}
	}
	if err := os.RemoveAll(filepath.Join(s.etcNetns, ns)); err != nil {
		return fmt.Errorf("sweep %s: %w", ns, err)
	}
	if err := os.Remove(filepath.Join(s.ownerDir, ns+".pid")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sweep %s: %w", ns, err)
	}
	return nil
}

// sweepVeths deletes veth ends named like the suite's in the root namespace
// unless one of their pair's namespaces is still in use.
func (s sweeper) sweepVeths(kept map[string]bool) error {
	out, err := exec.Command("ip", "-j", "link", "show", "type", "veth").Output()
	if err != nil {
		return fmt.Errorf("sweep: ip link show: %w", err)
	}
	var links []struct {
		Name string `json:"ifname"`
	}
	if err := json.Unmarshal(out, &links); err != nil {
		return fmt.Errorf("sweep: ip -j link show: %w", err)
	}
	var errs []error
	for _, l := range links {
		taskNS, vpcNS, ok := suiteVeth(l.Name)
		if !ok || !s.matches(taskNS) || kept[taskNS] || kept[vpcNS] {
			continue
		}
		if s.ownerAlive(taskNS) || s.ownerAlive(vpcNS) {
			continue
		}
		// Deleting one end deletes its peer; the peer may already be gone.
		out, err := exec.Command("ip", "link", "del", l.Name).CombinedOutput()
		switch {
		case err == nil:
			s.logf("e2e: removed leftover veth %s", l.Name)
		case !strings.Contains(string(out), "Cannot find device"):
			errs = append(errs, fmt.Errorf("sweep: ip link del %s: %v: %s", l.Name, err, strings.TrimSpace(string(out))))
		}
	}
	return errors.Join(errs...)
}

func (s sweeper) ownerAlive(ns string) bool {
	o, err := readOwner(filepath.Join(s.ownerDir, ns+".pid"))
	return err == nil && o.alive()
}
