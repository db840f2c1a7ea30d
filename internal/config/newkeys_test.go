package config_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/figwatch/watcher/internal/config"
)

func TestNewKeysDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("w.yaml", []byte(minimal+`
  - id: m2
    any: [x]
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Fetch.MaxItems != 1000 || cfg.Fetch.MaxFollow != 100 || cfg.Alerts.MaxPerPoll != 50 || cfg.Fetch.AllowPrivate != nil {
		t.Errorf("fetch/alerts defaults: %+v %+v", cfg.Fetch, cfg.Alerts)
	}
	if cfg.HTTP.Pprof || cfg.HTTP.TokenEnv != "WATCHER_HTTP_TOKEN" || cfg.HTTP.TokenFile != "" || cfg.Log.Store != "off" {
		t.Errorf("http/log defaults: %+v %+v", cfg.HTTP, cfg.Log)
	}
	if cfg.FiscalYearStart != time.October {
		t.Errorf("FiscalYearStart = %v, want October", cfg.FiscalYearStart)
	}
	if m := cfg.Metrics[0]; m.Series != "" || m.MinChange != (config.Threshold{}) {
		t.Errorf("metric defaults: %+v", m)
	}
	if s := cfg.Sources[0]; s.Revisit != nil || s.Links != "" || s.CSV != nil || s.JQ != "" || s.Discover != "" {
		t.Errorf("a plain feed got kind options: %+v", s)
	}
}

func TestNewKeysDecode(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("w.yaml", []byte(`
fiscal_year_start: 7
log: {store: debug}
fetch:
  allow_private: [10.1.2.3/8, 192.0.2.7, "fd00::1"]
  max_items: 20
  max_follow: 3
alerts: {max_per_poll: 5}
http:
  pprof: true
  token_env: ""
  token_file: /run/credentials/watcher.service/http-token
  socket: /run/watcher/w.sock
sources:
  - id: news
    url: https://example.org/feed.xml
    follow_links: true
  - id: list
    kind: listing
    url: https://example.org/list.html
    allow_private: [127.0.0.1]
    revisit: off
  - id: list2
    kind: listing
    url: https://example.org/list.html
    links: "ul.reports a"
    revisit: [2h, 2d]
    selector: main
  - id: ice-stats
    kind: csv
    url: https://example.org/stats.html
    discover: 'stats-fy\d+\.csv$'
    csv:
      value: Count
      period: {fiscal_year: FY, month: Month}
      rows:
        - metric: uc_no_nta
          where: {Measure: NTA, Program: [UAC, UC]}
  - id: api
    kind: json
    url: https://example.org/api.json
    jq: '.data[] | {date: .d, value: .v}'
metrics:
  - id: uc_no_nta
    any: [NTA]
    series: fiscal_year
    min_change: 2%
  - id: other
    any: [other]
    min_change: 500
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FiscalYearStart != time.July || cfg.Log.Store != "debug" || cfg.Alerts.MaxPerPoll != 5 {
		t.Errorf("got %v %q %d", cfg.FiscalYearStart, cfg.Log.Store, cfg.Alerts.MaxPerPoll)
	}
	wantNets := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("fd00::1/128")}
	var nets []netip.Prefix = cfg.Fetch.AllowPrivate // usable as a plain []netip.Prefix
	if diff := cmp.Diff(wantNets, nets, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("allow_private (-want +got):\n%s", diff)
	}
	if cfg.Fetch.MaxItems != 20 || cfg.Fetch.MaxFollow != 3 {
		t.Errorf("fetch = %+v", cfg.Fetch)
	}
	wantHTTP := config.HTTP{Pprof: true, TokenFile: "/run/credentials/watcher.service/http-token", Socket: "/run/watcher/w.sock"}
	if cfg.HTTP != wantHTTP {
		t.Errorf("http = %+v, want %+v", cfg.HTTP, wantHTTP)
	}
	src := map[string]config.Source{}
	for _, s := range cfg.Sources {
		src[s.ID] = s
	}
	if got := src["news"].Revisit; !cmp.Equal(got, config.DefaultRevisit()) {
		t.Errorf("feed with follow_links: revisit = %v, want the default", got)
	}
	if l := src["list"]; l.Links != "a[href]" || l.Revisit != nil || !l.AllowPrivate.Contains(netip.MustParseAddr("127.0.0.1")) {
		t.Errorf("listing = %+v", l)
	}
	if l := src["list2"]; l.Links != "ul.reports a" || !cmp.Equal(l.Revisit, config.Durations{config.Duration(2 * time.Hour), config.Duration(48 * time.Hour)}) || l.Selector != "main" {
		t.Errorf("listing 2 = %+v", l)
	}
	wantCSV := &config.CSV{
		Value:  "Count",
		Period: config.CSVPeriod{FiscalYear: "FY", Month: "Month"},
		Rows:   []config.CSVRow{{Metric: "uc_no_nta", Where: map[string]config.StringList{"Measure": {"NTA"}, "Program": {"UAC", "UC"}}}},
	}
	if c := src["ice-stats"]; c.Discover != `stats-fy\d+\.csv$` || !cmp.Equal(wantCSV, c.CSV) {
		t.Errorf("csv source = %+v, csv %+v", c, c.CSV)
	}
	if j := src["api"]; j.JQ != ".data[] | {date: .d, value: .v}" {
		t.Errorf("json source = %+v", j)
	}
	if m := cfg.Metrics[0]; m.Series != "fiscal_year" || m.MinChange != (config.Threshold{Pct: 2}) {
		t.Errorf("metric = %+v", m)
	}
	if m := cfg.Metrics[1]; m.MinChange != (config.Threshold{Abs: 500}) {
		t.Errorf("metric = %+v", m)
	}
}

