//go:build !linux

package extract

import "time"

// processCPU falls back to the monotonic clock where process CPU time is
// not at hand; see cpu_linux_test.go.
func processCPU() time.Duration {
	return time.Duration(time.Now().UnixNano())
}
