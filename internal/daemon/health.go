package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// DefaultMaxStoreFailures is how many polls in a row may fail to be
// written before the daemon calls itself unhealthy.
const DefaultMaxStoreFailures = 3

// writeHealth is the run of polls that could not be written, for Healthy
// and Status. It is safe for concurrent use.
type writeHealth struct {
	mu       sync.Mutex
	failures int
	lastErr  string
	last     time.Time
}

func (w *writeHealth) failed(err error, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failures++
	w.lastErr, w.last = err.Error(), at
}

// ok records a poll written, ending a run of failures; it returns how
// long the run was.
func (w *writeHealth) ok() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.failures
	w.failures, w.lastErr, w.last = 0, "", time.Time{}
	return n
}

func (w *writeHealth) status() web.StoreHealth {
	w.mu.Lock()
	defer w.mu.Unlock()
	return web.StoreHealth{ConsecutiveFailures: w.failures, LastError: w.lastErr, LastFailure: w.last}
}

// storeFailed turns a poll whose results could not be written (a full
// disk, a read-only file) into a failed poll: counted, logged at error by
// failed with the source and the cause, and recorded in the source's
// health when even that small write succeeds. After MaxStoreFailures in a
// row Healthy reports it, so /healthz answers 503 and the systemd watchdog
// is no longer fed.
func (d *Daemon) storeFailed(ctx context.Context, src config.Source, prev store.FetchState, status int, err error) error {
	d.stats.storeFailed()
	d.writes.failed(err, d.now())
	return d.failed(ctx, src, prev, status, err)
}

// written records a poll written, and says so when it ends a run of
// failed writes.
func (w *writeHealth) written(log *slog.Logger) {
	if n := w.ok(); n > 0 {
		log.Info("database writes succeed again", "failed_before", n)
	}
}

// Healthy reports whether the daemon is doing its work: the scheduler and
// the outbox loop have run recently, and polls are being written.
//
// A loop that has not started yet (the listener comes up with the
// process; `watcher demo --serve` never schedules) is not counted as
// silent.
func (d *Daemon) Healthy() error {
	if s := d.writes.status(); s.ConsecutiveFailures >= d.opts.MaxStoreFailures {
		return fmt.Errorf("database: the last %d polls could not be written: %s", s.ConsecutiveFailures, s.LastError)
	}
	now := d.now()
	if beat := d.schedBeat.Load(); beat != 0 {
		if age := now.Sub(time.Unix(0, beat)); age > time.Minute {
			return fmt.Errorf("scheduler silent for %s", age.Round(time.Second))
		}
	}
	limit := 2*time.Duration(d.conf().Delivery.Interval) + 2*time.Minute
	if beat := d.outbox.LastPass(); !beat.IsZero() {
		if age := now.Sub(beat); age > limit {
			return fmt.Errorf("outbox loop silent for %s", age.Round(time.Second))
		}
	}
	return nil
}
