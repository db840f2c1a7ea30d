package notifytest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// Recorder is a notify.Notifier for tests of what calls a notifier: it
// declares the capabilities in Capabilities, records every call, answers
// with receipts it makes up ("C0TEST", "1.000001", ...), and fails a call
// when Fail says so. Its methods that Capabilities excludes return
// notify.Unsupported, as a real notifier's do. It is safe for concurrent
// use.
type Recorder struct {
	Capabilities notify.Caps
	// Fail, when set, is asked before each call ("send", "update",
	// "find", "digest") and its error returned instead.
	Fail func(method string, alertID uint64) error

	mu      sync.Mutex
	calls   []Call
	posted  map[uint64]notify.Receipt // alert id → where it was posted
	nextSeq int
}

// Call is one call a Recorder received.
type Call struct {
	Method  string // "send", "update", "find", "digest"
	Alert   notify.Alert
	Receipt notify.Receipt // the receipt an update was given
	Locator notify.Locator
	Events  []diff.Event // a digest's
	Channel string       // a digest's
}

var _ notify.Notifier = (*Recorder)(nil)

// Name is "recorder".
func (r *Recorder) Name() string { return "recorder" }

// Caps returns r.Capabilities.
func (r *Recorder) Caps() notify.Caps { return r.Capabilities }

// Calls returns the calls received so far, in order.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Methods returns the method of each call so far, in order.
func (r *Recorder) Methods() []string {
	var out []string
	for _, c := range r.Calls() {
		out = append(out, c.Method)
	}
	return out
}

func (r *Recorder) record(c Call) error {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	if r.Fail != nil {
		id := c.Alert.ID
		if c.Method == "find" {
			id = c.Locator.AlertID
		}
		return r.Fail(c.Method, id)
	}
	return nil
}

func (r *Recorder) receipt(channel string) notify.Receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextSeq++
	if channel == "" {
		channel = "C0TEST"
	}
	return notify.Receipt{Channel: channel, TS: fmt.Sprintf("1.%06d", r.nextSeq)}
}

// Send records the alert and answers with a new receipt, which Find
// returns for the alert from then on.
func (r *Recorder) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	if err := r.record(Call{Method: "send", Alert: a}); err != nil {
		return notify.Receipt{}, err
	}
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, err
	}
	rc := r.receipt(a.Channel)
	r.mu.Lock()
	if r.posted == nil {
		r.posted = map[uint64]notify.Receipt{}
	}
	r.posted[a.ID] = rc
	r.mu.Unlock()
	return rc, nil
}

// Update records the edit and answers with the receipt it was given.
func (r *Recorder) Update(ctx context.Context, a notify.Alert, rc notify.Receipt) (notify.Receipt, error) {
	if !r.Capabilities.Update {
		return notify.Receipt{}, notify.Unsupported(r.Name(), "update a message")
	}
	if err := r.record(Call{Method: "update", Alert: a, Receipt: rc}); err != nil {
		return notify.Receipt{}, err
	}
	return rc, ctx.Err()
}

// Find records the lookup and answers with the receipt of the alert's
// Send, if there was one.
func (r *Recorder) Find(ctx context.Context, l notify.Locator) (notify.Receipt, bool, error) {
	if !r.Capabilities.Find {
		return notify.Receipt{}, false, notify.Unsupported(r.Name(), "look up a posted message")
	}
	if err := r.record(Call{Method: "find", Locator: l}); err != nil {
		return notify.Receipt{}, false, err
	}
	r.mu.Lock()
	rc, ok := r.posted[l.AlertID]
	r.mu.Unlock()
	return rc, ok, ctx.Err()
}

// SendDigest records the digest and answers with a new receipt.
func (r *Recorder) SendDigest(ctx context.Context, channel string, events []diff.Event, _, _ time.Time) (notify.Receipt, error) {
	if !r.Capabilities.Digest {
		return notify.Receipt{}, notify.Unsupported(r.Name(), "send a digest")
	}
	if err := r.record(Call{Method: "digest", Channel: channel, Events: events}); err != nil {
		return notify.Receipt{}, err
	}
	return r.receipt(channel), ctx.Err()
}

// Forget drops what Send recorded for alertID, so that Find no longer
// finds it: a message deleted, or a Send whose post never happened.
func (r *Recorder) Forget(alertID uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.posted, alertID)
}
