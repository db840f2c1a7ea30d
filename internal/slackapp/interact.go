package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	wslack "github.com/figwatch/watcher/internal/notify/slack"
	"github.com/figwatch/watcher/internal/store"
)

// interaction handles a click on an alert's buttons or menus.
func (a *App) interaction(ctx context.Context, cb slackapi.InteractionCallback) error {
	if cb.Type != slackapi.InteractionTypeBlockActions {
		return nil
	}
	for _, act := range cb.ActionCallback.BlockActions {
		if act == nil {
			continue
		}
		// An action ts identifies the click: a redelivered envelope, or
		// the same click seen twice, is keyed the same in the store.
		key := "action:" + cb.User.ID + ":" + act.ActionTs
		if act.ActionTs == "" {
			key = ""
		}
		var err error
		switch act.ActionID {
		case wslack.ActionAck:
			err = a.ack(ctx, cb, act.Value, key)
		case wslack.ActionMuteOutlet:
			err = a.muteOutlet(ctx, cb, act.SelectedOption.Value, key)
		case wslack.ActionWrongMetric:
			err = a.wrongMetric(ctx, cb, act.SelectedOption.Value, key)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", act.ActionID, err)
		}
	}
	return nil
}

// alertEvent reads an alert and the event it carries.
func (a *App) alertEvent(ctx context.Context, id uint64) (store.Alert, diff.Event, error) {
	var al store.Alert
	var ok bool
	err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		al, ok, err = tx.Alert(id)
		return err
	})
	if err != nil {
		return al, diff.Event{}, fmt.Errorf("read alert %d: %w", id, err)
	}
	if !ok {
		return al, diff.Event{}, fmt.Errorf("alert %d: %w", id, store.ErrNotFound)
	}
	var p struct {
		Event diff.Event `json:"event"`
	}
	if err := json.Unmarshal(al.Payload, &p); err != nil {
		return al, diff.Event{}, fmt.Errorf("decode alert %d: %w", id, err)
	}
	return al, p.Event, nil
}

// ack records who took an alert and edits its message to say so, once:
// only the click that records the acknowledgement edits.
func (a *App) ack(ctx context.Context, cb slackapi.InteractionCallback, value, key string) error {
	id, err := strconv.ParseUint(value, 10, 64)
	if err != nil {
		return fmt.Errorf("alert id %q: %w", value, err)
	}
	now := a.now()
	var (
		ak    store.Ack
		first bool
	)
	var note string
	err = a.db.Update(ctx, func(tx *store.Tx) error {
		if key != "" && tx.HasAction(key) {
			return nil
		}
		if ak, first, err = tx.PutAck(store.Ack{AlertID: id, User: cb.User.ID, At: now}); err != nil || !first {
			return err
		}
		note = fmt.Sprintf(":white_check_mark: Acknowledged by <@%s> at %s", ak.User, ak.At.UTC().Format("2006-01-02 15:04 MST"))
		if err := tx.AddNote(id, store.Note{Text: note, Used: wslack.ActionAck, At: now}); err != nil {
			return err
		}
		_, err := tx.RecordAction(&store.Action{User: cb.User.ID, Kind: "ack", At: now, Key: key,
			What: fmt.Sprintf("acknowledged alert %d", id)})
		return err
	})
	if err != nil || !first {
		return err
	}
	a.log.Info("alert acknowledged", "alert", id, "user", cb.User.ID)
	return a.annotate(ctx, cb, note, wslack.ActionAck)
}

// annotate edits the message clicked: a context line with note above the
// app's buttons, and the button that was used (drop) removed.
func (a *App) annotate(ctx context.Context, cb slackapi.InteractionCallback, note, drop string) error {
	channel, ts := cb.Container.ChannelID, cb.Container.MessageTs
	if channel == "" {
		channel = cb.Channel.ID
	}
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	ctxBlock := slackapi.NewContextBlock("", slackapi.NewTextBlockObject(slackapi.MarkdownType, note, false, false))
	var out []slackapi.Block
	placed := false
	for _, b := range cb.Message.Blocks.BlockSet {
		if ab, ok := b.(*slackapi.ActionBlock); ok && ab.BlockID == wslack.AppBlockID {
			out = append(out, ctxBlock)
			placed = true
			kept := ab.Elements.ElementSet[:0:0]
			for _, el := range ab.Elements.ElementSet {
				if id := elementActionID(el); id != drop {
					kept = append(kept, el)
				}
			}
			if len(kept) > 0 {
				out = append(out, slackapi.NewActionBlock(ab.BlockID, kept...))
			}
			continue
		}
		out = append(out, b)
	}
	if !placed {
		out = append(out, ctxBlock)
	}
	text := cb.Message.Text
	if text == "" {
		text = note
	}
	_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, slackapi.MsgOptionBlocks(out...), slackapi.MsgOptionText(text, false))
	if err != nil {
		return fmt.Errorf("edit message %s in %s: %w", ts, channel, err)
	}
	return nil
}

