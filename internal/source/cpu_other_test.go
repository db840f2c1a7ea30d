//go:build !linux

package source

import "time"

// threadCPU falls back to the monotonic clock where per-thread CPU time is
// not at hand; see cpu_linux_test.go.
func threadCPU() time.Duration {
	return time.Duration(time.Now().UnixNano())
}

// processCPU falls back to the monotonic clock too.
func processCPU() time.Duration {
	return time.Duration(time.Now().UnixNano())
}
