package web

import (
	"math"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/store"
)

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   float64
		want string
	}{
		{"zero", 0, "0"},
		{"hundreds", 999, "999"},
		{"thousands", 291000, "291,000"},
		{"millions", 1234567, "1,234,567"},
		{"decimals kept", 4.1, "4.1"},
		{"decimals rounded", 3.14159, "3.14"},
		{"trailing zeros dropped", 2.50, "2.5"},
		{"negative", -1234.5, "-1,234.5"},
		{"tiny negative is zero", -0.001, "0"},
		{"trillions", 1.2e12, "1,200,000,000,000"},
		{"NaN", math.NaN(), "NaN"},
		{"infinity", math.Inf(1), "∞"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := formatNumber(tc.in); got != tc.want {
				t.Errorf("formatNumber(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFormatObservation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		in            store.Observation
		wantValue     string
		wantQualifier string
	}{
		{"count noun", store.Observation{Value: 291000, Unit: "jobs", Qualifier: "exact"}, "291,000 jobs", ""},
		{"document's qualifier", store.Observation{Value: 320000, Qualifier: "over", QualifierText: "more than"}, "320,000", "more than"},
		{"qualifier in words", store.Observation{Value: 30000, Qualifier: "approx"}, "30,000", "about"},
		{"over in words, as alerts say it", store.Observation{Value: 320000, Unit: "jobs", Qualifier: "over"}, "320,000 jobs", "more than"},
		{"under a percentage", store.Observation{Value: 4.1, Unit: "percent", Qualifier: "under"}, "4.1%", "less than"},
		{"percent", store.Observation{Value: 4.1, Unit: "percent"}, "4.1%", ""},
		{"percent range", store.Observation{Value: 4.1, High: 4.3, Unit: "percent"}, "4.1–4.3%", ""},
		{"dollars", store.Observation{Value: 1200, Unit: "usd", Qualifier: "up_to"}, "$1,200", "up to"},
		{"dollar range", store.Observation{Value: 1e6, High: 2e6, Unit: "usd"}, "$1,000,000–$2,000,000", ""},
		{"negative dollars", store.Observation{Value: -5, Unit: "usd"}, "-$5", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := formatObservationValue(tc.in); got != tc.wantValue {
				t.Errorf("value = %q, want %q", got, tc.wantValue)
			}
			if got := observationQualifier(tc.in); got != tc.wantQualifier {
				t.Errorf("qualifier = %q, want %q", got, tc.wantQualifier)
			}
		})
	}
}

func TestHumanBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {3 << 20, "3.0 MiB"}, {5<<30 + 512<<20, "5.5 GiB"},
	} {
		if got := humanBytes(tc.in); got != tc.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRelativeTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 7, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		t    time.Time
		want string
	}{
		{"now", now, "just now"},
		{"seconds ago", now.Add(-42 * time.Second), "42s ago"},
		{"minutes ahead", now.Add(4*time.Minute + 10*time.Second), "in 4m 10s"},
		{"hours ago", now.Add(-(5*time.Hour + 12*time.Minute)), "5h 12m ago"},
		{"days ago", now.Add(-(3*24*time.Hour + 4*time.Hour + 59*time.Minute)), "3d 4h ago"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := relativeTime(tc.t, now); got != tc.want {
				t.Errorf("relativeTime = %q, want %q", got, tc.want)
			}
		})
	}
}
