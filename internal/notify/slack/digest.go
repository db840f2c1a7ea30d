package slack

import (
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// renderDigest is what SendDigest posts: the digest's blocks and
// notification text, with times in the notifier's zone.
func (n *Notifier) renderDigest(events []diff.Event, from, to time.Time) ([]slackapi.Block, string) {
	m := notify.BuildDigest(events, from, to, n.loc)
	return MessageBlocks(m), fallback(m)
}
