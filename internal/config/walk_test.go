package config

import "testing"

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
