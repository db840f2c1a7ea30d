package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp, string(body)
}

func newTestServer(t *testing.T, n, k int) *Server {
	t.Helper()
	srv, err := NewServer(n, k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestServerAnswersConditionalGETWith304(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, 3, 4)
	feed, art := srv.FeedURL(1), srv.URL()+"/article/1/2.html"
	first, _ := get(t, feed, nil)
	etag, mod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if etag == "" || mod == "" {
		t.Fatalf("feed has no validators: ETag %q, Last-Modified %q", etag, mod)
	}
	artFirst, _ := get(t, art, nil)

	tests := []struct {
		name   string
		url    string
		header map[string]string
		want   int
	}{
		{"no validators", feed, nil, http.StatusOK},
		{"matching etag", feed, map[string]string{"If-None-Match": etag}, http.StatusNotModified},
		{"weak matching etag in a list", feed, map[string]string{"If-None-Match": `"x", W/` + etag}, http.StatusNotModified},
		{"stale etag wins over a matching date", feed, map[string]string{"If-None-Match": `"f1-v9"`, "If-Modified-Since": mod}, http.StatusOK},
		{"same Last-Modified", feed, map[string]string{"If-Modified-Since": mod}, http.StatusNotModified},
		{"older Last-Modified", feed, map[string]string{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, http.StatusOK},
		{"article etag", art, map[string]string{"If-None-Match": artFirst.Header.Get("ETag")}, http.StatusNotModified},
		{"feed out of range", srv.FeedURL(3), nil, http.StatusNotFound},
		{"article not yet published", srv.URL() + "/article/1/4.html", nil, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := get(t, tc.url, tc.header)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

func TestServerChangePublishesOneNewItemInPctOfFeeds(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, 40, 5)
	before, body0 := get(t, srv.FeedURL(0), nil)
	_, body2 := get(t, srv.FeedURL(2), nil)
	srv.Stats(true)

	if got := srv.Change(5); got != 2 {
		t.Fatalf("Change(5) of 40 feeds changed %d, want 2", got)
	}
	after, body := get(t, srv.FeedURL(0), map[string]string{"If-None-Match": before.Header.Get("ETag")})
	if after.StatusCode != http.StatusOK || after.Header.Get("ETag") == before.Header.Get("ETag") {
		t.Fatalf("changed feed: status %d, ETag %q (was %q)", after.StatusCode, after.Header.Get("ETag"), before.Header.Get("ETag"))
	}
	if !strings.Contains(body, "/article/0/5.html") || strings.Contains(body, "/article/0/0.html") {
		t.Errorf("changed feed should list new item 5 and drop item 0:\n%s", body)
	}
	if n := strings.Count(body, "<item>"); n != 5 {
		t.Errorf("changed feed has %d items, want 5", n)
	}
	if body == body0 {
		t.Error("changed feed body is unchanged")
	}
	unchanged, _ := get(t, srv.FeedURL(2), nil)
	if _, b := get(t, srv.FeedURL(2), nil); b != body2 || unchanged.StatusCode != http.StatusOK {
		t.Error("feed 2 changed, but only feeds 0 and 1 should have")
	}
	// The next change takes the next feeds in turn.
	srv.Change(5)
	if _, b := get(t, srv.FeedURL(2), nil); b == body2 {
		t.Error("second change did not reach feed 2")
	}
	if got, want := srv.ItemsServed(), 40*5+4; got != want {
		t.Errorf("ItemsServed = %d, want %d", got, want)
	}

	st := srv.Stats(true)
	if st.Requests != 4 || st.Feeds != 4 || st.NotModified != 0 || st.Bytes == 0 {
		t.Errorf("stats %+v, want 4 feed requests, no 304, some bytes", st)
	}
	if st := srv.Stats(false); st.Requests != 0 {
		t.Errorf("stats not reset: %+v", st)
	}
}

func TestArticleIsRealisticAndStatesTrackedFigures(t *testing.T) {
	t.Parallel()
	for _, j := range []int{0, 7, 19, 1234} {
		page := string(renderArticle("http://127.0.0.1:1", 3, j))
		if n := len(page); n < 4500 || n > 7000 {
			t.Errorf("article %d is %d bytes, want 4.5–7 KB", j, n)
		}
		for _, want := range []string{"<nav", "<footer", "cookie", "<article", "children"} {
			if !strings.Contains(page, want) {
				t.Errorf("article %d lacks %q", j, want)
			}
		}
	}
	if figure(1, 2, 0) == figure(1, 3, 0) && figure(1, 2, 1) == figure(1, 3, 1) {
		t.Error("a new item should state different figures")
	}
	if got := thousands(291000); got != "291,000" {
		t.Errorf("thousands(291000) = %q", got)
	}
}

func TestParseLogCountsPollsFiguresEventsAnd304s(t *testing.T) {
	t.Parallel()
	log := `time=2026-01-01T00:00:00Z level=INFO msg="no Slack secret set: alerts go to the console"
time=2026-01-01T00:00:00Z level=INFO msg=poll source=feed-00000 status=200 bytes=8315 docs=20 changed=20 figures=110 events=0 first_poll=true dur=12ms
time=2026-01-01T00:00:00Z level=INFO msg=poll source=feed-00001 status=304 not_modified=true bytes=0 dur=1ms
time=2026-01-01T00:00:00Z level=INFO msg=poll source=feed-00002 status=200 bytes=8315 docs=20 changed=1 figures=7 events=3 first_poll=false dur=5ms
time=2026-01-01T00:00:00Z level=INFO msg=event source=feed-00002 kind=metric_changed metric=uc_no_nta doc=x
time=2026-01-01T00:00:00Z level=ERROR msg="poll failed" source=feed-00003 url=http://127.0.0.1:1/feed/3.xml status=500 failures=1 err="boom figures=9"
`
	got, err := ParseLog(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	want := LogCounts{Polls: 3, NotModified: 1, Failed: 1, Figures: 117, Events: 3, Docs: 40}
	if got != want {
		t.Errorf("ParseLog = %+v, want %+v", got, want)
	}
}

func TestMetricsSectionCopiesOnlyTheMetrics(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "w.yaml")
	cfg := "storage:\n  path: x\nmetrics:\n  # tracked\n  - id: a\n    any: [\"b\"]\n\n  - id: c\n    any: [\"d\"]\nslack:\n  channel: \"#x\"\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := MetricsSection(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "metrics:\n  # tracked\n  - id: a\n    any: [\"b\"]\n\n  - id: c\n    any: [\"d\"]\n"
	if got != want {
		t.Errorf("MetricsSection = %q, want %q", got, want)
	}
	if _, err := MetricsSection(filepath.Join(t.TempDir(), "none.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []int
		want int
	}{
		{"empty", nil, 0},
		{"odd", []int{9, 1, 5}, 5},
		{"even", []int{4, 1, 3, 2}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := median(tc.in); got != tc.want {
				t.Errorf("median(%v) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

// WaitIdle tells an idle process from a busy one.
func TestWaitIdle(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	for _, tc := range []struct {
		name string
		args []string
		idle bool
	}{
		{"sleeping", []string{"sleep", "30"}, true},
		{"spinning", []string{"sh", "-c", "while :; do :; done"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(tc.args[0], tc.args[1:]...)
			if err := cmd.Start(); err != nil {
				t.Skipf("start %s: %v", tc.args[0], err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			d := &Daemon{cmd: cmd}
			idle, err := d.WaitIdle(context.Background(), 200*time.Millisecond, 2*time.Second)
			if err != nil || idle != tc.idle {
				t.Errorf("WaitIdle = %v, %v; want %v", idle, err, tc.idle)
			}
		})
	}
}
