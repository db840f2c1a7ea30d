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
