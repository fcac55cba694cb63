package lab

import "syscall"

// setParentDeath asks Linux to kill the node if crdtviz dies without
// cleaning up (SIGKILL, a crash in the runtime): no node outlives the
// process that started it.
func setParentDeath(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
