package cputime

import (
	"runtime"
	"testing"
)

// Spinning uses CPU time, which both clocks see. The thread's clock is
// read on one thread: a goroutine that moved between the two readings
// would compare two threads' clocks.
func TestClocksAdvanceWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, t0 := Process(), Thread()
	x := 0
	for i := range 20_000_000 {
		x += i % 7
	}
	if x == 0 {
		t.Fatal("the loop did nothing")
	}
	if Process() <= p0 || Thread() <= t0 {
		t.Errorf("after 20 million iterations: process %v -> %v, thread %v -> %v", p0, Process(), t0, Thread())
	}
}
