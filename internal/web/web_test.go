package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/figwatch/watcher/internal/store"
)

// get fetches path from h and returns status, headers and body.
func get(t *testing.T, h http.Handler, path string) (int, http.Header, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		health     func() error
		wantStatus int
		wantBody   string
	}{
		{"alive", func() error { return nil }, http.StatusOK, "ok\n"},
		{"nil check is alive", nil, http.StatusOK, "ok\n"},
		{"scheduler stalled", func() error { return errors.New("scheduler: no tick for 5m0s") },
			http.StatusServiceUnavailable, "scheduler: no tick for 5m0s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Handler(Options{Status: fixedProvider{st: testStatus()}, Health: tc.health})
			status, hdr, body := get(t, h, "/healthz")
			if status != tc.wantStatus || body != tc.wantBody {
				t.Errorf("GET /healthz = %d %q, want %d %q", status, body, tc.wantStatus, tc.wantBody)
			}
			if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q, want text/plain", ct)
			}
		})
	}
}

// scrape fetches /metrics and parses it with the Prometheus text parser,
// which rejects anything promtool would.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	status, hdr, body := get(t, h, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", status, body)
	}
	if got := expfmt.ResponseFormat(hdr); got.FormatType() != expfmt.TypeTextPlain {
		t.Fatalf("/metrics format = %v, want text", got)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return families
}

// sample finds the value of a family's metric with the given labels.
func sample(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	mf, ok := families[name]
	if !ok {
		t.Fatalf("family %s missing", name)
	}
next:
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount())
		}
		t.Fatalf("family %s has unexpected type %v", name, mf.GetType())
	}
	t.Fatalf("family %s has no metric with labels %v", name, labels)
	return 0
}

// failingCollector stands for a collector whose data source is down (the
// daemon's scrape-time gauges with the store closed).
type failingCollector struct{ desc *prometheus.Desc }

func (c failingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c failingCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(c.desc, errStoreClosed)
}

func TestMetricsServeTheGatherer(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	polls := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "watcher_polls_total", Help: "Polls."}, []string{"source", "result"})
	reg.MustRegister(polls)
	polls.WithLabelValues("bls", "ok").Add(3)
	families := scrape(t, Handler(Options{Gatherer: reg}))
	if got := sample(t, families, "watcher_polls_total", map[string]string{"source": "bls", "result": "ok"}); got != 3 {
		t.Errorf("watcher_polls_total = %v, want 3", got)
	}
}

func TestMetricsServeCountersWhenACollectorFails(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	polls := prometheus.NewCounter(prometheus.CounterOpts{Name: "watcher_polls_total", Help: "Polls."})
	reg.MustRegister(polls, failingCollector{prometheus.NewDesc("watcher_outbox_pending", "Pending.", nil, nil)})
	polls.Inc()
	h := Handler(Options{Gatherer: reg})
	families := scrape(t, h)
	if got := sample(t, families, "watcher_polls_total", nil); got != 1 {
		t.Errorf("watcher_polls_total = %v, want 1", got)
	}
	if _, ok := families["watcher_outbox_pending"]; ok {
		t.Error("watcher_outbox_pending exported although its collector failed")
	}
	// The handler counts the failure after gathering, so the next scrape
	// shows it.
	families = scrape(t, h)
	if got := sample(t, families, "promhttp_metric_handler_errors_total", map[string]string{"cause": "gathering"}); got < 1 {
		t.Errorf("promhttp_metric_handler_errors_total{cause=gathering} = %v, want ≥ 1", got)
	}
}

