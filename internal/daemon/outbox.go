package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// outboxBatch bounds how many alerts one pass reads, so a large backlog is
// worked through in short read transactions.
const outboxBatch = 100

// DeliveryStats counts what one pass over the outbox did.
type DeliveryStats struct {
	Sent, Failed, Deferred int
}

// Deliver makes one pass over the outbox: every pending alert that is due is
// sent, in order per channel. An alert that cannot be sent yet holds back the
// later alerts of its channel, so a reader never sees "233,000" before the
// "metric_new" it revises. Temporary failures are retried with exponential
// backoff (or after Slack's Retry-After); permanent ones are marked failed
// and logged, never retried.
func (d *Daemon) Deliver(ctx context.Context) (DeliveryStats, error) {
	d.deliverMu.Lock()
	defer d.deliverMu.Unlock()
	defer d.outboxBeat.Store(d.now().UnixNano())

	var stats DeliveryStats
	var pending []store.Alert
	if err := d.db.View(ctx, func(tx *store.Tx) error {
		var err error
		pending, err = tx.PendingAlerts(outboxBatch)
		return err
	}); err != nil {
		return stats, fmt.Errorf("read outbox: %w", err)
	}
	held := map[string]bool{}
	for _, a := range pending {
		if ctx.Err() != nil {
			return stats, ctx.Err()
		}
		if held[a.Channel] {
			stats.Deferred++
			continue
		}
		done, err := d.deliverOne(ctx, a)
		if err != nil {
			return stats, err
		}
		switch done {
		case deliverySent:
			stats.Sent++
		case deliveryFailed:
			stats.Failed++
		default:
			held[a.Channel] = true
			stats.Deferred++
		}
	}
	return stats, nil
}

type deliveryOutcome int

const (
	deliverySent deliveryOutcome = iota
	deliveryFailed
	deliveryDeferred
)

func (d *Daemon) deliverOne(ctx context.Context, a store.Alert) (deliveryOutcome, error) {
	now := d.now()
	maxAge := time.Duration(d.cfg.Delivery.MaxAge)
	if maxAge > 0 && now.Sub(a.Created) > maxAge {
		a.Status, a.LastError = "failed", fmt.Sprintf("expired: undelivered for %s (delivery.max_age); last error: %s", maxAge, a.LastError)
		d.log.Error("alert expired", "alert", a.ID, "kind", a.Kind, "metric", a.Metric, "err", a.LastError)
		return deliveryFailed, d.putAlert(ctx, a)
	}
	if a.NextAttempt.After(now) {
		return deliveryDeferred, nil
	}
	var ev diff.Event
	if err := json.Unmarshal(a.Payload, &ev); err != nil {
		a.Status, a.LastError = "failed", fmt.Sprintf("decode payload: %v", err)
		d.log.Error("alert unreadable", "alert", a.ID, "err", err)
		return deliveryFailed, d.putAlert(ctx, a)
	}
	na := notify.Alert{ID: a.ID, Event: ev, Channel: a.Channel}
	if ev.Metric != "" {
		if err := d.db.View(ctx, func(tx *store.Tx) error {
			ts, _, err := tx.Thread(ev.Metric, a.Channel)
			na.ThreadTS = ts
			return err
		}); err != nil {
			return deliveryDeferred, fmt.Errorf("read thread of %s: %w", ev.Metric, err)
		}
	}

	rcpt, err := d.notifier.Send(ctx, na)
	a.Attempts++
	if err == nil {
		a.Status, a.SentAt, a.SentTS, a.LastError = "sent", d.now(), rcpt.TS, ""
		d.log.Info("alert sent", "alert", a.ID, "kind", a.Kind, "metric", a.Metric,
			"via", d.notifier.Name(), "channel", rcpt.Channel, "attempts", a.Attempts)
		// The outbox update must happen even when the caller is shutting
		// down: the message is out, and a lost update means a duplicate.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err := d.db.Update(wctx, func(tx *store.Tx) error {
			if ev.Metric != "" && na.ThreadTS == "" && rcpt.TS != "" {
				if err := tx.PutThread(ev.Metric, a.Channel, rcpt.TS); err != nil {
					return err
				}
			}
			return tx.PutAlert(a)
		})
		if err != nil {
			return deliverySent, fmt.Errorf("mark alert %d sent: %w", a.ID, err)
		}
		return deliverySent, nil
	}

	a.LastError = err.Error()
	if ctx.Err() != nil {
		// Cancelled mid-send (shutdown): not the alert's fault; try again
		// at the next start without counting it.
		a.Attempts--
		return deliveryDeferred, ctx.Err()
	}
	if notify.Permanent(err) {
		a.Status = "failed"
		d.log.Error("alert failed permanently", "alert", a.ID, "kind", a.Kind, "metric", a.Metric,
			"via", d.notifier.Name(), "channel", a.Channel, "err", err)
		return deliveryFailed, d.putAlert(ctx, a)
	}
	wait := d.backoff(a.Attempts)
	if after, ok := notify.RetryAfter(err); ok && after > 0 {
		wait = after
	}
	a.NextAttempt = d.now().Add(wait)
	d.log.Warn("alert delivery failed, will retry", "alert", a.ID, "kind", a.Kind,
		"via", d.notifier.Name(), "attempts", a.Attempts, "retry_in", wait, "err", err)
	return deliveryDeferred, d.putAlert(ctx, a)
}

// backoff is RetryMin doubled per attempt, capped at RetryMax.
func (d *Daemon) backoff(attempts int) time.Duration {
	lo, hi := time.Duration(d.cfg.Delivery.RetryMin), time.Duration(d.cfg.Delivery.RetryMax)
	wait := lo
	for i := 1; i < attempts && wait < hi; i++ {
		wait *= 2
	}
	return min(wait, hi)
}

func (d *Daemon) putAlert(ctx context.Context, a store.Alert) error {
	if err := d.db.Update(ctx, func(tx *store.Tx) error { return tx.PutAlert(a) }); err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	return nil
}

// drain delivers until nothing is due or ctx ends; it is used by `once` and
// at shutdown so that a short-lived run still sends what it found.
func (d *Daemon) drain(ctx context.Context) (DeliveryStats, error) {
	var total DeliveryStats
	for {
		st, err := d.Deliver(ctx)
		total.Sent += st.Sent
		total.Failed += st.Failed
		total.Deferred = st.Deferred
		if err != nil || st.Sent+st.Failed == 0 {
			return total, err
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return total, ctx.Err()
		}
	}
}
