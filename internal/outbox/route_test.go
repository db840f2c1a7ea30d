package outbox

import (
	"strings"
	"testing"
	"time"

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

// minimal is a configuration without routes or quiet hours.
const minimal = `
sources:
  - id: gao
    url: https://www.gao.gov/rss/reports.xml
metrics:
  - id: uc_no_nta
    any: [notice to appear]
`

func mustParse(t testing.TB, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("w.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return cfg
}

func TestRoutePrecedence(t *testing.T) {
	t.Parallel()
	pol := NewPolicy(mustParse(t, routed))
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
			ch, sev := pol.Route(tc.kind, tc.metric, tc.source)
			if ch != tc.channel || sev != tc.severity {
				t.Errorf("Route(%q, %q, %q) = %q, %q; want %q, %q", tc.kind, tc.metric, tc.source, ch, sev, tc.channel, tc.severity)
			}
		})
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
			if got := NewPolicy(tc.cfg).Quiet(tc.at); got != tc.want {
				t.Errorf("Quiet(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestHeld(t *testing.T) {
	t.Parallel()
	pol := NewPolicy(mustParse(t, routed)) // hold_severity: normal
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
		if got := pol.Held(tc.severity, tc.at); got != tc.want {
			t.Errorf("Held(%q, %s) = %v, want %v", tc.severity, tc.at, got, tc.want)
		}
	}
	lowPol := NewPolicy(mustParse(t, strings.Replace(routed, "hold_severity: normal", "hold_severity: low", 1)))
	if lowPol.Held("normal", night) || !lowPol.Held("low", night) {
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
			got := NewPolicy(tc.cfg).NextDigest(tc.after)
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
	if got := NewPolicy(mustParse(t, minimal)).NextDigest(time.Now()); !got.IsZero() {
		t.Errorf("NextDigest without quiet hours = %s, want the zero time", got)
	}
}

// TestNextDigestOncePerDay walks a year of digests in a zone with DST:
// each is at the configured wall-clock time and they are a calendar day
// apart, so no day gets two digests or none.
func TestNextDigestOncePerDay(t *testing.T) {
	t.Parallel()
	for _, digest := range []string{"07:30", "02:30", "01:30", "00:00", "23:59"} {
		pol := NewPolicy(mustParse(t, strings.Replace(routed, `digest: "07:30"`, `digest: "`+digest+`"`, 1)))
		at := pol.NextDigest(ny(t, "2025-01-01 00:00"))
		for range 365 {
			next := pol.NextDigest(at)
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

func BenchmarkRoute(b *testing.B) {
	cfg, err := config.Parse("w.yaml", []byte(routed))
	if err != nil {
		b.Fatal(err)
	}
	pol := NewPolicy(cfg)
	at := time.Date(2025, 3, 5, 4, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_, sev := pol.Route("document_revised", "uc_unaccounted", "gao")
		_ = pol.Held(sev, at)
	}
}

// A Policy built from a Config made by hand, without Kinds, still gives
// every kind its default severity.
func TestPolicyOfABareConfig(t *testing.T) {
	t.Parallel()
	pol := NewPolicy(&config.Config{})
	if ch, sev := pol.Route("metric_changed", "", ""); ch != "" || sev != "high" {
		t.Errorf("bare Route = %q, %q", ch, sev)
	}
	at := time.Date(2025, 3, 5, 3, 0, 0, 0, time.UTC)
	if pol.Quiet(at) || pol.Held("low", at) || !pol.NextDigest(at).IsZero() {
		t.Error("a bare config has quiet hours")
	}
	if pol.MaxPerPoll != DefaultMaxPerPoll || pol.RetryMin != 0 || pol.MaxAge != 0 {
		t.Errorf("bare policy values %+v", pol)
	}
}

// FuzzPolicy builds a Policy from whatever config Parse accepts; routing
// and the digest clock must not panic on any of it, and a digest is always
// in the future.
func FuzzPolicy(f *testing.F) {
	f.Add("22:00", "07:00", "07:30", "America/New_York")
	f.Add("02:30", "03:30", "02:30", "America/New_York")
	f.Add("23:59", "00:00", "", "Pacific/Apia")
	f.Add("7:00", "7:01", "25:00", "UTC")
	f.Fuzz(func(t *testing.T, start, end, digest, tz string) {
		yaml := "timezone: " + quoteYAML(tz) + "\nalerts:\n  quiet_hours: {start: " + quoteYAML(start) +
			", end: " + quoteYAML(end) + ", digest: " + quoteYAML(digest) + "}\n" + minimal
		cfg, err := config.Parse("fuzz.yaml", []byte(yaml))
		if err != nil {
			return
		}
		pol := NewPolicy(cfg)
		at := time.Date(2025, 3, 9, 1, 0, 0, 0, time.UTC)
		pol.Route("metric_changed", "uc_no_nta", "gao")
		pol.Held("low", at)
		if next := pol.NextDigest(at); cfg.Alerts.QuietHours.Enabled() && !next.After(at) {
			t.Fatalf("next digest %s is not after %s", next, at)
		}
	})
}

func quoteYAML(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
