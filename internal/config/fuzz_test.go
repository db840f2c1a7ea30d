package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/config"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, and its
// result must be one of: a config that holds its invariants, or Errors that
// each name the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../../config/watcher.yaml")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(minimal))
	f.Add([]byte("sources: &a [*a]"))
	f.Add([]byte("sources:\n  - &a {<<: *a, id: x, url: 'https://x/'}"))
	f.Add([]byte("sources:\n  - {id: a, url: 'https://x/', schedule: 'TZ=UTC'}"))
	f.Add([]byte("sources:\n  - {id: a, url: 'https://x/', schedule: 'CRON_TZ='}"))
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a]\nsources: [*b, *b]"))
	f.Add([]byte(routed))
	f.Add([]byte("fiscal_year_start: oct\nsources:\n  - {id: c, kind: csv, url: 'https://x/', csv: {value: V, rows: [{metric: m, where: {A: [b]}}]}}\n  - {id: l, kind: listing, url: 'https://x/', revisit: [1h, 1d]}\nmetrics: [{id: m, any: [x], min_change: 2%}]"))

	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse("fuzz.yaml", data)
		if err != nil {
			var errs config.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is not a non-empty config.Errors: %T %v", err, err)
			}
			for _, e := range errs {
				if e.File != "fuzz.yaml" || e.Msg == "" {
					t.Fatalf("malformed error %#v", e)
				}
			}
			return
		}
		if len(cfg.Sources) == 0 || cfg.Location == nil {
			t.Fatalf("accepted config without sources or location: %+v", cfg)
		}
		seen := map[string]bool{}
		for _, s := range cfg.Sources {
			if s.ID == "" || seen[s.ID] || s.URL == "" || s.Line <= 0 {
				t.Fatalf("accepted bad source %+v", s)
			}
			seen[s.ID] = true
			if _, err := config.ParseSchedule(s.Schedule); err != nil {
				t.Fatalf("accepted source %s with bad schedule %q: %v", s.ID, s.Schedule, err)
			}
			if !slices.Contains(config.Kinds(), s.Kind) {
				t.Fatalf("accepted kind %q", s.Kind)
			}
			if s.Kind == config.KindCSV && (s.CSV == nil || len(s.CSV.Rows) == 0) || s.Kind == config.KindJSON && s.JQ == "" {
				t.Fatalf("accepted a %s source without its reader: %+v", s.Kind, s)
			}
			if s.Kind == config.KindListing && s.Links == "" {
				t.Fatalf("accepted a listing without links: %+v", s)
			}
			if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
				t.Fatalf("accepted URL %q", s.URL)
			}
		}
		for _, m := range cfg.Metrics {
			if m.ID == "" || len(m.Any) == 0 || m.Tolerance < 0 || m.Tolerance > 1 {
				t.Fatalf("accepted bad metric %+v", m)
			}
		}
		if cfg.Fetch.MaxItems < 1 || cfg.Fetch.MaxFollow < 1 || cfg.Alerts.MaxPerPoll < 1 || cfg.FiscalYearStart < time.January || cfg.FiscalYearStart > time.December {
			t.Fatalf("accepted bad limits %+v %+v %v", cfg.Fetch, cfg.Alerts, cfg.FiscalYearStart)
		}
		if cfg.Fetch.Timeout <= 0 || cfg.Fetch.MaxBodySize <= 0 || cfg.Fetch.Concurrency < 1 || cfg.Delivery.RetryMin > cfg.Delivery.RetryMax {
			t.Fatalf("accepted bad limits %+v %+v", cfg.Fetch, cfg.Delivery)
		}
		f := cfg.Fetch
		if f.PerHost < 1 || f.HostDelay < 0 || f.CycleTimeout < f.Timeout || f.BackoffMax <= 0 || cfg.Defaults.AlertAfter < 0 {
			t.Fatalf("accepted bad politeness settings %+v %+v", f, cfg.Defaults)
		}
		r := cfg.Retention
		if r.Revisions < 0 || r.Observations < 0 || r.Documents < 0 || r.Alerts < 0 || r.Interval <= 0 {
			t.Fatalf("accepted bad retention %+v", r)
		}
		a := cfg.Alerts
		if len(a.Kinds) != len(config.EventKinds()) || config.SeverityRank(a.HoldSeverity) < 0 || a.DedupeWindow < 0 {
			t.Fatalf("accepted bad alerts %+v", a)
		}
		for _, k := range config.EventKinds() {
			if config.SeverityRank(a.Kinds[k].Severity) < 0 {
				t.Fatalf("kind %s without a severity: %+v", k, a.Kinds)
			}
		}
		if q := a.QuietHours; (q.Start == "") != (q.End == "") || (q.Start == "") != (q.Digest == "") || q.Start != "" && q.Start == q.End {
			t.Fatalf("accepted bad quiet hours %+v", q)
		}
		for _, s := range cfg.Sources {
			if s.AlertAfter < 0 || s.Channel != "" && !strings.HasPrefix(s.Channel, "#") && !strings.ContainsAny(s.Channel[:1], "CGD") {
				t.Fatalf("accepted bad source routing %+v", s)
			}
		}
		// Must not panic on whatever was accepted.
		cfg.HTTP.Exposed()
	})
}
