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

func TestEveryKindHasARouteAfterLoad(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, minimal)
	want := map[string]string{
		"metric_changed": "high", "claim_mismatch": "normal", "new_report": "normal", "metric_new": "low",
		"document_revised": "normal", "source_failing": "normal", "source_recovered": "low",
		"period_new": "normal",
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
}

func TestSeverityRank(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"low": 0, "normal": 1, "high": 2, "": -1, "HIGH": -1, "urgent": -1} {
		if got := config.SeverityRank(s); got != want {
			t.Errorf("SeverityRank(%q) = %d, want %d", s, got, want)
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
