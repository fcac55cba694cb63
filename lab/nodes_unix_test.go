//go:build unix

package lab

import "syscall"

func setsidAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
