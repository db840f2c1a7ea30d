package backoff

import (
	"math"
	"testing"
	"time"
)

func TestExponential(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		base, limit time.Duration
		attempt     int
		want        time.Duration
	}{
		{"first attempt waits base", time.Second, time.Minute, 1, time.Second},
		{"zero attempts count as the first", time.Second, time.Minute, 0, time.Second},
		{"negative attempts count as the first", time.Second, time.Minute, -3, time.Second},
		{"doubles per attempt", time.Second, time.Minute, 4, 8 * time.Second},
		{"capped at the limit", time.Second, time.Minute, 7, time.Minute},
		{"huge attempt count does not overflow", time.Second, time.Hour, math.MaxInt, time.Hour},
		{"limit below base caps the first wait", time.Minute, time.Second, 1, time.Second},
		{"the poller's schedule", time.Minute, 6 * time.Hour, 5, 16 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Exponential(tc.base, tc.limit, tc.attempt); got != tc.want {
				t.Errorf("Exponential(%s, %s, %d) = %s, want %s", tc.base, tc.limit, tc.attempt, got, tc.want)
			}
		})
	}
}
