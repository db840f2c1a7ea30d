package notify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	// The zone tests load America/New_York wherever the system has no
	// zoneinfo, as the daemon does (config embeds it too).
	_ "time/tzdata"

	"github.com/google/go-cmp/cmp"

	"github.com/figwatch/watcher/internal/diff"
)

// partLabels lists a message's parts as "Label=what", what being the
// fact's value, the text, the document's URL, the quoted figure or the
// number of items, so a test reads a whole message at a glance.
func partLabels(m Message) []string {
	var out []string
	for _, p := range m.Parts {
		var what string
		switch {
		case p.Items != nil:
			what = p.Value + " [" + strings.Repeat("•", len(p.Items)) + "]"
		case p.Value != "":
			what = p.Value
		case p.Text != "":
			what = "text"
		case p.Doc != nil:
			what = p.Doc.URL
		case p.Quote != nil:
			what = "“" + p.Quote.Text[p.Quote.Figure[0]:p.Quote.Figure[1]] + "”"
		}
		out = append(out, p.Label+"="+what)
	}
	return out
}

func linkIDs(m Message) []string {
	var out []string
	for _, l := range m.Links {
		out = append(out, l.ID+" "+l.URL)
	}
	return out
}

func TestBuildDescribesEachKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture  string
		headline string
		note     string
		parts    []string
		links    []string
		source   string
		metric   string
	}{
		{
			fixture:  "metric_changed",
			headline: "Children not served a notice to appear: more than 291,000 → 233,000 (−58,000, −19.9%)",
			parts: []string{
				"Was=more than 291,000", "Now=233,000", "Change=−58,000, −19.9%",
				"Source=DHS Office of Immigration Statistics (official)",
				"Report=https://www.example.gov/ois/enforcement-2026-01",
				"Was in=https://www.example.gov/ois/enforcement-2025-11",
				"Quote=“233,000”",
			},
			links: []string{
				"open_document https://www.example.gov/ois/enforcement-2026-01",
				"open_previous https://www.example.gov/ois/enforcement-2025-11",
			},
			source: "DHS Office of Immigration Statistics", metric: "nta_not_served_children",
		},
		{
			fixture:  "metric_new",
			headline: "Unemployment rate, recent graduates: 6.1% (new metric)",
			parts: []string{
				"Now=6.1%", "Source=Bureau of Labor Statistics (official)",
				"Report=https://www.example.gov/bls/grads-q3", "Quote=“6.1%”",
			},
			links:  []string{"open_document https://www.example.gov/bls/grads-q3"},
			source: "Bureau of Labor Statistics", metric: "grad_unemployment",
		},
		{
			fixture:  "claim_mismatch",
			headline: "Children not served a notice to appear: The Daily Paper claims roughly 300,000, official figure is 233,000 (+67,000, +28.8%)",
			parts:    []string{"Claim=roughly 300,000", "Official=233,000", "Difference=+67,000, +28.8% against the official figure"},
			links: []string{
				"open_claim https://paper.example.com/2026/02/06/children",
				"open_official https://www.example.gov/ois/enforcement-2026-01",
			},
			source: "The Daily Paper", metric: "nta_not_served_children",
		},
		{
			fixture:  "document_revised",
			headline: "Revised: Arrivals slow: 3 figures changed",
			parts: []string{
				"Document=https://paper.example.com/arrivals", "Source=The Daily Paper (press)",
				"First seen=6 Feb 2026 07:45 UTC", "Revised=7 Feb 2026 10:15 UTC", "Changes=3 figures [•••]",
			},
			links:  []string{"open_document https://paper.example.com/arrivals"},
			source: "The Daily Paper",
		},
		{
			fixture:  "new_report",
			headline: "New report from DHS Office of Immigration Statistics: Immigration Enforcement Update, January 2026 (3 tracked figures)",
			parts: []string{
				"Report=https://www.example.gov/ois/enforcement-2026-01",
				"Source=DHS Office of Immigration Statistics (official)", "Published=5 Feb 2026", "Figures=3 tracked figures [•••]",
			},
			links:  []string{"open_document https://www.example.gov/ois/enforcement-2026-01"},
			source: "DHS Office of Immigration Statistics",
		},
		{
			fixture:  "source_failing",
			headline: "Source failing: DHS Office of Immigration Statistics: fetch https://www.example.gov/ois/feed.xml: 503 Service Unavailable <!channel> retry later",
			parts: []string{
				"Source=DHS Office of Immigration Statistics (official)", "URL=https://www.example.gov/ois/feed.xml",
				"Since=8 Feb 2026 08:48 UTC", "Error=text",
			},
			links:  []string{"open_source https://www.example.gov/ois/feed.xml"},
			source: "DHS Office of Immigration Statistics",
		},
		{
			fixture:  "source_recovered",
			headline: "Source recovered: DHS Office of Immigration Statistics after 6h12m failing",
			parts: []string{
				"Source=DHS Office of Immigration Statistics (official)", "URL=https://www.example.gov/ois/feed.xml",
				"Since=8 Feb 2026 08:48 UTC", "Recovered=8 Feb 2026 15:00 UTC", "Last error=text",
			},
			links:  []string{"open_source https://www.example.gov/ois/feed.xml"},
			source: "DHS Office of Immigration Statistics",
		},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			ev := loadEvent(t, tc.fixture)
			m := Build(Alert{Event: ev})
			if m.Kind != string(ev.Kind) || !m.At.Equal(ev.At) {
				t.Errorf("kind, at = %q, %v; want %q, %v", m.Kind, m.At, ev.Kind, ev.At)
			}
			if m.Headline != tc.headline || m.HeadlineNote != tc.note {
				t.Errorf("headline = %q; %q\nwant        %q; %q", m.Headline, m.HeadlineNote, tc.headline, tc.note)
			}
			if d := cmp.Diff(tc.parts, partLabels(m)); d != "" {
				t.Errorf("parts (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.links, linkIDs(m)); d != "" {
				t.Errorf("links (-want +got):\n%s", d)
			}
			if m.Source != tc.source || m.Metric != tc.metric {
				t.Errorf("context = %q, %q; want %q, %q", m.Source, m.Metric, tc.source, tc.metric)
			}
		})
	}
}

