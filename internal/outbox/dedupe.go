package outbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/store"
)

// foldClaim adds a repeat of an alerted claim to that alert, and reports
// whether it did (then nothing new is queued). While the alert is still
// unsent its payload is extended in place; once posted, an update alert
// re-renders the message with the longer list. A claim first alerted
// longer than the dedupe window ago is not folded: a new wave is news.
func foldClaim(tx *store.Tx, pol *Policy, ev diff.Event, now time.Time) (bool, error) {
	c, ok, err := tx.Claim(ev.Metric, ev.New.Value)
	if err != nil || !ok || now.Sub(c.First) > pol.DedupeWindow {
		return false, err
	}
	if slices.Contains(c.Docs, ev.DocID) {
		return true, nil // the same document again (a revision): nothing new to list
	}
	orig, ok, err := tx.Alert(c.AlertID)
	if err != nil || !ok {
		return false, err
	}
	var p payload
	if err := json.Unmarshal(orig.Payload, &p); err != nil {
		return false, fmt.Errorf("decode alert %d: %w", orig.ID, err)
	}
	p.Also = append(p.Also, *ev.New)
	raw, err := encodePayload(p)
	if err != nil {
		return false, err
	}
	c.Docs = append(c.Docs, ev.DocID)
	if err := tx.PutClaim(c); err != nil {
		return false, err
	}
	if orig.Status == store.StatusPending && !orig.Tried {
		orig.Payload = raw
		return true, tx.PutAlert(orig)
	}
	if orig.Status == store.StatusFailed {
		return false, nil
	}
	// The message is out (or may be): edit it.
	upd := &store.Alert{
		Kind: orig.Kind, Metric: orig.Metric, Channel: orig.Channel, Severity: orig.Severity,
		Payload: raw, Created: now, NextAttempt: now, UpdateOf: orig.ID,
	}
	if err := tx.Enqueue(upd); err != nil {
		return false, err
	}
	// Later repeats extend this update's payload.
	orig.Payload = raw
	return true, tx.PutAlert(orig)
}
