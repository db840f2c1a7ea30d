package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// outboxBatch bounds how many alerts one pass reads, so a large backlog is
// worked through in short read transactions.
const outboxBatch = 100

// findWindow is how far before an alert's creation the channel history is
// searched for a copy already posted.
const findWindow = time.Minute

// payload is what the outbox stores for an alert: the event, and for a
// claim the further documents repeating it (dedupe).
type payload struct {
	Event diff.Event    `json:"event"`
	Also  []diff.Stated `json:"also,omitempty"`
}

// DeliveryStats counts what one pass over the outbox did.
type DeliveryStats struct {
	Sent, Failed, Deferred int
}

// Deliver makes one pass over the outbox: every pending alert that is due is
// sent, in order per channel. An alert that cannot be sent yet holds back the
// later alerts of its channel, so a reader never sees "233,000" before the
// "metric_new" it revises. Temporary failures are retried with exponential
// backoff (or after Slack's Retry-After); permanent ones are marked failed
// and logged, never retried. Alerts held for the quiet-hours digest do not
// hold anything back; once their digest time has come they go out as one
// message per channel. Deliveries through an ephemeral notifier (the
// console) are recorded together when the pass ends.
func (d *Daemon) Deliver(ctx context.Context) (stats DeliveryStats, err error) {
	d.deliverMu.Lock()
	defer d.deliverMu.Unlock()
	defer d.outboxBeat.Store(d.now().UnixNano())

	marks := &sentMarks{}
	defer func() { err = errors.Join(err, d.flushMarks(ctx, marks)) }()
	var pending []store.Alert
	if err := d.db.View(ctx, func(tx *store.Tx) error {
		var err error
		pending, err = tx.PendingAlerts(outboxBatch)
		return err
	}); err != nil {
		return stats, fmt.Errorf("read outbox: %w", err)
	}
	held := map[string]bool{}
	digests := map[string][]store.Alert{}
	var channels []string
	for _, a := range pending {
		if ctx.Err() != nil {
			return stats, ctx.Err()
		}
		if a.Digest {
			if !a.NextAttempt.After(d.now()) {
				if digests[a.Channel] == nil {
					channels = append(channels, a.Channel)
				}
				digests[a.Channel] = append(digests[a.Channel], a)
			}
			continue
		}
		if held[a.Channel] {
			stats.Deferred++
			continue
		}
		if marks.dependsOn(a) {
			if err := d.flushMarks(ctx, marks); err != nil {
				return stats, err
			}
		}
		done, err := d.deliverOne(ctx, a, marks)
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
	for _, ch := range channels {
		n, err := d.deliverDigest(ctx, ch, digests[ch])
		stats.Sent += n
		if err != nil {
			return stats, err
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

// deliverOne sends one alert. Its "sent" mark goes into marks when the
// notifier is Ephemeral (written by the pass's flushMarks), else straight
// to the store.
func (d *Daemon) deliverOne(ctx context.Context, a store.Alert, marks *sentMarks) (deliveryOutcome, error) {
	now := d.now()
	maxAge := time.Duration(d.conf().Delivery.MaxAge)
	if maxAge > 0 && now.Sub(a.Created) > maxAge {
		a.Status, a.LastError = store.StatusFailed, fmt.Sprintf("expired: undelivered for %s (delivery.max_age); last error: %s", maxAge, a.LastError)
		d.log.Error("alert expired", "alert", a.ID, "kind", a.Kind, "metric", a.Metric, "err", a.LastError)
		d.stats.alertFailed(a.Kind, failExpired)
		return deliveryFailed, d.putAlert(ctx, a)
	}
	if a.NextAttempt.After(now) {
		return deliveryDeferred, nil
	}
	var p payload
	if err := json.Unmarshal(a.Payload, &p); err != nil {
		a.Status, a.LastError = store.StatusFailed, fmt.Sprintf("decode payload: %v", err)
		d.log.Error("alert unreadable", "alert", a.ID, "err", err)
		return deliveryFailed, d.putAlert(ctx, a)
	}
	na := notify.Alert{ID: a.ID, Event: p.Event, Channel: a.Channel, Also: p.Also}
	var orig store.Alert
	if err := d.db.View(ctx, func(tx *store.Tx) error {
		if a.UpdateOf != 0 {
			var ok bool
			var err error
			if orig, ok, err = tx.Alert(a.UpdateOf); err != nil || !ok {
				return errors.Join(err, fmt.Errorf("alert %d updates unknown alert %d", a.ID, a.UpdateOf))
			}
		}
		if p.Event.Metric != "" {
			ts, _, err := tx.Thread(p.Event.Metric, a.Channel)
			na.ThreadTS = ts
			return err
		}
		return nil
	}); err != nil {
		return deliveryDeferred, fmt.Errorf("prepare alert %d: %w", a.ID, err)
	}

	// An edit of a message not yet posted waits for it; one whose message
	// will never exist is moot.
	caps := d.notifier().Caps()
	canUpdate := caps.Update
	if a.UpdateOf != 0 && canUpdate {
		switch orig.Status {
		case store.StatusPending:
			return deliveryDeferred, nil
		case store.StatusFailed:
			a.Status, a.LastError = store.StatusFailed, fmt.Sprintf("the alert it updates (%d) failed", orig.ID)
			return deliveryFailed, d.putAlert(ctx, a)
		}
	}

	// After a crash between Slack's answer and the outbox update, the
	// message may already be there: look before posting it again.
	if a.Tried && a.UpdateOf == 0 {
		if found, ok, err := d.findPosted(ctx, a, na); ok {
			if err != nil {
				d.log.Warn("could not check whether alert was already posted", "alert", a.ID, "err", err)
				return d.retryLater(ctx, a, err)
			}
			if found.TS != "" {
				d.log.Info("alert already posted before a restart; not posting again", "alert", a.ID, "ts", found.TS)
				return d.markSent(ctx, a, na, found, nil)
			}
		}
	}
	// The marker costs a write (and an fsync) per alert; it only helps a
	// notifier that can look for the message afterwards.
	if !a.Tried && caps.Find {
		a.Tried = true
		if err := d.putAlert(ctx, a); err != nil {
			return deliveryDeferred, err
		}
	}

	var rcpt notify.Receipt
	var err error
	if a.UpdateOf != 0 && canUpdate {
		rcpt, err = d.notifier().Update(ctx, na, notify.Receipt{Channel: orig.SentChannel, TS: orig.SentTS})
	} else {
		rcpt, err = d.notifier().Send(ctx, na)
	}
	a.Attempts++
	if err == nil {
		if !caps.Ephemeral {
			marks = nil
		}
		return d.markSent(ctx, a, na, rcpt, marks)
	}
	a.LastError = err.Error()
	if ctx.Err() != nil {
		// Cancelled mid-send (shutdown): not the alert's fault; try again
		// at the next start without counting it.
		return deliveryDeferred, ctx.Err()
	}
	if notify.Permanent(err) {
		a.Status = store.StatusFailed
		d.stats.alertFailed(a.Kind, failPermanent)
		d.log.Error("alert failed permanently", "alert", a.ID, "kind", a.Kind, "metric", a.Metric,
			"via", d.notifier().Name(), "channel", a.Channel, "err", err)
		return deliveryFailed, d.putAlert(ctx, a)
	}
	return d.retryLater(ctx, a, err)
}

// findPosted looks in Slack for a copy of a already posted, in its thread
// when it went to one (replies are not in a channel's history). ok is false
// when the notifier cannot look (console, webhooks).
func (d *Daemon) findPosted(ctx context.Context, a store.Alert, na notify.Alert) (notify.Receipt, bool, error) {
	if !d.notifier().Caps().Find {
		return notify.Receipt{}, false, nil
	}
	r, found, err := d.notifier().Find(ctx, notify.Locator{Channel: a.Channel, ThreadTS: na.ThreadTS, AlertID: a.ID, Since: a.Created.Add(-findWindow)})
	if !found {
		r = notify.Receipt{}
	}
	return r, true, err
}

// retryLater schedules the next attempt after a temporary failure.
func (d *Daemon) retryLater(ctx context.Context, a store.Alert, err error) (deliveryOutcome, error) {
	a.LastError = err.Error()
	wait := d.backoff(max(a.Attempts, 1))
	if after, ok := notify.RetryAfter(err); ok && after > 0 {
		wait = after
	}
	a.NextAttempt = d.now().Add(wait)
	d.log.Warn("alert delivery failed, will retry", "alert", a.ID, "kind", a.Kind,
		"via", d.notifier().Name(), "attempts", a.Attempts, "retry_in", wait, "err", err)
	return deliveryDeferred, d.putAlert(ctx, a)
}

// markSent records a delivered alert, and makes its message the thread
// anchor of its metric when there was none. With marks, the record waits
// in it for the pass's flushMarks; without, it is written now. The write
// happens even when the caller is shutting down: the message is out, and a
// lost record means a duplicate.
func (d *Daemon) markSent(ctx context.Context, a store.Alert, na notify.Alert, rcpt notify.Receipt, marks *sentMarks) (deliveryOutcome, error) {
	a.Status, a.SentAt, a.LastError = store.StatusSent, d.now(), ""
	if a.UpdateOf == 0 {
		a.SentTS, a.SentChannel = rcpt.TS, rcpt.Channel
	}
	d.stats.sent(a.Kind)
	d.log.Info("alert sent", "alert", a.ID, "kind", a.Kind, "metric", a.Metric,
		"via", d.notifier().Name(), "channel", rcpt.Channel, "attempts", a.Attempts, "update_of", a.UpdateOf)
	m := sentMark{alert: a}
	if metric := na.Event.Metric; metric != "" && na.ThreadTS == "" && rcpt.TS != "" && a.UpdateOf == 0 {
		m.thread = threadRef{metric: metric, channel: a.Channel}
		m.threadTS = rcpt.TS
	}
	if marks != nil {
		marks.add(m)
		return deliverySent, nil
	}
	return deliverySent, d.writeMarks(ctx, []sentMark{m})
}

// sentMarks are the records of alerts delivered in this pass and not yet
// written: an Ephemeral notifier's, which a pass writes together.
type sentMarks struct {
	marks   []sentMark
	ids     map[uint64]bool
	threads map[threadRef]bool
}

type sentMark struct {
	alert    store.Alert
	thread   threadRef // zero when the message anchors no thread
	threadTS string
}

type threadRef struct{ metric, channel string }

func (m *sentMarks) add(sm sentMark) {
	if m.ids == nil {
		m.ids, m.threads = map[uint64]bool{}, map[threadRef]bool{}
	}
	m.marks = append(m.marks, sm)
	m.ids[sm.alert.ID] = true
	if sm.threadTS != "" {
		m.threads[sm.thread] = true
	}
}

// dependsOn reports whether delivering a needs what marks hold: the status
// of the message it edits, or the thread its metric's messages go to.
func (m *sentMarks) dependsOn(a store.Alert) bool {
	return len(m.marks) > 0 && (m.ids[a.UpdateOf] || m.threads[threadRef{a.Metric, a.Channel}])
}

// flushMarks writes the records marks hold, in one transaction, and
// empties it.
func (d *Daemon) flushMarks(ctx context.Context, marks *sentMarks) error {
	if len(marks.marks) == 0 {
		return nil
	}
	err := d.writeMarks(ctx, marks.marks)
	*marks = sentMarks{}
	return err
}

// writeMarks records delivered alerts (and the thread anchors they set) in
// one transaction, under a context that shutdown does not cancel.
func (d *Daemon) writeMarks(ctx context.Context, ms []sentMark) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := d.db.Update(wctx, func(tx *store.Tx) error {
		for _, m := range ms {
			if m.threadTS != "" {
				if err := tx.PutThread(m.thread.metric, m.thread.channel, m.threadTS); err != nil {
					return err
				}
			}
			if err := tx.PutAlert(m.alert); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d alert(s) sent, first %d: %w", len(ms), ms[0].alert.ID, err)
	}
	return nil
}

// deliverDigest sends the held alerts of one channel as one message.
func (d *Daemon) deliverDigest(ctx context.Context, channel string, as []store.Alert) (int, error) {
	events := make([]diff.Event, 0, len(as))
	from := as[0].Created
	for _, a := range as {
		var p payload
		if err := json.Unmarshal(a.Payload, &p); err != nil {
			d.log.Error("alert unreadable", "alert", a.ID, "err", err)
			continue
		}
		events = append(events, p.Event)
		if a.Created.Before(from) {
			from = a.Created
		}
	}
	if !d.notifier().Caps().Digest {
		// A notifier without digests gets the alerts one by one.
		n := 0
		for _, a := range as {
			a.Digest = false
			if out, err := d.deliverOne(ctx, a, nil); err != nil {
				return n, err
			} else if out == deliverySent {
				n++
			}
		}
		return n, nil
	}
	rcpt, err := d.notifier().SendDigest(ctx, channel, events, from, d.now())
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		for _, a := range as {
			a.Attempts++
			if notify.Permanent(err) {
				a.Status, a.LastError = store.StatusFailed, err.Error()
				d.stats.alertFailed(a.Kind, failPermanent)
				if perr := d.putAlert(ctx, a); perr != nil {
					return 0, perr
				}
				continue
			}
			if _, perr := d.retryLater(ctx, a, err); perr != nil {
				return 0, perr
			}
		}
		d.log.Warn("digest not sent", "channel", channel, "alerts", len(as), "err", err)
		return 0, nil
	}
	now := d.now()
	err = d.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		for _, a := range as {
			a.Status, a.SentAt, a.SentTS, a.SentChannel, a.LastError = store.StatusSent, now, rcpt.TS, rcpt.Channel, ""
			a.Attempts++
			d.stats.sent(a.Kind)
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		return nil
	})
	d.log.Info("digest sent", "channel", channel, "alerts", len(as), "via", d.notifier().Name())
	if err != nil {
		return len(as), fmt.Errorf("mark digest sent: %w", err)
	}
	return len(as), nil
}

// backoff is RetryMin doubled per attempt, capped at RetryMax.
func (d *Daemon) backoff(attempts int) time.Duration {
	lo, hi := time.Duration(d.conf().Delivery.RetryMin), time.Duration(d.conf().Delivery.RetryMax)
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

// enqueue queues ev for the destination its route names: held for the
// digest when it is of low severity and quiet hours are on, or, for a claim
// already alerted within the dedupe window, folded into that alert (its
// message is edited to list one more outlet) rather than queued again. It
// reports whether a new alert was queued, for the caller to count once the
// transaction commits: it touches nothing outside tx, so it may run in a
// Batch that bbolt retries.
func (d *Daemon) enqueue(tx *store.Tx, ev diff.Event) (bool, error) {
	now := d.now()
	if ev.Kind == diff.ClaimMismatch && ev.New != nil {
		folded, err := d.foldClaim(tx, ev, now)
		if err != nil || folded {
			return false, err
		}
	}
	channel, severity := d.conf().Route(string(ev.Kind), ev.Metric, ev.Source)
	a := &store.Alert{
		Kind: string(ev.Kind), Metric: ev.Metric, Channel: channel, Severity: severity,
		Created: now, NextAttempt: now,
	}
	if d.conf().Held(severity, now) {
		a.Digest = true
		a.NextAttempt = d.conf().NextDigest(now)
	}
	var err error
	if a.Payload, err = encodePayload(payload{Event: ev}); err != nil {
		return false, err
	}
	if err := tx.Enqueue(a); err != nil {
		return false, err
	}
	if ev.Kind == diff.ClaimMismatch && ev.New != nil {
		return true, tx.PutClaim(store.Claim{Metric: ev.Metric, Value: ev.New.Value, AlertID: a.ID, First: now, Docs: []string{ev.DocID}})
	}
	return true, nil
}

// foldClaim adds a repeat of an alerted claim to that alert. While the
// alert is still unsent its payload is extended in place; once posted, an
// update alert re-renders the message with the longer list.
func (d *Daemon) foldClaim(tx *store.Tx, ev diff.Event, now time.Time) (bool, error) {
	c, ok, err := tx.Claim(ev.Metric, ev.New.Value)
	if err != nil || !ok || now.Sub(c.First) > time.Duration(d.conf().Alerts.DedupeWindow) {
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

func encodePayload(p payload) (json.RawMessage, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", p.Event.Kind, err)
	}
	return b, nil
}
