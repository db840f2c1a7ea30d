package slackapp

import (
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// recentAlerts bounds the search for the alert a thread is about.
const recentAlerts = 2000

func (a *App) eventsAPI(ctx context.Context, data any) error {
	ev, ok := data.(slackevents.EventsAPIEvent)
	if !ok || ev.Type != slackevents.CallbackEvent {
		return nil
	}
	switch in := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		return a.mention(ctx, *in)
	case slackevents.AppMentionEvent:
		return a.mention(ctx, in)
	case *slackevents.AppHomeOpenedEvent:
		return a.home(ctx, in.User)
	case slackevents.AppHomeOpenedEvent:
		return a.home(ctx, in.User)
	}
	return nil
}

// mention answers `@watcher explain` and `@watcher history` in an alert's
// thread, in the thread.
func (a *App) mention(ctx context.Context, m slackevents.AppMentionEvent) error {
	if m.BotID != "" {
		return nil // never answer a bot, ourselves included
	}
	thread := m.ThreadTimeStamp
	if thread == "" {
		thread = m.TimeStamp
	}
	words := strings.Fields(strings.ToLower(m.Text))
	verb := ""
	for _, w := range words {
		if w == "explain" || w == "history" || w == "help" {
			verb = w
			break
		}
	}
	var answer string
	switch verb {
	case "explain", "history":
		al, ev, ok, err := a.alertByTS(ctx, m.ThreadTimeStamp)
		switch {
		case err != nil:
			return err
		case !ok:
			answer = "Ask me in the thread of one of my alerts: I explain the alert the thread is about."
		case verb == "explain":
			answer = explain(al, ev)
		default:
			if ev.Metric == "" {
				answer = "This alert is not about a metric."
			} else if answer, err = a.historyOf(ctx, []string{ev.Metric}); err != nil {
				return err
			}
		}
	default:
		answer = "In an alert's thread, mention me with `explain` (why it fired) or `history` (the metric's last observations)."
	}
	_, _, err := a.api.PostMessageContext(ctx, m.Channel, slackapi.MsgOptionText(answer, false), slackapi.MsgOptionTS(thread))
	if err != nil {
		return fmt.Errorf("answer mention in %s: %w", m.Channel, err)
	}
	return nil
}

// alertByTS finds the alert whose message is ts.
func (a *App) alertByTS(ctx context.Context, ts string) (store.Alert, diff.Event, bool, error) {
	if ts == "" {
		return store.Alert{}, diff.Event{}, false, nil
	}
	var id uint64
	err := a.db.View(ctx, func(tx *store.Tx) error {
		recent, err := tx.RecentAlerts(recentAlerts)
		for _, al := range recent {
			if al.SentTS == ts {
				id = al.ID
				break
			}
		}
		return err
	})
	if err != nil || id == 0 {
		return store.Alert{}, diff.Event{}, false, err
	}
	al, ev, err := a.alertEvent(ctx, id)
	return al, ev, err == nil, err
}

// explain says why an alert fired: its figure, the metric it was taken
// for, and what it was compared with.
func explain(al store.Alert, ev diff.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Alert %d, %s: %s\n", al.ID, ev.Kind, notify.EscapeMrkdwn(notify.Headline(ev)))
	if ev.New != nil {
		fmt.Fprintf(&b, "• The figure: *%s* in %s\n", notify.EscapeMrkdwn(ev.New.Wording), notify.EscapeMrkdwn(outletName(ev)))
		if ev.New.Quote != "" {
			fmt.Fprintf(&b, "> %s\n", notify.EscapeMrkdwn(notify.Truncate(ev.New.Quote, 500)))
		}
	}
	if ev.Metric != "" {
		fmt.Fprintf(&b, "• Taken for metric `%s`%s by the config's rules for it\n", ev.Metric, labelNote(ev.MetricLabel))
	}
	if ev.Old != nil {
		fmt.Fprintf(&b, "• Compared with: %s (%s, %s)\n", notify.EscapeMrkdwn(ev.Old.Wording),
			notify.EscapeMrkdwn(ev.Old.SourceName), ev.Old.Authority)
	}
	if ev.Note != "" {
		fmt.Fprintf(&b, "• Note: %s\n", notify.EscapeMrkdwn(ev.Note))
	}
	if ev.Kind == diff.ClaimMismatch {
		b.WriteString("• It fired because the press figure is outside the metric's tolerance of the current official value. Wrong metric? Use the menu on the alert.\n")
	}
	return strings.TrimSpace(b.String())
}

func labelNote(l string) string {
	if l == "" {
		return ""
	}
	return " (" + notify.EscapeMrkdwn(l) + ")"
}

// home publishes the App Home tab: the tracked metrics with their current
// official values and latest claims, and the sources failing now.
func (a *App) home(ctx context.Context, user string) error {
	cfg := a.conf()
	var blocks []slackapi.Block
	blocks = append(blocks, slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType, "Tracked figures", false, false)))
	var failing []string
	err := a.db.View(ctx, func(tx *store.Tx) error {
		for _, m := range cfg.Metrics {
			if len(blocks) >= 45 {
				break
			}
			line := fmt.Sprintf("*%s* (%s)\n", m.ID, notify.EscapeMrkdwn(metricLabel(cfg, m.ID)))
			off, ok, err := tx.LatestObservation(m.ID, config.AuthorityOfficial)
			if err != nil {
				return err
			}
			if ok {
				line += fmt.Sprintf("Official: *%s*, as of %s (%s)\n", stated(off), asOf(off), notify.EscapeMrkdwn(sourceLabel(off)))
			} else {
				line += "Official: none yet\n"
			}
			press, ok, err := tx.LatestObservation(m.ID, config.AuthorityPress)
			if err != nil {
				return err
			}
			if ok {
				line += fmt.Sprintf("Latest claim: %s (%s, %s)", stated(press), notify.EscapeMrkdwn(sourceLabel(press)), asOf(press))
			}
			blocks = append(blocks, slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, notify.Truncate(line, 2900), false, false), nil, nil))
		}
		states, err := tx.Sources()
		for _, st := range states {
			if st.ConsecutiveFailures > 0 {
				failing = append(failing, fmt.Sprintf("• `%s` failing since %s: %s", st.Source,
					st.FailingSince.UTC().Format("2006-01-02 15:04 MST"), notify.EscapeMrkdwn(notify.Truncate(st.LastError, 200))))
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("home tab: read store: %w", err)
	}
	status := "All sources are healthy."
	if len(failing) > 0 {
		status = "*Sources failing now*\n" + strings.Join(failing, "\n")
	}
	blocks = append(blocks, slackapi.NewDividerBlock(),
		slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, notify.Truncate(status, 2900), false, false), nil, nil))
	view := slackapi.HomeTabViewRequest{Type: slackapi.VTHomeTab, Blocks: slackapi.Blocks{BlockSet: blocks}}
	if _, err := a.api.PublishViewContext(ctx, slackapi.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		return fmt.Errorf("publish home tab for %s: %w", user, err)
	}
	return nil
}
