package mototest

import (
	"os/exec"
	"syscall"
)

// DieWithTest makes the kernel kill cmd when the test binary dies, so a
// test that panics (and so never runs its cleanups) leaves no moto_server
// or seeder behind on a CI machine. It returns cmd.
func DieWithTest(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}
