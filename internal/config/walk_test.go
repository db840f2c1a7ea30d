package config

import (
	"os"
	"regexp"
	"testing"
)

func TestSuggestKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want string
	}{
		{"shedule", "schedule"},
		{"Schedule", "schedule"},
		{"alertOnFirstPoll", "alert_on_first_poll"},
		{"follow-links", "follow_links"},
		{"urls", "url"},
		{"ur", "url"},
		{"selecter", "selector"},
		{"autority", "authority"},
		{"token", ""},    // too far from anything: no guess
		{"priority", ""}, // two edits from nothing close enough
		{"u", ""},        // too short to guess from
		{"headerz", "headers"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			if got := suggest(tc.key, sourceKeys); got != tc.want {
				t.Errorf("suggest(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"shedule", "schedule", 1}, {"né", "ne", 1},
	} {
		if got := levenshtein(tc.a, tc.b); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestShippedConfigDocumentsEveryKey holds the shipped file to its promise
// of documenting every key: each key of the schema appears in it, set or in
// a comment.
func TestShippedConfigDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../config/watcher.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sectionsOf := map[string][]string{
		"root": rootKeys, "storage": storageKeys, "log": logKeys, "fetch": fetchKeys, "defaults": defaultsKeys,
		"slack": slackKeys, "delivery": deliveryKeys, "alerts": alertsKeys, "alerts.kinds.*": kindKeys,
		"alerts.quiet_hours": quietKeys, "http": httpKeys, "retention": retentionKeys,
		"sources[]": sourceKeys, "metrics[]": metricKeys, "alerts.kinds": EventKinds(),
	}
	for section, keys := range sectionsOf {
		for _, k := range keys {
			// "key:" as YAML (maybe commented out, maybe a list item or in a
			// flow mapping), or "#   key  description" in a list of keys.
			re := regexp.MustCompile(`(?m)(^[\t ]*#?[\t ]*(- )?|[{,] ?)` + regexp.QuoteMeta(k) + `:|^#[\t ]+` + regexp.QuoteMeta(k) + `[\t ,]`)
			if !re.Match(data) {
				t.Errorf("config/watcher.yaml does not document %s key %q", section, k)
			}
		}
	}
}

func TestParseClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"00:00", 0, true}, {"7:30", 450, true}, {"07:30", 450, true}, {"23:59", 1439, true},
		{"24:00", 0, false}, {"12:60", 0, false}, {"7:3", 0, false}, {"007:30", 0, false},
		{"7am", 0, false}, {"", 0, false}, {":30", 0, false}, {"-1:30", 0, false}, {"+7:30", 0, false}, {"07:30:00", 0, false},
	}
	for _, tc := range tests {
		if got, ok := parseClock(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseClock(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