func TestThresholdBelow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		t        string
		old, new float64
		want     bool
	}{
		{"zero lets every change through", "0", 100, 100.5, false},
		{"absolute below", "500", 10000, 10499, true},
		{"absolute at the threshold", "500", 10000, 10500, false},
		{"absolute downwards", "500", 10000, 9600, true},
		{"percent below", "2%", 1000, 1019, true},
		{"percent at the threshold", "2%", 1000, 1020, false},
		{"percent of a negative old value", "10%", -100, -95, true},
		{"percent from zero", "2%", 0, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			th, err := config.ParseThreshold(tc.t)
			if err != nil {
				t.Fatal(err)
			}
			if got := th.Below(tc.old, tc.new); got != tc.want {
				t.Errorf("%s.Below(%v, %v) = %v, want %v", th, tc.old, tc.new, got, tc.want)
			}
		})
	}
}

func TestFiscalYearStartSpellings(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Month{"October": 10, "oct": 10, "SEPTEMBER": 9, "1": 1, "12": 12} {
		cfg, err := config.Parse("w.yaml", []byte("fiscal_year_start: "+in+"\n"+minimal))
		if err != nil || cfg.FiscalYearStart != want {
			t.Errorf("fiscal_year_start: %s = %v, %v; want %v", in, cfg.FiscalYearStart, err, want)
		}
	}
	for _, in := range []string{"0", "13", "ju", "[10]"} {
		if _, err := config.Parse("w.yaml", []byte("fiscal_year_start: "+in+"\n"+minimal)); err == nil {
			t.Errorf("fiscal_year_start: %s accepted", in)
		}
	}
}

func TestHTTPToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  file-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		http    config.HTTP
		env     map[string]string
		want    string
		wantErr string
	}{
		{"none configured", config.HTTP{TokenEnv: "T"}, nil, "", ""},
		{"from the environment", config.HTTP{TokenEnv: "T", TokenFile: file}, map[string]string{"T": "env-token-0123456789"}, "env-token-0123456789", ""},
		{"from the file", config.HTTP{TokenEnv: "T", TokenFile: file}, nil, "file-token-0123456789", ""},
		{"too short", config.HTTP{TokenEnv: "T"}, map[string]string{"T": "hunter2"}, "", "http token from $T is shorter than 16 characters"},
		{"missing file", config.HTTP{TokenFile: filepath.Join(dir, "nope")}, nil, "", "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{HTTP: tc.http}
			tok, err := cfg.HTTPToken(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("err = %v, want %q without the token", err, tc.wantErr)
				}
				return
			}
			if err != nil || tok.Reveal() != tc.want {
				t.Fatalf("HTTPToken = %q, %v; want %q", tok.Reveal(), err, tc.want)
			}
			if tc.want != "" && tok.String() != "[redacted]" {
				t.Errorf("token prints as %q", tok.String())
			}
		})
	}
}

var _ = cmpopts.EquateEmpty
