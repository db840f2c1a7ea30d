package slack

import (
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// DigestBlocks renders the alerts held between from and to as one Block
// Kit message, times in UTC: a header counting them, a context line with
// the period, then one line per alert (kind, headline led by the metric's
// label, and a link to the document), packed into as many blocks as
// needed and ending with "…and N more" when they do not all fit Slack's
// limits. It is MessageBlocks of notify.BuildDigest.
func DigestBlocks(events []diff.Event, from, to time.Time) []slackapi.Block {
	return MessageBlocks(notify.BuildDigest(events, from, to, time.UTC))
}

// renderDigest is what SendDigest posts: the digest's blocks and
// notification text, with times in the notifier's zone.
func (n *Notifier) renderDigest(events []diff.Event, from, to time.Time) ([]slackapi.Block, string) {
	m := notify.BuildDigest(events, from, to, n.loc)
	return MessageBlocks(m), fallback(m)
}
