package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify/notifytest"
	wslack "github.com/figwatch/watcher/internal/notify/slack"
	"github.com/figwatch/watcher/internal/outbox"
	"github.com/figwatch/watcher/internal/store"
)

const outboxYAML = `
slack: {channel: "#figures"}
sources:
  - {id: hhs, url: "https://www.hhs.gov/feed.xml", authority: official}
  - {id: dailyglobe, url: "https://globe.example/feed.xml", authority: press}
  - {id: dailystar, url: "https://star.example/feed.xml", authority: press}
metrics:
  - {id: uc_no_nta, label: Children not served a notice to appear, any: [notice to appear]}
  - {id: hs_rate, label: Home study rate, any: [home study]}
alerts: {dedupe_window: 0s}
`

// TestMuteHoldsAnOutletsClaimsForItsDurationOnly queues claims through the
// real outbox with Mutes as its Muter, on an injected clock: a muted
// outlet's claims are stored unsent while the mute lasts and sent again
// after; another outlet's claims, and the muted outlet's other alerts, are
// untouched.
func TestMuteHoldsAnOutletsClaimsForItsDurationOnly(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("w.yaml", []byte(outboxYAML))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: t0}
	db, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := &notifytest.Recorder{}
	ob, err := outbox.New(outbox.Options{DB: db, Now: c.Now, Muter: Mutes{},
		Setup: func() outbox.Setup { return outbox.Setup{Policy: outbox.NewPolicy(cfg), Notifier: rec} }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Update(ctx, func(tx *store.Tx) error {
		return tx.PutMute(store.Mute{Scope: ScopeOutlet, Name: "dailyglobe", Until: t0.Add(48 * time.Hour), By: "U0OPS", At: t0})
	}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		at     time.Duration
		ev     diff.Event
		queued bool
	}{
		{"the muted outlet's claim is held", time.Hour, claimAt("dailyglobe", 1), false},
		{"another outlet's claim goes out", 2 * time.Hour, claimAt("dailystar", 2), true},
		{"the muted outlet's failing source still alerts", 3 * time.Hour, diff.Event{Kind: diff.SourceFailing, Source: "dailyglobe", Error: "HTTP 500"}, true},
		{"still held the next day", 47 * time.Hour, claimAt("dailyglobe", 3), false},
		{"the mute is over: claims resume", 48 * time.Hour, claimAt("dailyglobe", 4), true},
	}
	for _, st := range steps {
		c.now = t0.Add(st.at)
		var kinds []diff.Kind
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			kinds, err = ob.EnqueuePoll(tx, []diff.Event{st.ev})
			return err
		}); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := len(kinds) == 1; got != st.queued {
			t.Errorf("%s: queued = %v, want %v", st.name, got, st.queued)
		}
	}
	if _, err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Calls()); n != 3 {
		t.Errorf("%d messages sent, want 3", n)
	}
	pending, sent, failed, err := db.OutboxStats(ctx)
	if err != nil || pending != 0 || sent != 3 || failed != 2 {
		t.Errorf("outbox = %d pending, %d sent, %d stored unsent (%v); want 0, 3, 2", pending, sent, failed, err)
	}
}

// claimAt is a claim by src, with a value of its own so that no two fold.
func claimAt(src string, n int) diff.Event {
	ev := claim()
	ev.Source, ev.SourceName = src, src
	ev.DocID = fmt.Sprintf("%s-%d", src, n)
	v := 320000 + float64(n)*10000
	ev.New = &diff.Stated{Value: v, Text: fmt.Sprint(v), Wording: fmt.Sprint(v), Metric: "uc_no_nta", Source: src, Authority: "press", DocID: ev.DocID}
	return ev
}

func TestMutesScopes(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	db.Update(ctx, func(tx *store.Tx) error {
		tx.PutMute(store.Mute{Scope: ScopeSource, Name: "hhs", Until: t0.Add(time.Hour), By: "U0OPS"})
		return tx.PutMute(store.Mute{Scope: ScopeMetric, Name: "hs_rate", Until: t0.Add(time.Hour), By: "U0OPS"})
	})
	tests := []struct {
		name string
		ev   diff.Event
		want bool
	}{
		{"a muted source's change", diff.Event{Kind: diff.MetricChanged, Source: "hhs", Metric: "uc_no_nta"}, true},
		{"a muted metric from any source", diff.Event{Kind: diff.NewReport, Source: "ohs", Metric: "hs_rate"}, true},
		{"neither", diff.Event{Kind: diff.MetricChanged, Source: "ohs", Metric: "uc_no_nta"}, false},
	}
	for _, tc := range tests {
		db.View(ctx, func(tx *store.Tx) error {
			reason, got, err := Mutes{}.Muted(tx, tc.ev, t0)
			if err != nil || got != tc.want {
				t.Errorf("%s: muted = %v (%s), %v; want %v", tc.name, got, reason, err, tc.want)
			}
			return nil
		})
	}
}

// TestAcknowledgementSurvivesTheOutboxRewritingTheMessage acknowledges a
// claim, then has the outbox rewrite its message (another outlet repeats
// the claim): the note stays, the used button stays gone, and the other
// controls still answer for the original alert.
func TestAcknowledgementSurvivesTheOutboxRewritingTheMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cfg, err := config.Parse("w.yaml", []byte(outboxYAML))
	if err != nil {
		t.Fatal(err)
	}
	id, ts := h.postAlert(claim())
	h.fake.BlockAction("U0ANN", "C0FIGURES", ts, wslack.ActionAck, itoa(id), "", "1700000800.000001")
	h.waitFor("the acknowledgement", func() bool { return h.post(ts).Updates == 1 })

	n, err := wslack.New(wslack.Options{Token: "xoxb-test", APIURL: h.fake.URL(), Channel: "#figures", PerChannel: rate.Inf,
		App: true, AppMetrics: []string{"uc_no_nta", "hs_rate"}})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(outbox.Options{DB: h.db, Now: h.clock.Now,
		Setup: func() outbox.Setup { return outbox.Setup{Policy: outbox.NewPolicy(cfg), Notifier: n} }})
	if err != nil {
		t.Fatal(err)
	}
	ev := claim()
	payload, _ := json.Marshal(map[string]any{"event": ev, "also": []diff.Stated{{Source: "dailystar", SourceName: "Daily Star", URL: "https://star.example/b", Title: "Also"}}})
	ctx := context.Background()
	if err := h.db.Update(ctx, func(tx *store.Tx) error {
		return tx.Enqueue(&store.Alert{Kind: string(ev.Kind), Metric: ev.Metric, Payload: payload, Created: t0, NextAttempt: t0, UpdateOf: id})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	p := h.post(ts)
	if p.Updates != 2 {
		t.Fatalf("message edited %d times, want 2 (ack, then the outbox)", p.Updates)
	}
	for _, want := range []string{"Acknowledged by <@U0ANN>", "Daily Star", `"value":"` + itoa(id) + `|1d"`} {
		if !strings.Contains(p.Blocks, want) {
			t.Errorf("rewritten message lacks %q:\n%s", want, p.Blocks)
		}
	}
	if strings.Contains(p.Blocks, `"watcher_ack"`) {
		t.Errorf("rewritten message offers Acknowledge again:\n%s", p.Blocks)
	}
}
