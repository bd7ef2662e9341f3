package peakrss

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWrapMeasuresTheChildNotTheParent runs a small child (GNU time's own
// "true" is not Go) after growing this process by 64 MiB: its rusage
// carries the parent's peak, GNU time's figure does not.
func TestWrapMeasuresTheChildNotTheParent(t *testing.T) {
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) on PATH")
	}
	file := filepath.Join(t.TempDir(), "rss")
	argv, ok := Wrap(file, []string{truePath})
	if !ok {
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
	cmd := exec.Command(argv[0], argv[1:]...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
	own, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if inherited < 64<<10 {
		t.Logf("this kernel does not fold the parent's peak into the child's rusage (%d KiB)", inherited)
	}
	if own <= 0 || own >= 16<<10 {
		t.Errorf("true(1) under GNU time: %d KiB, want a small positive figure (rusage says %d KiB)", own, inherited)
	}
	_ = ballast[len(ballast)-1]
}

func TestReadRejectsWhatIsNotAFigure(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"empty": "", "words": "Command terminated by signal 9\n"} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if kib, err := Read(file); err == nil {
			t.Errorf("%s: Read = %d, want an error", name, kib)
		}
	}
	file := filepath.Join(dir, "failed")
	if err := os.WriteFile(file, []byte("Command exited with non-zero status 3\n5120\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if kib, err := Read(file); err != nil || kib != 5120 {
		t.Errorf("after a failing child: Read = %d, %v; want 5120", kib, err)
	}
	if _, err := Read(filepath.Join(dir, "absent")); err == nil {
		t.Error("Read of a missing file: no error")
	}
}
