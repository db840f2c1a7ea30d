package extract

import (
	"syscall"
	"time"
	"unsafe"
)

// processCPU is the CPU time the whole process has used, every thread
// counted: a benchmark's CPU per operation, with the garbage collector's
// background work in it, which wall-clock ns/op on a busy machine is not.
func processCPU() time.Duration {
	const clockProcessCPUTimeID = 2 // CLOCK_PROCESS_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ts.Nano())
}
