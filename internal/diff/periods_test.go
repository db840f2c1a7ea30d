package diff

import (
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/period"
)

func TestFigurePeriod(t *testing.T) {
	t.Parallel()
	published := time.Date(2024, 12, 17, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name, text string
		figure     string // the figure's text, found by its first occurrence after any "@"
		sentence   string // where its sentence starts (empty: at the figure)
		series     period.Kind
		frame      string
		wantKey    string
		wantFrom   string
	}{
		{name: "before the figure in its sentence", text: "As of January 2025, ICE had not served 233,000 children.",
			figure: "233,000", sentence: "As of", wantKey: "@2025-01", wantFrom: "sentence"},
		{name: "after the figure in its sentence", text: "CBP data show 96,003 encounters in November.",
			figure: "96,003", sentence: "CBP", wantKey: "2024-11", wantFrom: "sentence"},
		{name: "relative to the publication date", text: "Encounters topped 300,000 last month.",
			figure: "300,000", sentence: "Encounters", wantKey: "2024-11", wantFrom: "sentence"},
		{name: "the nearest before wins", text: "In October 2024, 106,321; in November 2024, 94,190 encounters.",
			figure: "94,190", sentence: "In October", wantKey: "2024-11", wantFrom: "sentence"},
		{name: "inherited from the paragraph", text: "In fiscal year 2023, CBP met its goals. Agents recorded 2,045,838 encounters.",
			figure: "2,045,838", sentence: "Agents", wantKey: "FY2023", wantFrom: "paragraph"},
		{name: "not from another paragraph", text: "In fiscal year 2023, CBP met its goals.\n\nDocument date\n\nAgents recorded 2,045,838 encounters.",
			figure: "2,045,838", sentence: "Agents", wantKey: "@2024-12-17", wantFrom: "document"},
		{name: "from the heading", text: "Encounters, November 2024\n\nAgents recorded 94,190 encounters.",
			figure: "94,190", sentence: "Agents", wantKey: "2024-11", wantFrom: "heading"},
		{name: "table row", text: "Month | Encounters\nOct 2024 | 106,321\nNov 2024 | 94,190",
			figure: "94,190", wantKey: "2024-11", wantFrom: "sentence"},
		{name: "table column header", text: "Measure | Oct 2024 | Nov 2024\nEncounters | 106,321 | 94,190",
			figure: "94,190", wantKey: "2024-11", wantFrom: "table"},
		{name: "document date", text: "Agents recorded 94,190 encounters.",
			figure: "94,190", sentence: "Agents", wantKey: "@2024-12-17", wantFrom: "document"},
		{name: "widened to the series", text: "As of November 30, 2024, agents recorded 94,190 encounters.",
			figure: "94,190", sentence: "As of", series: period.Month, wantKey: "2024-11", wantFrom: "sentence"},
		{name: "document date widened to the series", text: "Agents recorded 94,190 encounters.",
			figure: "94,190", sentence: "Agents", series: period.FiscalYear, wantKey: "FY2025", wantFrom: "document"},
		{name: "the frame's period words win", text: "In our August 2024 alert we reported 291,000 children as of May 2024.",
			figure: "291,000", sentence: "In our", frame: "as of May 2024", wantKey: "@2024-05", wantFrom: "frame"},
		{name: "frame words that are no period are ignored", text: "As of January 2025, ICE had not served 233,000 children.",
			figure: "233,000", sentence: "As of", frame: "recently", wantKey: "@2025-01", wantFrom: "sentence"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := strings.Index(tc.text, tc.figure)
			ss := start
			if tc.sentence != "" {
				ss = strings.LastIndex(tc.text[:start], tc.sentence)
			} else if nl := strings.LastIndexByte(tc.text[:start], '\n'); nl >= 0 {
				ss = nl + 1
			}
			f := extract.Figure{Text: tc.figure, Start: start, End: start + len(tc.figure), SentenceStart: ss}
			p := newDocPeriods(period.Parser{}, tc.text, published, published).forFigure(f, tc.frame, tc.series)
			if p.Key != tc.wantKey || p.From != tc.wantFrom {
				t.Errorf("period %s from %s, want %s from %s", p.Key, p.From, tc.wantKey, tc.wantFrom)
			}
		})
	}
}
