// Package cputime reads the CPU time a process or a thread has used, for
// benchmarks and tests that measure work on a machine other processes
// share: unlike wall-clock time, it does not grow when they run. It is a
// test helper, never linked into the binary.
package cputime

import (
	"time"

	"golang.org/x/sys/unix"
)

// Process is the CPU time the whole process has used, every thread
// counted: a benchmark's CPU per operation, with the garbage collector's
// background work in it. (getrusage counts in scheduler ticks, too
// coarse for a few milliseconds.)
func Process() time.Duration { return clock(unix.CLOCK_PROCESS_CPUTIME_ID) }

// Thread is the CPU time the calling OS thread has used, to the
// nanosecond: a test's own work, when it runs locked to its thread.
func Thread() time.Duration { return clock(unix.CLOCK_THREAD_CPUTIME_ID) }

func clock(id int32) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ts.Nano())
}
