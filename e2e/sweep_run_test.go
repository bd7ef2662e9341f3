package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSweepRemovesOnlyDeadOwners builds what a killed run leaves (a
// namespace whose owner has exited, with a process still in it, its
// /etc/netns files and a veth end in the root namespace) beside namespaces
// that must survive (a live owner, and a young one without an owner file),
// and sweeps.
func TestSweepRemovesOnlyDeadOwners(t *testing.T) {
	requireE2E(t)
	id := func() string {
		b := make([]byte, 4)
		rand.Read(b)
		return hex.EncodeToString(b)
	}
	dead, live, recycled, ownerless, oldOwnerless := "pf"+id()+"t", "pf"+id()+"v", "pf"+id()+"t", "pf"+id()+"t", "pf"+id()+"v"
	mine := map[string]bool{dead: true, live: true, recycled: true, ownerless: true, oldOwnerless: true}
	t.Cleanup(func() {
		for ns := range mine {
			exec.Command("ip", "netns", "del", ns).Run()
			os.RemoveAll("/etc/netns/" + ns)
			os.Remove(filepath.Join(defaultOwnerDir, ns+".pid"))
		}
	})
	for ns := range mine {
		// The old ownerless one is what a run killed between `ip netns del`
		// and removing /etc/netns leaves; an nsfs mount's time cannot be
		// set back to make an old namespace.
		if ns != oldOwnerless {
			if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
				t.Fatalf("ip netns add %s: %v: %s", ns, err, out)
			}
		}
		if err := os.MkdirAll("/etc/netns/"+ns, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("/etc/netns/"+ns+"/resolv.conf", []byte("nameserver 10.0.0.2\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The dead owner: a child process that has exited (and been reaped).
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited, err := processOwner(child.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	child.Process.Kill()
	child.Wait()
	if exited.alive() {
		t.Fatalf("%v is alive after Wait", exited)
	}
	self, err := processOwner(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for ns, o := range map[string]owner{
		dead: exited,
		live: self,
		// This process's PID with another start time: the owner's PID was
		// recycled, the owner is gone.
		recycled: {pid: self.pid, start: self.start + 1},
	} {
		if err := claim(defaultOwnerDir, ns, o); err != nil {
			t.Fatal(err)
		}
	}

	// What the dead run started and did not stop, in its namespace.
	orphan := exec.Command("ip", "netns", "exec", dead, "sleep", "60")
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	orphanDone := make(chan error, 1)
	go func() { orphanDone <- orphan.Wait() }()
	t.Cleanup(func() { orphan.Process.Kill() })

	// A veth end in the root namespace named for the dead run's pair.
	deadVeth := dead[:10] + "a"
	if out, err := exec.Command("ip", "link", "add", deadVeth, "type", "veth", "peer", "name", dead[:10]+"b").CombinedOutput(); err != nil {
		t.Fatalf("ip link add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", deadVeth).Run() })

	// The old ownerless leftover: as if made two hours ago.
	twoHoursAgo := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes("/etc/netns/"+oldOwnerless, twoHoursAgo, twoHoursAgo); err != nil {
		t.Fatal(err)
	}

	var logged []string
	s := defaultSweeper(func(format string, args ...any) {
		logged = append(logged, strings.TrimSpace(fmt.Sprintf(format, args...)))
	})
	// Only what this test made: other runs may share the machine.
	s.match = func(ns string) bool { return mine[ns] }
	if err := s.sweep(); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	t.Logf("sweeper said:\n%s", strings.Join(logged, "\n"))

	namespaces := listNetns(t)
	for _, tc := range []struct {
		ns   string
		gone bool
	}{
		{dead, true},
		{recycled, true},
		{oldOwnerless, true},
		{live, false},
		{ownerless, false},
	} {
		_, nsErr := os.Stat("/etc/netns/" + tc.ns)
		_, ownerErr := os.Stat(filepath.Join(defaultOwnerDir, tc.ns+".pid"))
		switch {
		case tc.gone && namespaces[tc.ns]:
			t.Errorf("%s still in ip netns list; want it swept", tc.ns)
		case tc.gone && nsErr == nil:
			t.Errorf("/etc/netns/%s still there; want it swept", tc.ns)
		case tc.gone && ownerErr == nil:
			t.Errorf("owner file of %s still there; want it swept", tc.ns)
		case !tc.gone && !namespaces[tc.ns]:
			t.Errorf("%s gone from ip netns list; want it kept", tc.ns)
		case !tc.gone && nsErr != nil:
			t.Errorf("/etc/netns/%s: %v; want it kept", tc.ns, nsErr)
		}
	}
	if _, err := os.Stat(filepath.Join(defaultOwnerDir, live+".pid")); err != nil {
		t.Errorf("live owner file: %v; want it kept", err)
	}
	select {
	case <-orphanDone:
	case <-time.After(5 * time.Second):
		t.Errorf("the process left in %s still runs 5s after the sweep", dead)
	}
	if out, err := exec.Command("ip", "link", "show", deadVeth).CombinedOutput(); err == nil {
		t.Errorf("veth %s still in the root namespace:\n%s", deadVeth, out)
	}
}

func listNetns(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names[f[0]] = true
		}
	}
	return names
}