func TestBuildClaimCarriesItsEvidence(t *testing.T) {
	t.Parallel()
	a := loadAlert(t, "claim_mismatch_also")
	m := Build(a)
	if m.HeadlineNote != "matches the August 2024 figure, since revised" {
		t.Errorf("headline note = %q", m.HeadlineNote)
	}
	byLabel := map[string]Part{}
	for _, p := range m.Parts {
		byLabel[p.Label] = p
	}
	claim := byLabel["Claim"]
	if claim.From != "The Daily Paper" || claim.Reported != "2 Apr 2025" || claim.Doc == nil || claim.Quote == nil {
		t.Fatalf("claim = %+v", claim)
	}
	if q := claim.Quote; q.Text[q.Figure[0]:q.Figure[1]] != "32,000" {
		t.Errorf("claim's quote marks %q", q.Text[q.Figure[0]:q.Figure[1]])
	}
	note := byLabel["Note"]
	if !note.Aside || !strings.HasPrefix(note.Value, "The claim matches the August 2024 figure") || note.Doc == nil {
		t.Errorf("past-figure note = %+v", note)
	}
	if len(m.Also) != 3 || m.AlsoMore != 0 || m.Also[0].Source != "evening-ledger" || m.Also[0].Date != "2 Apr 2025" {
		t.Errorf("also = %+v, %d more", m.Also, m.AlsoMore)
	}
}

func TestBuildListsCarryQuotes(t *testing.T) {
	t.Parallel()
	m := Build(Alert{Event: loadEvent(t, "document_revised")})
	list := m.Parts[len(m.Parts)-1]
	if list.ItemNoun != "changed figure" || len(list.Items) != 3 {
		t.Fatalf("list = %+v", list)
	}
	first := list.Items[0]
	if first.Name != "border_arrivals" || first.Text != "32,000 → 43,000" || len(first.Quotes) != 2 ||
		first.Quotes[0].Label != "before" || first.Quotes[1].Label != "after" {
		t.Errorf("first change = %+v", first)
	}
	if removed := list.Items[1]; removed.Text != "$1.2 billion → (removed)" || len(removed.Quotes) != 1 {
		t.Errorf("removed figure = %+v", removed)
	}
}

func TestBuildDigest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := BuildDigest(Samples(now), now.Add(-11*time.Hour), now, nil)
	if m.Kind != "digest" || m.Headline != "Digest: 8 alerts held" || m.Held == nil ||
		m.Held.FromText != "1 Mar 2026 22:00 UTC" || m.Held.ToText != "2 Mar 2026 09:00 UTC" {
		t.Fatalf("digest = %+v %+v", m, m.Held)
	}
	items := m.Parts[0].Items
	if len(items) != 8 {
		t.Fatalf("%d items", len(items))
	}
	// A revised document is led by its metric's label only when it has one.
	if it := items[1]; it.Tag != "metric changed" || !strings.HasPrefix(it.Text, "Children not served") || it.When != "2 Mar 2026 08:55 UTC" {
		t.Errorf("item = %+v", it)
	}
	if empty := BuildDigest(nil, time.Time{}, time.Time{}, nil); empty.Parts[0].Empty == "" || empty.Held.text() != "" {
		t.Errorf("empty digest = %+v", empty)
	}
}

