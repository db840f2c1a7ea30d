package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// checkSite is the sources of the check tests on one httptest server:
// a feed of reports, a listing of report pages, the pages, and a data
// page. Bodies can change between runs; requests are counted by path.
type checkSite struct {
	srv *httptest.Server

	mu    sync.Mutex
	pages map[string]string
	hits  map[string]int
}

func newCheckSite(t *testing.T) *checkSite {
	t.Helper()
	s := &checkSite{pages: map[string]string{}, hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body, ok := s.pages[r.URL.Path]
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".xml"):
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *checkSite) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = body
}

func (s *checkSite) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

const (
	checkAug = "The inspector general said more than 291,000 children were never served a notice to appear. " +
		"More than 32,000 children failed to appear for their hearings."
	checkMar = "The audit found that 233,000 children had not been served a notice to appear as of January 2025. " +
		"More than 43,000 children failed to appear in court."
)

func checkFeed(items ...[3]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>OIG</title><link>https://example.org/</link><description>t</description>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>https://example.org/%s</link><description>%s</description><pubDate>%s</pubDate></item>`,
			it[0], it[0]+" report", it[0], it[1], it[2])
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func checkListing(rows ...string) string {
	var b strings.Builder
	b.WriteString(`<html><body><table><thead><tr><th>Report Number</th><th>Title</th><th>Issue Date</th></tr></thead><tbody>`)
	for _, r := range rows {
		fmt.Fprintf(&b, `<tr><td>%s</td><td><a href="/r/%s">Report %s</a></td><td>%s</td></tr>`, r, r, r, map[string]string{"OIG-24-46": "08/20/2024", "OIG-25-21": "03/25/2025"}[r])
	}
	b.WriteString("</tbody></table></body></html>")
	return b.String()
}

// checkConfig writes a config whose sources are on site: oig (a feed),
// listing (a listing of report pages) and data (a page), all allowed to
// reach the loopback, and blocked (a feed that is not).
func checkConfig(t *testing.T, site *checkSite, dbPath, listen string) string {
	t.Helper()
	httpSection := ""
	if listen != "" {
		httpSection = fmt.Sprintf("http:\n  listen: %q\n", listen)
	}
	text := fmt.Sprintf(`storage:
  path: %q
%ssources:
  - id: oig
    name: OIG feed
    url: %[3]s/oig.xml
    authority: official
    allow_private: [127.0.0.1]
  - id: listing
    name: OIG reports
    kind: listing
    selector: table
    url: %[3]s/reports
    authority: official
    allow_private: [127.0.0.1]
  - id: data
    kind: page
    url: %[3]s/data.html
    authority: official
    allow_private: [127.0.0.1]
  - id: blocked
    url: %[3]s/oig.xml
    authority: official
metrics:
  - id: uc_no_nta
    label: Children not served a notice to appear
    any: ["notice to appear"]
  - id: uc_failed_to_appear
    label: Children who failed to appear in court
    any: ["failed to appear"]
`, dbPath, httpSection, site.srv.URL)
	path := filepath.Join(t.TempDir(), "watcher.yaml")
	write(t, path, text)
	return path
}

