package fetch

import (
	"context"
	"testing"
)

// TestHostLimiterReusedSemaphoreStillLimits: a semaphore dropped by one
// host and reused for another starts empty and keeps its capacity.
func TestHostLimiterReusedSemaphoreStillLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
	}{
		{"one slot", 1},
		{"two slots", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostLimiter(tc.n)
			ctx := context.Background()
			a, err := h.acquire(ctx, "a.example")
			if err != nil {
				t.Fatal(err)
			}
			h.release("a.example", a)
			if len(h.hosts) != 0 || len(h.free) != 1 {
				t.Fatalf("after release: %d hosts, %d free; want 0, 1", len(h.hosts), len(h.free))
			}
			var held []*hostSem
			for range tc.n {
				s, err := h.acquire(ctx, "b.example")
				if err != nil {
					t.Fatalf("slot %d of %d: %v", len(held)+1, tc.n, err)
				}
				held = append(held, s)
			}
			if held[0] != a {
				t.Errorf("b.example did not reuse a.example's dropped semaphore")
			}
			// n slots taken of a channel of capacity n: the next acquire
			// waits. A reused channel that kept a token would be full
			// one slot early, and the n-th acquire above would have hung.
			if s := held[0].sem; len(s) != tc.n || cap(s) != tc.n {
				t.Errorf("semaphore holds %d of %d tokens, want %d of %d", len(s), cap(s), tc.n, tc.n)
			}
			for _, s := range held {
				h.release("b.example", s)
			}
			if len(h.hosts) != 0 {
				t.Errorf("after all releases: %d hosts kept, want 0", len(h.hosts))
			}
		})
	}
}
