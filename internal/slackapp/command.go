package slackapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// historyLen is how many observations `history` lists.
const historyLen = 10

// doubleClick is how soon the same mute by the same person counts as the
// same request.
const doubleClick = time.Minute

const helpText = "*watcher* answers:\n" +
	"• `value METRIC`: the current official value, its date, source and quote\n" +
	"• `history METRIC`: the last observations, official and press\n" +
	"• `sources`: the health of each source\n" +
	"• `status`: outbox, mutes, acknowledged alerts, recent actions\n" +
	"• `explain ALERT_LINK`: why that alert fired (its link, from the message's menu, or its number)\n" +
	"• `mute outlet|source|metric NAME for DURATION` (operators): e.g. `mute outlet dailyglobe for 2d`\n" +
	"• `unmute outlet|source|metric NAME` (operators)\n" +
	"Metric and source names complete by prefix."

// command answers a slash command, ephemerally.
func (a *App) command(ctx context.Context, cmd slackapi.SlashCommand, envelope string) error {
	words := strings.Fields(cmd.Text)
	verb := ""
	if len(words) > 0 {
		verb = strings.ToLower(words[0])
		words = words[1:]
	}
	var answer string
	var err error
	switch verb {
	case "", "help":
		answer = helpText
	case "value":
		answer, err = a.valueOf(ctx, words)
	case "history":
		answer, err = a.historyOf(ctx, words)
	case "sources":
		answer, err = a.sourcesText(ctx)
	case "status":
		answer, err = a.statusText(ctx)
	case "explain":
		answer, err = a.explainRef(ctx, words)
	case "mute":
		answer, err = a.mute(ctx, cmd.UserID, words, envelope)
	case "unmute":
		answer, err = a.unmute(ctx, cmd.UserID, words, envelope)
	default:
		answer = fmt.Sprintf("I do not know `%s`.%s\n%s", notify.EscapeMrkdwn(verb),
			didYouMean(verb, []string{"value", "history", "sources", "status", "explain", "mute", "unmute", "help"}), helpText)
	}
	if err != nil {
		answer = "Sorry, that failed: " + notify.EscapeMrkdwn(err.Error())
	}
	if rerr := a.ephemeral(ctx, cmd.ResponseURL, cmd.ChannelID, cmd.UserID, answer); rerr != nil {
		return fmt.Errorf("answer %s %s: %w", cmd.Command, verb, rerr)
	}
	return err
}