func elementActionID(el slackapi.BlockElement) string {
	switch e := el.(type) {
	case *slackapi.ButtonBlockElement:
		return e.ActionID
	case *slackapi.SelectBlockElement:
		return e.ActionID
	}
	return ""
}

// splitValue reads an option value "ALERT_ID|REST".
func splitValue(v string) (uint64, string, error) {
	idText, rest, ok := strings.Cut(v, "|")
	id, err := strconv.ParseUint(idText, 10, 64)
	if !ok || err != nil {
		return 0, "", fmt.Errorf("option value %q is not ALERT_ID|CHOICE", v)
	}
	return id, rest, nil
}

// refuse tells the user, and only them, why not.
func (a *App) refuse(ctx context.Context, cb slackapi.InteractionCallback, what, why, key string) error {
	a.recordRefusal(ctx, cb.User.ID, what, key)
	return a.ephemeral(ctx, "", cb.Channel.ID, cb.User.ID, "Not done: "+why+".")
}

func (a *App) muteOutlet(ctx context.Context, cb slackapi.InteractionCallback, value, key string) error {
	id, dur, err := splitValue(value)
	if err != nil {
		return err
	}
	_, ev, err := a.alertEvent(ctx, id)
	if err != nil {
		return err
	}
	outlet := ev.Source
	if ok, why := a.mayOperate(ctx, cb.User.ID); !ok {
		return a.refuse(ctx, cb, "mute outlet "+outlet, why, key)
	}
	d, err := parseDuration(dur)
	if err != nil {
		return err
	}
	until := a.now().Add(d)
	note := fmt.Sprintf(":mute: <@%s> muted %s until %s", cb.User.ID, notify.EscapeMrkdwn(outletName(ev)), until.UTC().Format("2006-01-02 15:04 MST"))
	_, done, err := a.putMute(ctx, cb.User.ID, ScopeOutlet, outlet, d, key, id, note, wslack.ActionMuteOutlet)
	if err != nil || !done {
		return err
	}
	return a.annotate(ctx, cb, note, wslack.ActionMuteOutlet)
}

func outletName(ev diff.Event) string {
	if ev.SourceName != "" {
		return ev.SourceName
	}
	return ev.Source
}

// NotTracked is the Wrong metric menu's "not a tracked figure".
const NotTracked = wslack.NotTracked

func (a *App) wrongMetric(ctx context.Context, cb slackapi.InteractionCallback, value, key string) error {
	id, to, err := splitValue(value)
	if err != nil {
		return err
	}
	if to == NotTracked {
		to = ""
	}
	_, ev, err := a.alertEvent(ctx, id)
	if err != nil {
		return err
	}
	if ok, why := a.mayOperate(ctx, cb.User.ID); !ok {
		return a.refuse(ctx, cb, fmt.Sprintf("correct alert %d", id), why, key)
	}
	if ev.New == nil || ev.Metric == "" || ev.DocID == "" {
		return a.ephemeral(ctx, "", cb.Channel.ID, cb.User.ID, "This alert names no single figure to correct.")
	}
	if to == ev.Metric {
		return a.ephemeral(ctx, "", cb.Channel.ID, cb.User.ID, "That is the metric it already has.")
	}
	now := a.now()
	note := fmt.Sprintf(":pencil2: Corrected by <@%s>: not about %s", cb.User.ID, ev.Metric)
	if to != "" {
		note += ", it reports " + to
	}
	c := store.Correction{DocID: ev.DocID, Text: ev.New.Text, Sentence: ev.New.Quote, OldMetric: ev.Metric,
		NewMetric: to, AlertID: id, User: cb.User.ID, At: now}
	var (
		fresh bool
		moved int
	)
	err = a.db.Update(ctx, func(tx *store.Tx) error {
		if key != "" && tx.HasAction(key) {
			return nil
		}
		var err error
		if fresh, err = tx.PutCorrection(c); err != nil || !fresh {
			return err
		}
		if moved, err = tx.Reattribute(c.DocID, c.OldMetric, c.Text, c.Sentence, c.NewMetric); err != nil {
			return err
		}
		if _, err = tx.CorrectSnapshot(c.DocID, c.OldMetric, c.Text, c.Sentence, c.NewMetric); err != nil {
			return err
		}
		if err := tx.AddNote(id, store.Note{Text: note, Used: wslack.ActionWrongMetric, At: now}); err != nil {
			return err
		}
		_, err = tx.RecordAction(&store.Action{User: cb.User.ID, Kind: "correct", At: now, Key: key,
			What: fmt.Sprintf("alert %d: %q in %s is %s, not %s (%d observations moved)", id, c.Text, c.DocID, orNone(to), c.OldMetric, moved)})
		return err
	})
	if err != nil || !fresh {
		return err
	}
	a.log.Info("figure corrected", "alert", id, "doc", c.DocID, "from", c.OldMetric, "to", orNone(to), "moved", moved, "user", cb.User.ID)
	return a.annotate(ctx, cb, note, wslack.ActionWrongMetric)
}

func orNone(m string) string {
	if m == "" {
		return "no tracked metric"
	}
	return m
}
