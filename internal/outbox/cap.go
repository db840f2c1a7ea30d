package outbox

import (
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/store"
)

// KindAlertsCapped is the kind of the summary alert EnqueuePoll queues when
// one poll produced more alerts than Policy.MaxPerPoll. Its event carries
// the source, and the summary in Title.
//
// It is declared here, not in diff, because only the outbox makes it; a
// renderer without a case for it shows "alerts_capped: <source> <title>".
const KindAlertsCapped diff.Kind = "alerts_capped"

// suppressedPrefix starts the LastError of an alert stored but never sent
// because its poll was over the cap.
const suppressedPrefix = "suppressed: "

// EnqueuePoll queues the events of one poll of one source, in order, as
// Enqueue does each, and returns the kinds of the alerts it queued for
// sending, for the caller to count once the transaction commits.
//
// A poll that produced more events than the policy's MaxPerPoll (a feed
// linking to thousands of articles, a first poll that alerts) queues the
// first MaxPerPoll as usual, then one summary alert ("<source> produced N
// alerts in one poll; showing the first M"); the rest are stored as
// failed with a "suppressed" reason: recorded, listed by `watcher
// alerts`, never sent. Like Enqueue it touches nothing outside tx.
func (o *Outbox) EnqueuePoll(tx *store.Tx, events []diff.Event) ([]diff.Kind, error) {
	// One policy for the whole poll, even if a reload swaps it meanwhile.
	pol := o.setup().Policy
	limit := pol.MaxPerPoll
	var queued []diff.Kind
	for i, ev := range events {
		if limit > 0 && i == limit && len(events) > limit {
			return o.enqueueOverCap(tx, pol, queued, events, limit)
		}
		ok, err := o.enqueue(tx, pol, ev)
		if err != nil {
			return nil, err
		}
		if ok {
			queued = append(queued, ev.Kind)
		}
	}
	return queued, nil
}

// enqueueOverCap queues the summary of a poll over its cap and stores
// events[shown:] without sending them.
func (o *Outbox) enqueueOverCap(tx *store.Tx, pol *Policy, queued []diff.Kind, events []diff.Event, shown int) ([]diff.Kind, error) {
	now := o.now()
	first := events[0]
	summary := diff.Event{
		Kind: KindAlertsCapped, At: now, Source: first.Source, SourceName: first.SourceName, Authority: first.Authority,
		Title: fmt.Sprintf("produced %d alerts in one poll; showing the first %d", len(events), shown),
	}
	ok, err := o.enqueue(tx, pol, summary)
	if err != nil {
		return nil, err
	}
	if ok {
		queued = append(queued, summary.Kind)
	}
	reason := fmt.Sprintf("%s%s produced %d alerts in one poll, over the cap of %d", suppressedPrefix, first.Source, len(events), shown)
	for _, ev := range events[shown:] {
		if err := storeUnsent(tx, pol, ev, now, reason); err != nil {
			return nil, err
		}
	}
	return queued, nil
}

// storeUnsent stores ev's alert as failed for reason without sending it:
// an alert suppressed by the poll cap or a mute.
func storeUnsent(tx *store.Tx, pol *Policy, ev diff.Event, now time.Time, reason string) error {
	channel, severity := pol.Route(string(ev.Kind), ev.Metric, ev.Source)
	a := &store.Alert{Kind: string(ev.Kind), Metric: ev.Metric, Channel: channel, Severity: severity, Created: now, NextAttempt: now}
	var err error
	if a.Payload, err = encodePayload(payload{Event: ev}); err != nil {
		return err
	}
	if err := tx.Enqueue(a); err != nil {
		return err
	}
	a.Status, a.LastError = store.StatusFailed, reason
	return tx.PutAlert(*a)
}