func hashFile(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// checkEnv is a site whose feed and listing were polled once (the
// baseline) and have since gained the March 2025 report.
type checkEnv struct {
	site       *checkSite
	dir, db    string
	cfg        string
	listenAddr string
}

func newCheckEnv(t *testing.T, listen bool) checkEnv {
	t.Helper()
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	t.Setenv(configEnv, "")
	e := checkEnv{site: newCheckSite(t), dir: t.TempDir()}
	e.db = filepath.Join(e.dir, "watcher.db")
	if listen {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.listenAddr = ln.Addr().String()
		ln.Close()
	}
	e.cfg = checkConfig(t, e.site, e.db, e.listenAddr)
	e.site.set("/oig.xml", checkFeed([3]string{"OIG-24-46", checkAug, "Tue, 20 Aug 2024 14:00:00 GMT"}))
	e.site.set("/reports", checkListing("OIG-24-46"))
	e.site.set("/r/OIG-24-46", "<html><head><title>OIG-24-46</title></head><body><main><p>"+checkAug+"</p></main></body></html>")
	e.site.set("/r/OIG-25-21", "<html><head><title>OIG-25-21</title></head><body><main><p>"+checkMar+"</p></main></body></html>")
	// A data page dates its figure, as agency pages do: an undated one
	// would be current as of each poll, and newer than any report.
	e.site.set("/data.html", "<html><body><main><p>As of May 2024, more than 291,000 children had never been served a notice to appear.</p></main></body></html>")
	// `once` is the baseline; blocked fails (egress), so it exits 1.
	if code, _, stderr := runCLI("once", "--config", e.cfg); code != exitFailure || !strings.Contains(stderr, "blocked") {
		t.Fatalf("baseline once: exit %d, want 1 for the blocked source only:\n%s", code, stderr)
	}
	e.site.set("/oig.xml", checkFeed(
		[3]string{"OIG-25-21", checkMar, "Tue, 25 Mar 2025 14:00:00 GMT"},
		[3]string{"OIG-24-46", checkAug, "Tue, 20 Aug 2024 14:00:00 GMT"}))
	e.site.set("/reports", checkListing("OIG-25-21", "OIG-24-46"))
	return e
}

// TestCheckShowsFiguresAndWouldBeAlertsWritingNothing: check on a feed
// prints the new report's figures and the alerts a poll would raise, in
// text and JSON, and the database file stays byte-identical; the real
// poll after it raises those alerts.
func TestCheckShowsFiguresAndWouldBeAlertsWritingNothing(t *testing.T) {
	e := newCheckEnv(t, false)
	before := hashFile(t, e.db)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"text", []string{"check", "oig", "--config", e.cfg}, []string{
			"check oig (OIG feed): feed, official; dry run, nothing is written",
			"fetched " + e.site.srv.URL + "/oig.xml: 200",
			"compared against " + e.db + " (read-only)",
			"2 documents (1 unchanged since the last poll)",
			"oig:OIG-25-21", "title:  OIG-25-21 report", "outlet: example.org", "date:   25 Mar 2025 14:00 UTC",
			"233,000", "uc_no_nta", "more than 43,000", "over      uc_failed_to_appear",
			"had not been served a notice to appear", "»233,000«",
			"a poll now would raise 3 alerts:", "metric_changed", "291,000", "new_report",
		}},
		{"json", []string{"check", "--json", "oig", "--config", e.cfg}, []string{`"kind": "metric_changed"`, `"metric": "uc_no_nta"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if hashFile(t, e.db) != before {
				t.Error("check changed the database file")
			}
			if tc.name == "json" {
				var rep struct {
					State     string
					Documents []struct {
						ID      string
						Figures []struct {
							Value     float64
							Metric    string
							Qualifier string
						}
					}
					Alerts []struct{ Kind, Metric, Headline string }
				}
				if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
					t.Fatalf("not one JSON object: %v\n%s", err, stdout)
				}
				if rep.State != "database" || len(rep.Documents) != 2 || len(rep.Alerts) != 3 {
					t.Errorf("state %q, %d documents, %d alerts; want database, 2, 3", rep.State, len(rep.Documents), len(rep.Alerts))
				}
				for _, a := range rep.Alerts {
					if a.Headline == "" {
						t.Errorf("alert %+v has no headline", a)
					}
				}
			}
		})
	}
	code, stdout, stderr := runCLI("once", "--config", e.cfg)
	if code != exitFailure {
		t.Fatalf("once: exit %d: %s", code, stderr)
	}
	if n := strings.Count(stdout, "metric_changed") + strings.Count(stdout, "new_report"); n == 0 {
		t.Errorf("the real poll after check raised nothing on the console:\n%s", stdout)
	}
}

// TestCheckWithoutADatabaseCreatesNone: with no database file, check
// compares against an empty state, says so, shows the first poll's
// silenced alerts, and creates neither the file nor its directory.
func TestCheckWithoutADatabaseCreatesNone(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	site := newCheckSite(t)
	site.set("/oig.xml", checkFeed([3]string{"OIG-24-46", checkAug, "Tue, 20 Aug 2024 14:00:00 GMT"}))
	missing := filepath.Join(t.TempDir(), "missing")
	db := filepath.Join(missing, "watcher.db")
	code, stdout, stderr := runCLI("check", "oig", "--config", checkConfig(t, site, db, ""))
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"no database at " + db + ": compared against an empty state",
		"would set the baseline silently", "would NOT be sent", "291,000",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("check created %s (stat: %v)", missing, err)
	}
}

// TestCheckFileReadsAFixtureInsteadOfTheNetwork: --file reads a saved
// page (told HTML by its content, whatever its name) for the source's
// URL, which is not requested.
func TestCheckFileReadsAFixtureInsteadOfTheNetwork(t *testing.T) {
	e := newCheckEnv(t, false)
	fixture := filepath.Join(t.TempDir(), "saved.txt") // misnamed, as saved pages are
	write(t, fixture, "<!DOCTYPE html><html><body><nav>Page 3 of 12</nav><main><p>"+checkMar+"</p></main></body></html>")
	hits := e.site.count("/data.html")
	before := hashFile(t, e.db)
	code, stdout, stderr := runCLI("check", "data", "--file", fixture, "--config", e.cfg)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if n := e.site.count("/data.html") - hits; n != 0 {
		t.Errorf("check --file fetched the source's URL %d times", n)
	}
	for _, want := range []string{"read " + fixture + " as html", "233,000", "metric_changed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "»12«") {
		t.Errorf("the nav's number was read: the file was not read as a page:\n%s", stdout)
	}
	if hashFile(t, e.db) != before {
		t.Error("check --file changed the database file")
	}
}

// TestCheckOfAListingFetchesTheNewEntryAndStoresNothing: a new row of a
// listing → check fetches its report and shows its figures and alerts;
// nothing is recorded, so the next real poll fetches it again.
func TestCheckOfAListingFetchesTheNewEntryAndStoresNothing(t *testing.T) {
	e := newCheckEnv(t, false)
	before := hashFile(t, e.db)
	code, stdout, stderr := runCLI("check", "listing", "--config", e.cfg)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if n := e.site.count("/r/OIG-25-21"); n != 1 {
		t.Errorf("the new entry's report was fetched %d times, want 1", n)
	}
	for _, want := range []string{"OIG-25-21", "233,000", "uc_no_nta", "new_report", "metric_changed", "would record"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if hashFile(t, e.db) != before {
		t.Error("check changed the database file")
	}
	runCLI("once", "--config", e.cfg)
	if n := e.site.count("/r/OIG-25-21"); n != 2 {
		t.Errorf("the report was fetched %d times after the real poll, want 2 (check must not mark it read)", n)
	}
}

// TestCheckWhileTheDaemonHoldsTheDatabase: with the file locked, check
// reads the daemon's state through its listener's hot backup, or, with no
// listener, compares against an empty state and says why.
func TestCheckWhileTheDaemonHoldsTheDatabase(t *testing.T) {
	const token = "s3cret-token-0123456789"
	for _, tc := range []struct {
		name   string
		listen bool
		want   []string
	}{
		{"with a listener", true, []string{"compared against a hot backup", "a poll now would raise 3 alerts"}},
		{"without a listener", false, []string{"compared against an empty state", "in use by the running watcher", "would NOT be sent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(config.DefaultHTTPTokenEnv, token)
			e := newCheckEnv(t, tc.listen)
			db, err := store.Open(e.db, store.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tc.listen {
				ln, err := net.Listen("tcp", e.listenAddr)
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewUnstartedServer(web.Handler(web.Options{Backup: db.Backup, Token: token, Listen: e.listenAddr}))
				srv.Listener.Close()
				srv.Listener = ln
				srv.Start()
				defer srv.Close()
			}
			before := hashFile(t, e.db)
			code, stdout, stderr := runCLI("check", "oig", "--config", e.cfg)
			if code != exitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if hashFile(t, e.db) != before {
				t.Error("check changed the database file")
			}
		})
	}
}

// TestCheckUsageAndFailures: an unknown id is a usage error (exit 2)
// with a "did you mean", before anything is fetched; a source the egress
// policy refuses fails (exit 1) as its poll would.
func TestCheckUsageAndFailures(t *testing.T) {
	e := newCheckEnv(t, false)
	hits := e.site.count("/oig.xml")
	// The data page stated figures at the baseline; this copy states none
	// (a bot wall): a poll would fail and keep the stored version.
	wall := filepath.Join(e.dir, "wall.html")
	write(t, wall, "<html><body><main><p>Checking your browser before accessing the site.</p></main></body></html>")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"typo", []string{"check", "oigg", "--config", e.cfg}, exitUsage, `no source "oigg"; did you mean "oig"?`},
		{"far from any", []string{"check", "cbp-swb", "--config", e.cfg}, exitUsage, `no source "cbp-swb" in the config (sources: oig, listing, data, blocked)`},
		{"no id", []string{"check", "--config", e.cfg}, exitUsage, "wants SOURCE_ID, got 0 arguments"},
		{"missing file", []string{"check", "oig", "--file", filepath.Join(e.dir, "absent.html"), "--config", e.cfg}, exitFailure, "absent.html"},
		{"bot wall", []string{"check", "data", "--file", wall, "--config", e.cfg}, exitFailure, "a real poll would fail: " + e.site.srv.URL + "/data.html now states no figures"},
		{"egress policy", []string{"check", "blocked", "--config", e.cfg}, exitFailure, "refusing to connect to 127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q\nstdout:\n%s", code, stderr, tc.code, tc.want, stdout)
			}
		})
	}
	if n := e.site.count("/oig.xml") - hits; n != 0 {
		t.Errorf("%d fetches of the feed by checks that should fetch nothing", n)
	}
}

// TestCheckCompletesSourceIDs: SOURCE_ID is completed from the config.
func TestCheckCompletesSourceIDs(t *testing.T) {
	f := newCLIFixture(t)
	code, stdout, _ := runCLI("__complete", "check", "--config", f.config, "")
	if code != exitOK || !strings.Contains(stdout, "cbp-swb\tCBP southwest border") || !strings.Contains(stdout, "press-wire") {
		t.Errorf("exit %d, completions:\n%s", code, stdout)
	}
	if _, stdout, _ = runCLI("__complete", "check", "cbp-swb", "--config", f.config, ""); strings.Contains(stdout, "press-wire") {
		t.Errorf("a second SOURCE_ID completed:\n%s", stdout)
	}
}
