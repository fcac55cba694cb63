//go:build unix && !linux

package lab

import "syscall"

// setParentDeath does nothing outside Linux: there, Close and the signal
// handlers of the crdtviz commands are what stop the nodes.
func setParentDeath(*syscall.SysProcAttr) {}

// Subreaper does nothing outside Linux, which alone has child
// subreapers: a process that leaves its node's process group survives
// the node there.
func Subreaper() error { return nil }

func killStrays() int { return 0 }