// TestBuildShowsTimesInTheNewsroomZone: times a person reads are in the
// configured zone and labelled, and a publication date (midnight UTC) keeps
// its day.
func TestBuildShowsTimesInTheNewsroomZone(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, fixture, label, want string
	}{
		{"first seen", "document_revised", "First seen", "6 Feb 2026 02:45 EST"},
		{"revised", "document_revised", "Revised", "7 Feb 2026 05:15 EST"},
		{"failing since", "source_recovered", "Since", "8 Feb 2026 03:48 EST"},
		{"published date keeps its day", "new_report", "Published", "5 Feb 2026"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := BuildIn(Alert{Event: loadEvent(t, tc.fixture)}, ny)
			got := "(no such part)"
			for _, p := range m.Parts {
				if p.Label == tc.label {
					got = p.Value
				}
			}
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.label, got, tc.want)
			}
		})
	}
	m := BuildIn(Alert{Event: loadEvent(t, "metric_changed")}, ny)
	if m.When != "5 Feb 2026 10:30 EST" {
		t.Errorf("when = %q", m.When)
	}
	if d := BuildDigest(nil, time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC), time.Time{}, ny); d.Held.FromText != "30 Jun 2026 22:00 EDT" {
		t.Errorf("digest from = %q", d.Held.FromText)
	}
}

func TestBuildOfAnUnknownKindStillShowsItsDocument(t *testing.T) {
	t.Parallel()
	m := Build(Alert{Event: diff.Event{Kind: "rate_changed", Source: "bls", URL: "https://www.example.gov/x", Title: "July"}})
	if d := cmp.Diff([]string{"Source=bls", "Document=https://www.example.gov/x"}, partLabels(m)); d != "" {
		t.Errorf("parts (-want +got):\n%s", d)
	}
	if m.Headline != "rate_changed: bls July" {
		t.Errorf("headline = %q", m.Headline)
	}
}

// loadAlert reads one of the shared alert fixtures in testdata/alerts.
func loadAlert(t *testing.T, name string) Alert {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "alerts", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var a Alert
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return a
}

