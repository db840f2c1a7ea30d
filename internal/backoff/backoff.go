// Package backoff computes how long to wait before the next attempt after
// consecutive failures. It keeps no state: callers persist the attempt
// count (the outbox in each alert, the daemon in each source's fetch
// state), which suits work that must survive a restart better than a
// ticker would.
package backoff

import "time"

// Exponential is base doubled for each attempt after the first, capped at
// limit: base, 2·base, 4·base, … limit. attempt counts from 1; anything
// lower is the first attempt. A limit below base caps the first wait too.
func Exponential(base, limit time.Duration, attempt int) time.Duration {
	wait := base
	// Stop doubling at the cap, so a large attempt count cannot overflow.
	for i := 1; i < attempt && wait < limit; i++ {
		wait *= 2
	}
	return min(wait, limit)
}
