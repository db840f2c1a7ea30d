package daemon

import (
	"context"
	"crypto/sha256"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/store"
)

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func (h *harness) check(id string, opts CheckOptions) CheckResult {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := h.d.Check(ctx, id, opts)
	if err != nil {
		h.t.Fatalf("check %s: %v", id, err)
	}
	return res
}

func eventKinds(evs []CheckEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Event.Kind)+" "+e.Event.Metric)
	}
	slices.Sort(out)
	return out
}

// TestCheckPredictsThePollAndWritesNothing: a dry run after a baseline
// shows the new report's figures and the alerts a poll would raise,
// leaves the database file byte-identical, and the real poll that follows
// raises exactly those alerts.
func TestCheckPredictsThePollAndWritesNothing(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "dhs-oig", path: "/oig.xml", authority: "official"}}, "")
	h.feeds.set("/oig.xml", feedResponse{etag: `"v1"`, body: rss("OIG", [4]string{"OIG-24-46", "Management Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	h.feeds.set("/oig.xml", feedResponse{etag: `"v2"`, body: rss("OIG",
		[4]string{"OIG-25-21", "Audit Report", mar2025, pubMar},
		[4]string{"OIG-24-46", "Management Alert", aug2024, pubAug})})
	h.clock.Add(time.Hour)

	before := fileHash(t, h.cfg.Storage.Path)
	reqs := len(h.feeds.Requests())
	res := h.check("dhs-oig", CheckOptions{})
	if after := fileHash(t, h.cfg.Storage.Path); after != before {
		t.Error("check changed the database file")
	}
	if got := h.feeds.Requests()[reqs:]; len(got) != 1 || got[0].IfNoneMatch != "" {
		t.Errorf("check made requests %+v, want one unconditional fetch of the feed", got)
	}
	if res.FirstPoll || res.Silenced || res.Refused != "" {
		t.Errorf("first poll %t, silenced %t, refused %q; want a plain second poll", res.FirstPoll, res.Silenced, res.Refused)
	}
	if len(res.Docs) != 2 || res.Docs[1].Document.Title != "Audit Report" || res.Unchanged != 1 {
		t.Fatalf("docs %+v (unchanged %d), want the old report then the new one, the old unchanged", res.Docs, res.Unchanged)
	}
	var values []float64
	for _, f := range res.Docs[1].Figures {
		values = append(values, f.Value)
	}
	if !slices.Contains(values, 233000) || !slices.Contains(values, 43000) {
		t.Errorf("new report's figures %v, want 233,000 and 43,000", values)
	}
	want := []string{"metric_changed uc_failed_to_appear", "metric_changed uc_no_nta", "new_report "}
	if got := eventKinds(res.Events); !slices.Equal(got, want) {
		t.Errorf("would-be alerts %q, want %q", got, want)
	}
	for _, e := range res.Events {
		if e.Channel != "#figures" {
			t.Errorf("%s routed to %q, want the default channel", e.Event.Kind, e.Channel)
		}
	}
	if n := h.pending() + len(h.slack.Posts()); n != 0 {
		t.Errorf("check queued or sent %d alerts", n)
	}

	// A second dry run sees the same: the first stored nothing.
	if again := h.check("dhs-oig", CheckOptions{}); !slices.Equal(eventKinds(again.Events), want) {
		t.Errorf("second check: %q, want %q", eventKinds(again.Events), want)
	}

	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if posts := h.slack.Posts(); len(posts) != len(res.Events) {
		t.Errorf("the real poll sent %d alerts, check predicted %d:\n%s", len(posts), len(res.Events), dumpPosts(posts))
	}
}

// TestCheckOfANeverPolledSourceShowsTheBaseline: on a source never polled,
// check says a real poll would set the baseline silently, and shows what
// that baseline swallows.
func TestCheckOfANeverPolledSourceShowsTheBaseline(t *testing.T) {
	h := newHarness(t, []sourceYAML{
		{id: "oig", path: "/oig.xml", authority: "official"},
		{id: "loud", path: "/oig.xml", authority: "official", firstPollAlerts: true},
	}, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("OIG", [4]string{"OIG-24-46", "Management Alert", aug2024, pubAug})})
	for _, tc := range []struct {
		id       string
		silenced bool
	}{
		{"oig", true},
		{"loud", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			res := h.check(tc.id, CheckOptions{})
			if !res.FirstPoll || res.Silenced != tc.silenced {
				t.Errorf("first poll %t, silenced %t; want true, %t", res.FirstPoll, res.Silenced, tc.silenced)
			}
			if len(res.Events) == 0 {
				t.Error("no would-be alerts shown for the baseline")
			}
		})
	}
	var polls int
	h.db.View(context.Background(), func(tx *store.Tx) error {
		st, _, err := tx.FetchState("oig")
		polls = st.Polls
		return err
	})
	if polls != 0 {
		t.Errorf("check counted %d polls of the source", polls)
	}
}

