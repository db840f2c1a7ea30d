package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/figwatch/watcher/internal/config"
)

// routed is a configuration with a route at every level of Route's
// precedence.
const routed = `
timezone: America/New_York
slack: {channel: "#figures"}
alerts:
  kinds:
    source_failing: {channel: "#ops", severity: high}
    metric_new: {severity: normal}
    document_revised: {channel: C0123ABCD}
  quiet_hours: {start: "22:00", end: "7:00", digest: "07:30"}
  hold_severity: normal
sources:
  - {id: gao, url: "https://www.gao.gov/rss/reports.xml", channel: "#gao-desk"}
  - {id: press, url: "https://example.org/feed.xml"}
metrics:
  - {id: uc_no_nta, any: [NTA], channel: "#uc-desk"}
  - {id: uc_unaccounted, any: [unaccounted]}
`

func mustParse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("w.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return cfg
}

func TestRoutePrecedence(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, routed)
	tests := []struct {
		name                 string
		kind, metric, source string
		channel, severity    string
	}{
		{"metric channel beats source and kind", "document_revised", "uc_no_nta", "gao", "#uc-desk", "normal"},
		{"source channel beats kind", "document_revised", "uc_unaccounted", "gao", "#gao-desk", "normal"},
		{"kind channel beats slack.channel", "document_revised", "uc_unaccounted", "press", "C0123ABCD", "normal"},
		{"slack.channel last", "metric_changed", "uc_unaccounted", "press", "#figures", "high"},
		{"source event without metric", "source_failing", "", "press", "#ops", "high"},
		{"source event to the source's desk", "source_failing", "", "gao", "#gao-desk", "high"},
		{"severity set in the file", "metric_new", "", "", "#figures", "normal"},
		{"default severity kept", "source_recovered", "", "", "#figures", "low"},
		{"unknown metric and source ignored", "claim_mismatch", "nope", "nope", "#figures", "normal"},
		{"unknown kind is normal", "test_alert", "", "", "#figures", "normal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch, sev := cfg.Route(tc.kind, tc.metric, tc.source)
			if ch != tc.channel || sev != tc.severity {
				t.Errorf("Route(%q, %q, %q) = %q, %q; want %q, %q", tc.kind, tc.metric, tc.source, ch, sev, tc.channel, tc.severity)
			}
		})
	}
}

func TestEveryKindHasARouteAfterLoad(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, minimal)
	want := map[string]string{
		"metric_changed": "high", "claim_mismatch": "normal", "new_report": "normal", "metric_new": "low",
		"document_revised": "normal", "source_failing": "normal", "source_recovered": "low",
	}
	got := map[string]string{}
	for k, r := range cfg.Alerts.Kinds {
		got[k] = r.Severity
		if r.Channel != "" {
			t.Errorf("kind %s has channel %q by default", k, r.Channel)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("default severities (-want +got):\n%s", diff)
	}
	kinds := config.EventKinds()
	if len(kinds) != len(want) {
		t.Errorf("EventKinds() = %v", kinds)
	}
	for _, k := range kinds {
		if config.DefaultSeverity(k) != want[k] {
			t.Errorf("DefaultSeverity(%s) = %s, want %s", k, config.DefaultSeverity(k), want[k])
		}
	}
	// The slice is the caller's: changing it does not change the next one.
	kinds[0] = "changed"
	if slices.Contains(config.EventKinds(), "changed") {
		t.Error("EventKinds shares its backing array")
	}
	// Route on a Config built by hand, without Kinds, still has severities.
	var bare config.Config
	if ch, sev := bare.Route("metric_changed", "", ""); ch != "" || sev != "high" {
		t.Errorf("zero Config Route = %q, %q", ch, sev)
	}
}

func TestSeverityRank(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"low": 0, "normal": 1, "high": 2, "": -1, "HIGH": -1, "urgent": -1} {
		if got := config.SeverityRank(s); got != want {
			t.Errorf("SeverityRank(%q) = %d, want %d", s, got, want)
		}
	}
}

