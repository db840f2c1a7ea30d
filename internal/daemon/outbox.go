package daemon

import (
	"context"

	"github.com/figwatch/watcher/internal/outbox"
	"github.com/figwatch/watcher/internal/web"
)

// drain delivers until nothing is due or ctx ends; it is used by `once` and
// at shutdown so that a short-lived run still sends what it found, and by
// the outbox loop.
func (d *Daemon) drain(ctx context.Context) (outbox.Stats, error) {
	return d.outbox.Drain(ctx)
}

// newOutbox builds the daemon's outbox: it reads the policy and notifier
// of the runtime in force, so a reload reaches it at its next pass.
func newOutbox(d *Daemon, m *web.Metrics) (*outbox.Outbox, error) {
	return outbox.New(outbox.Options{
		DB: d.db,
		Setup: func() outbox.Setup {
			rt := d.rt.Load()
			return outbox.Setup{Policy: rt.policy, Notifier: rt.notifier}
		},
		Now:     d.now,
		Logger:  d.log,
		Metrics: outboxMetrics(m),
	})
}

// outboxMetrics registers the outbox's collectors where /metrics serves
// them. web.Metrics still defines watcher_alerts_sent_total and
// watcher_alerts_failed_total itself; they are taken off its registry so
// the outbox's, same names and labels, replace them. This goes when
// web.Metrics stops defining them.
func outboxMetrics(m *web.Metrics) *outbox.Metrics {
	if m == nil {
		return outbox.NewMetrics(nil)
	}
	m.Registry.Unregister(m.AlertsSent)
	m.Registry.Unregister(m.AlertsFailed)
	return outbox.NewMetrics(m.Registry)
}
