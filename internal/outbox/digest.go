package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// deliverDigest sends the held alerts of one channel, due now, as one
// message; through a notifier without digests (Caps.Digest), one by one.
// A failed digest is retried as a whole, each alert counting the attempt.
func (p *pass) deliverDigest(ctx context.Context, channel string, as []store.Alert) (Stats, error) {
	var st Stats
	if !p.caps.Digest {
		for _, a := range as {
			a.Digest = false
			out, err := p.deliver(ctx, a)
			if err != nil {
				return st, err
			}
			st.count(out)
		}
		return st, nil
	}
	events := make([]diff.Event, 0, len(as))
	from := as[0].Created
	for _, a := range as {
		var pl payload
		if err := json.Unmarshal(a.Payload, &pl); err != nil {
			p.o.log.Error("alert unreadable", "alert", a.ID, "err", err)
			continue
		}
		events = append(events, pl.Event)
		if a.Created.Before(from) {
			from = a.Created
		}
	}
	rcpt, err := p.n.SendDigest(ctx, channel, events, from, p.o.now())
	if err != nil {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		p.o.log.Warn("digest not sent", "channel", channel, "alerts", len(as), "err", err)
		return p.digestFailed(ctx, as, err)
	}
	// The digest is out whether or not its record is written.
	for _, a := range as {
		p.o.metrics.sent.WithLabelValues(a.Kind).Inc()
	}
	st.Sent = len(as)
	p.o.log.Info("digest sent", "channel", channel, "alerts", len(as), "via", p.n.Name())
	return st, p.digestSent(ctx, as, rcpt)
}

// digestFailed records a digest that was not sent on each of its alerts:
// failed for good, or to be retried as a whole.
func (p *pass) digestFailed(ctx context.Context, as []store.Alert, err error) (Stats, error) {
	var st Stats
	for _, a := range as {
		a.Attempts++
		if notify.Permanent(err) {
			a.Status, a.LastError = store.StatusFailed, err.Error()
			p.o.metrics.failed.WithLabelValues(a.Kind, FailPermanent).Inc()
			if perr := p.o.putAlert(ctx, a); perr != nil {
				return st, perr
			}
			st.Failed++
			continue
		}
		if _, perr := p.retryLater(ctx, a, err); perr != nil {
			return st, perr
		}
		st.Deferred++
	}
	return st, nil
}

// digestSent records a digest's alerts as sent, in one transaction that
// shutdown does not cancel: the message is out.
func (p *pass) digestSent(ctx context.Context, as []store.Alert, rcpt notify.Receipt) error {
	now := p.o.now()
	err := p.o.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		for _, a := range as {
			a.Status, a.SentAt, a.SentTS, a.SentChannel, a.LastError = store.StatusSent, now, rcpt.TS, rcpt.Channel, ""
			a.Attempts++
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark digest sent: %w", err)
	}
	return nil
}
