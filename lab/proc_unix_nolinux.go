//go:build unix && !linux

package lab

import "syscall"

// setParentDeath does nothing outside Linux: there, Close and the signal
// handlers of the crdtviz commands are what stop the nodes.
func setParentDeath(*syscall.SysProcAttr) {}
