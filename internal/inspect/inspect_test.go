package inspect

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// busyFeed answers every poll with a new item, so each poll writes.
func busyFeed(t *testing.T) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>OIG</title>`+
			`<item><guid>r%d</guid><title>Report %d</title><link>https://example.org/r%d</link>`+
			`<description>As of May 2024, ICE had not served notices to appear on more than %d,000 children.</description></item></channel></rss>`, i, i, i, 200+i)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestBackupWhileTheDaemonWritesIsConsistent(t *testing.T) {
	feed := busyFeed(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "watcher.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf(`storage:
  path: %s
fetch:
  user_agent: "watcher-test (+mailto:test@example.org)"
http:
  listen: %s
sources:
  - id: oig
    url: %s/feed.xml
    authority: official
    alert_on_first_poll: true
metrics:
  - id: uc_no_nta
    label: Not served a notice to appear
    any: ["notices to appear"]
`, filepath.Join(dir, "watcher.db"), ln.Addr(), feed.URL)), 0o600)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(cfg.Storage.Path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	d, err := daemon.New(daemon.Options{Config: cfg, DB: db, Fetcher: fetch.New(fetch.Options{UserAgent: cfg.Fetch.UserAgent, AllowPrivate: fetch.LoopbackPrefixes()}),
		Notifier: console.New(io.Discard), Logger: log, Metrics: daemon.NewMetrics(reg), MaxJitter: -1})
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister(d.Collector())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	const token = "t0ken"
	h := web.Handler(web.Options{Status: d, Health: d.Healthy, Gatherer: reg, Backup: db.Backup, Logger: log,
		Token: token, Listen: cfg.HTTP.Listen})
	go func() { served <- web.ServeListener(ctx, ln, h, log) }()
	sock := filepath.Join(dir, "watcher.sock")
	sln, err := web.ListenUnix(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	servedUnix := make(chan error, 1)
	go func() { servedUnix <- web.ServeListener(ctx, sln, h, log) }()

	// The daemon writes continuously while backups are taken; the backups
	// start once it has written at least once.
	writing := make(chan struct{})
	wrote := make(chan struct{})
	go func() {
		defer close(writing)
		for i := 0; ctx.Err() == nil; i++ {
			d.Once(ctx)
			if i == 0 {
				close(wrote)
			}
		}
	}()
	<-wrote
	for i := range 3 {
		file := filepath.Join(dir, fmt.Sprintf("backup%d.db", i))
		// The daemon holds the file: the backup must go through it.
		n, err := Backup(ctx, cfg, file, Remote{Listen: cfg.HTTP.Listen, Token: token}, log)
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		if n == 0 {
			t.Fatalf("backup %d is empty", i)
		}
		checkConsistent(t, cfg, file)
	}
	// Without the token the daemon refuses, and says what is missing.
	if _, err := Backup(ctx, cfg, filepath.Join(dir, "refused.db"), Remote{Listen: cfg.HTTP.Listen}, log); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("backup without the token: err = %v, want ErrUnauthorized", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "refused.db")); !os.IsNotExist(err) {
		t.Errorf("a refused backup left a file: %v", err)
	}
	// Over the daemon's Unix socket no token is needed: the socket's mode
	// says who may connect.
	if _, err := Backup(ctx, cfg, filepath.Join(dir, "socket.db"), Remote{Socket: sock}, log); err != nil {
		t.Errorf("backup over the Unix socket: %v", err)
	} else {
		checkConsistent(t, cfg, filepath.Join(dir, "socket.db"))
	}
	if st, err := Status(ctx, cfg, "", Remote{Socket: sock}, daemon.ReadStatus, log); err != nil || len(st.Sources) != 1 {
		t.Errorf("status over the Unix socket: %+v, %v", st.Sources, err)
	}
	// `watcher status` on the running daemon asks the daemon.
	live, err := Status(ctx, cfg, "", Remote{Listen: cfg.HTTP.Listen}, daemon.ReadStatus, log)
	if err != nil || live.Sources[0].State.Polls == 0 || live.Started.IsZero() {
		t.Fatalf("status from the running daemon: %+v, started %v, %v", live.Sources, live.Started, err)
	}
	// `watcher export` on the running daemon reads a backup through the listener.
	rdb, closeDB, err := Open(ctx, cfg, "", Remote{Listen: cfg.HTTP.Listen, Token: token}, log)
	if err != nil {
		t.Fatalf("open while the daemon runs: %v", err)
	}
	st, err := daemon.ReadStatus(ctx, rdb, cfg, time.Now())
	closeDB()
	if err != nil || st.Sources[0].State.Polls == 0 {
		t.Fatalf("status through the daemon: %+v, %v", st.Sources, err)
	}
	var out bytes.Buffer
	if err := WriteStatus(&out, st, nil); err != nil || !strings.Contains(out.String(), "oig") || !strings.Contains(out.String(), "uc_no_nta") || !strings.Contains(out.String(), "retention last ran") {
		t.Errorf("status text:\n%s", out.String())
	}

	// /metrics parses as the Prometheus text format and counts the polls.
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for _, name := range []string{"watcher_polls_total", "watcher_fetch_duration_seconds", "watcher_alerts_queued_total", "watcher_outbox_pending", "watcher_db_size_bytes"} {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	cancel()
	<-writing
	if err := <-served; err != nil {
		t.Errorf("listener: %v", err)
	}
	if err := <-servedUnix; err != nil {
		t.Errorf("unix socket listener: %v", err)
	}
}

// checkConsistent opens a backup and checks what one transaction
// guarantees: every observation's document is there, with the figure.
func checkConsistent(t *testing.T, cfg *config.Config, file string) {
	t.Helper()
	b, err := store.Open(file, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer b.Close()
	st, err := daemon.ReadStatus(context.Background(), b, cfg, time.Now())
	if err != nil {
		t.Fatalf("status on the backup: %v", err)
	}
	var out bytes.Buffer
	WriteStatus(&out, st, nil)
	err = b.View(context.Background(), func(tx *store.Tx) error {
		obs, err := tx.Observations("uc_no_nta")
		if err != nil {
			return err
		}
		for _, o := range obs {
			s, ok, err := tx.Snapshot(o.DocID)
			if err != nil {
				return err
			}
			if !ok || len(s.Figures) == 0 || s.Figures[0].Value != o.Value {
				t.Errorf("observation of %s without its snapshot in the backup", o.DocID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The CSV export of the backup has a row per observation.
	var csvOut bytes.Buffer
	if err := Export(context.Background(), &csvOut, b, "csv", "observations"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][0] != "metric" {
		t.Errorf("csv export: %d rows, %v", len(rows), err)
	}
}

func TestOpenWithoutListenerExplainsTheLock(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{Storage: config.Storage{Path: filepath.Join(dir, "w.db")}}
	db, err := store.Open(cfg.Storage.Path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, _, err = Open(context.Background(), cfg, "", Remote{}, nil)
	if err == nil || !strings.Contains(err.Error(), "set http.listen") {
		t.Fatalf("err = %v, want advice to set http.listen", err)
	}
}

func TestHistoryUnknownMetricListsTheKnownOnes(t *testing.T) {
	st := web.Status{Metrics: []web.MetricStatus{{ID: "uc_no_nta"}, {ID: "uc_failed_to_appear"}}}
	err := WriteHistory(io.Discard, st, "uc_nta", nil)
	if err == nil || !strings.Contains(err.Error(), "uc_no_nta, uc_failed_to_appear") {
		t.Errorf("err = %v", err)
	}
}

func TestStatusSaysWhenWritesFail(t *testing.T) {
	st := web.Status{Now: time.Date(2025, 3, 26, 9, 0, 0, 0, time.UTC), Unhealthy: "database: the last 4 polls could not be written", Store: web.StoreHealth{
		ConsecutiveFailures: 4, LastError: "poll oig: store: write /var/lib/watcher/watcher.db: no space left on device",
		LastFailure: time.Date(2025, 3, 26, 8, 55, 0, 0, time.UTC)}}
	var out bytes.Buffer
	if err := WriteStatus(&out, st, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "UNHEALTHY: database: the last 4 polls could not be written\n") {
		t.Errorf("status lacks the health:\n%s", out.String())
	}
	want := "STORAGE FAILING: 4 write(s) in a row failed, polls lost (last 26 Mar 2025 08:55 UTC): poll oig: store: write /var/lib/watcher/watcher.db: no space left on device"
	if !strings.Contains(out.String(), want) {
		t.Errorf("status lacks %q:\n%s", want, out.String())
	}
	out.Reset()
	WriteStatus(&out, web.Status{}, nil)
	if strings.Contains(out.String(), "STORAGE") || strings.Contains(out.String(), "UNHEALTHY") {
		t.Errorf("healthy status mentions storage:\n%s", out.String())
	}
}

func TestExportCSVHasThePeriod(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	o := store.Observation{Metric: "uc_no_nta", Value: 233000, Authority: "official", Observed: jan.AddDate(0, 2, 24),
		Period: store.Period{Kind: "as_of", Start: jan, End: jan.AddDate(0, 1, 0), Key: "@2025-01", Label: "as of January 2025", From: "sentence"},
		AsOf:   jan.AddDate(0, 1, 0)}
	if err := db.Update(context.Background(), func(tx *store.Tx) error { return tx.AddObservation(o) }); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Export(context.Background(), &out, db, "csv", "observations"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %d, %v", len(rows), err)
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		got[h] = rows[1][i]
	}
	if got["period"] != "as of January 2025" || got["as_of"] != "2025-02-01T00:00:00Z" || got["period_start"] != "2025-01-01T00:00:00Z" {
		t.Errorf("period columns %q %q %q", got["period"], got["period_start"], got["as_of"])
	}
}

// status and history show times in the newsroom's zone, labelled, as
// alerts do; a publication date keeps its calendar day.
func TestStatusAndHistoryShowTheNewsroomsZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	poll := time.Date(2026, 12, 1, 21, 50, 0, 0, time.UTC)
	published := time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC)
	obs := store.Observation{Metric: "uc_no_nta", Value: 291000, Text: "291,000", Authority: "official", Source: "oig", Published: published}
	pressObs := store.Observation{Metric: "uc_no_nta", Value: 300000, Text: "300,000", Authority: "press", Source: "tabloid", Observed: poll}
	st := web.Status{
		Now: poll,
		Sources: []web.SourceStatus{{ID: "oig", Kind: "feed", Authority: "official", Enabled: true, NextRun: poll.Add(time.Hour),
			State: store.FetchState{LastPoll: poll, ConsecutiveFailures: 2, FailingSince: poll.Add(-time.Hour), LastError: "503"}}},
		Metrics: []web.MetricStatus{{ID: "uc_no_nta", Current: &obs, History: []store.Observation{obs, pressObs}}},
		Outbox:  web.OutboxStatus{Recent: []web.AlertStatus{{Alert: store.Alert{ID: 1, Kind: "metric_new", Status: store.StatusSent, Created: poll}}}},
	}
	cases := []struct {
		name  string
		loc   *time.Location
		write func(w io.Writer, loc *time.Location) error
		want  []string
	}{
		{"status in New York", ny, func(w io.Writer, loc *time.Location) error { return WriteStatus(w, st, loc) },
			[]string{"oig     feed  official   1 Dec 2026 16:50 EST  FAILING ×2 since 1 Dec 2026 15:50 EST  1 Dec 2026 17:50 EST",
				"uc_no_nta  291,000           20 Aug 2024", "1 Dec 2026 16:50 EST"}},
		{"status in UTC", nil, func(w io.Writer, loc *time.Location) error { return WriteStatus(w, st, loc) },
			[]string{"1 Dec 2026 21:50 UTC"}},
		{"history in New York", ny, func(w io.Writer, loc *time.Location) error { return WriteHistory(w, st, "uc_no_nta", loc) },
			[]string{"20 Aug 2024  official", "1 Dec 2026   press"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := tc.write(&out, tc.loc); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if strings.Contains(out.String(), "2026-12-01") {
				t.Errorf("output has an unlabelled ISO time:\n%s", out.String())
			}
		})
	}
}

// history lists a metric by the date each figure is for, not the date it
// was polled or published, and says those apart: a 2025 story about
// FY2023 comes before an official figure as of May 2024.
func TestHistorySortsByTheDateTheFigureIsFor(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	official := store.Observation{Metric: "m", Value: 291000, Text: "291,000", Authority: "official", Source: "oig",
		Published: day(2024, 8, 20), Observed: day(2026, 12, 1),
		Period: store.Period{Kind: "as_of", Key: "@2024-05", Label: "as of May 2024", From: "sentence"}, AsOf: day(2024, 6, 1)}
	press := store.Observation{Metric: "m", Value: 250000, Text: "250,000", Authority: "press", Source: "paper",
		Published: day(2025, 3, 2), Observed: day(2026, 12, 1),
		Period: store.Period{Kind: "fiscal_year", Key: "FY2023", Label: "FY2023", From: "sentence"}, AsOf: day(2023, 10, 1)}
	st := web.Status{Metrics: []web.MetricStatus{{ID: "m", Label: "M", History: []store.Observation{official, press}}}}
	var out bytes.Buffer
	if err := WriteHistory(&out, st, "m", time.UTC); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	i, j := strings.Index(got, "250,000"), strings.Index(got, "291,000")
	if i < 0 || j < 0 || i > j {
		t.Errorf("history not in the order of the dates the figures are for:\n%s", got)
	}
	for _, want := range []string{"for FY2023 · published 2 Mar 2025 · seen 1 Dec 2026", "as of May 2024 · published 20 Aug 2024"} {
		if !strings.Contains(got, want) {
			t.Errorf("history lacks %q:\n%s", want, got)
		}
	}
}

// A current value whose report states two values for its period says so.
func TestStatusShowsAConflictingCurrentValue(t *testing.T) {
	t.Parallel()
	cur := store.Observation{Metric: "m", Value: 233000, Text: "233,000", Authority: "official", Source: "oig", Conflict: true,
		Period: store.Period{Kind: "as_of", Key: "@2025-01", Label: "as of January 2025", From: "sentence"}}
	var out bytes.Buffer
	if err := WriteStatus(&out, web.Status{Metrics: []web.MetricStatus{{ID: "m", Current: &cur}}}, time.UTC); err != nil {
		t.Fatal(err)
	}
	if want := "233,000 (as of January 2025) CONFLICT"; !strings.Contains(out.String(), want) {
		t.Errorf("status lacks %q:\n%s", want, out.String())
	}
}