// ephemeral answers only the asker: through the command's response_url
// when there is one (it works in channels the bot is not in), else with
// chat.postEphemeral.
func (a *App) ephemeral(ctx context.Context, responseURL, channel, user, text string) error {
	if responseURL == "" {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, slackapi.MsgOptionText(text, false))
		return err
	}
	body, err := json.Marshal(map[string]any{"response_type": "ephemeral", "text": text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("response_url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("post to response_url: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post to response_url: HTTP %d", resp.StatusCode)
	}
	return nil
}

// resolve finds name among ids: exactly, else by a unique prefix. The
// message says what went wrong: several matches, or a near miss.
func resolve(kind, name string, ids []string) (string, string) {
	if name == "" {
		return "", fmt.Sprintf("Which %s? One of: %s", kind, strings.Join(ids, ", "))
	}
	if slices.Contains(ids, name) {
		return name, ""
	}
	var matches []string
	for _, id := range ids {
		if strings.HasPrefix(id, name) {
			matches = append(matches, id)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], ""
	case 0:
		return "", fmt.Sprintf("No %s `%s`.%s", kind, notify.EscapeMrkdwn(name), didYouMean(name, ids))
	default:
		return "", fmt.Sprintf("`%s` could be %s: say which.", notify.EscapeMrkdwn(name), strings.Join(matches, ", "))
	}
}

// didYouMean suggests the candidate nearest to s when it is near enough
// to be a typo, as validate and the command line do.
func didYouMean(s string, candidates []string) string {
	if best := config.Suggest(s, candidates); best != "" {
		return fmt.Sprintf(" Did you mean `%s`?", best)
	}
	return ""
}

func sourceIDs(cfg *config.Config, authority string) []string {
	var ids []string
	for _, s := range cfg.Sources {
		if authority == "" || s.Authority == authority {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func metricLabel(cfg *config.Config, id string) string {
	for _, m := range cfg.Metrics {
		if m.ID == id && m.Label != "" {
			return m.Label
		}
	}
	return id
}

// stated renders an observation's value as written and as read.
func stated(o store.Observation) string {
	v := notify.FormatNumber(o.Value, o.Unit)
	if q := notify.QualifierWords(o.Qualifier, o.Unit); q != "" {
		v = q + " " + v
	}
	return v
}

// asOf is the date an observation speaks for: its document's publication,
// else when watcher saw it.
func asOf(o store.Observation) string {
	if !o.Published.IsZero() {
		return notify.Date(o.Published)
	}
	return notify.Date(o.Observed) + " (seen)"
}

func (a *App) valueOf(ctx context.Context, args []string) (string, error) {
	cfg := a.conf()
	name := ""
	if len(args) > 0 {
		name = args[0]
	}
	id, msg := resolve("metric", name, cfg.MetricIDs())
	if id == "" {
		return msg, nil
	}
	var (
		off, press     store.Observation
		okOff, okPress bool
	)
	err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if off, okOff, err = tx.LatestObservation(id, config.AuthorityOfficial); err != nil {
			return err
		}
		press, okPress, err = tx.LatestObservation(id, config.AuthorityPress)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read %s: %w", id, err)
	}
	if !okOff {
		return fmt.Sprintf("*%s* (%s): no official value yet.", id, notify.EscapeMrkdwn(metricLabel(cfg, id))), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (%s): *%s*, as of %s\n", id, notify.EscapeMrkdwn(metricLabel(cfg, id)), stated(off), asOf(off))
	fmt.Fprintf(&b, "Source: %s\n", notify.EscapeMrkdwn(sourceLabel(off)))
	if off.Quote != "" {
		fmt.Fprintf(&b, "> %s\n", notify.EscapeMrkdwn(notify.Truncate(off.Quote, 500)))
	}
	if l := link(off.URL, off.Title); l != "" {
		b.WriteString(l + "\n")
	}
	if okPress {
		fmt.Fprintf(&b, "Latest in the press: %s (%s, %s)", stated(press), notify.EscapeMrkdwn(sourceLabel(press)), asOf(press))
	}
	return strings.TrimSpace(b.String()), nil
}

func sourceLabel(o store.Observation) string {
	if o.SourceName != "" {
		return o.SourceName
	}
	return o.Source
}

// link is a Slack link to a document, its title escaped; "" without a
// usable URL.
func link(u, title string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") || strings.ContainsAny(u, "<>| ") {
		return ""
	}
	if title == "" {
		title = u
	}
	title = strings.NewReplacer("<", "‹", ">", "›", "|", "¦").Replace(notify.Truncate(title, 150))
	return "<" + u + "|" + notify.EscapeMrkdwn(title) + ">"
}

func (a *App) historyOf(ctx context.Context, args []string) (string, error) {
	cfg := a.conf()
	name := ""
	if len(args) > 0 {
		name = args[0]
	}
	id, msg := resolve("metric", name, cfg.MetricIDs())
	if id == "" {
		return msg, nil
	}
	var obs []store.Observation
	if err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		obs, err = tx.Observations(id)
		return err
	}); err != nil {
		return "", fmt.Errorf("read %s: %w", id, err)
	}
	if len(obs) == 0 {
		return fmt.Sprintf("*%s*: nothing observed yet.", id), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* (%s), last %d of %d observations:\n", id, notify.EscapeMrkdwn(metricLabel(cfg, id)), min(historyLen, len(obs)), len(obs))
	for i := len(obs) - 1; i >= 0 && i >= len(obs)-historyLen; i-- {
		o := obs[i]
		fmt.Fprintf(&b, "• %s · %s · %s · %s\n", asOf(o), o.Authority, stated(o), notify.EscapeMrkdwn(sourceLabel(o)))
	}
	return strings.TrimSpace(b.String()), nil
}

func (a *App) sourcesText(ctx context.Context) (string, error) {
	cfg := a.conf()
	states := map[string]store.FetchState{}
	if err := a.db.View(ctx, func(tx *store.Tx) error {
		all, err := tx.Sources()
		for _, s := range all {
			states[s.Source] = s
		}
		return err
	}); err != nil {
		return "", fmt.Errorf("read sources: %w", err)
	}
	var b strings.Builder
	for _, src := range cfg.Sources {
		st, ok := states[src.ID]
		health := "ok"
		switch {
		case !src.Enabled:
			health = "disabled"
		case !ok || st.LastPoll.IsZero():
			health = "never polled"
		case st.ConsecutiveFailures > 0:
			health = fmt.Sprintf("FAILING since %s (%d in a row): %s", st.FailingSince.UTC().Format(time.RFC3339),
				st.ConsecutiveFailures, notify.EscapeMrkdwn(notify.Truncate(st.LastError, 200)))
		default:
			health = "ok, last polled " + st.LastPoll.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "• `%s` (%s): %s\n", src.ID, src.Authority, health)
	}
	return strings.TrimSpace(b.String()), nil
}

func (a *App) statusText(ctx context.Context) (string, error) {
	var b strings.Builder
	if a.opts.Status != nil {
		b.WriteString(a.opts.Status(ctx) + "\n")
	}
	now := a.now()
	var (
		pending, sent, failed int
		mutes                 []store.Mute
		acks                  []store.Ack
		actions               []store.Action
	)
	if err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if pending, sent, failed, err = tx.OutboxStats(); err != nil {
			return err
		}
		if mutes, err = tx.Mutes(now); err != nil {
			return err
		}
		if acks, err = tx.Acks(5); err != nil {
			return err
		}
		actions, err = tx.RecentActions(5)
		return err
	}); err != nil {
		return "", fmt.Errorf("read status: %w", err)
	}
	fmt.Fprintf(&b, "Outbox: %d pending, %d sent, %d failed\n", pending, sent, failed)
	for _, m := range mutes {
		fmt.Fprintf(&b, "Muted: %s `%s` until %s (by <@%s>)\n", m.Scope, m.Name, m.Until.UTC().Format(time.RFC3339), m.By)
	}
	for _, ak := range acks {
		fmt.Fprintf(&b, "Acknowledged: alert %d by <@%s> at %s\n", ak.AlertID, ak.User, ak.At.UTC().Format(time.RFC3339))
	}
	if len(actions) > 0 {
		b.WriteString("Recent actions:\n")
		for _, ac := range actions {
			fmt.Fprintf(&b, "• %s <@%s> %s: %s\n", ac.At.UTC().Format(time.RFC3339), ac.User, ac.Kind, notify.EscapeMrkdwn(ac.What))
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// Mute scopes.
const (
	ScopeOutlet = "outlet"
	ScopeSource = "source"
	ScopeMetric = "metric"
)

// parseDuration reads 90m, 12h, 2d or 1w.
func parseDuration(s string) (time.Duration, error) {
	mult := time.Duration(0)
	switch {
	case strings.HasSuffix(s, "d"):
		mult = 24 * time.Hour
	case strings.HasSuffix(s, "w"):
		mult = 7 * 24 * time.Hour
	}
	if mult != 0 {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(s, "d"), "w"))
		if err != nil || n <= 0 || n > 365 {
			return 0, fmt.Errorf("%q is not a duration like 90m, 12h, 2d or 1w", s)
		}
		return time.Duration(n) * mult, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration like 90m, 12h, 2d or 1w", s)
	}
	return d, nil
}

// scopeNames are the names a mute of scope may name.
func scopeNames(cfg *config.Config, scope string) []string {
	switch scope {
	case ScopeMetric:
		return cfg.MetricIDs()
	case ScopeSource:
		return sourceIDs(cfg, "")
	case ScopeOutlet:
		// An outlet is a press source: its claims are what a mute stops.
		return sourceIDs(cfg, config.AuthorityPress)
	}
	return nil
}

func (a *App) mute(ctx context.Context, user string, args []string, key string) (string, error) {
	if ok, why := a.mayOperate(ctx, user); !ok {
		a.recordRefusal(ctx, user, "mute "+strings.Join(args, " "), key)
		return "Not muted: " + why + ".", nil
	}
	// mute SCOPE NAME for DURATION ("for" optional)
	if len(args) >= 3 && args[2] == "for" {
		args = append(args[:2], args[3:]...)
	}
	if len(args) != 3 {
		return "Usage: `mute outlet|source|metric NAME for DURATION`, e.g. `mute outlet dailyglobe for 2d`", nil
	}
	scope := strings.ToLower(args[0])
	if !slices.Contains([]string{ScopeOutlet, ScopeSource, ScopeMetric}, scope) {
		return fmt.Sprintf("Mute an outlet, a source or a metric, not `%s`.", notify.EscapeMrkdwn(scope)), nil
	}
	name, msg := resolve(scope, args[1], scopeNames(a.conf(), scope))
	if name == "" {
		return msg, nil
	}
	d, err := parseDuration(args[2])
	if err != nil {
		return err.Error(), nil
	}
	m, _, err := a.putMute(ctx, user, scope, name, d, key, 0, "", "")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Muted %s `%s` until %s: its alerts are recorded, not sent.", scope, name, m.Until.UTC().Format(time.RFC3339)), nil
}

// putMute records a mute and the action, once per key; with an alert id,
// note is added to that alert's message as having used control.
func (a *App) putMute(ctx context.Context, user, scope, name string, d time.Duration, key string, alert uint64, note, control string) (store.Mute, bool, error) {
	now := a.now()
	m := store.Mute{Scope: scope, Name: name, Until: now.Add(d), By: user, At: now}
	var done bool
	err := a.db.Update(ctx, func(tx *store.Tx) error {
		// A double click (two clicks, two action ts) asks for the same
		// mute twice: the second changes nothing.
		if cur, on, err := tx.Muted(scope, name, now); err != nil {
			return err
		} else if on && cur.By == user && now.Sub(cur.At) < doubleClick && cur.Until.Sub(cur.At) == d {
			m = cur
			return nil
		}
		act := &store.Action{User: user, Kind: "mute", At: now, Key: key,
			What: fmt.Sprintf("muted %s %s for %s, until %s", scope, name, d, m.Until.UTC().Format(time.RFC3339))}
		var err error
		if done, err = tx.RecordAction(act); err != nil || !done {
			return err
		}
		if alert != 0 {
			if err := tx.AddNote(alert, store.Note{Text: note, Used: control, At: now}); err != nil {
				return err
			}
		}
		return tx.PutMute(m)
	})
	if err != nil {
		return m, false, fmt.Errorf("mute %s %s: %w", scope, name, err)
	}
	if done {
		a.log.Info("muted", "scope", scope, "name", name, "until", m.Until, "user", user)
	}
	return m, done, nil
}

func (a *App) unmute(ctx context.Context, user string, args []string, key string) (string, error) {
	if ok, why := a.mayOperate(ctx, user); !ok {
		a.recordRefusal(ctx, user, "unmute "+strings.Join(args, " "), key)
		return "Not unmuted: " + why + ".", nil
	}
	if len(args) != 2 {
		return "Usage: `unmute outlet|source|metric NAME`", nil
	}
	scope, name := strings.ToLower(args[0]), args[1]
	if !slices.Contains([]string{ScopeOutlet, ScopeSource, ScopeMetric}, scope) {
		return fmt.Sprintf("Unmute an outlet, a source or a metric, not `%s`.", notify.EscapeMrkdwn(scope)), nil
	}
	var had bool
	err := a.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if had, err = tx.DeleteMute(scope, name); err != nil || !had {
			return err
		}
		_, err = tx.RecordAction(&store.Action{User: user, Kind: "unmute", At: a.now(), Key: key,
			What: fmt.Sprintf("unmuted %s %s", scope, name)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("unmute %s %s: %w", scope, name, err)
	}
	if !had {
		return fmt.Sprintf("%s `%s` was not muted.", scope, notify.EscapeMrkdwn(name)), nil
	}
	return fmt.Sprintf("Unmuted %s `%s`.", scope, notify.EscapeMrkdwn(name)), nil
}

// recordRefusal keeps a refused action in the log: who tried what.
func (a *App) recordRefusal(ctx context.Context, user, what, key string) {
	if key != "" {
		key = "refused:" + key
	}
	err := a.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RecordAction(&store.Action{User: user, Kind: "refused", At: a.now(), Key: key, What: what})
		return err
	})
	if err != nil {
		a.log.Error("record refused action", "user", user, "err", err)
	}
	a.log.Warn("slack action refused", "user", user, "what", what)
}

