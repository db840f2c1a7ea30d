package fetch

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxHostBackoff caps how long one Retry-After keeps a host closed to this
// client. Retry-After is honoured up to it; a server that asks for a week
// (a misconfiguration far more often than a wish) is tried again after a
// day instead of silencing its sources until the daemon restarts.
const MaxHostBackoff = 24 * time.Hour

// HostBackoffError reports a request that was not sent because its host
// answered an earlier request (from any source) with 429 or 503 and a
// Retry-After that ends after the request's deadline. Waiting would only
// have ended in a timeout; the request fails at once instead, without
// touching the host.
type HostBackoffError struct {
	Host   string
	Until  time.Time // when the host will be asked again
	Status int       // the status that carried the Retry-After: 429 or 503
}

func (e *HostBackoffError) Error() string {
	msg := fmt.Sprintf("host %s asked us to wait until %s", e.Host, e.Until.UTC().Format(time.RFC3339))
	if e.Status != 0 {
		msg += fmt.Sprintf(" (status %d %s)", e.Status, http.StatusText(e.Status))
	}
	return msg
}

// Temporary reports true: the same request succeeds, or at least is sent,
// once Until has passed.
func (e *HostBackoffError) Temporary() bool { return true }

// hostGate keeps what politeness needs to remember about a host between
// requests: when the next request may start (Options.HostDelay, a
// golang.org/x/time/rate limiter with a burst of one per host) and until
// when the host asked to be left alone (Retry-After). Entries with nothing
// left to remember are swept once a minute, so a daemon polling thousands
// of hosts keeps only the recent ones.
type hostGate struct {
	delay time.Duration

	mu      sync.Mutex
	hosts   map[string]*gateState
	sweepAt time.Time
}

type gateState struct {
	lim    *rate.Limiter // nil while HostDelay is zero
	last   time.Time     // latest start booked; the entry matters until last+delay
	until  time.Time     // end of the host's Retry-After backoff
	status int           // status that set until
}

func newHostGate(delay time.Duration) *hostGate {
	return &hostGate{delay: delay, hosts: make(map[string]*gateState)}
}

// state returns host's entry, creating it; h.mu must be held.
func (h *hostGate) state(host string, now time.Time) *gateState {
	if now.After(h.sweepAt) {
		for k, s := range h.hosts {
			if !s.last.Add(h.delay).After(now) && !s.until.After(now) {
				delete(h.hosts, k)
			}
		}
		h.sweepAt = now.Add(time.Minute)
	}
	s := h.hosts[host]
	if s == nil {
		s = &gateState{}
		h.hosts[host] = s
	}
	return s
}

// backoff returns the end of host's Retry-After backoff and the status that
// asked for it, or a zero time when the host is open.
func (h *hostGate) backoff(host string, now time.Time) (time.Time, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.hosts[host]
	if s == nil || !s.until.After(now) {
		return time.Time{}, 0
	}
	return s.until, s.status
}

// setBackoff closes host until the given time; an earlier end never
// shortens a longer backoff already in force.
func (h *hostGate) setBackoff(host string, until time.Time, status int, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.state(host, now)
	if until.After(s.until) {
		s.until, s.status = until, status
	}
}

// reserve books the next start time for a request to host, HostDelay after
// the previous booking, and returns it with a function that gives the
// booking back, at the time given, when the request will not be sent after
// all. Only the latest booking is given back in full: a request booked
// after it keeps its own start (the limiter's Reservation.CancelAt). A
// start after
// deadline (when deadline is not zero) books nothing and returns ok false.
func (h *hostGate) reserve(host string, now, deadline time.Time) (start time.Time, cancel func(now time.Time), ok bool) {
	if h.delay <= 0 {
		return now, func(time.Time) {}, true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.state(host, now)
	if s.lim == nil {
		s.lim = rate.NewLimiter(rate.Every(h.delay), 1)
	}
	r := s.lim.ReserveN(now, 1)
	start = now.Add(r.DelayFrom(now))
	if !deadline.IsZero() && start.After(deadline) {
		r.CancelAt(now)
		return start, nil, false
	}
	s.last = start
	return start, r.CancelAt, true
}

// sleep waits for d, or returns ctx's error once ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
