//go:build !linux

// Where CPU time is not at hand (cputime_linux.go reads it), the
// monotonic clock stands in.

package cputime

import "time"

// Process falls back to the monotonic clock where CPU time is not at hand.
func Process() time.Duration { return time.Duration(time.Now().UnixNano()) }

// Thread falls back to the monotonic clock too.
func Thread() time.Duration { return time.Duration(time.Now().UnixNano()) }
