package notify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/figwatch/watcher/internal/diff"
)

// loadEvent reads one of the shared event fixtures in testdata/events.
func loadEvent(t *testing.T, name string) diff.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev diff.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return ev
}

func TestHeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		want    string
	}{
		{"metric_changed", "Children not served a notice to appear: more than 291,000 → 233,000 (−58,000, −19.9%)"},
		{"metric_new", "Unemployment rate, recent graduates: 6.1% (new metric)"},
		{"claim_mismatch", "Children not served a notice to appear: The Daily Paper claims roughly 300,000, official figure is 233,000 (+67,000, +28.8%)"},
		{"document_revised", "Revised: Arrivals slow: 3 figures changed"},
		{"new_report", "New report from DHS Office of Immigration Statistics: Immigration Enforcement Update, January 2026 (3 tracked figures)"},
		{"source_failing", "Source failing: DHS Office of Immigration Statistics: fetch https://www.example.gov/ois/feed.xml: 503 Service Unavailable <!channel> retry later"},
		{"source_recovered", "Source recovered: DHS Office of Immigration Statistics after 6h12m failing"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			if got := Headline(loadEvent(t, tc.fixture)); got != tc.want {
				t.Errorf("Headline =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestHeadlineOfOneRevisedFigure(t *testing.T) {
	t.Parallel()
	ev := loadEvent(t, "document_revised")
	ev.Changes = ev.Changes[:1]
	want := "Revised: Arrivals slow: 32,000 → 43,000"
	if got := Headline(ev); got != want {
		t.Errorf("Headline = %q, want %q", got, want)
	}
}

// Every kind renders a one-line headline and a plain text that starts with
// it, stays within the terminal width and never carries a control
// character from the document.
func TestPlainTextIsSafeAndWrapped(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"metric_changed", "metric_changed_hostile", "metric_changed_long_quote", "metric_new",
		"claim_mismatch", "document_revised", "new_report", "source_failing", "source_recovered"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ev := loadEvent(t, name)
			h := Headline(ev)
			if strings.ContainsAny(h, "\n\r") {
				t.Errorf("headline spans lines: %q", h)
			}
			text := PlainText(ev)
			if !strings.HasPrefix(text, h+"\n\n") {
				t.Errorf("plain text does not start with the headline:\n%s", text)
			}
			for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
				if i > 0 && utf8.RuneCountInString(line) > plainWidth && strings.Contains(line, " ") && !strings.Contains(line, "http") {
					t.Errorf("line %d is %d runes wide: %q", i, utf8.RuneCountInString(line), line)
				}
				for _, r := range line {
					if r == 0x1b || r == '\u202e' || r == '\r' {
						t.Errorf("line %d holds control rune %U: %q", i, r, line)
					}
				}
			}
			if n := utf8.RuneCountInString(text); n > 4000 {
				t.Errorf("plain text is %d runes; quotes should be cut", n)
			}
		})
	}
}

func TestPlainTextMarksTheFigure(t *testing.T) {
	t.Parallel()
	text := PlainText(loadEvent(t, "metric_changed"))
	if !strings.Contains(text, "*233,000*") {
		t.Errorf("figure not marked in:\n%s", text)
	}
}
