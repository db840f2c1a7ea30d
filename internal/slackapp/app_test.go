package slackapp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/time/rate"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fakeslack"
	"github.com/figwatch/watcher/internal/notify"
	wslack "github.com/figwatch/watcher/internal/notify/slack"
	"github.com/figwatch/watcher/internal/store"
)

// waitLimit only bounds a failing test; no test asserts a duration.
const waitLimit = 10 * time.Second

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	fake  *fakeslack.Server
	db    *store.DB
	cfg   *config.Config
	app   *App
	clock *clock
	stop  func() // cancels Run and waits for it
}

// clock is a settable time source.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func testConfig() *config.Config {
	return &config.Config{
		Slack: config.Slack{Channel: "#figures", Command: "/watcher", Operators: []string{"U0OPS", "S0EDITORS"}},
		Sources: []config.Source{
			{ID: "hhs", Name: "HHS", Authority: config.AuthorityOfficial, Enabled: true},
			{ID: "dailyglobe", Name: "Daily Globe", Authority: config.AuthorityPress, Enabled: true},
			{ID: "dailystar", Name: "Daily Star", Authority: config.AuthorityPress, Enabled: true},
		},
		Metrics: []config.Metric{
			{ID: "uc_no_nta", Label: "Unaccompanied children, no NTA"},
			{ID: "uc_in_care", Label: "Unaccompanied children in care"},
			{ID: "hs_rate", Label: "Home study rate"},
		},
	}
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, fake: fakeslack.New(t), cfg: testConfig(), clock: &clock{now: t0}}
	db, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.db = db
	h.app, err = New(Options{
		BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: h.fake.URL(), DB: db,
		Config: func() *config.Config { return h.cfg }, Now: h.clock.Now,
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.app.Run(ctx) }()
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(h.stop)
	h.waitFor("the app to connect", func() bool { return h.fake.Connected() })
	return h
}

func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	if !h.fake.WaitFor(waitLimit, cond) {
		h.t.Fatalf("gave up waiting for %s", what)
	}
}

// ephemeral runs a slash command and returns its answer.
func (h *harness) ephemeral(user, text string) string {
	h.t.Helper()
	n := len(h.fake.Ephemerals())
	h.fake.SlashCommand(user, "C0FIGURES", "/watcher", text)
	h.waitFor("an answer to /watcher "+text, func() bool { return len(h.fake.Ephemerals()) > n })
	return h.fake.Ephemerals()[n].Text
}

func (h *harness) addObservation(o store.Observation) {
	h.t.Helper()
	if err := h.db.Update(context.Background(), func(tx *store.Tx) error { return tx.AddObservation(o) }); err != nil {
		h.t.Fatal(err)
	}
}

var official = store.Observation{
	Metric: "uc_no_nta", Value: 291000, Unit: "children", Text: "291,000",
	Quote: "HHS could not reach 291,000 children after release.", Authority: config.AuthorityOfficial,
	Source: "hhs", SourceName: "HHS", DocID: "hhs-report-1", URL: "https://www.hhs.gov/report",
	Title: "Report on children", Published: time.Date(2026, 2, 6, 0, 0, 0, 0, time.UTC), Observed: t0.Add(-time.Hour),
}

// postAlert queues ev in the store and posts it, with the app's buttons,
// through the real notifier to the fake; it returns the alert's id and
// message ts.
func (h *harness) postAlert(ev diff.Event) (uint64, string) {
	h.t.Helper()
	ctx := context.Background()
	payload, _ := json.Marshal(map[string]any{"event": ev})
	al := &store.Alert{Kind: string(ev.Kind), Metric: ev.Metric, Payload: payload, Created: t0, Status: store.StatusPending}
	if err := h.db.Update(ctx, func(tx *store.Tx) error { return tx.Enqueue(al) }); err != nil {
		h.t.Fatal(err)
	}
	n, err := wslack.New(wslack.Options{Token: "xoxb-test", APIURL: h.fake.URL(), Channel: "#figures", PerChannel: rate.Inf,
		App: true, AppMetrics: []string{"uc_no_nta", "uc_in_care", "hs_rate"}})
	if err != nil {
		h.t.Fatal(err)
	}
	r, err := n.Send(ctx, notify.Alert{ID: al.ID, Event: ev})
	if err != nil {
		h.t.Fatal(err)
	}
	al.Status, al.SentTS, al.SentChannel = store.StatusSent, r.TS, r.Channel
	if err := h.db.Update(ctx, func(tx *store.Tx) error { return tx.PutAlert(*al) }); err != nil {
		h.t.Fatal(err)
	}
	return al.ID, r.TS
}