func TestStatusPage(t *testing.T) {
	t.Parallel()
	h := Handler(Options{Status: fixedProvider{st: testStatus()}})
	status, hdr, body := get(t, h, "/")
	if status != http.StatusOK {
		t.Fatalf("GET / = %d: %s", status, body)
	}
	if ct := hdr.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q, want default-src 'none'", csp)
	}
	for _, tc := range []struct{ name, want string }{
		{"version", "1.2.3"},
		{"uptime", "3d 4h"},
		{"outbox depth", "<dd>2 pending</dd>"},
		{"db size", "3.0 MiB"},
		{"retention", `<span title="retention last ran 10 Jul 2024 11:40 UTC">pruned 20m 0s ago</span>`},
		{"healthy source", "BLS Employment Situation"},
		{"healthy badge", `<span class="badge healthy">healthy</span>`},
		{"failing badge", `<span class="badge failing">failing</span> since <time datetime="2024-07-10T11:00:00Z" title="10 Jul 2024 11:00 UTC">1h 0m ago</time> (4 failed polls)`},
		{"failing error escaped", `503 &#34;&lt;b&gt;busy&lt;/b&gt;&#34;`},
		{"never polled", `<span class="badge never">never polled</span>`},
		{"disabled", `<span class="badge disabled">disabled</span>`},
		{"last poll", "5m 0s ago"},
		{"next run", "in 15m 0s"},
		{"source counts", "4 configured · 1 healthy · 1 failing · 1 never polled · 1 disabled"},
		{"metric label", "Nonfarm payrolls, monthly change"},
		{"current value", `<span class="value">233,000 jobs</span>`},
		{"current date", `title="5d 12h ago">5 Jul 2024</time>`},
		{"current link", `<a href="https://www.bls.gov/news.release/empsit.nr0.htm" rel="noopener noreferrer">The Employment Situation — June 2024</a>`},
		{"current quote", "May was revised down to 233,000."},
		{"metric without figures", "No official figure yet."},
		{"chart", `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="480" height="120"`},
		{"chart step line", `<path class="official"`},
		{"chart claims", `<g class="press-points" `},
		{"legend", "press claims (2)"},
		{"outbox counts", "<b>7</b> sent"},
		{"alert error", "slack: channel_not_found"},
		{"alert metric link", `<a href="#metric-payrolls">payrolls</a>`},
		{"alert next try", "next try <time"},
		{"alert attempts", `<td class="num">2</td>`},
		{"alert headline and link", `<td><a href="https://www.bls.gov/news.release/empsit.nr0.htm" rel="noopener noreferrer">Nonfarm payrolls, monthly change: 291,000 jobs → 233,000 jobs (−58,000, −19.9%)</a></td>`},
		{"alert without headline", `<td class="num id">8</td>
<td><time datetime="2024-07-10T10:00:00Z" title="10 Jul 2024 10:00 UTC">2h 0m ago</time></td>
<td><span class="muted">—</span></td>`},
	} {
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: page lacks %q", tc.name, tc.want)
		}
	}
	for _, bad := range []string{hostileName, "<script", `<b>busy`, "ZgotmplZ"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;") {
		t.Error("hostile source name not shown escaped")
	}
	// The hostile press quote reaches the chart's tooltip escaped.
	if !strings.Contains(body, "A &#34;blogger&#34; wrote &lt;about 30,000&gt; &amp; more.") {
		t.Error("hostile quote not shown escaped in the chart tooltip")
	}
}

func TestStatusPageNeutralisesHostileURLs(t *testing.T) {
	t.Parallel()
	st := testStatus()
	st.Sources[0].URL = "javascript:alert(1)"
	cur := *st.Metrics[0].Current
	cur.URL = "javascript:alert(2)"
	st.Metrics[0].Current = &cur
	_, _, body := get(t, Handler(Options{Status: fixedProvider{st: st}}), "/")
	if strings.Contains(body, "javascript:") {
		t.Error("page links to a javascript: URL")
	}
	if n := strings.Count(body, "#ZgotmplZ"); n != 2 {
		t.Errorf("%d neutralised URLs, want 2", n)
	}
}