// explainRef explains the alert a message link (…/archives/C…/p1700000000000001),
// a message ts or an alert number names.
func (a *App) explainRef(ctx context.Context, args []string) (string, error) {
	if len(args) != 1 {
		return "Usage: `explain ALERT_LINK` (Copy link on the alert's message) or `explain ALERT_NUMBER`", nil
	}
	ref := strings.Trim(args[0], "<>")
	ref, _, _ = strings.Cut(ref, "|")
	ref, _, _ = strings.Cut(ref, "?")
	var (
		al  store.Alert
		ev  diff.Event
		ok  bool
		err error
	)
	if id, perr := strconv.ParseUint(ref, 10, 64); perr == nil {
		al, ev, err = a.alertEvent(ctx, id)
		ok = err == nil
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	} else {
		al, ev, ok, err = a.alertByTS(ctx, messageTS(ref))
	}
	if err != nil {
		return "", err
	}
	if !ok {
		return fmt.Sprintf("I find no alert of mine at `%s`.", notify.EscapeMrkdwn(args[0])), nil
	}
	return explain(al, ev), nil
}

// messageTS reads the message ts out of a Slack permalink ("p" and the ts
// without its dot), or returns ref when it is a ts already.
func messageTS(ref string) string {
	i := strings.LastIndex(ref, "/p")
	if i < 0 {
		return ref
	}
	digits := ref[i+2:]
	if len(digits) <= 6 {
		return ref
	}
	return digits[:len(digits)-6] + "." + digits[len(digits)-6:]
}
