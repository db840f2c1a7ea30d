package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/pdftest"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

func TestFailingSourceAlertsOnceThenRecovers(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", extra: "    alert_after: 2h\n"}}, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	h.feeds.set("/oig.xml", feedResponse{status: 503, body: "down for maintenance"})
	// Failing for 3 hours, polled every 30 minutes: one alert, after 2h.
	for range 7 {
		h.clock.Add(30 * time.Minute)
		_ = h.once()
	}
	posts := h.slack.Posts()
	if len(posts) != 1 || !strings.Contains(posts[0].Text+posts[0].Blocks, "503") {
		t.Fatalf("want exactly one source_failing alert naming the error, got:\n%s", dumpPosts(posts))
	}
	st, _ := h.fetchState("oig")
	if !st.FailingAlerted || st.ConsecutiveFailures != 7 {
		t.Errorf("state %+v", st)
	}

	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	h.clock.Add(30 * time.Minute)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	posts = h.slack.Posts()
	if len(posts) != 2 || !strings.Contains(strings.ToLower(posts[1].Text), "recovered") {
		t.Fatalf("want a source_recovered alert after the failing one, got:\n%s", dumpPosts(posts))
	}
	if st, _ := h.fetchState("oig"); st.FailingAlerted || st.ConsecutiveFailures != 0 || !st.NextPoll.IsZero() {
		t.Errorf("health not reset after recovery: %+v", st)
	}
}

func (h *harness) fetchState(id string) (store.FetchState, error) {
	return fetchState(context.Background(), h.d.db, id)
}

func TestFailingSourceBacksOffScheduledPolls(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "flaky", path: "/flaky.xml", authority: "press"}}, "")
	h.feeds.set("/flaky.xml", feedResponse{status: 429, body: "slow down"})
	_ = h.once()
	src := h.d.conf().EnabledSources()[0]
	ctx := context.Background()
	count := func() int { return len(h.feeds.Requests()) }

	st, _ := h.fetchState("flaky")
	wait := st.NextPoll.Sub(h.clock.Now())
	if wait < 40*time.Second || wait > 80*time.Second {
		t.Fatalf("first backoff = %s, want about a minute", wait)
	}
	before := count()
	h.d.scheduledPoll(ctx, src)
	if count() != before {
		t.Error("a scheduled poll during the backoff fetched anyway")
	}
	h.clock.Add(2 * time.Minute)
	h.d.scheduledPoll(ctx, src)
	if count() != before+1 {
		t.Error("the scheduled poll after the backoff did not fetch")
	}
	// Backoff grows with each failure and is capped by fetch.backoff_max.
	for range 20 {
		h.clock.Add(24 * time.Hour)
		h.d.scheduledPoll(ctx, src)
	}
	st, _ = h.fetchState("flaky")
	if wait := st.NextPoll.Sub(h.clock.Now()); wait > time.Duration(float64(h.cfg.Fetch.BackoffMax)*1.21) || wait < time.Hour {
		t.Errorf("backoff after many failures = %s, want near backoff_max %s", wait, h.cfg.Fetch.BackoffMax)
	}
	// A Retry-After longer than the backoff wins.
	h.feeds.set("/flaky.xml", feedResponse{status: 503, body: "x", retryAfter: "86400"})
	h.clock.Add(48 * time.Hour)
	h.d.scheduledPoll(ctx, src)
	st, _ = h.fetchState("flaky")
	if wait := st.NextPoll.Sub(h.clock.Now()); wait < 23*time.Hour {
		t.Errorf("Retry-After of a day not honoured: next poll in %s", wait)
	}
}