// TestCheckReadsAGivenBody: --file's body stands for the source's fetch;
// the source's URL is not requested.
func TestCheckReadsAGivenBody(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "hhs-data", path: "/data.html", authority: "official", extra: "    kind: page\n"}}, "")
	res := h.check("hhs-data", CheckOptions{Body: &fetch.Response{
		URL: h.feeds.srv.URL + "/data.html", Status: 200, Body: []byte(dataPage), ContentType: "text/html",
	}})
	if n := len(h.feeds.Requests()); n != 0 {
		t.Errorf("check with a body made %d requests", n)
	}
	if len(res.Docs) != 1 {
		t.Fatalf("%d documents, want the page", len(res.Docs))
	}
	var texts []string
	for _, f := range res.Docs[0].Figures {
		texts = append(texts, f.Metric+"="+f.Text)
	}
	if !slices.Contains(texts, "uc_failed_to_appear=32,000") {
		t.Errorf("figures %q lack the page's 32,000 children who failed to appear", texts)
	}
}

// TestCheckOfAListingFetchesTheNewReportAndStoresNothing: a new row of a
// listing → check fetches its PDF, shows its figures and the new_report,
// and stores nothing: the real poll after it fetches the PDF again.
func TestCheckOfAListingFetchesTheNewReportAndStoresNothing(t *testing.T) {
	h := newListingHarness(t, nil)
	h.feeds.set("/reports", feedResponse{etag: `"l1"`, ctype: "text/html; charset=utf-8",
		body: oigListing([4]string{"OIG-24-46", row2446, "08/20/2024", "2024"})})
	if err := h.once(); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	h.clock.Add(10 * time.Minute)
	h.feeds.set("/reports", feedResponse{etag: `"l2"`, ctype: "text/html; charset=utf-8", body: oigListing(
		[4]string{"OIG-25-21", row2521, "03/25/2025", "2025"},
		[4]string{"OIG-24-46", row2446, "08/20/2024", "2024"})})

	before := fileHash(t, h.cfg.Storage.Path)
	res := h.check("dhs-oig", CheckOptions{})
	if fileHash(t, h.cfg.Storage.Path) != before {
		t.Error("check changed the database file")
	}
	if n := h.feeds.count(pdf2521); n != 1 {
		t.Errorf("the new report's PDF was fetched %d times by check, want 1", n)
	}
	var doc *diff.Doc
	for i := range res.Docs {
		if res.Docs[i].Document.ID == "OIG-25-21/2025" {
			doc = &res.Docs[i]
		}
	}
	if doc == nil || len(doc.Figures) != 2 {
		t.Fatalf("check shows %+v, want OIG-25-21/2025 with its two figures", res.Docs)
	}
	if res.Items == 0 {
		t.Error("check says the poll would write no listing entry")
	}
	kinds := strings.Join(eventKinds(res.Events), ",")
	for _, want := range []string{"new_report", "metric_changed uc_no_nta", "metric_changed uc_failed_to_appear"} {
		if !strings.Contains(kinds, want) {
			t.Errorf("would-be alerts %s lack %s", kinds, want)
		}
	}
	if figs := h.snapshotFigures("OIG-25-21/2025"); len(figs) != 0 {
		t.Errorf("check stored the new report: %+v", figs)
	}

	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if n := h.feeds.count(pdf2521); n != 2 {
		t.Errorf("the PDF was fetched %d times in all, want 2: check must not record the entry as read", n)
	}
	if posts := h.slack.Posts(); len(posts) != len(res.Events) {
		t.Errorf("the real poll sent %d alerts, check predicted %d:\n%s", len(posts), len(res.Events), dumpPosts(posts))
	}
}

// TestCheckOfAnUnknownSource is an error naming the id.
func TestCheckOfAnUnknownSource(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	_, err := h.d.Check(context.Background(), "nope", CheckOptions{})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("err %v, want one naming the unknown source", err)
	}
}
