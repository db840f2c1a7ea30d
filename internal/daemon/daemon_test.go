package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fakeslack"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify/slack"
	"github.com/figwatch/watcher/internal/store"
)

// Fixture sentences state the real figures of the story in our own words.
const (
	aug2024 = "The inspector general said DHS transferred more than 448,000 unaccompanied children to HHS custody. " +
		"More than 291,000 of those children were never served a notice to appear in immigration court. " +
		"More than 32,000 children failed to appear for their hearings."
	mar2025 = "The audit found that 233,000 children had not been served a notice to appear as of January 2025. " +
		"More than 43,000 children failed to appear in court."
	pubAug = "Tue, 20 Aug 2024 14:00:00 GMT"
	pubMar = "Tue, 25 Mar 2025 14:00:00 GMT"
)

const metricsYAML = `
metrics:
  - id: uc_transferred_hhs
    label: Children transferred to HHS
    any: ["transferred"]
  - id: uc_no_nta
    label: Children not served a notice to appear
    any: ["notice to appear", "notices to appear"]
  - id: uc_failed_to_appear
    label: Children who failed to appear in court
    any: ["failed to appear"]
`

// harness runs the real daemon code against fake feeds and a fake Slack.
type harness struct {
	t     testing.TB
	dir   string
	cfg   *config.Config
	db    *store.DB
	d     *Daemon
	feeds *feedServer
	slack *fakeslack.Server
	clock *clock
	logs  *strings.Builder
}

// sourceYAML is one source of the test config.
type sourceYAML struct {
	id, path, authority string
	firstPollAlerts     bool
	extra               string // more YAML lines for the source, indented by 4
}

func newHarness(t testing.TB, sources []sourceYAML, extra string) *harness {
	t.Helper()
	return newHarnessMetrics(t, sources, extra, metricsYAML)
}

// newHarnessMetrics is newHarness with the config's metrics section given.
func newHarnessMetrics(t testing.TB, sources []sourceYAML, extra, metrics string) *harness {
	t.Helper()
	h := &harness{
		t: t, dir: t.TempDir(), feeds: newFeedServer(t), slack: fakeslack.New(t),
		clock: &clock{t: time.Date(2025, 3, 26, 9, 0, 0, 0, time.UTC)}, logs: &strings.Builder{},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "storage:\n  path: %s\n", filepath.Join(h.dir, "watcher.db"))
	fmt.Fprintf(&b, "fetch:\n  user_agent: \"watcher-test/1.0 (+mailto:test@example.org)\"\n  timeout: 2s\n  max_body_size: 64KiB\n")
	fmt.Fprintf(&b, "delivery:\n  retry_min: 1s\n  retry_max: 1m\n  max_age: 72h\n")
	fmt.Fprintf(&b, "slack:\n  channel: \"#figures\"\n  api_url: %s\n", h.slack.URL())
	b.WriteString(extra)
	b.WriteString("sources:\n")
	for _, s := range sources {
		fmt.Fprintf(&b, "  - id: %s\n    url: %s%s\n    authority: %s\n    alert_on_first_poll: %t\n%s", s.id, h.feeds.srv.URL, s.path, s.authority, s.firstPollAlerts, s.extra)
	}
	b.WriteString(metrics)
	path := filepath.Join(h.dir, "watcher.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load test config: %v\n%s", err, b.String())
	}
	h.cfg = cfg
	h.start()
	t.Cleanup(h.stop)
	return h
}