func TestSameStoryThroughTwoFeedsIsOneDocument(t *testing.T) {
	h := newHarness(t, []sourceYAML{
		{id: "politics", path: "/politics.xml", authority: "press", extra: "    follow_links: true\n"},
		{id: "national", path: "/national.xml", authority: "press", extra: "    follow_links: true\n"},
	}, "")
	link := h.feeds.srv.URL + "/story"
	item := func(guid, query string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><guid>` + guid +
			`</guid><title>Story</title><link>` + link + query + `</link><pubDate>` + pubMar + `</pubDate></item></channel></rss>`
	}
	h.feeds.set("/politics.xml", feedResponse{body: item("p-1", "?utm_source=politics&amp;utm_medium=rss")})
	h.feeds.set("/national.xml", feedResponse{body: item("n-77", "?utm_source=national")})
	h.feeds.set("/story", feedResponse{ctype: "text/html", body: `<html><head><link rel="canonical" href="` + link + `"></head><body>` +
		`<nav>Home World Politics</nav><article><h1>Story</h1><p>More than 32,000 children failed to appear in court, the report said.</p>` +
		`<p>Officials declined to comment on the findings.</p></article><footer>© 2025 Example News. 1,234 comments.</footer></body></html>`})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	var docs []string
	h.db.View(context.Background(), func(tx *store.Tx) error {
		for _, id := range []string{"url:" + link, "politics:p-1", "national:n-77"} {
			if s, ok, _ := tx.Snapshot(id); ok {
				docs = append(docs, id)
				if len(s.Figures) != 1 || s.Figures[0].Value != 32000 {
					t.Errorf("%s: figures %+v, want only the article body's 32,000", id, s.Figures)
				}
			}
		}
		return nil
	})
	if len(docs) != 1 || docs[0] != "url:"+link {
		t.Errorf("stored documents %v, want the one canonical article", docs)
	}
}

func TestPageSelectorCellChangeIsAlerted(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "hhs", path: "/data", authority: "official", extra: "    kind: page\n    selector: \"#key-figures\"\n"}}, "")
	page := func(n string) feedResponse {
		return feedResponse{ctype: "text/html; charset=utf-8", body: `<html><head><title>UC data</title></head><body><nav>1 2 3 4</nav>` +
			`<table id="key-figures"><tr><th>Measure</th><th>Count</th></tr>` +
			`<tr><td>Children transferred to HHS custody</td><td>` + n + `</td></tr></table>` +
			`<p>Updated 5 times a week.</p></body></html>`}
	}
	h.feeds.set("/data", page("448,000"))
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	h.feeds.set("/data", page("450,112"))
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	posts := h.slack.Posts()
	var changed bool
	for _, p := range posts {
		if strings.Contains(p.Text, "448,000") && strings.Contains(p.Text, "450,112") {
			changed = true
		}
	}
	if !changed {
		t.Fatalf("no alert with 448,000 → 450,112:\n%s", dumpPosts(posts))
	}
	// The page turning into a bot wall is a failure, not "figures removed".
	h.feeds.set("/data", feedResponse{ctype: "text/html", body: `<html><head><title>Just a moment...</title></head><body><div id="key-figures">Checking your browser</div></body></html>`})
	h.clock.Add(time.Hour)
	if err := h.once(); err == nil || !strings.Contains(err.Error(), "states no figures") {
		t.Errorf("bot wall page: err = %v, want a failure saying the figures are gone", err)
	}
}

func TestPDFReportFigureChangeQuotesItsPage(t *testing.T) {
	if err := source.PDFToTextAvailable(); err != nil {
		t.Skip(err)
	}
	h := newHarness(t, []sourceYAML{{id: "oig-pdf", path: "/OIG-25-21.pdf", authority: "official", extra: "    kind: pdf\n"}}, "")
	pdf := func(n string) feedResponse {
		return feedResponse{ctype: "application/pdf", body: string(pdftest.Minimal(
			"Office of Inspector General. Report OIG-25-21.",
			"More than "+n+" children failed to appear in immigration court."))}
	}
	h.feeds.set("/OIG-25-21.pdf", pdf("43,000"))
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	h.feeds.set("/OIG-25-21.pdf", pdf("45,000"))
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	posts := h.slack.Posts()
	var found bool
	for _, p := range posts {
		if strings.Contains(p.Text, "43,000") && strings.Contains(p.Text, "45,000") {
			found = true
			if !strings.Contains(p.Blocks, "(p. 2)") {
				t.Errorf("quote does not give its page:\n%s", p.Blocks)
			}
		}
	}
	if !found {
		t.Fatalf("no alert for 43,000 → 45,000:\n%s", dumpPosts(posts))
	}
}

func TestRetentionDropsOldAlertsButKeepsListedDocuments(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true}},
		"retention:\n  alerts: 1d\n  documents: 2d\n")
	h.feeds.set("/oig.xml", feedResponse{etag: `"v1"`, body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	sentBefore := len(h.slack.Posts())
	// Ten days of 304s: the document is still listed, the alerts are old.
	for range 10 {
		h.clock.Add(24 * time.Hour)
		if err := h.once(); err != nil {
			t.Fatal(err)
		}
	}
	var alerts, docs int
	h.db.View(context.Background(), func(tx *store.Tx) error {
		_, sent, _, _ := tx.OutboxStats()
		alerts = sent
		return tx.ForEachSnapshot(func(store.Snapshot) error { docs++; return nil })
	})
	if alerts != 0 {
		t.Errorf("%d sent alerts older than retention.alerts kept", alerts)
	}
	if docs != 1 {
		t.Errorf("%d documents, want the one its source still lists (answering 304)", docs)
	}
	// The feed drops the item: two days later its snapshot goes too.
	h.feeds.set("/oig.xml", feedResponse{etag: `"v2"`, body: rss("DHS OIG")})
	for range 3 {
		h.clock.Add(24 * time.Hour)
		if err := h.once(); err != nil {
			t.Fatal(err)
		}
	}
	docs = 0
	h.db.View(context.Background(), func(tx *store.Tx) error {
		return tx.ForEachSnapshot(func(store.Snapshot) error { docs++; return nil })
	})
	if docs != 0 {
		t.Errorf("a document no longer listed survived retention.documents: %d left", docs)
	}
	if len(h.slack.Posts()) != sentBefore {
		t.Errorf("retention caused alerts: %d messages, was %d", len(h.slack.Posts()), sentBefore)
	}
}

func TestRetentionKeepsFollowedItemsOfAQuietFeed(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "press", path: "/press.xml", authority: "press", extra: "    follow_links: true\n"}},
		"retention:\n  documents: 1d\n")
	item := func(id string) string {
		return fmt.Sprintf("<item><guid>%s</guid><title>%s</title><link>%s/articles/%s</link><pubDate>%s</pubDate></item>", id, id, h.feeds.srv.URL, id, pubMar)
	}
	feed := func(etag string, items ...string) feedResponse {
		return feedResponse{etag: etag, body: `<?xml version="1.0"?><rss version="2.0"><channel><title>Press</title>` + strings.Join(items, "") + `</channel></rss>`}
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		h.feeds.set("/articles/"+id, feedResponse{ctype: "text/html", body: "<html><body><article><p>Story " + id + ": more than 32,000 children failed to appear.</p></article></body></html>"})
	}
	h.feeds.set("/press.xml", feed(`"v1"`, item("a2"), item("a1")))
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	// A week of 304s, retention running after each poll.
	for range 7 {
		h.clock.Add(24 * time.Hour)
		if err := h.once(); err != nil {
			t.Fatal(err)
		}
	}
	articles := func() int {
		n := 0
		for _, r := range h.feeds.Requests() {
			if strings.HasPrefix(r.Path, "/articles/") {
				n++
			}
		}
		return n
	}
	before := articles()
	h.feeds.set("/press.xml", feed(`"v2"`, item("a3"), item("a2"), item("a1")))
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if got := articles() - before; got != 1 {
		t.Errorf("%d article requests after the quiet week, want 1 (only the new item): listed items were pruned", got)
	}
}

// `watcher once` every few minutes must not rescan every document each
// time: retention runs when retention.interval has passed since its last
// run, which the database remembers across runs and restarts.
func TestOnceRunsRetentionOnlyWhenDue(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}},
		"retention:\n  documents: 1d\n  interval: 72h\n")
	h.feeds.set("/oig.xml", feedResponse{etag: `"v1"`, body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	docs := func() int {
		n := 0
		h.db.View(context.Background(), func(tx *store.Tx) error {
			return tx.ForEachSnapshot(func(store.Snapshot) error { n++; return nil })
		})
		return n
	}
	if wait := h.d.retain.due(context.Background()); wait != 72*time.Hour {
		t.Errorf("after a run, retention due in %s, want the 72h interval", wait)
	}
	if st, err := h.d.Status(context.Background()); err != nil || !st.RetentionRan.Equal(h.clock.Now()) {
		t.Errorf("status says retention ran at %v (%v), want %v", st.RetentionRan, err, h.clock.Now())
	}
	// The feed drops the item; two days on, the document is old but the
	// last retention pass is not yet an interval old.
	h.feeds.set("/oig.xml", feedResponse{etag: `"v2"`, body: rss("DHS OIG")})
	h.clock.Add(48 * time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if n := docs(); n != 1 {
		t.Fatalf("%d documents after a run with retention not due, want 1 (untouched)", n)
	}
	// A restart changes nothing: the time is in the database.
	h.restart()
	h.clock.Add(25 * time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if n := docs(); n != 0 {
		t.Errorf("%d documents once retention was due, want 0", n)
	}
}

// A database younger than a retention horizon holds nothing older than
// it, so the pass does not read every record; once the file is older, the
// pass runs as usual.
func TestRetentionSkipsHorizonsBeforeTheDatabaseExisted(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}},
		"retention:\n  documents: 2d\n  interval: 1h\n")
	// A snapshot stamped before the file existed (a clock that jumped):
	// retention can only see it once the file is older than the horizon.
	old := store.Snapshot{DocID: "url:https://example.org/old", Source: "oig", Hash: "h", LastSeen: h.clock.Now().Add(-30 * 24 * time.Hour)}
	if err := h.db.Update(context.Background(), func(tx *store.Tx) error { return tx.PutSnapshot(old) }); err != nil {
		t.Fatal(err)
	}
	present := func() bool {
		var ok bool
		h.db.View(context.Background(), func(tx *store.Tx) error {
			_, ok, _ = tx.Snapshot(old.DocID)
			return nil
		})
		return ok
	}
	h.clock.Add(24 * time.Hour)
	if err := h.d.retain.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !present() {
		t.Fatal("a pass over a one-day-old database against a two-day horizon pruned a document")
	}
	h.clock.Add(25 * time.Hour)
	if err := h.d.retain.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if present() {
		t.Error("once the database was older than the horizon, the stale document survived")
	}
}

// scheduledPoll polls src as the schedule's dispatch does: not while it
// is backing off after failures.
func (d *Daemon) scheduledPoll(ctx context.Context, src config.Source) {
	if !d.backingOff(ctx, src) {
		_ = d.slots.run(ctx, src, d.pollHeld) // every failure is logged by Poll
	}
}
