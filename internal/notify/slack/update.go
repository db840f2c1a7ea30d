package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// DigestEventType tags digest messages, with the period and the number of
// alerts in the payload, so a digest can be told from an alert in a
// channel's history.
const DigestEventType = "watcher_digest"

// Update rewrites the message of receipt r (chat.update) as Send would
// render a now, its Also list included: the one message about a claim
// that more outlets repeat. It goes through the channel's rate limit like
// Send, keeps the alert-id metadata, and classifies errors the same way;
// message_not_found and cant_update_message are permanent. A webhook
// cannot update what it posted (Caps): in webhook mode Update fails
// permanently with notify.ErrUnsupported.
func (n *Notifier) Update(ctx context.Context, a notify.Alert, r notify.Receipt) (notify.Receipt, error) {
	if n.api == nil {
		return notify.Receipt{}, fmt.Errorf("slack alert %d: %w", a.ID, notify.Unsupported(n.Name(), "update a message"))
	}
	if r.Channel == "" || r.TS == "" {
		return notify.Receipt{}, &notify.PermanentError{Err: fmt.Errorf("slack alert %d: cannot update a message without its channel and ts (receipt %+v)", a.ID, r)}
	}
	if err := n.wait(ctx, r.Channel); err != nil {
		return notify.Receipt{}, err
	}
	start := time.Now()
	ch, ts, _, err := n.api.UpdateMessageContext(ctx, r.Channel, r.TS, n.messageOptions(a)...)
	if err != nil {
		err = classifyUpdate(err)
		n.log.Debug("slack update failed", "alert", a.ID, "channel", r.Channel, "ts", r.TS, "kind", a.Event.Kind,
			"permanent", notify.Permanent(err), "dur", time.Since(start), "err", err)
		return notify.Receipt{}, fmt.Errorf("slack chat.update of %s in %s: %w", r.TS, r.Channel, err)
	}
	if ch == "" {
		ch = r.Channel
	}
	if ts == "" {
		ts = r.TS
	}
	n.log.Debug("slack message updated", "alert", a.ID, "channel", ch, "ts", ts, "kind", a.Event.Kind,
		"also", len(a.Also), "dur", time.Since(start))
	return notify.Receipt{Channel: ch, TS: ts}, nil
}

// classifyUpdate is classifyAPI plus chat.update's own permanent errors:
// the message is gone, or is not one this bot may edit.
func classifyUpdate(err error) error {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "message_not_found", "cant_update_message", "edit_window_closed", "update_failed_user_not_found":
			return &notify.PermanentError{Err: err}
		}
	}
	return classifyAPI(err)
}

// SendDigest posts one message listing the alerts held between from and
// to (MessageBlocks of notify.BuildDigest), to channel or, when it is empty, the default
// channel; through the webhook in webhook mode. It goes through the
// channel's rate limit and classifies errors as Send does.
func (n *Notifier) SendDigest(ctx context.Context, channel string, events []diff.Event, from, to time.Time) (notify.Receipt, error) {
	blocks, text := n.renderDigest(events, from, to)
	if n.api == nil {
		f := false
		return n.postWebhook(ctx, "digest", slackapi.WebhookMessage{
			Text: text, Blocks: &slackapi.Blocks{BlockSet: blocks}, UnfurlLinks: &f, UnfurlMedia: &f,
		})
	}
	if channel == "" {
		channel = n.channel
	}
	if channel == "" {
		return notify.Receipt{}, &notify.PermanentError{Err: errors.New("slack digest: no channel set (configure a default channel)")}
	}
	if err := n.wait(ctx, channel); err != nil {
		return notify.Receipt{}, err
	}
	payload := map[string]any{"alerts": strconv.Itoa(len(events))}
	if !from.IsZero() {
		payload["from"] = from.UTC().Format(time.RFC3339)
	}
	if !to.IsZero() {
		payload["to"] = to.UTC().Format(time.RFC3339)
	}
	start := time.Now()
	ch, ts, err := n.api.PostMessageContext(ctx, channel,
		slackapi.MsgOptionBlocks(blocks...),
		slackapi.MsgOptionText(text, false),
		slackapi.MsgOptionDisableLinkUnfurl(),
		slackapi.MsgOptionDisableMediaUnfurl(),
		slackapi.MsgOptionMetadata(slackapi.SlackMetadata{EventType: DigestEventType, EventPayload: payload}),
	)
	if err != nil {
		err = classifyAPI(err)
		n.log.Debug("slack digest post failed", "channel", channel, "alerts", len(events),
			"permanent", notify.Permanent(err), "dur", time.Since(start), "err", err)
		return notify.Receipt{}, fmt.Errorf("slack chat.postMessage of a digest to %s: %w", channel, err)
	}
	if ch == "" {
		ch = channel
	}
	n.learn(channel, ch)
	n.log.Debug("slack digest posted", "channel", ch, "ts", ts, "alerts", len(events), "dur", time.Since(start))
	return notify.Receipt{Channel: ch, TS: ts}, nil
}
