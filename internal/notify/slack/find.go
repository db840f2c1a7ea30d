package slack

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/notify"
)

const (
	// FindLimit bounds how many messages one Find reads: a crash is
	// recovered within minutes, so the alert, if it was posted, is among
	// the channel's latest messages; reading further only costs rate limit.
	FindLimit = 1000
	// findPage is the page size Slack recommends for history calls.
	findPage = 200
	// maxChannelPages bounds the channel-name lookup (200 per page).
	maxChannelPages = 50
)

// channelIDPattern matches Slack conversation IDs: public (C), private
// (G) and direct (D) conversations.
var channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{6,}$`)

// Find looks for the message posted for alert l.AlertID since l.Since,
// reading at most FindLimit messages, newest first, and returns its
// receipt. It reads l.Channel's history (conversations.history, with
// message metadata), or when l.ThreadTS is set that thread's replies
// (conversations.replies): a channel's history lists only top-level
// messages and broadcast replies. A channel given by name ("#figures") is
// resolved to its ID first, from an earlier answer or conversations.list.
// The bot needs the channels:history scope (groups:history for private
// channels) and, for names, channels:read (groups:read). A webhook cannot
// read history (Caps): in webhook mode Find fails permanently with
// notify.ErrUnsupported.
func (n *Notifier) Find(ctx context.Context, l notify.Locator) (notify.Receipt, bool, error) {
	channel, threadTS, alertID, since := l.Channel, l.ThreadTS, l.AlertID, l.Since
	if n.api == nil {
		return notify.Receipt{}, false, fmt.Errorf("slack find alert %d: %w", alertID, notify.Unsupported(n.Name(), "read a channel's history"))
	}
	if channel == "" {
		channel = n.channel
	}
	if channel == "" {
		return notify.Receipt{}, false, &notify.PermanentError{Err: fmt.Errorf("slack find alert %d: no channel set (configure a default channel)", alertID)}
	}
	id, err := n.channelID(ctx, channel)
	if err != nil {
		return notify.Receipt{}, false, err
	}
	method := "conversations.history"
	if threadTS != "" {
		method = "conversations.replies"
	}
	start := time.Now()
	oldest := slackTS(since)
	cursor := ""
	read := 0
	for page := 0; read < FindLimit; page++ {
		var (
			msgs    []slackapi.Message
			hasMore bool
			next    string
		)
		limit := min(findPage, FindLimit-read)
		if threadTS == "" {
			resp, err := n.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
				ChannelID: id, Cursor: cursor, Oldest: oldest, Inclusive: true, Limit: limit, IncludeAllMetadata: true,
			})
			if err != nil {
				return notify.Receipt{}, false, fmt.Errorf("slack %s of %s (page %d) looking for alert %d: %w", method, id, page+1, alertID, classifyAPI(err))
			}
			msgs, hasMore, next = resp.Messages, resp.HasMore, resp.ResponseMetaData.NextCursor
		} else {
			msgs, hasMore, next, err = n.api.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{
				ChannelID: id, Timestamp: threadTS, Cursor: cursor, Oldest: oldest, Inclusive: true, Limit: limit, IncludeAllMetadata: true,
			})
			if err != nil {
				return notify.Receipt{}, false, fmt.Errorf("slack %s of %s in %s (page %d) looking for alert %d: %w", method, threadTS, id, page+1, alertID, classifyAPI(err))
			}
		}
		for _, m := range msgs {
			read++
			if carriesAlert(m.Metadata, alertID) {
				n.log.Debug("slack alert found", "alert", alertID, "channel", id, "ts", m.Timestamp, "read", read, "dur", time.Since(start))
				return notify.Receipt{Channel: id, TS: m.Timestamp}, true, nil
			}
		}
		if !hasMore || next == "" || len(msgs) == 0 {
			n.log.Debug("slack alert not found", "alert", alertID, "channel", id, "read", read, "dur", time.Since(start))
			return notify.Receipt{}, false, nil
		}
		cursor = next
	}
	// Not found within the bound: the alert may still be further back, but
	// a busier channel than that since the crash is unlikely, and waiting
	// forever would lose the alert for sure.
	n.log.Warn("slack history search stopped at its limit; the alert may be posted twice",
		"alert", alertID, "channel", id, "read", read, "since", since, "dur", time.Since(start))
	return notify.Receipt{}, false, nil
}

// carriesAlert reports whether message metadata is watcher's tag for
// alertID. Send writes the id as a decimal string; a number is accepted
// too, for messages posted by other tools or older versions.
func carriesAlert(md slackapi.SlackMetadata, alertID uint64) bool {
	if md.EventType != MetadataEventType {
		return false
	}
	switch v := md.EventPayload["alert_id"].(type) {
	case string:
		id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		return err == nil && id == alertID
	case float64:
		// Floats are exact up to 2^53; beyond that a match is unreliable.
		return alertID < 1<<53 && v == float64(alertID)
	}
	return false
}

// slackTS is t as a Slack timestamp ("1700000000.000100"); "" for the
// zero time, which means no lower bound.
func slackTS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// channelID resolves a channel name to its ID (history methods accept IDs
// only), remembering the answer.
func (n *Notifier) channelID(ctx context.Context, channel string) (string, error) {
	channel = strings.TrimSpace(channel)
	if channelIDPattern.MatchString(channel) {
		return channel, nil
	}
	n.mu.Lock()
	id, ok := n.ids[channel]
	n.mu.Unlock()
	if ok {
		return id, nil
	}
	name := strings.TrimPrefix(channel, "#")
	cursor := ""
	for page := range maxChannelPages {
		chans, next, err := n.api.GetConversationsContext(ctx, &slackapi.GetConversationsParameters{
			Cursor: cursor, ExcludeArchived: true, Limit: findPage, Types: []string{"public_channel", "private_channel"},
		})
		if err != nil {
			return "", fmt.Errorf("slack conversations.list (page %d) looking for channel %s: %w", page+1, channel, classifyAPI(err))
		}
		for _, c := range chans {
			if c.Name == name {
				n.learn(channel, c.ID)
				return c.ID, nil
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return "", &notify.PermanentError{Err: fmt.Errorf("slack: channel %s not found among the conversations the bot can list (is it archived, or the bot not a member?)", channel)}
}
