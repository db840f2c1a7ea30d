package notify

import (
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

// Shorthands the tests use: the message model rendered as text, times in
// UTC, as the console renders it.

// PlainText is the event as text for a terminal or a notification
// fallback (Text of its Message, times in UTC).
func PlainText(ev diff.Event) string {
	return Text(Build(Alert{Event: ev}))
}

// AlertText is PlainText of the alert's event followed by the other
// documents repeating it (Alert.Also), for the console and for Slack's
// notification fallback.
func AlertText(a Alert) string { return Text(Build(a)) }

// DigestText is the plain-text digest of events held between from and to,
// times in UTC: Text of BuildDigest.
func DigestText(events []diff.Event, from, to time.Time) string {
	return Text(BuildDigest(events, from, to, time.UTC))
}
