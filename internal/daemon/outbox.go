package daemon

import (
	"github.com/figwatch/watcher/internal/outbox"
	"github.com/figwatch/watcher/internal/slackapp"
)

// newOutbox builds the daemon's outbox: it reads the policy and notifier
// of the runtime in force, so a reload reaches it at its next pass.
func newOutbox(d *Daemon, m *outbox.Metrics) (*outbox.Outbox, error) {
	if m == nil {
		m = outbox.NewMetrics(nil)
	}
	return outbox.New(outbox.Options{
		DB: d.db,
		Setup: func() outbox.Setup {
			rt := d.rt.Load()
			return outbox.Setup{Policy: rt.policy, Notifier: rt.notifier}
		},
		Now:     d.now,
		Logger:  d.log,
		Metrics: m,
		// Mutes set from Slack hold whether or not the app runs now.
		Muter: slackapp.Mutes{},
	})
}
