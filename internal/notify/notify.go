// Package notify owns the delivery side of watcher: the Notifier contract the
// outbox loop sends through, the classification of delivery errors into
// permanent, rate-limited and temporary ones, and the rendering of diff
// events into text that every notifier (Slack, console) shares.
//
// notify decides how an event reads, never whether or when it is sent: the
// outbox loop owns retries, ordering and threads.
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
}

// Receipt says where a message landed. TS is empty when the destination
// cannot be threaded (webhooks, the console).
type Receipt struct {
	Channel string
	TS      string
}

// Notifier sends one alert. It does not retry: it reports whether a failure
// is worth retrying through the error's type (see Permanent and RetryAfter);
// any other error is temporary.
type Notifier interface {
	Send(ctx context.Context, a Alert) (Receipt, error)
	Name() string
}

// Updater is a Notifier that can rewrite a message it sent, in place: the
// daemon uses it when more outlets repeat a claim already alerted on. The
// message is rendered exactly as Send renders a (Also included); r is the
// receipt of the original Send. It returns the receipt of the updated
// message, and classifies errors as Send does.
type Updater interface {
	Update(ctx context.Context, a Alert, r Receipt) (Receipt, error)
}

// Finder is a Notifier that can look for an alert it may already have
// posted: after a crash between the destination's answer and the outbox's
// bookkeeping, the daemon asks before sending the alert again. It searches
// channel's top-level messages posted since since; found is false when
// none carries alertID. Destinations that cannot read back what they
// posted (webhooks, the console) do not implement it.
type Finder interface {
	Find(ctx context.Context, channel string, alertID uint64, since time.Time) (r Receipt, found bool, err error)
}

// ThreadFinder is Finder for replies: an alert sent with Alert.ThreadTS
// is a reply in that thread, which a channel's history does not list.
type ThreadFinder interface {
	FindInThread(ctx context.Context, channel, threadTS string, alertID uint64, since time.Time) (r Receipt, found bool, err error)
}

// Ephemeral is a Notifier whose messages a crash may repeat at no cost to
// a reader: the console, read in a terminal or the journal. The daemon
// records an ephemeral notifier's deliveries as sent once per delivery
// pass, with one write, instead of one write (and fsync) per alert; after
// a crash it may print up to that pass's alerts again. A notifier that
// posts where people read (Slack) must not be Ephemeral.
type Ephemeral interface {
	Ephemeral()
}

// DigestSender is a Notifier that can send one message listing the alerts
// held back between from and to (quiet hours), in the order given. An
// empty channel means the notifier's default.
type DigestSender interface {
	SendDigest(ctx context.Context, channel string, events []diff.Event, from, to time.Time) (Receipt, error)
}

// PermanentError marks a failure that will not go away by retrying: a bad
// channel, a revoked token, a message Slack refuses. The outbox gives up on
// the alert and says so loudly.
type PermanentError struct{ Err error }

func (e PermanentError) Error() string {
	if e.Err == nil {
		return "permanent delivery failure"
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e PermanentError) Unwrap() error { return e.Err }

// RetryAfterError marks a rate-limited send: the destination asked to wait
// After before the next attempt.
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e RetryAfterError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("rate limited, retry after %s", e.After)
	}
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

// Unwrap returns the underlying error.
func (e RetryAfterError) Unwrap() error { return e.Err }

// Permanent reports whether err, or an error it wraps, is a PermanentError
// (as a value or a pointer).
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	var v PermanentError
	if errors.As(err, &v) {
		return true
	}
	var p *PermanentError
	return errors.As(err, &p) && p != nil
}

// RetryAfter reports the wait a RetryAfterError in err's chain asks for.
func RetryAfter(err error) (time.Duration, bool) {
	if err == nil {
		return 0, false
	}
	var v RetryAfterError
	if errors.As(err, &v) {
		return v.After, true
	}
	var p *RetryAfterError
	if errors.As(err, &p) && p != nil {
		return p.After, true
	}
	return 0, false
}