func TestStatusPageShowsHealth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		health func() error
		want   string
	}{
		{"healthy", nil, `<dt>health</dt><dd><span class="healthy">ok</span></dd>`},
		{"unhealthy", func() error { return errors.New("outbox loop stopped") }, "unhealthy: outbox loop stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, body := get(t, Handler(Options{Status: fixedProvider{st: testStatus()}, Health: tc.health}), "/")
			if !strings.Contains(body, tc.want) {
				t.Errorf("page lacks %q", tc.want)
			}
		})
	}
}

func TestHandlerTwiceOnOneGatherer(t *testing.T) {
	t.Parallel()
	// A replay or a test may build a second handler over the same
	// registry; the handler's own collectors must not collide on it.
	reg := prometheus.NewRegistry()
	_ = Handler(Options{Gatherer: reg})
	families := scrape(t, Handler(Options{Gatherer: reg}))
	if _, ok := families["promhttp_metric_handler_requests_total"]; !ok {
		t.Error("promhttp_metric_handler_requests_total missing")
	}
}

func TestStatusPageEmpty(t *testing.T) {
	t.Parallel()
	_, _, body := get(t, Handler(Options{Status: fixedProvider{st: Status{Version: "dev"}}}), "/")
	for _, want := range []string{"No sources configured.", "No metrics configured.", "No alerts yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
}

func TestStatusJSONRoundTrips(t *testing.T) {
	t.Parallel()
	want := testStatus()
	status, hdr, body := get(t, Handler(Options{Status: fixedProvider{st: want}}), "/?format=json")
	if status != http.StatusOK {
		t.Fatalf("GET /?format=json = %d: %s", status, body)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got Status
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode status JSON: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status JSON round trip (-want +got):\n%s", diff)
	}
	// Field names are part of the contract with `watcher status`.
	for _, key := range []string{`"next_run"`, `"consecutive_failures"`, `"db_size"`, `"recent"`, `"history"`} {
		if !strings.Contains(body, key) {
			t.Errorf("status JSON lacks key %s", key)
		}
	}
}

func TestStatusErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		p          StatusProvider
		path       string
		wantStatus int
		wantBody   *regexp.Regexp
	}{
		{"status read fails", fixedProvider{err: errStoreClosed}, "/", http.StatusServiceUnavailable, regexp.MustCompile(`read status: database not open`)},
		{"status read fails as json", fixedProvider{err: errStoreClosed}, "/?format=json", http.StatusServiceUnavailable, regexp.MustCompile(`database not open`)},
		{"no provider", nil, "/", http.StatusServiceUnavailable, regexp.MustCompile(`no status provider`)},
		{"unknown format", fixedProvider{st: testStatus()}, "/?format=xml", http.StatusBadRequest, regexp.MustCompile(`unknown format "xml"`)},
		{"unknown path", fixedProvider{st: testStatus()}, "/nope", http.StatusNotFound, regexp.MustCompile(`404`)},
		{"metrics without a gatherer", fixedProvider{st: testStatus()}, "/metrics", http.StatusNotFound, regexp.MustCompile(`404`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := get(t, Handler(Options{Status: tc.p}), tc.path)
			if status != tc.wantStatus || !tc.wantBody.MatchString(body) {
				t.Errorf("GET %s = %d %q, want %d matching %s", tc.path, status, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestStatusRejectsOtherMethods(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(Handler(Options{Status: fixedProvider{st: testStatus()}}))
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", resp.StatusCode)
	}
}

func TestProfilerOnlyWhenAskedFor(t *testing.T) {
	t.Parallel()
	off := Handler(Options{Status: fixedProvider{st: testStatus()}})
	if status, _, _ := get(t, off, "/debug/pprof/"); status != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ without Pprof = %d, want 404", status)
	}
	h := Handler(Options{Status: fixedProvider{st: testStatus()}, Pprof: true, Token: "s3cret"})
	for _, tc := range []struct{ path, want string }{
		{"/debug/pprof/", "goroutine"},
		{"/debug/pprof/heap?debug=1", "heap profile"},
		{"/debug/pprof/goroutine?debug=1", "goroutine profile"},
		{"/debug/pprof/cmdline", ""},
		// A CPU profile is gzipped protobuf: check it is one.
		{"/debug/pprof/profile?seconds=1", "\x1f\x8b"},
	} {
		status, _, body := do(t, h, tc.path, "", "Bearer s3cret")
		if status != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d, %.80q; want 200 containing %q", tc.path, status, body, tc.want)
		}
	}
}

func TestStatusPageShowsFailingWrites(t *testing.T) {
	t.Parallel()
	st := testStatus()
	st.Store = StoreHealth{ConsecutiveFailures: 3, LastError: "poll bls: store: write: no space left on device",
		LastFailure: st.Now.Add(-2 * time.Minute)}
	_, _, body := get(t, Handler(Options{Status: fixedProvider{st: st}}), "/")
	want := `<dt>storage</dt><dd><span class="failing">3 failed writes in a row, polls lost</span>`
	if !strings.Contains(body, want) || !strings.Contains(body, "no space left on device") || !strings.Contains(body, "2m 0s ago") {
		t.Errorf("page lacks the failing writes (%q, the cause, when):\n%s", want, body)
	}
	_, _, body = get(t, Handler(Options{Status: fixedProvider{st: testStatus()}}), "/")
	if strings.Contains(body, "<dt>storage</dt>") {
		t.Error("page shows a storage row while writes succeed")
	}
}

// TestStatusPageMatchesGolden pins the whole page for a newsroom in New
// York: every time in its zone and labelled, dates as calendar days, and
// the outbox with what each alert said.
func TestStatusPageMatchesGolden(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	st := testStatus()
	st.Now = st.Now.In(ny)
	_, _, body := get(t, Handler(Options{Status: fixedProvider{st: st}}), "/")
	path := filepath.Join("testdata", "status_page.html.golden")
	if *update {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (go test -update to create): %v", err)
	}
	if body != string(want) {
		t.Errorf("status page differs from %s (go test -update to accept):\n%s", path, body)
	}
	for _, want := range []string{"10 Jul 2024 08:00 EDT", ">5 Jul 2024</time>"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// manySources is a status of n sources in config order: every tenth
// failing, every 25th never polled, every 50th disabled (before the
// other two), the rest healthy; every fifth a press source, every third a
// page.
func manySources(n int) Status {
	st := testStatus()
	st.Sources = make([]SourceStatus, n)
	for i := range st.Sources {
		id := fmt.Sprintf("src-%03d", i)
		s := SourceStatus{ID: id, Kind: "feed", Authority: "official", Enabled: true, URL: "https://example.com/" + id,
			State: store.FetchState{Source: id, LastStatus: 200, LastPoll: st.Now.Add(-time.Minute)}}
		if i%5 == 4 {
			s.Authority = "press"
		}
		if i%3 == 2 {
			s.Kind = "page"
		}
		switch {
		case i%50 == 0:
			s.Enabled = false
		case i%10 == 0:
			s.State.ConsecutiveFailures, s.State.LastError = 2, "503 from "+id
		case i%25 == 0:
			s.State = store.FetchState{}
		}
		st.Sources[i] = s
	}
	return st
}

// Beyond a page of sources the table lists those that need attention, and
// counts the rest with links to every listing, page by page.
func TestStatusPageListsSourcesThatNeedAttention(t *testing.T) {
	t.Parallel()
	// 250 sources: 5 disabled, 20 failing, 5 never polled (25, 75, 125,
	// 175, 225), 220 healthy.
	h := Handler(Options{Status: fixedProvider{st: manySources(250)}})
	row := regexp.MustCompile(`<tr id="source-(src-\d+)">`)
	for _, tc := range []struct {
		name          string
		query         string
		first, last   string // ids of the first and last rows
		rows          int
		want, wantNot []string
	}{
		{"default: attention", "", "src-010", "src-240", 25, []string{
			"250 configured · 220 healthy · 20 failing · 5 never polled · 5 disabled",
			"By kind: 167 feed, 83 page · by authority: 200 official, 50 press",
			`<b>need attention (25)</b> · <a href="?sources=failing#sources">failing (20)</a>`,
			`<a href="?sources=healthy#sources">healthy (220)</a>`,
			`<a href="?sources=all#sources">all (250)</a>`,
			"Sources 1–25 of 25 that need attention (failing or never polled)",
			`<span class="badge never">never polled</span>`, "503 from src-240",
		}, []string{"next page", "previous page", `<span class="badge healthy">`}},
		{"all, first page", "?sources=all", "src-000", "src-099", 100, []string{
			"Sources 1–100 of 250 that are configured",
			`<a href="?page=2&amp;sources=all#sources" rel="next">next page</a>`,
		}, []string{"previous page"}},
		{"all, last page", "?sources=all&page=3", "src-200", "src-249", 50, []string{
			"Sources 201–250 of 250",
			`<a href="?page=2&amp;sources=all#sources" rel="prev">previous page</a>`,
		}, []string{"next page"}},
		{"a page past the end shows the last", "?sources=healthy&page=9", "src-228", "src-249", 20, []string{
			"Sources 201–220 of 220 that are healthy",
		}, nil},
		{"one class", "?sources=disabled", "src-000", "src-200", 5, []string{
			"Sources 1–5 of 5 that are disabled", `<b>disabled (5)</b>`,
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := get(t, h, "/"+tc.query)
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", tc.query, status, body)
			}
			rows := row.FindAllStringSubmatch(body, -1)
			if len(rows) != tc.rows || rows[0][1] != tc.first || rows[len(rows)-1][1] != tc.last {
				t.Errorf("%d rows, %s to %s; want %d, %s to %s", len(rows), rows[0][1], rows[len(rows)-1][1], tc.rows, tc.first, tc.last)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

// A page's worth of sources or fewer is listed whole, as it always was;
// nothing needing attention among many says so.
func TestStatusPageSourceListingEdges(t *testing.T) {
	t.Parallel()
	healthy := manySources(300)
	for i := range healthy.Sources {
		healthy.Sources[i].Enabled = true
		healthy.Sources[i].State = store.FetchState{LastStatus: 200, LastPoll: healthy.Now}
	}
	for _, tc := range []struct {
		name, query string
		st          Status
		status      int
		rows        int
		want        string
	}{
		{"a page of sources is listed whole", "", manySources(sourcesPerPage), http.StatusOK, sourcesPerPage, "100 configured"},
		{"nothing needs attention", "", healthy, http.StatusOK, 0, "No sources that need attention (failing or never polled)"},
		{"unknown listing", "?sources=broken", healthy, http.StatusBadRequest, 0, `unknown sources "broken"`},
		{"bad page", "?page=0", healthy, http.StatusBadRequest, 0, "page must be a number from 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := get(t, Handler(Options{Status: fixedProvider{st: tc.st}}), "/"+tc.query)
			if n := strings.Count(body, `<tr id="source-`); status != tc.status || n != tc.rows || !strings.Contains(body, tc.want) {
				t.Errorf("GET /%s = %d with %d rows, want %d with %d rows and %q:\n%s", tc.query, status, n, tc.status, tc.rows, tc.want, body)
			}
		})
	}
}

// The page's size does not grow with healthy sources beyond a page of
// them: 2,000 sources that need nothing cost the page what 200 do, give
// or take the digits of the counts.
func TestStatusPageSizeBoundedBySources(t *testing.T) {
	t.Parallel()
	size := func(n int) int {
		st := manySources(n)
		for i := range st.Sources {
			st.Sources[i].Enabled = true
			st.Sources[i].State = store.FetchState{LastStatus: 200, LastPoll: st.Now}
		}
		_, _, body := get(t, Handler(Options{Status: fixedProvider{st: st}}), "/")
		return len(body)
	}
	small, large := size(200), size(2000)
	if large-small > 100 {
		t.Errorf("page of 2,000 healthy sources is %d bytes, of 200 %d: grows with them", large, small)
	}
}
