// Package cputime reads the CPU time a process or a thread has used, for
// benchmarks and tests that measure work on a machine other processes
// share: unlike wall-clock time, it does not grow when they run. It is a
// test helper, never linked into the binary.
package cputime

import (
	"syscall"
	"time"
	"unsafe"
)

// Linux clock ids (clock_gettime(2)); getrusage counts in scheduler
// ticks, too coarse for a few milliseconds.
const (
	clockProcessCPUTimeID = 2
	clockThreadCPUTimeID  = 3
)

// Process is the CPU time the whole process has used, every thread
// counted: a benchmark's CPU per operation, with the garbage collector's
// background work in it.
func Process() time.Duration { return clock(clockProcessCPUTimeID) }

// Thread is the CPU time the calling OS thread has used, to the
// nanosecond: a test's own work, when it runs locked to its thread.
func Thread() time.Duration { return clock(clockThreadCPUTimeID) }

func clock(id uintptr) time.Duration {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ts.Nano())
}
