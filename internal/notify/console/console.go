// Package console delivers alerts as plain text to a writer (standard
// output by default in the daemon): the notifier used until Slack is
// configured, and by `watcher once` on a terminal.
package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// Notifier writes alerts as text. It is safe for concurrent use: each
// alert is written with one Write call under a lock, so alerts never
// interleave.
type Notifier struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
	loc *time.Location
}

var _ notify.Notifier = (*Notifier)(nil)

// separator ends every message so consecutive ones are easy to tell apart
// in a scrolling terminal.
const separator = "────────────────────────────────────────────────────────────────────────\n"

// Option configures a Notifier.
type Option func(*Notifier)

// WithLocation shows the times in alerts (the header line, first seen,
// published, digest periods) in loc, the newsroom's zone, labelled. The
// default is UTC; a nil loc keeps it.
func WithLocation(loc *time.Location) Option {
	return func(n *Notifier) {
		if loc != nil {
			n.loc = loc
		}
	}
}

// New returns a Notifier writing to w.
func New(w io.Writer, opts ...Option) *Notifier {
	n := &Notifier{w: w, now: time.Now, loc: time.UTC}
	for _, o := range opts {
		o(n)
	}
	return n
}

// Name is "console".
func (n *Notifier) Name() string { return "console" }

// Caps: the console "updates" by printing the alert again and prints
// digests; it cannot read back what it printed, so Find is unsupported.
// It is ephemeral: a line printed twice after a crash costs a reader
// nothing, so a cycle's alerts cost one outbox write, not one fsync each.
func (n *Notifier) Caps() notify.Caps {
	return notify.Caps{Update: true, Digest: true, Ephemeral: true}
}

// Find is unsupported: a terminal cannot be read back.
func (n *Notifier) Find(context.Context, notify.Locator) (notify.Receipt, bool, error) {
	return notify.Receipt{}, false, notify.Unsupported(n.Name(), "look up a printed alert")
}

// Send writes a header line (the event's time, kind and alert id), the
// alert's text (notify.Text of its Message: the event, then the other
// documents repeating it) and a separator. A failed write is a temporary
// error.
func (n *Notifier) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	return n.writeAlert(ctx, a, "")
}

// Update writes the alert again, its header marked "updated": a terminal
// cannot edit what it printed, so the new version follows the old one.
func (n *Notifier) Update(ctx context.Context, a notify.Alert, _ notify.Receipt) (notify.Receipt, error) {
	return n.writeAlert(ctx, a, "  updated")
}

func (n *Notifier) writeAlert(ctx context.Context, a notify.Alert, note string) (notify.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, fmt.Errorf("write console alert %d: %w", a.ID, err)
	}
	m := notify.BuildIn(a, n.loc)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  alert %d%s\n", n.stamp(m.At), m.Kind, a.ID, note)
	b.WriteString(notify.Text(m))
	b.WriteString(separator)
	if err := n.write(b.String()); err != nil {
		return notify.Receipt{}, fmt.Errorf("write console alert %d: %w", a.ID, err)
	}
	return notify.Receipt{Channel: "console"}, nil
}

// SendDigest writes a header line (the end of the period, or now), the
// text of notify.BuildDigest over the held events and a separator;
// channel is ignored.
func (n *Notifier) SendDigest(ctx context.Context, _ string, events []diff.Event, from, to time.Time) (notify.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, fmt.Errorf("write console digest of %d alerts: %w", len(events), err)
	}
	m := notify.BuildDigest(events, from, to, n.loc)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  %d alerts\n", n.stamp(m.At), m.Kind, len(events))
	b.WriteString(notify.Text(m))
	b.WriteString(separator)
	if err := n.write(b.String()); err != nil {
		return notify.Receipt{}, fmt.Errorf("write console digest of %d alerts: %w", len(events), err)
	}
	return notify.Receipt{Channel: "console"}, nil
}

// stamp is a message's header time, now when the message has none: RFC
// 3339 in the newsroom's zone, whose offset labels it ("Z" for UTC).
func (n *Notifier) stamp(at time.Time) string {
	if at.IsZero() {
		at = n.now()
	}
	return at.In(n.loc).Format(time.RFC3339)
}

// write writes one message with one Write call under the lock, so
// concurrent messages never interleave.
func (n *Notifier) write(s string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, err := io.WriteString(n.w, s)
	return err
}