// post returns the message ts as the fake holds it, its blocks with the
// JSON escapes of < and > undone for reading.
func (h *harness) post(ts string) fakeslack.Post {
	for _, p := range h.fake.Posts() {
		if p.TS == ts {
			p.Blocks = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(p.Blocks)
			return p
		}
	}
	h.t.Fatalf("no message %s", ts)
	return fakeslack.Post{}
}

func claim() diff.Event {
	return diff.Event{
		Kind: diff.ClaimMismatch, At: t0, Metric: "uc_no_nta", MetricLabel: "Unaccompanied children, no NTA",
		Source: "dailyglobe", SourceName: "Daily Globe", Authority: config.AuthorityPress,
		DocID: "globe-1", URL: "https://globe.example/a", Title: "Lost children",
		New: &diff.Stated{Value: 320000, Text: "320,000", Wording: "320,000", Quote: "Some 320,000 children are missing.",
			Metric: "uc_no_nta", Source: "dailyglobe", Authority: config.AuthorityPress, DocID: "globe-1"},
		Old: &diff.Stated{Value: 291000, Wording: "291,000", SourceName: "HHS", Authority: config.AuthorityOfficial},
	}
}

func TestSlashCommandAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addObservation(official)
	press := official
	press.Value, press.Text, press.Authority, press.Source, press.SourceName = 320000, "320,000", config.AuthorityPress, "dailyglobe", "Daily Globe"
	press.Published, press.Observed = time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), t0
	h.addObservation(press)

	tests := []struct {
		name, text string
		want       []string
	}{
		{"value: the current official value with its date", "value uc_no_nta",
			[]string{"*291,000 children*", "as of 6 Feb 2026", "Source: HHS", "> HHS could not reach 291,000 children", "<https://www.hhs.gov/report|Report on children>", "Latest in the press: 320,000 children (Daily Globe"}},
		{"value by a unique prefix", "value uc_no", []string{"*uc_no_nta*", "291,000"}},
		{"an ambiguous prefix asks which", "value uc", []string{"`uc` could be uc_no_nta, uc_in_care"}},
		{"a typo is answered with did you mean", "value uc_no_nat", []string{"No metric `uc_no_nat`", "Did you mean `uc_no_nta`?"}},
		{"history lists official and press, newest first", "history uc_no_nta", []string{"last 2 of 2", "• 20 Feb 2026 · press · 320,000", "• 6 Feb 2026 · official · 291,000"}},
		{"sources", "sources", []string{"• `hhs` (official): never polled", "• `dailyglobe` (press)"}},
		{"help", "help", []string{"`value METRIC`"}},
		{"an unknown verb", "vlaue", []string{"Did you mean `value`?"}},
	}
	for _, tc := range tests {
		got := h.ephemeral("U0ANYONE", tc.text)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: answer lacks %q:\n%s", tc.name, w, got)
			}
		}
	}
	for _, e := range h.fake.Ephemerals() {
		if e.Via != "response_url" || e.User != "U0ANYONE" {
			t.Errorf("answer %+v not ephemeral to its asker through response_url", e)
		}
	}
}

