package slackapp

import (
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/store"
)

// Mutes applies the mutes set from Slack to events about to be queued: an
// outlet's claim_mismatch alerts, and a source's or a metric's alerts of
// any kind. It is the outbox's Muter; it needs no running app, so mutes
// keep holding while the socket is down.
type Mutes struct{}

// Muted reports whether ev is muted at now, and by which mute.
func (Mutes) Muted(tx *store.Tx, ev diff.Event, now time.Time) (string, bool, error) {
	type check struct{ scope, name string }
	var checks []check
	if ev.Kind == diff.ClaimMismatch && ev.Source != "" {
		checks = append(checks, check{ScopeOutlet, ev.Source})
	}
	if ev.Source != "" {
		checks = append(checks, check{ScopeSource, ev.Source})
	}
	if ev.Metric != "" {
		checks = append(checks, check{ScopeMetric, ev.Metric})
	}
	for _, c := range checks {
		m, on, err := tx.Muted(c.scope, c.name, now)
		if err != nil {
			return "", false, fmt.Errorf("read mute of %s %s: %w", c.scope, c.name, err)
		}
		if on {
			return fmt.Sprintf("%s %s muted by %s until %s", c.scope, c.name, m.By, m.Until.UTC().Format(time.RFC3339)), true, nil
		}
	}
	return "", false, nil
}
