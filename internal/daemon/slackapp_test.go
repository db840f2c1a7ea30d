package daemon

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/notify/slack"
	"github.com/figwatch/watcher/internal/slackapp"
	"github.com/figwatch/watcher/internal/store"
)

// waitLimit only bounds a failing test.
const waitLimit = 10 * time.Second

// withApp starts the Slack app against the harness's fake Slack, owned by
// a running Daemon.Run; the returned function stops Run and waits for it.
func withApp(t *testing.T, h *harness) (*slackapp.App, func()) {
	t.Helper()
	app, err := slackapp.New(slackapp.Options{
		BotToken: "xoxb-test-token", AppToken: "xapp-test", APIURL: h.cfg.Slack.APIURL, DB: h.db,
		Config: h.d.conf, Now: h.clock.Now, ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.d.opts.App = app
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	if !h.slack.WaitFor(waitLimit, h.slack.Connected) {
		t.Fatal("the app never connected")
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return app, stop
}

const claimStory = "About 30,000 children failed to appear in court, the watchdog said."

func claimHarness(t *testing.T) *harness {
	h := newHarness(t, []sourceYAML{
		{id: "oig", path: "/oig.xml", authority: "official"},
		{id: "globe", path: "/globe.xml", authority: "press"},
	}, "  operators: [U0OPS]\n")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	h.feeds.set("/globe.xml", feedResponse{body: rss("Globe")})
	if err := h.once(); err != nil { // baselines
		t.Fatal(err)
	}
	return h
}

// TestSocketDroppedMidCycleLosesNothing drops the app's connection, polls
// while it is down (the claim goes out through the Web API all the same),
// and has Slack queue a command meanwhile and redeliver it once the app is
// back: answered once.
func TestSocketDroppedMidCycleLosesNothing(t *testing.T) {
	h := claimHarness(t)
	app, stop := withApp(t, h)

	h.slack.DropSocket()
	env := h.slack.SlashCommand("U0REP", "C0FIGURES", "/watcher", "value uc_failed_to_appear")
	h.feeds.set("/globe.xml", feedResponse{body: rss("Globe", [4]string{"g1", "Story", claimStory, pubMar})})
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if posts := h.slack.Posts(); len(posts) != 1 || !strings.Contains(posts[0].Text, "30,000") {
		t.Fatalf("with the socket down, want the claim posted through the Web API:\n%s", dumpPosts(posts))
	}
	if !h.slack.WaitFor(waitLimit, func() bool { return h.slack.Connects() >= 2 && len(h.slack.Ephemerals()) == 1 }) {
		t.Fatalf("no reconnection and answer: %d connections, answers %+v", h.slack.Connects(), h.slack.Ephemerals())
	}
	h.slack.Redeliver(env)
	if !h.slack.WaitFor(waitLimit, func() bool { return len(h.slack.Acks()) == 2 }) {
		t.Fatalf("acks = %+v", h.slack.Acks())
	}
	stop()
	eph := h.slack.Ephemerals()
	if len(eph) != 1 || !strings.Contains(eph[0].Text, "32,000") {
		t.Errorf("answers = %+v, want one, with the official 32,000", eph)
	}
	if n := app.Handled(); n != 1 {
		t.Errorf("handled %d envelopes, want 1", n)
	}
}

// TestWrongMetricStopsTheFigureAlertingAgain corrects a claim through its
// alert's menu, then has the outlet edit the story: the next poll of that
// document raises nothing for the corrected figure, while the same figure
// in another outlet's story still alerts.
func TestWrongMetricStopsTheFigureAlertingAgain(t *testing.T) {
	h := claimHarness(t)
	withApp(t, h)
	h.feeds.set("/globe.xml", feedResponse{body: rss("Globe", [4]string{"g1", "Story", claimStory, pubMar})})
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	posts := h.slack.Posts()
	if len(posts) != 1 {
		t.Fatalf("want one claim:\n%s", dumpPosts(posts))
	}
	var alertID uint64
	h.db.View(context.Background(), func(tx *store.Tx) error {
		recent, err := tx.RecentAlerts(1)
		alertID = recent[0].ID
		return err
	})
	h.slack.BlockAction("U0OPS", "C0FIGURES", posts[0].TS, slack.ActionWrongMetric, "",
		strconv.FormatUint(alertID, 10)+"|"+slack.NotTracked, "1700000300.000001")
	if !h.slack.WaitFor(waitLimit, func() bool { return h.slack.Posts()[0].Updates == 1 }) {
		t.Fatal("the alert was never edited")
	}
	if b := h.slack.Posts()[0].Blocks; !strings.Contains(b, `Corrected by \u003c@U0OPS\u003e: not about uc_failed_to_appear`) {
		t.Errorf("edited alert:\n%s", b)
	}
	// The outlet edits its story; the figure stays.
	h.feeds.set("/globe.xml", feedResponse{body: rss("Globe", [4]string{"g1", "Story", claimStory + " Officials declined to comment.", pubMar})})
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if posts := h.slack.Posts(); len(posts) != 1 {
		t.Errorf("after the correction the edited story alerted again:\n%s", dumpPosts(posts))
	}
	for _, f := range h.snapshotFigures("globe:g1") {
		if f.Text == "30,000" && f.Metric != "" {
			t.Errorf("stored figure %q still has metric %q", f.Text, f.Metric)
		}
	}
	var obs []store.Observation
	h.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		obs, err = tx.Observations("uc_failed_to_appear")
		return err
	})
	for _, o := range obs {
		if o.Authority == config.AuthorityPress {
			t.Errorf("press observation %+v survived the correction", o)
		}
	}
}