func TestAcknowledgeEditsTheMessageOnceEvenWhenDeliveredTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id, ts := h.postAlert(claim())
	env := h.fake.BlockAction("U0ANN", "C0FIGURES", ts, wslack.ActionAck, itoa(id), "", "1700000100.000001")
	h.fake.Redeliver(env)
	// A second person's click after the first: the first acknowledgement
	// stands and the message is not edited again.
	h.waitFor("two acks", func() bool { return len(h.fake.Acks()) == 2 })
	h.fake.BlockAction("U0BOB", "C0FIGURES", ts, wslack.ActionAck, itoa(id), "", "1700000101.000001")
	h.waitFor("three acks", func() bool { return len(h.fake.Acks()) == 3 })
	h.stop() // waits for every handler

	p := h.post(ts)
	if p.Updates != 1 {
		t.Errorf("message edited %d times, want 1", p.Updates)
	}
	if !strings.Contains(p.Blocks, "Acknowledged by <@U0ANN>") || strings.Contains(p.Blocks, `"watcher_ack"`) {
		t.Errorf("edited message does not show who took it, or still offers the button:\n%s", p.Blocks)
	}
	if !strings.Contains(p.Blocks, wslack.ActionWrongMetric) {
		t.Errorf("edited message lost the other controls:\n%s", p.Blocks)
	}
	var acts []store.Action
	h.db.View(context.Background(), func(tx *store.Tx) error {
		ak, ok, _ := tx.AckOf(id)
		if !ok || ak.User != "U0ANN" {
			t.Errorf("stored ack = %+v %v, want U0ANN's", ak, ok)
		}
		acts, _ = tx.RecentActions(10)
		return nil
	})
	if len(acts) != 1 || acts[0].Kind != "ack" || acts[0].User != "U0ANN" {
		t.Errorf("actions = %+v, want one ack by U0ANN", acts)
	}
	if got := h.app.Handled(); got != 2 {
		t.Errorf("handled %d envelopes, want 2 (the redelivery is not handled)", got)
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }

func TestMuteNeedsAnOperator(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fake.SetGroup("S0EDITORS", "U0EDITOR")
	tests := []struct {
		name, user, text string
		want             string
		muted            bool
	}{
		{"anyone else is refused with a reason", "U0INTERN", "mute outlet dailyglobe for 2d",
			"Not muted: only watcher's operators (slack.operators in the config) may mute or correct.", false},
		{"a listed operator may", "U0OPS", "mute outlet dailyglobe for 2d", "Muted outlet `dailyglobe` until 2026-03-04T09:00:00Z", true},
		{"a member of an operators' user group may", "U0EDITOR", "mute metric hs for 1h", "Muted metric `hs_rate`", true},
		{"a source name is checked", "U0OPS", "mute source dailyglbe for 1h", "Did you mean `dailyglobe`?", false},
		{"a bad duration is explained", "U0OPS", "mute source hhs for soon", "is not a duration", false},
		{"unmute of a scope that is none", "U0OPS", "unmute <!channel> x", "Unmute an outlet, a source or a metric, not `&lt;!channel&gt;`", false},
		{"unmute of what is not muted", "U0OPS", "unmute source hhs", "source `hhs` was not muted", false},
	}
	for _, tc := range tests {
		got := h.ephemeral(tc.user, tc.text)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: answer = %q, want %q", tc.name, got, tc.want)
		}
	}
	h.db.View(context.Background(), func(tx *store.Tx) error {
		mutes, _ := tx.Mutes(t0)
		if len(mutes) != 2 {
			t.Errorf("mutes = %+v, want outlet dailyglobe and metric hs_rate", mutes)
		}
		acts, _ := tx.RecentActions(10)
		if len(acts) != 3 || acts[len(acts)-1].Kind != "refused" || acts[len(acts)-1].User != "U0INTERN" {
			t.Errorf("actions = %+v, want the refusal recorded first", acts)
		}
		return nil
	})
	// The intern's and the editor's checks both needed the group (U0OPS is
	// named directly): its members were read once, then cached.
	if n := h.fake.Calls("usergroups.users.list"); n != 1 {
		t.Errorf("usergroups.users.list called %d times, want 1 (cached)", n)
	}
	if got := h.ephemeral("U0INTERN", "unmute metric hs_rate"); !strings.HasPrefix(got, "Not unmuted: only watcher's operators") {
		t.Errorf("an intern's unmute: %q", got)
	}
	if got := h.ephemeral("U0EDITOR", "unmute metric hs_rate"); got != "Unmuted metric `hs_rate`." {
		t.Errorf("unmute: %q", got)
	}
	h.db.View(context.Background(), func(tx *store.Tx) error {
		if _, on, _ := tx.Muted(ScopeMetric, "hs_rate", t0); on {
			t.Error("hs_rate still muted after unmute")
		}
		return nil
	})
	if got := h.ephemeral("U0ANYONE", "status"); !strings.Contains(got, "Muted: outlet `dailyglobe` until 2026-03-04T09:00:00Z (by <@U0OPS>)") ||
		!strings.Contains(got, "Recent actions:") || !strings.Contains(got, "refused") {
		t.Errorf("status does not list the mutes and recent actions:\n%s", got)
	}
}