// start opens the database and builds the daemon, as `watcher run` does.
func (h *harness) start() {
	h.t.Helper()
	db, err := store.Open(h.cfg.Storage.Path, store.Options{Timeout: time.Second, Now: h.clock.Now})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.db = db
	log := slog.New(slog.NewTextHandler(syncWriter{h.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := fetch.New(fetch.Options{
		UserAgent: h.cfg.Fetch.UserAgent, Timeout: time.Duration(h.cfg.Fetch.Timeout),
		MaxBodyBytes: int64(h.cfg.Fetch.MaxBodySize), MaxRedirects: h.cfg.Fetch.MaxRedirects,
		Concurrency: h.cfg.Fetch.Concurrency, Logger: log,
		AllowPrivate: fetch.LoopbackPrefixes(), // the fake feeds serve on 127.0.0.1
	})
	n, err := slack.New(slack.Options{Token: "xoxb-test-token", APIURL: h.cfg.Slack.APIURL, Channel: h.cfg.Slack.Channel, Logger: log, PerChannel: rate.Inf})
	if err != nil {
		h.t.Fatal(err)
	}
	d, err := New(Options{Config: h.cfg, DB: db, Fetcher: f, Notifier: n, Logger: log, Now: h.clock.Now, MaxJitter: -1})
	if err != nil {
		h.t.Fatal(err)
	}
	h.d = d
}

func (h *harness) stop() {
	if h.db != nil {
		h.db.Close()
		h.db = nil
	}
}

// restart simulates a process restart: a new database handle and daemon.
func (h *harness) restart() {
	h.stop()
	h.start()
}

func (h *harness) once() error {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return h.d.Once(ctx)
}

type syncWriter struct{ b *strings.Builder }

var logMu = make(chan struct{}, 1)

func (w syncWriter) Write(p []byte) (int, error) {
	logMu <- struct{}{}
	defer func() { <-logMu }()
	return w.b.Write(p)
}

func (h *harness) log() string {
	logMu <- struct{}{}
	defer func() { <-logMu }()
	return h.logs.String()
}

func TestMetricChangeIsAlertedOnceAndNotResent(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "dhs-oig", path: "/oig.xml", authority: "official"}}, "")
	h.feeds.set("/oig.xml", feedResponse{etag: `"v1"`, body: rss("DHS OIG",
		[4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", aug2024, pubAug})})

	// First poll: the baseline, silently (alert_on_first_poll is off).
	if err := h.once(); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	if got := h.slack.Posts(); len(got) != 0 {
		t.Fatalf("first poll posted %d messages, want none: %+v", len(got), got)
	}

	// The 2025 report arrives in the feed.
	h.clock.Add(time.Hour)
	h.feeds.set("/oig.xml", feedResponse{etag: `"v2"`, body: rss("DHS OIG",
		[4]string{"OIG-25-21", "ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children", mar2025, pubMar},
		[4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatalf("second poll: %v", err)
	}
	posts := h.slack.Posts()
	if len(posts) != 3 {
		t.Fatalf("got %d messages, want 3 (two metric_changed, one new_report):\n%s", len(posts), dumpPosts(posts))
	}
	nta := posts[0]
	for _, want := range []string{"Children not served a notice to appear", "291,000", "233,000", "58,000", "19.9%", "OIG-25-21"} {
		if !strings.Contains(nta.Text+nta.Blocks, want) {
			t.Errorf("metric_changed message lacks %q:\n%s", want, dumpPosts(posts[:1]))
		}
	}
	if !strings.Contains(nta.Blocks, h.feeds.srv.URL) && !strings.Contains(nta.Blocks, "https://example.org/OIG-25-21") {
		t.Errorf("metric_changed message has no link to the report:\n%s", nta.Blocks)
	}
	if !strings.Contains(posts[1].Text+posts[1].Blocks, "43,000") || !strings.Contains(posts[2].Text+posts[2].Blocks, "OIG-25-21") {
		t.Errorf("unexpected second/third messages:\n%s", dumpPosts(posts[1:]))
	}
	for _, p := range posts {
		if p.Channel != "#figures" {
			t.Errorf("posted to %q, want #figures", p.Channel)
		}
		if !strings.Contains(p.Metadata, "alert_id") {
			t.Errorf("message carries no alert id metadata: %q", p.Metadata)
		}
	}

	// An unchanged feed answers 304: nothing is sent.
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatalf("third poll: %v", err)
	}
	reqs := h.feeds.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 304 || last.IfNoneMatch != `"v2"` {
		t.Errorf("third poll: request %+v, want a conditional GET answered 304", last)
	}
	if got := len(h.slack.Posts()); got != 3 {
		t.Errorf("304 poll posted: now %d messages, want 3", got)
	}

	// A restart, and the server forgets its ETag: the same content is
	// fetched whole and must not be alerted again.
	h.restart()
	h.clock.Add(time.Hour)
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG",
		[4]string{"OIG-25-21", "ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children", mar2025, pubMar},
		[4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatalf("poll after restart: %v", err)
	}
	if got := len(h.slack.Posts()); got != 3 {
		t.Errorf("after restart: %d messages, want still 3:\n%s", got, dumpPosts(h.slack.Posts()))
	}
}

func dumpPosts(ps []fakeslack.Post) string {
	var b strings.Builder
	for i, p := range ps {
		fmt.Fprintf(&b, "--- %d channel=%s thread=%s broadcast=%t\n%s\n", i, p.Channel, p.ThreadTS, p.Broadcast, p.Text)
	}
	return b.String()
}

func TestBadSourcesFailAloneAndKeepTheirState(t *testing.T) {
	bad := []struct {
		name string
		resp feedResponse
		want string // in the source's recorded error
	}{
		{"malformed", feedResponse{body: `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>broken`}, "parse"},
		{"html", feedResponse{ctype: "text/html", body: "<!DOCTYPE html><html><head><title>Access Denied</title></head><body><h1>Access Denied</h1></body></html>"}, "HTML"},
		{"status500", feedResponse{status: 500, body: "oops"}, "500"},
		{"slow", feedResponse{delay: 5 * time.Second, body: rss("slow")}, ""},
		{"huge", feedResponse{body: rss("huge", [4]string{"big", "Big", strings.Repeat("padding ", 20000), pubMar})}, ""},
	}
	srcs := []sourceYAML{{id: "good", path: "/good.xml", authority: "official", firstPollAlerts: true}}
	for _, b := range bad {
		srcs = append(srcs, sourceYAML{id: b.name, path: "/" + b.name + ".xml", authority: "press"})
	}
	h := newHarness(t, srcs, "")

	// Poll 1: every source is healthy and stores a snapshot.
	h.feeds.set("/good.xml", feedResponse{body: rss("good", [4]string{"r1", "Report one", aug2024, pubAug})})
	for _, b := range bad {
		h.feeds.set("/"+b.name+".xml", feedResponse{etag: `"ok-` + b.name + `"`, body: rss(b.name, [4]string{"s-" + b.name, "Story", "More than 32,000 children failed to appear.", pubAug})})
	}
	if err := h.once(); err != nil {
		t.Fatalf("healthy poll: %v", err)
	}
	before := map[string]store.FetchState{}
	snapsBefore := map[string]store.Snapshot{}
	h.db.View(context.Background(), func(tx *store.Tx) error {
		for _, b := range bad {
			st, _, _ := tx.FetchState(b.name)
			before[b.name] = st
			s, _, _ := tx.Snapshot(b.name + ":s-" + b.name)
			snapsBefore[b.name] = s
		}
		return nil
	})

	// Poll 2: the good source has news, every other one misbehaves.
	for _, b := range bad {
		h.feeds.set("/"+b.name+".xml", b.resp)
	}
	h.cfg.Fetch.Timeout = config.Duration(500 * time.Millisecond)
	h.restart() // pick up the shorter timeout
	h.feeds.set("/good.xml", feedResponse{body: rss("good",
		[4]string{"r2", "Report two", mar2025, pubMar}, [4]string{"r1", "Report one", aug2024, pubAug})})
	sentBefore := len(h.slack.Posts())
	err := h.once()
	if err == nil {
		t.Fatal("once succeeded although five sources failed")
	}
	for _, b := range bad {
		if !strings.Contains(err.Error(), "poll "+b.name+":") {
			t.Errorf("once error does not name source %s: %v", b.name, err)
		}
	}
	if strings.Contains(err.Error(), "poll good:") {
		t.Errorf("good source reported as failing: %v", err)
	}
	if got := len(h.slack.Posts()) - sentBefore; got == 0 {
		t.Errorf("good source's alerts were not delivered while others failed")
	}
	h.db.View(context.Background(), func(tx *store.Tx) error {
		for _, b := range bad {
			st, _, _ := tx.FetchState(b.name)
			if st.ConsecutiveFailures != 1 || st.LastError == "" {
				t.Errorf("%s: failures=%d last error %q, want 1 and an error", b.name, st.ConsecutiveFailures, st.LastError)
			}
			if b.want != "" && !strings.Contains(st.LastError, b.want) {
				t.Errorf("%s: last error %q does not mention %q", b.name, st.LastError, b.want)
			}
			if st.ETag != before[b.name].ETag || st.Polls != before[b.name].Polls {
				t.Errorf("%s: validators/polls changed by a failed poll: %+v → %+v", b.name, before[b.name], st)
			}
			s, ok, _ := tx.Snapshot(b.name + ":s-" + b.name)
			if !ok || s.Hash != snapsBefore[b.name].Hash || s.Revision != snapsBefore[b.name].Revision {
				t.Errorf("%s: snapshot changed by a failed poll", b.name)
			}
		}
		return nil
	})
	if log := h.log(); !strings.Contains(log, "poll failed") {
		t.Errorf("no per-source error logged:\n%s", log)
	}
}

func TestSlackOutageDeliversExactlyOnce(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "dhs-oig", path: "/oig.xml", authority: "official"}}, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG",
		[4]string{"OIG-25-21", "Audit", mar2025, pubMar}, [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})

	ctx := context.Background()
	// Slack refuses connections (reset), then errors, then rate-limits.
	for _, mode := range []string{"reset", "500", "429"} {
		h.slack.SetMode(mode)
		_ = h.once() // the poll succeeds; delivery fails
		if got := len(h.slack.Posts()); got != 0 {
			t.Fatalf("mode %s: %d messages accepted, want 0", mode, got)
		}
		h.clock.Add(2 * time.Minute) // past any backoff
	}
	var pending []store.Alert
	h.db.View(ctx, func(tx *store.Tx) error { pending, _ = tx.PendingAlerts(100); return nil })
	if len(pending) != 3 {
		t.Fatalf("pending alerts = %d, want 3", len(pending))
	}
	if pending[0].Attempts < 1 || pending[0].LastError == "" || !pending[0].Tried {
		t.Errorf("first alert: attempts %d, tried %t, last error %q; want the failed attempts recorded", pending[0].Attempts, pending[0].Tried, pending[0].LastError)
	}

	// 429's Retry-After (2s) is honoured: a pass one second later sends nothing.
	h.slack.SetMode("ok")
	h.restart()
	// Slack is back, after a restart: everything goes out, once.
	h.clock.Add(3 * time.Second)
	if _, err := h.d.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(h.slack.Posts()); got != 3 {
		t.Fatalf("after Slack came back: %d messages, want 3:\n%s", got, dumpPosts(h.slack.Posts()))
	}
	for range 2 {
		h.restart()
		if _, err := h.d.outbox.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		if err := h.once(); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(h.slack.Posts()); got != 3 {
		t.Errorf("after further restarts: %d messages, want still 3", got)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true}}, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	h.slack.SetMode("429")
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	h.slack.SetMode("ok")
	ctx := context.Background()
	h.clock.Add(time.Second) // Retry-After is 2s
	if st, _ := h.d.outbox.Deliver(ctx); st.Sent != 0 {
		t.Fatalf("sent %d alerts 1s into a 2s Retry-After", st.Sent)
	}
	h.clock.Add(1500 * time.Millisecond)
	if st, _ := h.d.outbox.Deliver(ctx); st.Sent == 0 {
		t.Fatalf("nothing sent after Retry-After passed")
	}
}

func TestRunPollsAtStartAndStopsOnCancel(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true}}, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	// Run uses the real clock for cron; the harness clock only stamps records.
	ctx, cancel := context.WithCancel(context.Background())
	var states []string
	h.d.opts.SdNotify = func(s string) { states = append(states, s) }
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(h.slack.Posts()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if len(h.slack.Posts()) == 0 {
		t.Fatalf("Run did not poll a never-polled source at start and deliver:\n%s", h.log())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
	if len(states) != 2 || states[0] != "READY=1" || states[1] != "STOPPING=1" {
		t.Errorf("systemd states = %v, want [READY=1 STOPPING=1]", states)
	}
	if err := h.d.Healthy(); err != nil {
		t.Errorf("Healthy right after a run: %v", err)
	}
}

func TestFollowLinksFetchesOnlyNewArticles(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "press", path: "/press.xml", authority: "press", extra: "    follow_links: true\n"}}, "")
	item := func(id, title string) string {
		return fmt.Sprintf("<item><guid>%s</guid><title>%s</title><link>%s/articles/%s</link><description>Summary without figures.</description><pubDate>%s</pubDate></item>", id, title, h.feeds.srv.URL, id, pubMar)
	}
	feed := func(items ...string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>Press</title>` + strings.Join(items, "") + `</channel></rss>`
	}
	article := func(sentence string) feedResponse {
		return feedResponse{ctype: "text/html; charset=utf-8", body: "<html><body><article><p>" + sentence + "</p></article></body></html>"}
	}
	h.feeds.set("/articles/a1", article("More than 32,000 children failed to appear in court."))
	h.feeds.set("/press.xml", feedResponse{etag: `"p1"`, body: feed(item("a1", "One"))})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	var snap store.Snapshot
	h.db.View(context.Background(), func(tx *store.Tx) error {
		snap, _, _ = tx.Snapshot("url:" + h.feeds.srv.URL + "/articles/a1")
		return nil
	})
	if len(snap.Figures) != 1 || snap.Figures[0].Value != 32000 {
		t.Fatalf("article figures not stored: %+v", snap.Figures)
	}

	count := func(path string) int {
		n := 0
		for _, r := range h.feeds.Requests() {
			if r.Path == path {
				n++
			}
		}
		return n
	}
	// Warm poll, unchanged: one conditional request, no article request.
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if n := count("/articles/a1"); n != 1 {
		t.Errorf("article fetched %d times, want once", n)
	}
	// A new item: only its article is fetched, even without validators.
	h.feeds.set("/articles/a2", article("Some 43,000 children did not appear."))
	h.feeds.set("/press.xml", feedResponse{body: feed(item("a2", "Two"), item("a1", "One"))})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if n1, n2 := count("/articles/a1"), count("/articles/a2"); n1 != 1 || n2 != 1 {
		t.Errorf("article requests a1=%d a2=%d, want 1 and 1", n1, n2)
	}
	if n := count("/press.xml"); n != 3 {
		t.Errorf("feed requests = %d, want 3", n)
	}
}
