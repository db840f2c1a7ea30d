package fetch

import (
	"context"
	"sync"
)

// acquire takes a slot in sem, or returns ctx's error once ctx ends.
func acquire(ctx context.Context, sem chan struct{}) error {
	// A ctx that is already done must not win a slot by the luck of select.
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hostLimiter bounds requests in flight per host. Semaphores are created on
// demand and dropped when no request holds or awaits them, so a daemon that
// polls thousands of hosts over months keeps only the busy ones.
type hostLimiter struct {
	n     int
	mu    sync.Mutex
	hosts map[string]*hostSem
	// free keeps dropped semaphores for reuse: with one request per host
	// at a time, as in a cycle of many sites, every request would
	// otherwise make a semaphore and drop it. Guarded by mu.
	free []*hostSem
}

// maxFreeSems bounds hostLimiter.free: enough for the requests that
// Options.Concurrency lets run at once in any configuration seen.
const maxFreeSems = 64

type hostSem struct {
	sem  chan struct{}
	refs int // requests holding or waiting for a slot; guarded by hostLimiter.mu
}

func newHostLimiter(n int) *hostLimiter {
	return &hostLimiter{n: n, hosts: make(map[string]*hostSem)}
}

// acquire takes a slot for host; release gives it back. It returns the
// semaphore rather than a closure that releases it: one allocation fewer
// on every request.
func (h *hostLimiter) acquire(ctx context.Context, host string) (*hostSem, error) {
	h.mu.Lock()
	s := h.hosts[host]
	if s == nil {
		if k := len(h.free); k > 0 {
			s, h.free = h.free[k-1], h.free[:k-1]
		} else {
			s = &hostSem{sem: make(chan struct{}, h.n)}
		}
		h.hosts[host] = s
	}
	s.refs++
	h.mu.Unlock()

	if err := acquire(ctx, s.sem); err != nil {
		h.unref(host, s)
		return nil, err
	}
	return s, nil
}

// release gives back the slot that acquire took for host.
func (h *hostLimiter) release(host string, s *hostSem) {
	<-s.sem
	h.unref(host, s)
}

func (h *hostLimiter) unref(host string, s *hostSem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.refs--
	if s.refs == 0 {
		delete(h.hosts, host)
		// No request holds or awaits s, so its channel is empty.
		if len(h.free) < maxFreeSems {
			h.free = append(h.free, s)
		}
	}
}