func TestWrongMetricCorrectsTheAlertAndTheStore(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addObservation(official)
	wrong := official
	wrong.Value, wrong.Text, wrong.Quote, wrong.Authority = 320000, "320,000", "Some 320,000 children are missing.", config.AuthorityPress
	wrong.Source, wrong.DocID, wrong.Observed = "dailyglobe", "globe-1", t0
	h.addObservation(wrong)
	id, ts := h.postAlert(claim())

	// Not an operator: refused, privately.
	h.fake.BlockAction("U0INTERN", "C0FIGURES", ts, wslack.ActionWrongMetric, "", itoa(id)+"|"+wslack.NotTracked, "1700000200.000001")
	h.waitFor("the refusal", func() bool { return len(h.fake.Ephemerals()) == 1 })
	if e := h.fake.Ephemerals()[0]; e.User != "U0INTERN" || !strings.Contains(e.Text, "only watcher's operators") {
		t.Errorf("refusal = %+v", e)
	}
	env := h.fake.BlockAction("U0OPS", "C0FIGURES", ts, wslack.ActionWrongMetric, "", itoa(id)+"|"+wslack.NotTracked, "1700000201.000001")
	h.fake.Redeliver(env)
	h.waitFor("three acks", func() bool { return len(h.fake.Acks()) == 3 })
	h.stop()

	p := h.post(ts)
	if p.Updates != 1 || !strings.Contains(p.Blocks, "Corrected by <@U0OPS>: not about uc_no_nta") {
		t.Errorf("message edited %d times:\n%s", p.Updates, p.Blocks)
	}
	h.db.View(context.Background(), func(tx *store.Tx) error {
		obs, _ := tx.Observations("uc_no_nta")
		if len(obs) != 1 || obs[0].DocID != "hhs-report-1" {
			t.Errorf("observations of uc_no_nta = %+v, want only the official one", obs)
		}
		if o, ok, _ := tx.LatestObservation("uc_no_nta", config.AuthorityPress); ok {
			t.Errorf("latest press observation = %+v, want none after the correction", o)
		}
		cs, _ := tx.Corrections("globe-1")
		if len(cs) != 1 || cs[0].OldMetric != "uc_no_nta" || cs[0].NewMetric != "" || cs[0].User != "U0OPS" || cs[0].Text != "320,000" {
			t.Errorf("corrections = %+v", cs)
		}
		return nil
	})
}

