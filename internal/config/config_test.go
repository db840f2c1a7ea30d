package config_test

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/figwatch/watcher/internal/config"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// minimal is the smallest valid configuration.
const minimal = `
sources:
  - id: gao
    url: https://www.gao.gov/rss/reports.xml
metrics:
  - id: uc_no_nta
    any: [notice to appear]
`

func TestLoadShippedConfig(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../../config/watcher.yaml")
	if err != nil {
		t.Fatalf("the shipped config must load cleanly:\n%v", err)
	}

	var ids []string
	for _, m := range cfg.Metrics {
		ids = append(ids, m.ID)
		if m.Label == m.ID {
			t.Errorf("metric %s has no label", m.ID)
		}
	}
	wantMetrics := []string{"uc_transferred_hhs", "uc_no_nta", "uc_failed_to_appear", "uc_unaccounted", "hhs_lost_contact", "uc_bad_address"}
	if diff := cmp.Diff(wantMetrics, ids); diff != "" {
		t.Errorf("shipped metrics (-want +got):\n%s", diff)
	}

	for _, id := range []string{"gao-reports", "gao-homeland-security"} {
		src, ok := cfg.Source(id)
		if !ok || !src.Enabled || src.Authority != config.AuthorityOfficial || src.Kind != config.KindFeed {
			t.Errorf("source %s = %+v, %v; want an enabled official feed", id, src, ok)
		}
	}
	if src, ok := cfg.Source("hhs-oig-newsroom"); !ok || src.Authority != config.AuthorityOfficial {
		t.Errorf("the HHS OIG candidate feed should be shipped as an official source, got %+v, %v", src, ok)
	}
	// SOURCES.md: these URLs are unverified or restricted by terms of use,
	// so they may appear only in comments.
	for _, s := range cfg.Sources {
		for _, banned := range []string{"oig.dhs.gov/rss/", "news.google.com"} {
			if strings.Contains(s.URL, banned) {
				t.Errorf("source %s polls %s, which must ship commented out", s.ID, s.URL)
			}
		}
		if s.Enabled && s.URL == "https://oig.hhs.gov/rss/oig-newsroom.xml" {
			t.Errorf("the unverified HHS OIG feed must not be enabled")
		}
	}
	if !strings.Contains(cfg.Fetch.UserAgent, "@") {
		t.Errorf("shipped user_agent %q should carry a contact address", cfg.Fetch.UserAgent)
	}
	if cfg.Slack.Channel == "" {
		t.Errorf("shipped config should name a Slack channel")
	}
	// The shipped file warns about one thing only, on purpose: its contact
	// address is a placeholder the newsroom must replace.
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Key != "fetch.user_agent" {
		t.Errorf("shipped config warnings = %v, want only the placeholder contact", cfg.Warnings)
	}
	// The status page is opt-in: a fresh install opens no port.
	if cfg.HTTP.Enabled() {
		t.Errorf("shipped config listens on %s; the listener must be off by default", cfg.HTTP.Listen)
	}
	defaults, err := config.Parse("minimal.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	// The file documents the defaults, so it must state the same values.
	if diff := cmp.Diff(defaults.Alerts, cfg.Alerts); diff != "" {
		t.Errorf("shipped alerts section differs from the defaults (-default +shipped):\n%s", diff)
	}
	if diff := cmp.Diff(defaults.Retention, cfg.Retention); diff != "" {
		t.Errorf("shipped retention differs from the defaults (-default +shipped):\n%s", diff)
	}
	f, d := cfg.Fetch, defaults.Fetch
	if f.PerHost != d.PerHost || f.HostDelay != d.HostDelay || f.CycleTimeout != d.CycleTimeout || f.BackoffMax != d.BackoffMax ||
		cfg.Defaults.AlertAfter != defaults.Defaults.AlertAfter {
		t.Errorf("shipped politeness settings %+v differ from the defaults %+v", f, d)
	}
}

// TestShippedConfigPolitenessToGAO pins the GAO schedules to the
// Crawl-delay: 420 in gao.gov's robots.txt: two polls are never closer than
// seven minutes apart.
func TestShippedConfigPolitenessToGAO(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../../config/watcher.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var runs []time.Time
	start := time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)
	for _, s := range cfg.EnabledSources() {
		if !strings.Contains(s.URL, "gao.gov") {
			continue
		}
		sched, err := config.ParseSchedule(s.Schedule)
		if err != nil {
			t.Fatal(err)
		}
		for next := sched.Next(start); next.Before(start.Add(24 * time.Hour)); next = sched.Next(next) {
			runs = append(runs, next)
		}
	}
	if len(runs) == 0 {
		t.Fatal("no enabled GAO source")
	}
	for i := range runs {
		for j := range runs {
			if d := runs[i].Sub(runs[j]); i != j && d >= 0 && d < 420*time.Second {
				t.Fatalf("GAO polled at %s and %s, %s apart: closer than the 420s crawl delay", runs[j], runs[i], d)
			}
		}
	}
}

func TestParseFillsDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("watcher.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	// A relative storage.path is read against the config file's directory
	// (without $STATE_DIRECTORY, which the test process does not have).
	db, err := filepath.Abs("data/watcher.db")
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Config{
		Path:     "watcher.yaml",
		Timezone: "UTC",
		Location: time.UTC,
		Storage:  config.Storage{Path: db},
		Log:      config.Log{Level: "info", Format: "text", Store: "off"},
		Fetch: config.Fetch{
			UserAgent:      config.DefaultUserAgent(),
			ConnectTimeout: config.Duration(10 * time.Second),
			Timeout:        config.Duration(60 * time.Second),
			MaxBodySize:    10 << 20,
			MaxRedirects:   5,
			Concurrency:    8,
			PerHost:        2,
			HostDelay:      config.Duration(time.Second),
			CycleTimeout:   config.Duration(5 * time.Minute),
			BackoffMax:     config.Duration(6 * time.Hour),
			MaxItems:       1000,
			MaxFollow:      100,
		},
		Defaults: config.Defaults{Schedule: "*/15 * * * *", Authority: "press", AlertAfter: config.Duration(24 * time.Hour)},
		Slack:    config.Slack{TokenEnv: "SLACK_BOT_TOKEN", WebhookURLEnv: "SLACK_WEBHOOK_URL", AppTokenEnv: "SLACK_APP_TOKEN", Command: "/watcher"},
		Delivery: config.Delivery{
			RetryMin: config.Duration(5 * time.Second),
			RetryMax: config.Duration(10 * time.Minute),
			MaxAge:   config.Duration(72 * time.Hour),
			Interval: config.Duration(5 * time.Second),
		},
		Alerts: config.Alerts{
			DedupeWindow: config.Duration(24 * time.Hour),
			Kinds: map[string]config.KindRoute{
				"metric_new":       {Severity: "low"},
				"metric_changed":   {Severity: "high"},
				"document_revised": {Severity: "normal"},
				"new_report":       {Severity: "normal"},
				"period_new":       {Severity: "normal"},
				"claim_mismatch":   {Severity: "normal"},
				"source_failing":   {Severity: "normal"},
				"source_recovered": {Severity: "low"},
			},
			HoldSeverity: "low",
			MaxPerPoll:   50,
		},
		HTTP:            config.HTTP{TokenEnv: "WATCHER_HTTP_TOKEN"},
		FiscalYearStart: time.October,
		Retention: config.Retention{
			Revisions:    20,
			Observations: config.Duration(365 * 24 * time.Hour),
			Documents:    config.Duration(180 * 24 * time.Hour),
			Alerts:       config.Duration(30 * 24 * time.Hour),
			Interval:     config.Duration(time.Hour),
		},
		Sources: []config.Source{{
			ID: "gao", Name: "gao", Kind: "feed", URL: "https://www.gao.gov/rss/reports.xml",
			Schedule: "*/15 * * * *", Authority: "press", Enabled: true, AlertAfter: config.Duration(24 * time.Hour), Line: 3,
		}},
		Metrics: []config.Metric{{
			ID: "uc_no_nta", Label: "uc_no_nta", Tolerance: 0.05, Any: []string{"notice to appear"}, Line: 6,
		}},
	}
	if diff := cmp.Diff(want, cfg, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(config.DefaultUserAgent(), "watcher/") || !strings.Contains(config.DefaultUserAgent(), "https://github.com/figwatch/watcher") {
		t.Errorf("DefaultUserAgent() = %q", config.DefaultUserAgent())
	}
}

func TestSourcesInheritAndOverrideDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("w.yaml", []byte(`
timezone: America/New_York
defaults:
  schedule: "@every 30m"
  authority: official
  alert_on_first_poll: true
  alert_after: 6h
sources:
  - id: inherits
    url: https://example.org/a.xml
  - id: overrides
    name: Press page
    kind: page
    url: http://example.org/b.html
    schedule: "0 9 * * 1-5"
    authority: press
    alert_on_first_poll: false
    enabled: false
    selector: "article .body"
    headers: {accept: text/html, X-Trace: "1"}
    alert_after: 0
    channel: "#press-desk"
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Location.String() != "America/New_York" {
		t.Errorf("Location = %v", cfg.Location)
	}
	want := []config.Source{
		{ID: "inherits", Name: "inherits", Kind: "feed", URL: "https://example.org/a.xml", Schedule: "@every 30m",
			Authority: "official", AlertOnFirstPoll: true, AlertAfter: config.Duration(6 * time.Hour), Enabled: true, Line: 9},
		{ID: "overrides", Name: "Press page", Kind: "page", URL: "http://example.org/b.html", Schedule: "0 9 * * 1-5",
			Authority: "press", Selector: "article .body", AlertAfter: 0, Channel: "#press-desk", Line: 11,
			Headers: map[string]string{"Accept": "text/html", "X-Trace": "1"}},
	}
	if diff := cmp.Diff(want, cfg.Sources, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	if got := cfg.EnabledSources(); len(got) != 1 || got[0].ID != "inherits" {
		t.Errorf("EnabledSources() = %+v", got)
	}
}

func TestParseAcceptsAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	_, err := config.Parse("w.yaml", []byte(`
x-official: &official
  authority: official
  schedule: "@hourly"
sources:
  - <<: *official
    id: a
    url: https://example.org/a.xml
  - <<: *official
    id: b
    url: https://example.org/b.xml
    schedule: "@daily"
metrics:
  - id: m
    any: &terms [one, two]
    all: *terms
`))
	// x- keys are not a convention this loader honours: an unknown key.
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Key != "x-official" {
		t.Fatalf("want one unknown-key error for x-official, got %v", err)
	}
	cfg, err := config.Parse("w.yaml", []byte(`
sources:
  - &base
    id: a
    url: https://example.org/a.xml
    authority: official
    schedule: "@hourly"
  - <<: *base
    id: b
    schedule: "@daily"
`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range cfg.Sources {
		got[s.ID] = s.Authority + " " + s.Schedule + " " + s.URL
	}
	want := map[string]string{
		"a": "official @hourly https://example.org/a.xml",
		"b": "official @daily https://example.org/a.xml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged sources (-want +got):\n%s", diff)
	}
}

func TestParseRejectsSelfMerge(t *testing.T) {
	t.Parallel()
	_, err := config.Parse("w.yaml", []byte("sources:\n  - &a\n    id: a\n    url: https://example.org/\n    <<: *a\n"))
	if err == nil || !strings.Contains(err.Error(), "refers to the value that contains it") {
		t.Fatalf("got %v", err)
	}
}

// TestBadConfigs pins the exact message for each bad config in testdata:
// one file per kind of problem, and many.yaml with many at once. Run with
// -update to rewrite the .golden files, then review the diff.
func TestBadConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		// not lists strings the errors must never contain (secrets).
		not []string
	}{
		{file: "unknown_key"},
		{file: "wrong_type"},
		{file: "bad_cron"},
		{file: "bad_slack_app", not: []string{"xapp-1"}},
		{file: "bad_timezone"},
		{file: "bad_url", not: []string{"hunter2"}},
		{file: "duplicate_ids"},
		{file: "duplicate_keys"},
		{file: "bad_ids"},
		{file: "unknown_values"},
		{file: "bad_durations"},
		{file: "nonpositive_durations"},
		{file: "bad_sizes_ratios"},
		{file: "bad_metric_rules"},
		{file: "kind_options"},
		{file: "bad_headers"},
		{file: "secrets_in_yaml", not: []string{"xoxb-", "xoxp-", "hooks.slack.com", "XXXXXXXX"}},
		{file: "empty_sources"},
		{file: "no_contact"},
		{file: "syntax_error"},
		{file: "two_documents"},
		{file: "not_a_mapping"},
		{file: "bad_alerts"},
		{file: "bad_channels"},
		{file: "quiet_hours_half"},
		{file: "quiet_hours_empty"},
		{file: "digest_without_quiet_hours"},
		{file: "bad_listen"},
		{file: "bad_politeness"},
		{file: "bad_retention"},
		{file: "many", not: []string{"xoxb-not-a-real-token"}},
		{file: "bad_new_keys", not: []string{"s3cr3t"}},
		{file: "bad_source_kinds"},
		{file: "list_items"},
		{file: "bad_secret_headers"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", tc.file+".yaml")
			cfg, err := config.Load(path)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want errors", path, cfg)
			}
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not config.Errors: %v", err, err)
			}
			for _, e := range errs {
				if e.File != path || e.Line <= 0 || e.Msg == "" {
					t.Errorf("error without file, line or message: %#v", e)
				}
			}
			got := err.Error() + "\n"
			golden := filepath.Join("testdata", tc.file+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatalf("%v (run with -update to create it)", rerr)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("errors for %s (-want +got):\n%s", path, diff)
			}
			for _, s := range tc.not {
				if strings.Contains(got, s) {
					t.Errorf("error text leaks %q:\n%s", s, got)
				}
			}
		})
	}
}

func TestErrorsFormatAndUnwrap(t *testing.T) {
	t.Parallel()
	_, err := config.Parse("config/watcher.yaml", []byte("sources:\n  - id: a\n    url: https://example.org/\n    schedule: \"*/15 * *\"\n"))
	want := `config/watcher.yaml:4: sources[0].schedule: bad cron spec "*/15 * *": expected 5 fields, found 3`
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	var one config.Error
	if !errors.As(err, &one) || one.Line != 4 || one.Key != "sources[0].schedule" {
		t.Errorf("errors.As(Error) = %#v", one)
	}
	if got := (config.Error{File: "w.yaml", Msg: "empty"}).Error(); got != "w.yaml: empty" {
		t.Errorf("Error without line or key = %q", got)
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := config.Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestParseEmptyFile(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                   "w.yaml: sources: at least one source is required",
		"# only a comment\n": "w.yaml: sources: at least one source is required",
		"---\n":              "w.yaml:2: sources: at least one source is required",
	} {
		_, err := config.Parse("w.yaml", []byte(in))
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %s", in, err, want)
		}
	}
}

func TestYAMLSyntaxErrorLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string
	}{
		{"unclosed flow mapping", "a: 1\nb: 2\nc:\n  d: {x: 1\n  e: 2\n", "w.yaml:4: YAML syntax error: did not find expected ',' or '}'"},
		{"unclosed flow sequence", "a: 1\nb: 2\nc: [1, 2\nd: 3\n", "w.yaml:3: YAML syntax error: did not find expected ',' or ']'"},
		{"missing colon", "a: 1\nb: 2\nc 2\nd: 3\n", "w.yaml:3: YAML syntax error: could not find expected ':'"},
		{"bad indentation", "a: 1\nb:\n  c: 1\n d: 2\n", "w.yaml:4: YAML syntax error: did not find expected key"},
		{"unknown anchor", "a: 1\n\nb: *nope\n", "w.yaml:3: YAML syntax error: unknown anchor 'nope' referenced"},
		{"tab indentation", "sources:\n\t- id: a\n", "w.yaml:2: YAML syntax error: found character that cannot start any token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse("w.yaml", []byte(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("w.yaml", []byte(`
slack: {channel: "#figures"}
sources:
  - {id: a, url: "https://example.org/a"}
  - {id: b, url: "https://example.org/b"}
  - {id: c, url: "https://example.org/c", enabled: false}
metrics:
  - {id: m, any: [x]}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no secret", nil, "3 sources (2 enabled), 1 metric, alerts to the console (no Slack secret set)"},
		{"bot token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, "3 sources (2 enabled), 1 metric, alerts to Slack channel #figures"},
		{"webhook", map[string]string{"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X"}, "3 sources (2 enabled), 1 metric, alerts to a Slack incoming webhook"},
		{"bad token", map[string]string{"SLACK_BOT_TOKEN": "hunter2"}, "3 sources (2 enabled), 1 metric, alerts undeliverable: slack bot token from $SLACK_BOT_TOKEN does not start with xoxb- or xoxp-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := cfg.SummaryWith(func(k string) string { return tc.env[k] })
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec    string
		wantErr string // empty: valid
	}{
		{spec: "*/15 * * * *"},
		{spec: "5,35 * * * 1-5"},
		{spec: "@hourly"},
		{spec: "@every 30m"},
		{spec: "CRON_TZ=America/New_York 0 9 * * *"},
		{spec: "*/15 * *", wantErr: "expected 5 fields, found 3"},
		{spec: "0 */15 * * * *", wantErr: "expected 5 fields, found 6"},
		{spec: "", wantErr: "empty spec"},
		{spec: "TZ=UTC", wantErr: "a time zone prefix must be followed by a schedule"},
		{spec: "CRON_TZ=", wantErr: "a time zone prefix must be followed by a schedule"},
		{spec: "TZ= * * * * *", wantErr: "empty time zone"},
		{spec: "@every", wantErr: "@every needs an interval, like @every 30m"},
		{spec: "@every -5m", wantErr: "interval -5m is shorter than 1s"},
		{spec: "@every soon", wantErr: `bad interval "soon": write it like @every 30m`},
		{spec: "60 * * * *", wantErr: "end of range (60) above maximum (59): 60"},
		{spec: "@weekdays", wantErr: "unrecognized descriptor: @weekdays"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			sched, err := config.ParseSchedule(tc.spec)
			if tc.wantErr == "" {
				if err != nil || sched == nil {
					t.Fatalf("ParseSchedule(%q) = %v, %v", tc.spec, sched, err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("ParseSchedule(%q) error = %v, want %q", tc.spec, err, tc.wantErr)
			}
		})
	}
}

func TestShortTimeoutLowersDefaultConnectTimeout(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("short.yaml", []byte("fetch:\n  user_agent: \"x (+mailto:a@b.org)\"\n  timeout: 2s\nsources:\n  - id: a\n    url: https://example.org/feed\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Fetch.ConnectTimeout != config.Duration(2*time.Second) {
		t.Errorf("connect timeout = %s, want 2s (capped by timeout)", cfg.Fetch.ConnectTimeout)
	}
}

// EnabledSources keeps file order whether or not it can hand out the
// config's own slice, and what it returns cannot be appended into the
// config's sources.
func TestEnabledSourcesShares(t *testing.T) {
	t.Parallel()
	srcs := make([]config.Source, 2, 4) // room to grow in place
	srcs[0], srcs[1] = config.Source{ID: "a", Enabled: true}, config.Source{ID: "b", Enabled: true}
	all := &config.Config{Sources: srcs}
	got := all.EnabledSources()
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("EnabledSources() = %+v, want a, b", got)
	}
	_ = append(got, config.Source{ID: "c"})
	if spare := all.Sources[:3]; spare[2].ID == "c" {
		t.Error("an append to the result wrote into the config's sources")
	}
	some := &config.Config{Sources: []config.Source{{ID: "a", Enabled: true}, {ID: "b"}, {ID: "c", Enabled: true}}}
	got = some.EnabledSources()
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "c" {
		t.Errorf("EnabledSources() = %+v, want a, c", got)
	}
	got[0].ID = "changed"
	if some.Sources[0].ID != "a" {
		t.Error("a partial list shares the config's sources")
	}
}
