// Package outbox delivers alerts: it queues each event for its destination
// inside the poll's store transaction (routing, quiet hours, folding a
// claim repeated by more outlets into the alert already queued), then
// sends what is due through a notify.Notifier, in order per channel, with
// retries, expiry, crash recovery and digests.
//
// The outbox keeps every alert in the store until it is sent, failed for
// good or expired, so a crash never loses one; what a crash may repeat
// depends on what the notifier declares it can do (notify.Caps). It
// decides whether and when an alert is sent, never how it reads.
package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// Setup is the policy and the notifier in force. A config reload replaces
// both at once.
type Setup struct {
	Policy   *Policy
	Notifier notify.Notifier
}

// Options wires an Outbox. DB and Setup are required.
type Options struct {
	DB *store.DB
	// Setup returns the policy and notifier in force. The outbox calls it
	// once per delivery pass and per Enqueue or EnqueuePoll, so a reload takes
	// effect at the next pass and a pass never mixes two configs.
	Setup func() Setup
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives the counts; NewMetrics(nil) (unregistered) when
	// nil.
	Metrics *Metrics
	// Muter, when set, is asked about every event before it is queued.
	Muter Muter
}

// Muter says whether an event's alert is muted (by someone in Slack: an
// outlet, a source or a metric, for a while), and why. It reads the mutes
// in the transaction that would queue the alert, so a mute committed
// before a poll's transaction always applies to it.
type Muter interface {
	Muted(tx *store.Tx, ev diff.Event, now time.Time) (reason string, muted bool, err error)
}

// Outbox queues alerts and delivers them. It is safe for concurrent use:
// Enqueue runs in whichever transaction calls it, and delivery passes are
// serialised so an alert is never sent by two at once.
type Outbox struct {
	db      *store.DB
	setup   func() Setup
	now     func() time.Time
	log     *slog.Logger
	metrics *Metrics
	muter   Muter

	mu       sync.Mutex   // held by a delivery pass
	lastPass atomic.Int64 // unix nanos when the last pass ended; 0 before the first
}

// New checks opts and returns an Outbox.
func New(opts Options) (*Outbox, error) {
	if opts.DB == nil || opts.Setup == nil {
		return nil, errors.New("outbox: a database and a setup are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	return &Outbox{db: opts.DB, setup: opts.Setup, now: opts.Now, log: opts.Logger, metrics: opts.Metrics, muter: opts.Muter}, nil
}

// LastPass is when the last delivery pass ended (the zero Time before the
// first): a health check tells a wedged outbox loop by it.
func (o *Outbox) LastPass() time.Time {
	n := o.lastPass.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// payload is what the outbox stores for an alert: the event, and for a
// claim the further documents repeating it (dedupe).
type payload struct {
	Event diff.Event    `json:"event"`
	Also  []diff.Stated `json:"also,omitempty"`
}

func encodePayload(p payload) (json.RawMessage, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", p.Event.Kind, err)
	}
	return b, nil
}

// Enqueue queues ev for the destination its route names: held for the
// digest when it is of low severity and quiet hours are on, or, for a claim
// already alerted within the dedupe window, folded into that alert (its
// message is edited to list one more outlet) rather than queued again. It
// reports whether a new alert was queued, for the caller to count once the
// transaction commits: it touches nothing outside tx, so it may run in a
// Batch that bbolt retries.
func (o *Outbox) Enqueue(tx *store.Tx, ev diff.Event) (bool, error) {
	return o.enqueue(tx, o.setup().Policy, ev)
}

// enqueue is Enqueue under pol.
func (o *Outbox) enqueue(tx *store.Tx, pol *Policy, ev diff.Event) (bool, error) {
	now := o.now()
	if o.muter != nil {
		// Muted: kept like an alert over the poll cap, stored and never
		// sent, so `watcher alerts` still shows what was held back. Checked
		// before folding: a muted outlet does not join another's claim
		// either.
		reason, muted, err := o.muter.Muted(tx, ev, now)
		if err != nil {
			return false, fmt.Errorf("check mutes for %s: %w", ev.Kind, err)
		}
		if muted {
			return false, storeUnsent(tx, pol, ev, now, suppressedPrefix+reason)
		}
	}
	if ev.Kind == diff.ClaimMismatch && ev.New != nil {
		folded, err := foldClaim(tx, pol, ev, now)
		if err != nil || folded {
			return false, err
		}
	}
	channel, severity := pol.Route(string(ev.Kind), ev.Metric, ev.Source)
	a := &store.Alert{
		Kind: string(ev.Kind), Metric: ev.Metric, Channel: channel, Severity: severity,
		Created: now, NextAttempt: now,
	}
	if pol.Held(severity, now) {
		a.Digest = true
		a.NextAttempt = pol.NextDigest(now)
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
