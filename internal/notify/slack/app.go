package slack

import (
	"fmt"
	"slices"
	"strconv"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// The Slack app's controls on an alert (package slackapp answers them).
const (
	// AppBlockID names the actions block holding them.
	AppBlockID = "watcher_app"
	// ActionAck is the Acknowledge button; its value is the alert id.
	ActionAck = "watcher_ack"
	// ActionMuteOutlet is the Mute outlet menu; option values are
	// "ALERT_ID|DURATION".
	ActionMuteOutlet = "watcher_mute_outlet"
	// ActionWrongMetric is the Wrong metric menu; option values are
	// "ALERT_ID|METRIC", or "ALERT_ID|" + NotTracked.
	ActionWrongMetric = "watcher_wrong_metric"
	// NotTracked is the Wrong metric choice "not a tracked figure".
	NotTracked = "-"
)

// muteDurations are the Mute outlet menu's choices.
var muteDurations = []struct{ label, value string }{
	{"1 hour", "1h"}, {"1 day", "1d"}, {"1 week", "1w"}, {"30 days", "30d"},
}

// maxOptions is Block Kit's limit on a static_select's options.
const maxOptions = 100

// appActions is the actions block of the Slack app's controls for alert
// a: Acknowledge always; Mute outlet on a press claim; Wrong metric when
// the alert is about one figure of a metric. metrics are the config's
// metric ids, the menu's choices.
func appActions(a notify.Alert, metrics []string) slackapi.Block {
	orig := a.ID
	if a.Original != 0 {
		orig = a.Original
	}
	id := strconv.FormatUint(orig, 10)
	var els []slackapi.BlockElement
	if !slices.Contains(a.Used, ActionAck) {
		els = append(els, slackapi.NewButtonBlockElement(ActionAck, id, plain("Acknowledge")))
	}
	ev := a.Event
	if ev.Kind == diff.ClaimMismatch && ev.Source != "" && !slices.Contains(a.Used, ActionMuteOutlet) {
		var opts []*slackapi.OptionBlockObject
		for _, d := range muteDurations {
			opts = append(opts, slackapi.NewOptionBlockObject(id+"|"+d.value, plain(d.label), nil))
		}
		els = append(els, slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic,
			plain(notify.Truncate("Mute "+outlet(ev), maxButtonText)), ActionMuteOutlet, opts...))
	}
	if ev.New != nil && ev.Metric != "" && ev.DocID != "" && !slices.Contains(a.Used, ActionWrongMetric) {
		var opts []*slackapi.OptionBlockObject
		opts = append(opts, slackapi.NewOptionBlockObject(id+"|"+NotTracked, plain("not a tracked figure"), nil))
		for _, m := range metrics {
			if m == ev.Metric || len(opts) == maxOptions {
				continue
			}
			opts = append(opts, slackapi.NewOptionBlockObject(id+"|"+m, plain(notify.Truncate(m, maxButtonText)), nil))
		}
		els = append(els, slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeStatic,
			plain(notify.Truncate(fmt.Sprintf("Wrong metric (not %s)", ev.Metric), maxButtonText)), ActionWrongMetric, opts...))
	}
	if len(els) == 0 {
		return nil
	}
	return slackapi.NewActionBlock(AppBlockID, els...)
}

func outlet(ev diff.Event) string {
	if ev.SourceName != "" {
		return ev.SourceName
	}
	return ev.Source
}

// withApp adds the app's controls to an alert's blocks when the app is on
// and Block Kit's block limit leaves room.
func (n *Notifier) withApp(a notify.Alert, blocks []slackapi.Block) []slackapi.Block {
	if !n.app || a.ID == 0 {
		return blocks
	}
	for _, note := range a.Notes {
		if len(blocks) >= maxBlocks-1 {
			break
		}
		// Watcher's own words with user mentions (<@U…>), so mrkdwn.
		blocks = append(blocks, slackapi.NewContextBlock("", md(notify.Truncate(note, maxContextText))))
	}
	if b := appActions(a, n.appMetrics); b != nil && len(blocks) < maxBlocks {
		blocks = append(blocks, b)
	}
	return blocks
}
