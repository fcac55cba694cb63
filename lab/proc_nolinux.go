//go:build !linux

package lab

// Subreaper does nothing outside Linux, which alone has child
// subreapers: a process that leaves its node's process group survives
// the node there.
func Subreaper() error { return nil }

func killStrays() int { return 0 }

// reaping is never set outside Linux.
var reaping atomicFalse

type atomicFalse struct{}

func (atomicFalse) Load() bool { return false }
