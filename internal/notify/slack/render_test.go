package slack

import (
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// Shorthands the tests use: Block Kit of the message model, times in UTC.

// Blocks renders an event as Block Kit, times in UTC: AlertBlocks of an
// alert carrying only the event.
func Blocks(ev diff.Event) []slackapi.Block {
	return AlertBlocks(notify.Alert{Event: ev})
}

// AlertBlocks renders the alert as Block Kit with times in UTC: what Send
// and Update post when no zone is configured.
func AlertBlocks(a notify.Alert) []slackapi.Block {
	return MessageBlocks(notify.Build(a))
}

// DigestBlocks renders the alerts held between from and to as one Block
// Kit message, times in UTC: a header counting them, a context line with
// the period, then one line per alert (kind, headline led by the metric's
// label, and a link to the document), packed into as many blocks as
// needed and ending with "…and N more" when they do not all fit Slack's
// limits. It is MessageBlocks of notify.BuildDigest.
func DigestBlocks(events []diff.Event, from, to time.Time) []slackapi.Block {
	return MessageBlocks(notify.BuildDigest(events, from, to, time.UTC))
}