func TestSocketDroppedReconnectsWithoutLosingOrRepeatingEnvelopes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addObservation(official)
	first := h.ephemeral("U0A", "value uc_no_nta")

	h.fake.DropSocket()
	// Delivered while the socket is down: Slack keeps it for the next
	// connection.
	env := h.fake.SlashCommand("U0B", "C0FIGURES", "/watcher", "value uc_no_nta")
	h.waitFor("a second connection", func() bool { return h.fake.Connects() == 2 })
	h.waitFor("the queued command's answer", func() bool { return len(h.fake.Ephemerals()) == 2 })
	// Slack thinks the ack was lost and sends it again: acknowledged, not
	// answered twice.
	h.fake.Redeliver(env)
	h.waitFor("its ack", func() bool { return countAcks(h.fake.Acks(), env) == 2 })
	h.stop()

	eph := h.fake.Ephemerals()
	if len(eph) != 2 || eph[1].User != "U0B" || eph[1].Text != first {
		t.Errorf("answers = %+v, want U0A's and U0B's, once each", eph)
	}
	if got := h.app.Handled(); got != 2 {
		t.Errorf("handled %d envelopes, want 2", got)
	}
	m := h.app.stats
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"connections", testutil.ToFloat64(m.connections), 2},
		{"handled", testutil.ToFloat64(m.envelopes.WithLabelValues("slash_commands", OutcomeHandled)), 2},
		{"redelivered", testutil.ToFloat64(m.envelopes.WithLabelValues("slash_commands", OutcomeRedelivered)), 1},
		{"connected after stop", testutil.ToFloat64(m.connected), 0},
	} {
		if c.got != c.want {
			t.Errorf("metric %s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func countAcks(acks []fakeslack.Ack, id string) int {
	n := 0
	for _, a := range acks {
		if a.EnvelopeID == id {
			n++
		}
	}
	return n
}

func TestTTLSetForgetsAfterItsTTLAndBound(t *testing.T) {
	t.Parallel()
	s := newTTLSet(time.Minute, 3)
	steps := []struct {
		name string
		key  string
		at   time.Duration
		want bool
	}{
		{"new", "a", 0, true},
		{"seen", "a", 30 * time.Second, false},
		{"expired", "a", 61 * time.Second, true},
		{"b", "b", 62 * time.Second, true},
		{"c", "c", 62 * time.Second, true},
		{"d evicts the oldest beyond the bound", "d", 62 * time.Second, true},
	}
	for _, st := range steps {
		if got := s.add(st.key, t0.Add(st.at)); got != st.want {
			t.Errorf("%s: add(%s) = %v, want %v", st.name, st.key, got, st.want)
		}
	}
	if n := s.len(); n > 3 {
		t.Errorf("set holds %d keys, bound 3", n)
	}
}

func TestMuteOutletButtonDoubleClickChangesNothingTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id, ts := h.postAlert(claim())
	h.fake.BlockAction("U0OPS", "C0FIGURES", ts, wslack.ActionMuteOutlet, "", itoa(id)+"|1d", "1700000700.000001")
	h.fake.BlockAction("U0OPS", "C0FIGURES", ts, wslack.ActionMuteOutlet, "", itoa(id)+"|1d", "1700000700.000002")
	h.fake.BlockAction("U0INTERN", "C0FIGURES", ts, wslack.ActionMuteOutlet, "", itoa(id)+"|1w", "1700000701.000001")
	h.waitFor("three acks", func() bool { return len(h.fake.Acks()) == 3 })
	h.stop()
	p := h.post(ts)
	if p.Updates != 1 || !strings.Contains(p.Blocks, "<@U0OPS> muted Daily Globe until 2026-03-03 09:00 UTC") {
		t.Errorf("message edited %d times, want once:\n%s", p.Updates, p.Blocks)
	}
	if e := h.fake.Ephemerals(); len(e) != 1 || e[0].User != "U0INTERN" || !strings.Contains(e[0].Text, "Not done: only watcher's operators") {
		t.Errorf("answers = %+v, want the intern refused", e)
	}
	h.db.View(context.Background(), func(tx *store.Tx) error {
		m, on, _ := tx.Muted(ScopeOutlet, "dailyglobe", t0)
		if !on || !m.Until.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("mute = %+v %v, want one day", m, on)
		}
		acts, _ := tx.RecentActions(10)
		if len(acts) != 2 {
			t.Errorf("actions = %+v, want one mute and one refusal", acts)
		}
		return nil
	})
}
