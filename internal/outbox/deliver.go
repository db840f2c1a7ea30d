package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/figwatch/watcher/internal/backoff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// batchSize bounds how many alerts one pass reads, so a large backlog is
// worked through in short read transactions.
const batchSize = 100

// Stats counts what delivery did.
type Stats struct {
	Sent     int // new messages, digests' alerts included
	Updated  int // messages rewritten in place (claims repeated by more outlets)
	Failed   int // given up on: refused for good, expired, unreadable
	Deferred int // still pending: not due yet, waiting on an earlier alert, or to be retried
}

// Deliver makes one pass over the outbox: every pending alert that is due is
// sent, in order per channel. An alert that cannot be sent yet holds back the
// later alerts of its channel, so a reader never sees "233,000" before the
// "metric_new" it revises. Temporary failures are retried with exponential
// backoff (or after the destination's Retry-After); permanent ones are
// marked failed and logged, never retried. Alerts held for the quiet-hours
// digest do not hold anything back; once their digest time has come they
// go out as one message per channel. Deliveries through an ephemeral
// notifier (the console) are recorded together when the pass ends.
func (o *Outbox) Deliver(ctx context.Context) (stats Stats, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	defer func() { o.lastPass.Store(o.now().UnixNano()) }()

	s := o.setup()
	p := &pass{o: o, pol: s.Policy, n: s.Notifier, caps: s.Notifier.Caps()}
	defer func() { err = errors.Join(err, p.flushMarks(ctx)) }()
	var pending []store.Alert
	if err := o.db.View(ctx, func(tx *store.Tx) error {
		var err error
		pending, err = tx.PendingAlerts(batchSize)
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
			if !a.NextAttempt.After(o.now()) {
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
		out, err := p.deliver(ctx, a)
		if err != nil {
			return stats, err
		}
		stats.count(out)
		if out == deferred {
			held[a.Channel] = true
		}
	}
	for _, ch := range channels {
		st, err := p.deliverDigest(ctx, ch, digests[ch])
		stats.add(st)
		if err != nil {
			return stats, err
		}
	}
	return stats, nil
}

// Drain delivers until nothing is due or ctx ends: what `watcher once`
// and a stopping daemon use, so that a short-lived run still sends what it
// found. Deferred is the last pass's.
func (o *Outbox) Drain(ctx context.Context) (Stats, error) {
	var total Stats
	for {
		st, err := o.Deliver(ctx)
		total.Sent += st.Sent
		total.Updated += st.Updated
		total.Failed += st.Failed
		total.Deferred = st.Deferred
		if err != nil || st.Sent+st.Updated+st.Failed == 0 {
			return total, err
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return total, ctx.Err()
		}
	}
}

// outcome is what became of one alert in a pass.
type outcome int

const (
	sent outcome = iota
	updated
	failed
	deferred
)

func (s *Stats) count(out outcome) {
	switch out {
	case sent:
		s.Sent++
	case updated:
		s.Updated++
	case failed:
		s.Failed++
	default:
		s.Deferred++
	}
}

func (s *Stats) add(o Stats) {
	s.Sent += o.Sent
	s.Updated += o.Updated
	s.Failed += o.Failed
	s.Deferred += o.Deferred
}

// pass is one delivery pass: the policy and notifier it read once at its
// start, and the deliveries it has not recorded yet.
type pass struct {
	o     *Outbox
	pol   *Policy
	n     notify.Notifier
	caps  notify.Caps
	marks sentMarks
}

// job is one alert on its way: the outbox record (updated as the delivery
// goes), what the notifier is given, and for an edit the alert whose
// message it rewrites.
type job struct {
	a      store.Alert
	na     notify.Alert
	orig   store.Alert
	update bool // rewrite orig's message rather than send a new one
}

// deliver sends a, first writing the deliveries a depends on if the pass
// still holds them.
func (p *pass) deliver(ctx context.Context, a store.Alert) (outcome, error) {
	if p.marks.dependsOn(a) {
		if err := p.flushMarks(ctx); err != nil {
			return deferred, err
		}
	}
	return p.deliverOne(ctx, a)
}

// deliverOne takes one alert through its steps: expire or wait, prepare,
// look for a copy posted before a crash, send, and record the result.
func (p *pass) deliverOne(ctx context.Context, a store.Alert) (outcome, error) {
	if out, done, err := p.expireOrDefer(ctx, a); done {
		return out, err
	}
	j, out, err := p.prepare(ctx, a)
	if j == nil {
		return out, err
	}
	if out, done, err := p.recoverPosted(ctx, j); done {
		return out, err
	}
	rcpt, err := p.send(ctx, j)
	return p.classify(ctx, j, rcpt, err)
}

// expireOrDefer fails an alert undelivered for longer than max_age, and
// leaves one that is not due yet; done is false when a is to be sent now.
func (p *pass) expireOrDefer(ctx context.Context, a store.Alert) (out outcome, done bool, err error) {
	now := p.o.now()
	if p.pol.MaxAge > 0 && now.Sub(a.Created) > p.pol.MaxAge {
		a.Status, a.LastError = store.StatusFailed, fmt.Sprintf("expired: undelivered for %s (delivery.max_age); last error: %s", p.pol.MaxAge, a.LastError)
		p.o.log.Error("alert expired", "alert", a.ID, "kind", a.Kind, "metric", a.Metric, "err", a.LastError)
		p.o.metrics.failed.WithLabelValues(a.Kind, FailExpired).Inc()
		return failed, true, p.o.putAlert(ctx, a)
	}
	if a.NextAttempt.After(now) {
		return deferred, true, nil
	}
	return 0, false, nil
}

// prepare builds what the notifier is given: the stored event, the thread
// its metric's messages go to, and for an edit the alert it edits. It
// returns a nil job when a is done with for this pass: unreadable, or an
// edit of a message that is not posted yet (it waits) or never will be
// (it is moot).
func (p *pass) prepare(ctx context.Context, a store.Alert) (*job, outcome, error) {
	var pl payload
	if err := json.Unmarshal(a.Payload, &pl); err != nil {
		a.Status, a.LastError = store.StatusFailed, fmt.Sprintf("decode payload: %v", err)
		p.o.log.Error("alert unreadable", "alert", a.ID, "err", err)
		return nil, failed, p.o.putAlert(ctx, a)
	}
	j := &job{a: a, na: notify.Alert{ID: a.ID, Event: pl.Event, Channel: a.Channel, Also: pl.Also}}
	if err := p.o.db.View(ctx, func(tx *store.Tx) error {
		if a.UpdateOf != 0 {
			var ok bool
			var err error
			if j.orig, ok, err = tx.Alert(a.UpdateOf); err != nil || !ok {
				return errors.Join(err, fmt.Errorf("alert %d updates unknown alert %d", a.ID, a.UpdateOf))
			}
			// What people added to the message in Slack survives its
			// rewrite; its controls keep answering for the original.
			notes, err := tx.Notes(a.UpdateOf)
			if err != nil {
				return err
			}
			j.na.Original = a.UpdateOf
			for _, n := range notes {
				j.na.Notes = append(j.na.Notes, n.Text)
				if n.Used != "" {
					j.na.Used = append(j.na.Used, n.Used)
				}
			}
		}
		if pl.Event.Metric != "" {
			ts, _, err := tx.Thread(pl.Event.Metric, a.Channel)
			j.na.ThreadTS = ts
			return err
		}
		return nil
	}); err != nil {
		return nil, deferred, fmt.Errorf("prepare alert %d: %w", a.ID, err)
	}
	// A notifier that cannot edit gets the longer list as a new message.
	j.update = a.UpdateOf != 0 && p.caps.Update
	if j.update {
		switch j.orig.Status {
		case store.StatusPending:
			return nil, deferred, nil
		case store.StatusFailed:
			a.Status, a.LastError = store.StatusFailed, fmt.Sprintf("the alert it updates (%d) failed", j.orig.ID)
			return nil, failed, p.o.putAlert(ctx, a)
		}
	}
	return j, 0, nil
}

// send hands the alert to the notifier, as an edit or a new message.
func (p *pass) send(ctx context.Context, j *job) (notify.Receipt, error) {
	j.a.Attempts++
	if j.update {
		return p.n.Update(ctx, j.na, notify.Receipt{Channel: j.orig.SentChannel, TS: j.orig.SentTS})
	}
	return p.n.Send(ctx, j.na)
}

// classify records what the notifier answered: sent, given up on for
// good, or to be retried later.
func (p *pass) classify(ctx context.Context, j *job, rcpt notify.Receipt, err error) (outcome, error) {
	a := j.a
	if err == nil {
		return p.markSent(ctx, j, rcpt)
	}
	a.LastError = err.Error()
	if ctx.Err() != nil {
		// Cancelled mid-send (shutdown): not the alert's fault; try again
		// at the next start without counting it.
		return deferred, ctx.Err()
	}
	if notify.Permanent(err) {
		a.Status = store.StatusFailed
		p.o.metrics.failed.WithLabelValues(a.Kind, FailPermanent).Inc()
		p.o.log.Error("alert failed permanently", "alert", a.ID, "kind", a.Kind, "metric", a.Metric,
			"via", p.n.Name(), "channel", a.Channel, "err", err)
		return failed, p.o.putAlert(ctx, a)
	}
	return p.retryLater(ctx, a, err)
}

// retryLater schedules the next attempt after a temporary failure: the
// policy's backoff, or the wait the destination asked for.
func (p *pass) retryLater(ctx context.Context, a store.Alert, err error) (outcome, error) {
	a.LastError = err.Error()
	wait := backoff.Exponential(p.pol.RetryMin, p.pol.RetryMax, a.Attempts)
	if after, ok := notify.RetryAfter(err); ok && after > 0 {
		wait = after
	}
	a.NextAttempt = p.o.now().Add(wait)
	p.o.log.Warn("alert delivery failed, will retry", "alert", a.ID, "kind", a.Kind,
		"via", p.n.Name(), "attempts", a.Attempts, "retry_in", wait, "err", err)
	return deferred, p.o.putAlert(ctx, a)
}

// markSent records a delivered alert, and makes its message the thread
// anchor of its metric when there was none. For an ephemeral notifier the
// record waits in the pass's marks (written by flushMarks); otherwise it
// is written now. The write happens even when the caller is shutting
// down: the message is out, and a lost record means a duplicate.
func (p *pass) markSent(ctx context.Context, j *job, rcpt notify.Receipt) (outcome, error) {
	a := j.a
	a.Status, a.SentAt, a.LastError = store.StatusSent, p.o.now(), ""
	out := sent
	if a.UpdateOf == 0 {
		a.SentTS, a.SentChannel = rcpt.TS, rcpt.Channel
	}
	if j.update {
		// An edit is not a new alert: counting it as sent would count a
		// claim once per outlet.
		out = updated
		p.o.metrics.updated.WithLabelValues(a.Kind).Inc()
	} else {
		p.o.metrics.sent.WithLabelValues(a.Kind).Inc()
	}
	p.o.log.Info("alert sent", "alert", a.ID, "kind", a.Kind, "metric", a.Metric,
		"via", p.n.Name(), "channel", rcpt.Channel, "attempts", a.Attempts, "update_of", a.UpdateOf)
	m := sentMark{alert: a}
	if metric := j.na.Event.Metric; metric != "" && j.na.ThreadTS == "" && rcpt.TS != "" && a.UpdateOf == 0 {
		m.thread = threadRef{metric: metric, channel: a.Channel}
		m.threadTS = rcpt.TS
	}
	if p.caps.Ephemeral {
		p.marks.add(m)
		return out, nil
	}
	return out, p.o.writeMarks(ctx, []sentMark{m})
}

func (o *Outbox) putAlert(ctx context.Context, a store.Alert) error {
	if err := o.db.Update(ctx, func(tx *store.Tx) error { return tx.PutAlert(a) }); err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	return nil
}
