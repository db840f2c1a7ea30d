package notify

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

func TestSamplesCoverEveryKind(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	samples := Samples(now)
	if len(samples) != len(diff.Kinds) {
		t.Fatalf("%d samples for %d kinds", len(samples), len(diff.Kinds))
	}
	for i, ev := range samples {
		t.Run(string(diff.Kinds[i]), func(t *testing.T) {
			t.Parallel()
			if ev.Kind != diff.Kinds[i] {
				t.Errorf("sample %d is %s, want %s", i, ev.Kind, diff.Kinds[i])
			}
			if ev.At.After(now) || now.Sub(ev.At) > time.Hour {
				t.Errorf("At = %v, want shortly before %v", ev.At, now)
			}
			if ev.Source == "" || ev.SourceName == "" || ev.Authority == "" {
				t.Errorf("source incomplete: %q %q %q", ev.Source, ev.SourceName, ev.Authority)
			}
			if u, err := url.Parse(ev.URL); err != nil || u.Scheme != "https" || u.Host == "" {
				t.Errorf("URL %q is not an https link", ev.URL)
			}
			if strings.Contains(Headline(ev), "(none)") {
				t.Errorf("headline lacks a value: %q", Headline(ev))
			}
			var stated []*diff.Stated
			stated = append(stated, ev.Old, ev.New)
			for j := range ev.Figures {
				stated = append(stated, &ev.Figures[j])
			}
			for _, c := range ev.Changes {
				stated = append(stated, c.Before, c.After)
			}
			for _, s := range stated {
				if s == nil {
					continue
				}
				if s.Quote[s.Mark[0]:s.Mark[1]] != s.Text || s.Text == "" {
					t.Errorf("mark %v of %q does not hold %q", s.Mark, s.Quote, s.Text)
				}
				if s.Published.IsZero() || s.URL == "" || s.Title == "" {
					t.Errorf("figure %q lacks provenance", s.Wording)
				}
			}
		})
	}
	if !reflect.DeepEqual(samples, Samples(now)) {
		t.Error("Samples is not deterministic for one now")
	}
}

// The claim sample shows the layout's most useful line: a press figure
// that repeats the official figure of August 2024, since revised.
func TestSampleClaimRepeatsRevisedFigure(t *testing.T) {
	t.Parallel()
	for _, ev := range Samples(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
		if ev.Kind != diff.ClaimMismatch {
			continue
		}
		if got, want := (builder{loc: time.UTC}).pastMatchText(ev), "matches the August 2024 figure, since revised"; got != want {
			t.Errorf("PastMatchText = %q, want %q", got, want)
		}
		return
	}
	t.Fatal("no claim_mismatch sample")
}

// swbStory is a newsroom's own story, as the newcomer audit configured it:
// one official page, one press feed, two metrics.
var swbStory = Story{
	Metrics: []StoryMetric{
		{ID: "swb_encounters", Label: "Southwest border encounters", Unit: "encounters"},
		{ID: "swb_share_families", Label: "Share of encounters that were families", Unit: "percent"},
	},
	Sources: []StorySource{
		{ID: "border-wire", Name: "Border Wire", Authority: "press", URL: "https://border.example.net/feed.xml"},
		{ID: "cbp-swb", Name: "CBP southwest land border encounters", Authority: "official", URL: "https://www.cbp.gov/newsroom/stats/southwest-land-border-encounters"},
	},
}

