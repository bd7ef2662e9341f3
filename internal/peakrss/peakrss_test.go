package peakrss

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
)

// TestMeterMeasuresTheChildNotTheParent runs a small child (true(1), not Go)
// after growing this process by 64 MiB: its rusage carries the parent's
// peak, the Meter's figure does not.
func TestMeterMeasuresTheChildNotTheParent(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) on PATH")
	}
	m := NewMeter(t.TempDir())
	if !m.Timed() {
		if os.Getenv("CI") == "true" {
			t.Fatal(Missing + "; .ci/run installs it")
		}
		t.Skip(Missing)
	}
	ballast := make([]byte, 64<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	direct := exec.Command(truePath)
	if err := direct.Run(); err != nil {
		t.Fatal(err)
	}
	inherited := direct.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	argv := m.Command([]string{truePath})
	cmd := exec.Command(argv[0], argv[1:]...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
	own, err := m.Peak(cmd.ProcessState)
	if err != nil {
		t.Fatal(err)
	}
	if inherited < 64<<10 {
		t.Logf("this kernel does not fold the parent's peak into the child's rusage (%d KiB)", inherited)
	}
	if own <= 0 || own >= 16<<10 {
		t.Errorf("true(1) under GNU time: %d KiB, want a small positive figure (rusage says %d KiB)", own, inherited)
	}
	runtime.KeepAlive(ballast)
}

func TestPeakRejectsWhatIsNotAFigure(t *testing.T) {
	m := &Meter{file: t.TempDir() + "/peak-rss", timed: true}
	for name, content := range map[string]string{"empty": "", "words": "Command terminated by signal 9\n"} {
		if err := os.WriteFile(m.file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if kib, err := m.Peak(nil); err == nil {
			t.Errorf("%s: Peak = %d, want an error", name, kib)
		}
	}
	if err := os.WriteFile(m.file, []byte("Command exited with non-zero status 3\n5120\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if kib, err := m.Peak(nil); err != nil || kib != 5120 {
		t.Errorf("after a failing child: Peak = %d, %v; want 5120", kib, err)
	}
	if err := os.Remove(m.file); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Peak(nil); err == nil {
		t.Error("Peak without GNU time's output: no error")
	}
}
