package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

func TestDigestText(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 2, 5, 22, 0, 0, 0, time.UTC)
	to := time.Date(2026, 2, 6, 7, 0, 0, 0, time.UTC)
	revised := loadEvent(t, "document_revised")
	revised.Metric, revised.MetricLabel = "uc_failed_to_appear", "Children who failed to appear"
	tests := []struct {
		name   string
		events []diff.Event
		from   time.Time
		to     time.Time
		want   []string
		absent []string
	}{
		{
			name: "no events",
			from: from, to: to,
			want: []string{"Digest: 0 alerts held from 5 Feb 2026 22:00 UTC to 6 Feb 2026 07:00 UTC\n"},
		},
		{
			name:   "one line per event with kind, headline and link",
			events: []diff.Event{loadEvent(t, "metric_changed"), loadEvent(t, "source_failing")},
			from:   from, to: to,
			want: []string{
				"Digest: 2 alerts held from",
				"  • [metric changed] Children not served a notice to appear: more than 291,000 →",
				"  • [source failing] Source failing:",
				"    https://www.example.gov/ois/feed.xml\n",
			},
		},
		{
			name:   "the metric label leads when the headline lacks it",
			events: []diff.Event{revised},
			to:     to,
			want:   []string{"Digest: 1 alert held until 6 Feb 2026 07:00 UTC", "[document revised] Children who failed to appear: Revised: Arrivals slow"},
		},
		{
			name:   "no period",
			events: []diff.Event{loadEvent(t, "metric_new")},
			want:   []string{"Digest: 1 alert held\n"},
			absent: []string{"from", "until"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := DigestText(tc.events, tc.from, tc.to)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("digest lacks %q:\n%s", w, got)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(strings.SplitN(got, "\n", 2)[0], a) {
					t.Errorf("digest summary holds %q:\n%s", a, got)
				}
			}
			if n := strings.Count(got, "  • "); n != len(tc.events) {
				t.Errorf("%d entries for %d events:\n%s", n, len(tc.events), got)
			}
		})
	}
}
