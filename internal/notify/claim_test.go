package notify

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

func pastOfficial(value float64, unit string, published time.Time) diff.Stated {
	return diff.Stated{Value: value, Unit: unit, Wording: FormatNumber(value, ""), Published: published,
		Source: "dhs-oig", Title: "Earlier report", URL: "https://www.example.gov/earlier"}
}

func TestPastMatch(t *testing.T) {
	t.Parallel()
	aug2024 := time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC)
	may2023 := time.Date(2023, 5, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		mutate   func(ev *diff.Event)
		wantText string
	}{
		{
			name:     "equal to a past official value",
			mutate:   func(ev *diff.Event) { ev.Figures = []diff.Stated{pastOfficial(300000, "", aug2024)} },
			wantText: "matches the August 2024 figure, since revised",
		},
		{
			name:     "within half a percent",
			mutate:   func(ev *diff.Event) { ev.Figures = []diff.Stated{pastOfficial(301400, "", aug2024)} },
			wantText: "matches the August 2024 figure, since revised",
		},
		{
			name:   "beyond half a percent",
			mutate: func(ev *diff.Event) { ev.Figures = []diff.Stated{pastOfficial(301600, "", aug2024)} },
		},
		{
			name: "the most recent matching value wins",
			mutate: func(ev *diff.Event) {
				ev.Figures = []diff.Stated{pastOfficial(300000, "", may2023), pastOfficial(280000, "", may2023.AddDate(0, 6, 0)), pastOfficial(300000, "", aug2024)}
			},
			wantText: "matches the August 2024 figure, since revised",
		},
		{
			name: "seen date when the report has no published date",
			mutate: func(ev *diff.Event) {
				p := pastOfficial(300000, "", time.Time{})
				p.Seen = may2023
				ev.Figures = []diff.Stated{p}
			},
			wantText: "matches the May 2023 figure, since revised",
		},
		{
			name:     "no date at all",
			mutate:   func(ev *diff.Event) { ev.Figures = []diff.Stated{pastOfficial(300000, "", time.Time{})} },
			wantText: "matches an earlier official figure, since revised",
		},
		{
			name: "another unit",
			mutate: func(ev *diff.Event) {
				ev.New.Unit = "children"
				ev.Figures = []diff.Stated{pastOfficial(300000, "usd", aug2024)}
			},
		},
		{
			name: "an unknown unit matches",
			mutate: func(ev *diff.Event) {
				ev.New.Unit = "children"
				ev.Figures = []diff.Stated{pastOfficial(300000, "", aug2024)}
			},
			wantText: "matches the August 2024 figure, since revised",
		},
		{
			name: "a past value equal to the current official one was not revised",
			mutate: func(ev *diff.Event) {
				ev.New.Value = 233000
				ev.Figures = []diff.Stated{pastOfficial(233000, "", aug2024)}
			},
		},
		{
			name:   "no past values",
			mutate: func(ev *diff.Event) { ev.Figures = nil },
		},
		{
			name: "only for claims",
			mutate: func(ev *diff.Event) {
				ev.Kind = diff.MetricChanged
				ev.Figures = []diff.Stated{pastOfficial(300000, "", aug2024)}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := loadEvent(t, "claim_mismatch")
			tc.mutate(&ev)
			_, ok := pastMatch(ev)
			if ok != (tc.wantText != "") {
				t.Errorf("PastMatch ok = %v, want %v", ok, tc.wantText != "")
			}
			if got := (builder{loc: time.UTC}).pastMatchText(ev); got != tc.wantText {
				t.Errorf("PastMatchText = %q, want %q", got, tc.wantText)
			}
		})
	}
}

func TestClaimMatchingRevisedFigureSaysSo(t *testing.T) {
	t.Parallel()
	ev := loadEvent(t, "claim_mismatch")
	ev.Figures = []diff.Stated{pastOfficial(300000, "", time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC))}
	wantHead := "Children not served a notice to appear: The Daily Paper claims roughly 300,000, official figure is 233,000 (+67,000, +28.8%); matches the August 2024 figure, since revised"
	if got := Headline(ev); got != wantHead {
		t.Errorf("Headline =\n%q\nwant\n%q", got, wantHead)
	}
	text := PlainText(ev)
	for _, want := range []string{
		"Note       The claim matches the August 2024 figure, since revised: 300,000,",
		"https://www.example.gov/earlier",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("plain text lacks %q:\n%s", want, text)
		}
	}
}

func outlet(i int) diff.Stated {
	return diff.Stated{
		Value: 300000, Source: fmt.Sprintf("outlet-%d", i), Authority: "press",
		URL: fmt.Sprintf("https://news%d.example.com/story", i), Title: fmt.Sprintf("Story %d", i),
		Published: time.Date(2026, 2, 6, i%24, 0, 0, 0, time.UTC),
	}
}

func TestAlsoReported(t *testing.T) {
	t.Parallel()
	ev := loadEvent(t, "claim_mismatch")
	many := make([]diff.Stated, 0, 25)
	for i := range 25 {
		many = append(many, outlet(i))
	}
	own := outlet(99)
	own.URL = ev.New.URL
	tests := []struct {
		name      string
		also      []diff.Stated
		wantShown []string
		wantMore  int
	}{
		{name: "none", also: nil},
		{name: "three outlets", also: many[:3], wantShown: []string{"outlet-0", "outlet-1", "outlet-2"}},
		{
			name:      "the claim's own document and repeats are left out",
			also:      []diff.Stated{own, many[0], many[1], many[0]},
			wantShown: []string{"outlet-0", "outlet-1"},
		},
		{
			name:      "ten shown, the rest counted",
			also:      many,
			wantShown: []string{"outlet-0", "outlet-1", "outlet-2", "outlet-3", "outlet-4", "outlet-5", "outlet-6", "outlet-7", "outlet-8", "outlet-9"},
			wantMore:  15,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			shown, more := alsoReported(Alert{Event: ev, Also: tc.also})
			var got []string
			for _, s := range shown {
				got = append(got, s.Source)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantShown, ",") || more != tc.wantMore {
				t.Errorf("AlsoReported = %v, %d more; want %v, %d more", got, more, tc.wantShown, tc.wantMore)
			}
		})
	}
}

func TestAlertTextListsOtherOutlets(t *testing.T) {
	t.Parallel()
	ev := loadEvent(t, "claim_mismatch")
	if got := AlertText(Alert{Event: ev}); got != PlainText(ev) {
		t.Errorf("without Also, AlertText differs from PlainText:\n%s", got)
	}
	also := make([]diff.Stated, 12)
	for i := range also {
		also[i] = outlet(i)
	}
	text := AlertText(Alert{Event: ev, Also: also})
	for _, want := range []string{
		"Also reported by 12 other documents:\n",
		"  • Story 0 (outlet-0, 6 Feb 2026)\n    https://news0.example.com/story\n",
		"  • Story 9 (outlet-9, 6 Feb 2026)\n",
		"  • …and 2 more\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("AlertText lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Story 10") {
		t.Errorf("more than %d outlets listed:\n%s", AlsoShown, text)
	}
}