// TestBuildShowsPeriods: every figure with a period of its own shows it,
// a revised past period of a series leads with the period, a new period
// compares with the one before, a claim names the period of the official
// figure it repeats, and a conflict in one report is said, not hidden.
func TestBuildShowsPeriods(t *testing.T) {
	t.Parallel()
	at := func(s diff.Stated, label, key, from string) *diff.Stated {
		s.Period, s.PeriodKey, s.PeriodFrom = label, key, from
		return &s
	}
	fig := func(v float64, wording string) diff.Stated {
		return diff.Stated{Value: v, Wording: wording, Text: wording, Published: time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)}
	}
	may, jan := at(fig(291000, "more than 291,000"), "as of May 2024", "@2024-05", "sentence"), at(fig(233000, "233,000"), "as of January 2025", "@2025-01", "sentence")
	may.DocID = "OIG-24-46"
	oct, nov := at(fig(106321, "106,321"), "October 2024", "2024-10", "table"), at(fig(94190, "94,190"), "November 2024", "2024-11", "table")
	octRevised := at(fig(106582, "106,582"), "October 2024", "2024-10", "table")
	noPeriod := at(fig(233000, "233,000"), "as of March 2025", "@2025-03", "document")
	claim := at(fig(291000, "291,000"), "as of March 2026", "@2026-03", "document")
	claim.Outlet = "The Valley Post"
	tests := []struct {
		name       string
		ev         diff.Event
		headline   string
		note       string
		partValues map[string]string
	}{
		{
			name:     "quantity changed with as-of dates",
			ev:       diff.Event{Kind: diff.MetricChanged, MetricLabel: "Children not served an NTA", Old: may, New: jan},
			headline: "Children not served an NTA: more than 291,000 (as of May 2024) → 233,000 (as of January 2025) (−58,000, −19.9%)",
			partValues: map[string]string{
				"Was": "more than 291,000 (as of May 2024)", "Now": "233,000 (as of January 2025)",
			},
		},
		{
			name:     "revised past period of a series",
			ev:       diff.Event{Kind: diff.MetricChanged, MetricLabel: "Encounters", Period: "October 2024", Old: oct, New: octRevised},
			headline: "Encounters: October 2024 revised: 106,321 → 106,582 (+261, +0.2%)",
		},
		{
			name:     "new period of a series",
			ev:       diff.Event{Kind: diff.PeriodNew, MetricLabel: "Encounters", Period: "November 2024", Old: oct, New: nov},
			headline: "Encounters: November 2024: 94,190, −11.4% from October 2024 (106,321)",
			partValues: map[string]string{
				"Before": "106,321 (October 2024)", "Now": "94,190 (November 2024)", "Change": "−12,131, −11.4%",
			},
		},
		{
			name:     "no label for a period that is the document's date",
			ev:       diff.Event{Kind: diff.MetricNew, MetricLabel: "Children", New: noPeriod},
			headline: "Children: 233,000 (new metric)",
		},
		{
			name: "claim repeating a revised figure names its period and report",
			ev: diff.Event{Kind: diff.ClaimMismatch, MetricLabel: "Children", SourceName: "News aggregator",
				Old: jan, New: claim, Figures: []diff.Stated{*may}},
			headline: "Children: The Valley Post claims 291,000, official figure is 233,000 (as of January 2025) (+58,000, +24.9%)",
			note:     "matches the as of May 2024 figure (OIG-24-46), since revised",
		},
		{
			name: "conflict in one report",
			ev: diff.Event{Kind: diff.MetricChanged, MetricLabel: "Encounters", Period: "October 2024", Old: oct, New: octRevised,
				Conflict: true, Conflicts: []diff.Stated{*at(fig(107000, "107,000"), "October 2024", "2024-10", "table")}},
			headline: "Encounters: October 2024 revised: 106,321 → 106,582 (+261, +0.2%)",
			note:     "conflict: the same report also states 107,000 for October 2024",
			partValues: map[string]string{
				"Conflict": "the same report also states 107,000 for October 2024",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Build(Alert{Event: tc.ev})
			if m.Headline != tc.headline {
				t.Errorf("headline = %q\nwant       %q", m.Headline, tc.headline)
			}
			if m.HeadlineNote != tc.note {
				t.Errorf("note = %q, want %q", m.HeadlineNote, tc.note)
			}
			for label, want := range tc.partValues {
				got := "(no such part)"
				for _, p := range m.Parts {
					if p.Label == label {
						got = p.Value + p.Text
					}
				}
				if got != want {
					t.Errorf("%s = %q, want %q", label, got, want)
				}
			}
		})
	}
}

// TestBuildDatesAFigureByItsPeriod: a figure from a document without a
// publication date is dated by its period, never by the poll that found
// it ("reported 1 Dec 2026" for November 2024 data).
func TestBuildDatesAFigureByItsPeriod(t *testing.T) {
	t.Parallel()
	nov := diff.Stated{Value: 94190, Text: "94,190", Period: "November 2024", PeriodFrom: "table",
		Seen: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	m := Build(Alert{Event: diff.Event{Kind: diff.MetricNew, New: &nov}})
	for _, p := range m.Parts {
		if p.Label == "Now" && (p.Reported != "" || p.Value != "94,190 (November 2024)") {
			t.Errorf("Now = %q reported %q, want the period and no poll date", p.Value, p.Reported)
		}
	}
	nov.Period, nov.PeriodFrom = "as of 1 December 2026", "document"
	m = Build(Alert{Event: diff.Event{Kind: diff.MetricNew, New: &nov}})
	for _, p := range m.Parts {
		if p.Label == "Now" && p.Reported != "1 Dec 2026" {
			t.Errorf("Now reported %q: with no period of its own a figure keeps the day it was seen", p.Reported)
		}
	}
}

func TestWordingGroupsTheBareDigitsOfData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		wording string
		value   float64
		want    string
	}{
		{"csv value", "106321", 106321, "106,321"},
		{"as the document wrote it", "106,321", 106321, "106,321"},
		{"small numbers stay", "321", 321, "321"},
		{"a wording that is not the value stays", "2024", 12, "2024"},
		{"words stay", "more than 291,000", 291000, "more than 291,000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := wording(&diff.Stated{Wording: tc.wording, Value: tc.value}); got != tc.want {
				t.Errorf("wording(%q) = %q, want %q", tc.wording, got, tc.want)
			}
		})
	}
}