func ny(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestQuiet(t *testing.T) {
	t.Parallel()
	overnight := mustParse(t, routed) // 22:00-07:00 New York
	daytime := mustParse(t, strings.Replace(routed, `{start: "22:00", end: "7:00", digest: "07:30"}`, `{start: "12:00", end: "13:30"}`, 1))
	none := mustParse(t, minimal)
	tests := []struct {
		name string
		cfg  *config.Config
		at   time.Time
		want bool
	}{
		{"before start", overnight, ny(t, "2025-03-04 21:59"), false},
		{"at start", overnight, ny(t, "2025-03-04 22:00"), true},
		{"before midnight", overnight, ny(t, "2025-03-04 23:59"), true},
		{"after midnight", overnight, ny(t, "2025-03-05 00:00"), true},
		{"before end", overnight, ny(t, "2025-03-05 06:59"), true},
		{"at end", overnight, ny(t, "2025-03-05 07:00"), false},
		{"noon", overnight, ny(t, "2025-03-05 12:00"), false},
		{"read in the config's zone, not t's", overnight, time.Date(2025, 3, 5, 4, 0, 0, 0, time.UTC), true}, // 23:00 in New York
		{"UTC evening is New York afternoon", overnight, time.Date(2025, 3, 5, 22, 30, 0, 0, time.UTC), false},
		{"same-day range inside", daytime, ny(t, "2025-03-05 13:29"), true},
		{"same-day range end", daytime, ny(t, "2025-03-05 13:30"), false},
		{"same-day range before", daytime, ny(t, "2025-03-05 11:59"), false},
		{"no quiet hours", none, ny(t, "2025-03-05 03:00"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.cfg.Quiet(tc.at); got != tc.want {
				t.Errorf("Quiet(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestHeld(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, routed) // hold_severity: normal
	night, day := ny(t, "2025-03-05 02:00"), ny(t, "2025-03-05 14:00")
	tests := []struct {
		severity string
		at       time.Time
		want     bool
	}{
		{"low", night, true},
		{"normal", night, true},
		{"high", night, false},
		{"low", day, false},
		{"bogus", night, true}, // counted as normal
	}
	for _, tc := range tests {
		if got := cfg.Held(tc.severity, tc.at); got != tc.want {
			t.Errorf("Held(%q, %s) = %v, want %v", tc.severity, tc.at, got, tc.want)
		}
	}
	low := mustParse(t, strings.Replace(routed, "hold_severity: normal", "hold_severity: low", 1))
	if low.Held("normal", night) || !low.Held("low", night) {
		t.Error("hold_severity: low should hold low alerts only")
	}
}

func TestNextDigest(t *testing.T) {
	t.Parallel()
	withDigest := mustParse(t, routed) // digest 07:30 New York
	atEnd := mustParse(t, strings.Replace(routed, `, digest: "07:30"`, "", 1))
	gap := mustParse(t, strings.Replace(routed, `digest: "07:30"`, `digest: "02:30"`, 1))
	samoa := mustParse(t, strings.Replace(routed, "timezone: America/New_York", "timezone: Pacific/Apia", 1))
	apia := samoa.Location
	tests := []struct {
		name  string
		cfg   *config.Config
		after time.Time
		want  time.Time
	}{
		{"later the same day", withDigest, ny(t, "2025-03-05 03:00"), ny(t, "2025-03-05 07:30")},
		{"strictly after", withDigest, ny(t, "2025-03-05 07:30"), ny(t, "2025-03-06 07:30")},
		{"next day", withDigest, ny(t, "2025-03-05 23:00"), ny(t, "2025-03-06 07:30")},
		{"default is the end", atEnd, ny(t, "2025-03-05 03:00"), ny(t, "2025-03-05 07:00")},
		// 2025-03-09: clocks go from 02:00 EST to 03:00 EDT. The digest stays
		// at 07:30 wall-clock time, 23 hours after the previous one.
		{"across spring forward", withDigest, ny(t, "2025-03-08 08:00"), ny(t, "2025-03-09 07:30")},
		// 2025-11-02: clocks go from 02:00 EDT back to 01:00 EST.
		{"across fall back", withDigest, ny(t, "2025-11-01 08:00"), ny(t, "2025-11-02 07:30")},
		{"UTC input", withDigest, time.Date(2025, 3, 5, 13, 0, 0, 0, time.UTC), ny(t, "2025-03-06 07:30")},
		// 02:30 does not exist on 2025-03-09 in New York: the digest goes
		// out at the normalised time, once, and the next day as usual.
		{"digest inside the spring-forward gap", gap, ny(t, "2025-03-09 00:00"), time.Date(2025, 3, 9, 7, 30, 0, 0, time.UTC)},
		{"day after the gap", gap, time.Date(2025, 3, 9, 7, 30, 0, 0, time.UTC), ny(t, "2025-03-10 02:30")},
		// Samoa skipped 2011-12-30 entirely: the next digest is on the 31st.
		{"day skipped by the zone", samoa, time.Date(2011, 12, 29, 8, 0, 0, 0, apia), time.Date(2011, 12, 31, 7, 30, 0, 0, apia)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.cfg.NextDigest(tc.after)
			if !got.Equal(tc.want) {
				t.Errorf("NextDigest(%s) = %s, want %s", tc.after, got, tc.want)
			}
			if !got.After(tc.after) {
				t.Errorf("NextDigest(%s) = %s, not after", tc.after, got)
			}
			if got.Location() != tc.cfg.Location {
				t.Errorf("NextDigest in %s, want %s", got.Location(), tc.cfg.Location)
			}
		})
	}
	if got := mustParse(t, minimal).NextDigest(time.Now()); !got.IsZero() {
		t.Errorf("NextDigest without quiet hours = %s, want the zero time", got)
	}
}

// TestNextDigestOncePerDay walks a year of digests in a zone with DST:
// each is at the configured wall-clock time and they are a calendar day
// apart, so no day gets two digests or none.
func TestNextDigestOncePerDay(t *testing.T) {
	t.Parallel()
	for _, digest := range []string{"07:30", "02:30", "01:30", "00:00", "23:59"} {
		cfg := mustParse(t, strings.Replace(routed, `digest: "07:30"`, `digest: "`+digest+`"`, 1))
		at := cfg.NextDigest(ny(t, "2025-01-01 00:00"))
		for range 365 {
			next := cfg.NextDigest(at)
			ay, am, ad := at.Date()
			ny, nm, nd := next.Date()
			if days := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)); days != 24*time.Hour {
				t.Fatalf("digest %s: %s then %s", digest, at, next)
			}
			if next.Format("15:04") != digest && !(digest == "02:30" && next.Format("15:04") == "03:30") {
				t.Fatalf("digest %s: next at %s", digest, next)
			}
			at = next
		}
	}
}

func TestQuietHoursNormalised(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, strings.Replace(routed, `{start: "22:00", end: "7:00", digest: "07:30"}`, `{start: "22:00", end: " 7:05 "}`, 1))
	want := config.QuietHours{Start: "22:00", End: "07:05", Digest: "07:05"}
	if cfg.Alerts.QuietHours != want {
		t.Errorf("QuietHours = %+v, want %+v", cfg.Alerts.QuietHours, want)
	}
	if !cfg.Alerts.QuietHours.Enabled() || mustParse(t, minimal).Alerts.QuietHours.Enabled() {
		t.Error("Enabled() wrong")
	}
}

func TestCycleTimeoutFollowsALongTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fetch string
		want  time.Duration
	}{
		{"defaults", "", 5 * time.Minute},
		{"short timeout keeps the default", "  timeout: 30s\n", 5 * time.Minute},
		{"long timeout alone raises it", "  timeout: 10m\n", 10 * time.Minute},
		{"both written", "  timeout: 10m\n  cycle_timeout: 1h\n", time.Hour},
		{"null cycle_timeout is unwritten", "  timeout: 10m\n  cycle_timeout:\n", 10 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, "fetch:\n  user_agent: \"x (+mailto:a@b.org)\"\n"+tc.fetch+minimal)
			if got := cfg.Fetch.CycleTimeout.Std(); got != tc.want {
				t.Errorf("cycle_timeout = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestZeroMeansOff(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, `
fetch: {host_delay: 0}
defaults: {alert_after: 0}
alerts: {dedupe_window: 0s}
retention: {revisions: 0, observations: 0, documents: 0d, alerts: 0h}
sources:
  - {id: a, url: "https://example.org/a", alert_after: 2h}
  - {id: b, url: "https://example.org/b"}
`)
	got := []time.Duration{cfg.Fetch.HostDelay.Std(), cfg.Defaults.AlertAfter.Std(), cfg.Alerts.DedupeWindow.Std(),
		cfg.Retention.Observations.Std(), cfg.Retention.Documents.Std(), cfg.Retention.Alerts.Std(),
		cfg.Sources[0].AlertAfter.Std(), cfg.Sources[1].AlertAfter.Std(), time.Duration(cfg.Retention.Revisions)}
	want := []time.Duration{0, 0, 0, 0, 0, 0, 2 * time.Hour, 0, 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zero settings (-want +got):\n%s", diff)
	}
}

func TestListen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen  string
		wantErr string
		exposed bool
	}{
		{listen: ""},
		{listen: "127.0.0.1:9464"},
		{listen: "localhost:9464"},
		{listen: "[::1]:9464"},
		{listen: "127.0.0.1:0"},
		{listen: "0.0.0.0:9464", exposed: true},
		{listen: "[::]:9464", exposed: true},
		{listen: "192.0.2.10:9464", exposed: true},
		{listen: ":9464", wantErr: `listen address ":9464" has no host: write 127.0.0.1:9464 for this machine only, or 0.0.0.0:9464 to expose the status page`},
		{listen: "127.0.0.1", wantErr: `bad listen address "127.0.0.1": write it as host:port, like 127.0.0.1:9464`},
		{listen: "127.0.0.1:http", wantErr: `bad listen address "127.0.0.1:http": the port must be a number from 0 to 65535`},
		{listen: "127.0.0.1:70000", wantErr: `bad listen address "127.0.0.1:70000": the port must be a number from 0 to 65535`},
		{listen: "127.0.0.1:", wantErr: `bad listen address "127.0.0.1:": the port must be a number from 0 to 65535`},
		{listen: "watcher.internal:9464", wantErr: `listen host "watcher.internal" must be an IP address or localhost, not a name`},
		{listen: "http://127.0.0.1:9464", wantErr: `bad listen address "http://127.0.0.1:9464": write it as host:port, like 127.0.0.1:9464`},
	}
	for _, tc := range tests {
		t.Run(tc.listen, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Parse("w.yaml", []byte("http:\n  listen: \""+tc.listen+"\"\n"+minimal))
			if tc.wantErr != "" {
				var errs config.Errors
				if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Msg != tc.wantErr || errs[0].Key != "http.listen" || errs[0].Line != 2 {
					t.Fatalf("got %v\nwant w.yaml:2: http.listen: %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HTTP.Listen != tc.listen || cfg.HTTP.Enabled() != (tc.listen != "") || cfg.HTTP.Exposed() != tc.exposed {
				t.Errorf("HTTP = %+v, Enabled %v, Exposed %v; want exposed %v", cfg.HTTP, cfg.HTTP.Enabled(), cfg.HTTP.Exposed(), tc.exposed)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		channel string
		wantErr string
	}{
		{channel: "#figures"},
		{channel: "#uc-desk_2"},
		{channel: "#été"},
		{channel: "C0123ABCD"},
		{channel: "G024BE91L"},
		{channel: "D0ABCDEF1"},
		{channel: "#" + strings.Repeat("a", 80)},
		{channel: "#" + strings.Repeat("a", 81), wantErr: `channel "#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." is not a Slack channel name: lower-case letters, digits, "-" and "_", at most 80`},
		{channel: "U0123ABCD", wantErr: `channel "U0123ABCD" must be "#name" or a Slack channel ID like C0123ABCD`},
		{channel: "C", wantErr: `channel "C" must be "#name" or a Slack channel ID like C0123ABCD`},
		{channel: "@reporter", wantErr: `channel "@reporter" must be "#name" or a Slack channel ID like C0123ABCD`},
		{channel: "##figures", wantErr: `channel "##figures" is not a Slack channel name: lower-case letters, digits, "-" and "_", at most 80`},
		{channel: "figures", wantErr: `channel "figures" must be "#name" or a Slack channel ID like C0123ABCD; did you mean "#figures"?`},
	}
	for _, tc := range tests {
		t.Run(tc.channel, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Parse("w.yaml", []byte(minimal+"    channel: \""+tc.channel+"\"\n"))
			if tc.wantErr != "" {
				var errs config.Errors
				if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Msg != tc.wantErr || errs[0].Key != "metrics[0].channel" {
					t.Fatalf("got %v\nwant metrics[0].channel: %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Metrics[0].Channel != tc.channel {
				t.Errorf("channel = %q", cfg.Metrics[0].Channel)
			}
		})
	}
}

func BenchmarkRoute(b *testing.B) {
	cfg, err := config.Parse("w.yaml", []byte(routed))
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2025, 3, 5, 4, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_, sev := cfg.Route("document_revised", "uc_unaccounted", "gao")
		_ = cfg.Held(sev, at)
	}
}
