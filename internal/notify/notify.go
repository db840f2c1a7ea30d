// Package notify owns the delivery side of watcher: the Notifier contract the
// outbox sends through, with the capabilities each notifier declares; the
// classification of delivery errors into permanent, rate-limited and
// temporary ones; and the rendering of diff events into text that every
// notifier (Slack, console) shares.
//
// notify decides how an event reads, never whether or when it is sent: the
// outbox owns retries, ordering and threads.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

// Alert is one event to deliver to one channel.
type Alert struct {
	// ID is the outbox id, unique and stable across restarts, so a notifier
	// can tag the message and a later run can find it after a crash.
	ID    uint64
	Event diff.Event
	// Channel is the destination ("#figures" or a channel ID); empty for
	// webhooks and the console, or to use the notifier's default.
	Channel string
	// ThreadTS, when set, posts the alert as a reply in that thread (the
	// outbox keeps one thread per metric).
	ThreadTS string
	// Also lists other documents stating the same claim (outlet, title,
	// URL, published), for a claim_mismatch that several outlets repeat
	// within the dedupe window: one message with every link, updated in
	// place as outlets are added, rather than one message each. Renderers
	// show at most AlsoShown of them and count the rest.
	Also []diff.Stated
	// Original, for a rewrite of a message already posted (Update), is
	// the alert that message was posted for: the Slack app's controls
	// keep answering for it.
	Original uint64
	// Notes are lines people added to the message through the Slack app
	// ("Acknowledged by …"), and Used the app controls they used, which a
	// renderer leaves out: both survive a rewrite of the message.
	Notes []string
	Used  []string
}

// Receipt says where a message landed. TS is empty when the destination
// cannot be threaded (webhooks, the console).
type Receipt struct {
	Channel string
	TS      string
}

// Notifier is the contract between the outbox and a destination (Slack,
// the console, a webhook): every notifier has every method, and Caps
// declares which of them do something. A method the destination cannot
// honour returns an error wrapping ErrUnsupported (see Unsupported); the
// outbox never calls it when Caps says so, and never probes a notifier's
// dynamic type.
//
// No method retries. A failure says whether it is worth retrying through
// its type: *PermanentError (give up), *RetryAfterError (wait that long);
// anything else is temporary and the outbox backs off. The outbox, not the
// notifier, owns retries, ordering, threads and the record of what was
// sent.
type Notifier interface {
	// Name names the destination in logs ("slack", "console").
	Name() string
	// Caps declares what the notifier can do. It must not change over
	// the notifier's life.
	Caps() Caps
	// Send delivers one alert: as a reply in a.ThreadTS when set, to
	// a.Channel or the notifier's default channel. The receipt says where
	// the message landed; its TS is empty when the destination cannot be
	// threaded.
	Send(ctx context.Context, a Alert) (Receipt, error)
	// Update rewrites the message of receipt r, sent earlier, as Send
	// would render a now (its Also list included): the one message about
	// a claim that more outlets repeat. It returns the receipt of the
	// updated message. Only called when Caps().Update.
	Update(ctx context.Context, a Alert, r Receipt) (Receipt, error)
	// Find looks for a message this notifier posted for an alert, as
	// l describes it: after a crash between the destination's answer and
	// the outbox's bookkeeping, the outbox asks before sending the alert
	// again. found is false when no message carries the alert's id. Only
	// called when Caps().Find.
	Find(ctx context.Context, l Locator) (r Receipt, found bool, err error)
	// SendDigest sends one message listing the events held back between
	// from and to (quiet hours), in the order given; an empty channel
	// means the notifier's default. Only called when Caps().Digest.
	SendDigest(ctx context.Context, channel string, events []diff.Event, from, to time.Time) (Receipt, error)
}

// Caps is what a Notifier can do beyond Send. The zero value is the most
// cautious notifier: no updates, no lookups, no digests (held alerts go
// out one by one), and every delivery recorded before the next is sent.
type Caps struct {
	// Update: messages can be rewritten in place. Without it a claim
	// repeated by more outlets is sent again as a new message.
	Update bool
	// Find: a posted message can be looked up by its alert id (Slack's
	// message metadata). With it the outbox marks an alert as tried
	// before sending, so that after a crash it looks before sending
	// again; without it a crash mid-send may repeat that one message.
	Find bool
	// Digest: SendDigest works; without it held alerts are sent one by
	// one when the digest is due.
	Digest bool
	// Ephemeral: a crash may repeat messages at no cost to a reader (the
	// console, read in a terminal or the journal). The outbox then records
	// a pass's deliveries with one write at its end, instead of one write
	// and fsync per alert, and may print up to that pass's alerts again
	// after a crash. A notifier that posts where people read (Slack) must
	// leave it false.
	Ephemeral bool
}

// Locator says where to look for an alert already posted.
type Locator struct {
	// Channel is where the alert was sent; empty for the default.
	Channel string
	// ThreadTS, when set, is the thread the alert was a reply in: a
	// channel's history lists only top-level messages.
	ThreadTS string
	// AlertID is the outbox id the message carries.
	AlertID uint64
	// Since bounds the search: messages posted before it are not read.
	Since time.Time
}

// ErrUnsupported is wrapped by the error of a Notifier method that its
// Caps exclude. It is errors.ErrUnsupported, so either name matches.
var ErrUnsupported = errors.ErrUnsupported

// Unsupported is the error a notifier named name returns from a method it
// cannot honour ("update a message"): permanent, wrapping ErrUnsupported.
func Unsupported(name, what string) error {
	return &PermanentError{Err: fmt.Errorf("%s cannot %s: %w", name, what, ErrUnsupported)}
}

// PermanentError marks a failure that will not go away by retrying: a bad
// channel, a revoked token, a message Slack refuses. The outbox gives up on
// the alert and says so loudly.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string {
	if e.Err == nil {
		return "permanent delivery failure"
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *PermanentError) Unwrap() error { return e.Err }

// RetryAfterError marks a rate-limited send: the destination asked to wait
// After before the next attempt.
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("rate limited, retry after %s", e.After)
	}
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

// Unwrap returns the underlying error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// Permanent reports whether err, or an error it wraps, is a
// *PermanentError.
func Permanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p) && p != nil
}

// RetryAfter reports the wait a *RetryAfterError in err's chain asks for.
func RetryAfter(err error) (time.Duration, bool) {
	var p *RetryAfterError
	if errors.As(err, &p) && p != nil {
		return p.After, true
	}
	return 0, false
}
