//go:build !linux

package mototest

import "os/exec"

// DieWithTest is Linux's parent-death signal; elsewhere the cleanups
// alone stop the server.
func DieWithTest(cmd *exec.Cmd) *exec.Cmd { return cmd }