func TestSamplesForTellTheConfigsOwnStory(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 21, 50, 0, 0, time.UTC)
	cases := []struct {
		name  string
		story Story
		// want is, per kind in diff.Kinds order, "source/metric" of the sample.
		want []string
	}{
		{
			name:  "official and press sources, two metrics",
			story: swbStory,
			want: []string{"cbp-swb/swb_encounters", "cbp-swb/swb_share_families", "cbp-swb/swb_share_families", "border-wire/", "cbp-swb/",
				"border-wire/swb_encounters", "cbp-swb/", "cbp-swb/"},
		},
		{
			name:  "no official source: a made-up one says so, health uses the config's source",
			story: Story{Metrics: swbStory.Metrics[:1], Sources: swbStory.Sources[:1]},
			want: []string{"sample-official/swb_encounters", "sample-official/swb_encounters", "sample-official/swb_encounters", "border-wire/", "sample-official/",
				"border-wire/swb_encounters", "border-wire/", "border-wire/"},
		},
		{
			name:  "no press source: the made-up outlet",
			story: Story{Metrics: swbStory.Metrics, Sources: swbStory.Sources[1:]},
			want: []string{"cbp-swb/swb_encounters", "cbp-swb/swb_share_families", "cbp-swb/swb_share_families", "example-courier/", "cbp-swb/",
				"example-courier/swb_encounters", "cbp-swb/", "cbp-swb/"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			evs := SamplesFor(tc.story, now)
			if len(evs) != len(diff.Kinds) {
				t.Fatalf("%d samples for %d kinds", len(evs), len(diff.Kinds))
			}
			for i, ev := range evs {
				if ev.Kind != diff.Kinds[i] {
					t.Errorf("sample %d is %s, want %s", i, ev.Kind, diff.Kinds[i])
				}
				if got := ev.Source + "/" + ev.Metric; got != tc.want[i] {
					t.Errorf("%s: source/metric = %q, want %q", ev.Kind, got, tc.want[i])
				}
				if ev.At.After(now) || now.Sub(ev.At) > time.Hour {
					t.Errorf("%s: At = %v, want shortly before %v", ev.Kind, ev.At, now)
				}
				if u, err := url.Parse(ev.URL); err != nil || u.Scheme != "https" || u.Host == "" {
					t.Errorf("%s: URL %q is not an https link", ev.Kind, ev.URL)
				}
				if h := Headline(ev); strings.Contains(h, "(none)") || strings.Contains(h, "448,000") {
					t.Errorf("%s: headline %q lacks a value or tells the built-in story", ev.Kind, h)
				}
				for _, s := range statedOf(ev) {
					if s.Quote[s.Mark[0]:s.Mark[1]] != s.Text || !strings.Contains(s.Quote, "not from any document") {
						t.Errorf("%s: quote %q does not mark %q or say it is made up", ev.Kind, s.Quote, s.Text)
					}
					// Made-up figures never link to a real page.
					if !strings.HasPrefix(s.URL, "https://example.com/") {
						t.Errorf("%s: figure links to %q, not the reserved domain", ev.Kind, s.URL)
					}
				}
			}
			if !reflect.DeepEqual(evs, SamplesFor(tc.story, now)) {
				t.Error("SamplesFor is not deterministic for one now")
			}
		})
	}
}

func TestSamplesForUnitsReadRight(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 21, 50, 0, 0, time.UTC)
	cases := []struct {
		name, unit, want string
	}{
		{"counted noun", "encounters", "Label: 12,400 encounters → 13,100 encounters (+700, +5.6%)"},
		{"percent", "percent", "Label: 12.4% → 13.1% (+0.7 pts, +5.6%)"},
		{"dollars", "usd", "Label: $4.2 billion → $4.6 billion (+$400 million, +9.5%)"},
		{"any unit", "", "Label: 12,400 → 13,100 (+700, +5.6%)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			evs := SamplesFor(Story{Metrics: []StoryMetric{{ID: "m", Label: "Label", Unit: tc.unit}}}, now)
			if got := Headline(evs[1]); got != tc.want {
				t.Errorf("metric_changed headline = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSamplesForWithoutMetricsIsTheBuiltInStory(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 21, 50, 0, 0, time.UTC)
	if !reflect.DeepEqual(SamplesFor(Story{Sources: swbStory.Sources}, now), Samples(now)) {
		t.Error("without metrics, SamplesFor differs from Samples")
	}
}

// statedOf is every figure an event carries.
func statedOf(ev diff.Event) []*diff.Stated {
	var out []*diff.Stated
	for _, s := range []*diff.Stated{ev.Old, ev.New} {
		if s != nil {
			out = append(out, s)
		}
	}
	for i := range ev.Figures {
		out = append(out, &ev.Figures[i])
	}
	for _, c := range ev.Changes {
		for _, s := range []*diff.Stated{c.Before, c.After} {
			if s != nil {
				out = append(out, s)
			}
		}
	}
	return out
}
