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

	"github.com/figwatch/watcher/internal/notify"
)

// Notifier writes alerts as text. It is safe for concurrent use: each
// alert is written with one Write call under a lock, so alerts never
// interleave.
type Notifier struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

var _ notify.Notifier = (*Notifier)(nil)

// New returns a Notifier writing to w.
func New(w io.Writer) *Notifier {
	return &Notifier{w: w, now: time.Now}
}

// Name is "console".
func (n *Notifier) Name() string { return "console" }

// Send writes a header line (the event's time, kind and alert id), the
// event's PlainText and a separator. A failed write is a temporary error.
func (n *Notifier) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, fmt.Errorf("write console alert %d: %w", a.ID, err)
	}
	at := a.Event.At
	if at.IsZero() {
		at = n.now()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  alert %d\n", at.UTC().Format(time.RFC3339), a.Event.Kind, a.ID)
	b.WriteString(notify.PlainText(a.Event))
	// The separator ends every alert so consecutive ones are easy to tell
	// apart in a scrolling terminal.
	b.WriteString(strings.Repeat("─", 72) + "\n")

	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := io.WriteString(n.w, b.String()); err != nil {
		return notify.Receipt{}, fmt.Errorf("write console alert %d: %w", a.ID, err)
	}
	return notify.Receipt{Channel: "console"}, nil
}
