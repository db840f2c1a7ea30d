package slackapp

import (
	"bytes"
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
)

func TestSuggestNoneFindsATermThatAvoidsTheMatch(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("w.yaml", []byte(outboxYAML))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		c        store.Correction
		want     string
		verified bool
	}{
		{"a word near the figure excludes it",
			store.Correction{DocID: "d", Text: "40,000", OldMetric: "uc_no_nta",
				Sentence: "Some 40,000 adults were served a notice to appear last year."}, "adults", true},
		{"a metric the config no longer has", store.Correction{DocID: "d", Text: "1", OldMetric: "gone", Sentence: "One thing."}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := SuggestNone(cfg, tc.c)
			if s.Term != tc.want || s.Verified != tc.verified {
				t.Errorf("SuggestNone = %q verified=%v, want %q verified=%v", s.Term, s.Verified, tc.want, tc.verified)
			}
		})
	}
	if !stillMatches(cfg, tests[0].c, "zebra") {
		t.Fatal("the figure does not match uc_no_nta to begin with: the case proves nothing")
	}
	var out bytes.Buffer
	WriteCorrections(&out, cfg, []store.Correction{tests[0].c})
	if !strings.Contains(out.String(), `rule change: metrics[uc_no_nta].none += ["adults"]`) {
		t.Errorf("report:\n%s", out.String())
	}
}
