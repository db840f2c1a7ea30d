package extract

import (
	"strings"
	"sync"
	"testing"
)

// exampleExtractor compiles the rules of a config under config/examples.
var exampleExtractors sync.Map

func exampleExtractor(t *testing.T, name string) *Extractor {
	t.Helper()
	if e, ok := exampleExtractors.Load(name); ok {
		return e.(*Extractor)
	}
	e := configExtractor(t, "../../config/examples/"+name+".yaml")
	exampleExtractors.Store(name, e)
	return e
}

// TestFramesDecideMetrics holds the frame-based metric decision to one
// case per cause of issue #12, in the styles the extractor reads: wire
// copy, report prose, tabloid headlines, quoted tweets, bullet lists and
// table rows. frame is the figure's own phrase (Frame.Text); deciding is a
// term the explanation must name as deciding ("" when no metric).
func TestFramesDecideMetrics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		config   string // "" for the shipped config, else an example's name
		in       string
		text     string
		metric   string
		frame    string
		deciding string
	}{
		// A parenthesis attaches to the noun it explains; none vetoes there.
		{"report prose: parenthesis takes its noun, none vetoes", "border_encounters",
			"Single adults (91,204 encounters) rose by 12%, agents said of the southwest border.",
			"91,204", "", "91,204 encounters", ""},
		{"bullet: parenthesised share explains the amount", "improper_payments",
			"\u2022 Roughly $62 billion (about 30%) of the errors were overpayments",
			"$62 billion", "ip_overpayments", "Roughly $62 billion (about 30%) of the errors were overpayments", "overpayments"},
		// any reaches past an apposition set off by commas or dashes.
		{"wire: predicate after an apposition", "improper_payments",
			"Roughly $62 billion, or about 30% of the total, went to overpayments.",
			"$62 billion", "ip_overpayments", "Roughly $62 billion, or about 30% of the total, went to overpayments", "overpayments"},
		{"wire: number between dashes explains its noun", "border_encounters",
			"DHS deported a record number of people\u2014more than 120,000\u2014in the quarter.",
			"120,000", "dhs_removals", "more than 120,000", "deported"},
		// Two numbers in one clause get separate frames.
		{"wire: part introduced by including stays untagged", "border_encounters",
			"Since May, DHS removed or returned more than 120,000 people, including 9,400 family members.",
			"9,400", "", "including 9,400 family members", ""},
		{"wire: whole before including keeps its metric", "border_encounters",
			"Since May, DHS removed or returned more than 120,000 people, including 9,400 family members.",
			"120,000", "dhs_removals", "DHS removed or returned more than 120,000 people", "removed"},
		{"report prose: level then change, first figure", "improper_payments",
			"Improper payments reached $190 billion, down $12 billion from the year before.",
			"$190 billion", "ip_total", "Improper payments reached $190 billion", "improper payments"},
		{"report prose: level then change, second figure", "improper_payments",
			"Improper payments reached $190 billion, down $12 billion from the year before.",
			"$12 billion", "ip_change", "down $12 billion from the year before", "down"},
		{"report prose: the governing word goes to the second number", "improper_payments",
			"The $190 billion in improper payments is down $12 billion.",
			"$12 billion", "ip_change", "down $12 billion", "down"},
		// The subject narrows the metric.
		{"report prose: program as subject", "improper_payments",
			"Medicaid posted $48.2 billion in improper payments, the most of any program.",
			"$48.2 billion", "ip_medicaid", "Medicaid posted $48.2 billion in improper payments", "Medicaid"},
		{"report prose: program as subject of a participle", "improper_payments",
			"Medicare was the largest single source, accounting for $47 billion in improper payments.",
			"$47 billion", "ip_medicare", "accounting for $47 billion in improper payments", "Medicare"},
		{"wire: component named after the count", "border_encounters",
			"Agents recorded 61,200 encounters between ports of entry along the southwest border.",
			"61,200", "usbp_sw_encounters", "Agents recorded 61,200 encounters between ports of entry along the southwest border", "between ports of entry"},
		{"wire: two programs together are neither", "improper_payments",
			"Medicare and Medicaid together accounted for $98 billion of the payments.",
			"$98 billion", "", "Medicare and Medicaid together accounted for $98 billion of the payments", ""},
		// Paraphrase, inflection, abbreviations and negation.
		{"report prose: yet to be scheduled is not scheduled", "",
			"Hearings for 14,800 children have yet to be scheduled, the audit found.",
			"14,800", "uc_no_nta", "Hearings for 14,800 children have yet to be scheduled", "not scheduled"},
		{"wire: inflected term", "",
			"ICE transfers roughly 9,000 children a month to HHS.",
			"9,000", "uc_transferred_hhs", "ICE transfers roughly 9,000 children a month to HHS", "transferred"},
		{"tabloid headline: no longer accounted for", "negation",
			"FEDS: 7,300 KIDS NO LONGER ACCOUNTED FOR",
			"7,300", "gone", "7,300 KIDS NO LONGER ACCOUNTED FOR", "not accounted for"},
		{"wire: served is not not served", "negation",
			"Officers served 5,000 minors with notices.",
			"5,000", "served", "Officers served 5,000 minors with notices", "served"},
		{"wire: not served is not served", "negation",
			"Officers had not served 5,000 minors with notices.",
			"5,000", "unserved", "Officers had not served 5,000 minors with notices", "not served"},
		{"quoted tweet: contraction", "negation",
			"\u201c3,100 kids never got served. Shameful.\u201d \u2014 @senator",
			"3,100", "unserved", "\u201c3,100 kids never got served", "not served"},
		{"report prose: U.S. is US", "negation",
			"US agents counted 2,400 minors at the border.",
			"2,400", "us_count", "US agents counted 2,400 minors at the border", "U.S. agents"},
		// A reference takes its antecedent's terms.
		{"wire: of them reaches the previous sentence", "",
			"Officials have lost track of thousands of migrant children. Auditors could trace 6,100 of them to one state.",
			"6,100", "uc_unaccounted", "Auditors could trace 6,100 of them to one state", "antecedent"},
		// A label or table cell names what a bare number counts.
		{"table row", "border_encounters",
			"Southwest border encounters | Oct 2024 | 106,321",
			"106,321", "sw_encounters_total", "106,321", "southwest border"},
		{"table row of a component", "border_encounters",
			"Border Patrol apprehensions | Oct 2024 | 56,530",
			"56,530", "usbp_sw_encounters", "56,530", "Border Patrol"},
		{"bullet with label", "border_encounters",
			"\u2022 Southwest border: agents and officers logged 189,000 encounters in March.",
			"189,000", "sw_encounters_total", "agents and officers logged 189,000 encounters in March", "southwest border"},
		{"wire: a dateline's dash does not set the figure off", "border_encounters",
			"WASHINGTON (Wire) \u2014 Agents encountered 180,000 migrants at the southern border in May, the highest monthly total this year.",
			"180,000", "sw_encounters_total", "Agents encountered 180,000 migrants at the southern border in May", "southern border"},
		// none reaches an appositive that qualifies the figure.
		{"wire: a single day is not the monthly total", "border_encounters",
			"Agents encountered 11,900 people at the southern border \u2014 a record for a single day.",
			"11,900", "", "Agents encountered 11,900 people at the southern border", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var e *Extractor
			switch tc.config {
			case "":
				e = shippedExtractor(t)
			case "negation":
				var err error
				e, err = New([]Rule{
					{Metric: "served", Any: []string{"served"}},
					{Metric: "unserved", Any: []string{"not served"}},
					{Metric: "gone", Any: []string{"not accounted for"}},
					{Metric: "us_count", Any: []string{"U.S. agents"}},
				})
				if err != nil {
					t.Fatal(err)
				}
			default:
				e = exampleExtractor(t, tc.config)
			}
			figs := e.Extract(tc.in)
			checkOffsets(t, tc.in, figs)
			f := find(t, figs, tc.text)
			if f.Metric != tc.metric {
				t.Errorf("metric = %q (ambiguous %v), want %q", f.Metric, f.Ambiguous, tc.metric)
			}
			if f.Frame == nil || f.Frame.Text != tc.frame {
				t.Errorf("frame = %+v, want text %q", f.Frame, tc.frame)
			} else if tc.in[f.Frame.Start:f.Frame.End] != f.Frame.Text {
				t.Errorf("frame offsets %d:%d do not give its text", f.Frame.Start, f.Frame.End)
			}
			var ex *Explanation
			exs := e.Explain(tc.in)
			for i := range exs {
				if exs[i].Figure.Start == f.Start {
					ex = &exs[i]
				}
			}
			if ex == nil {
				t.Fatalf("no explanation for %q", tc.text)
			}
			if ex.Figure.Metric != f.Metric {
				t.Errorf("explained metric %q, extracted %q", ex.Figure.Metric, f.Metric)
			}
			switch {
			case tc.deciding == "" && !strings.HasPrefix(ex.Decision, "no metric"):
				t.Errorf("decision %q, want no metric", ex.Decision)
			case tc.deciding != "" && !strings.Contains(ex.Decision, tc.deciding):
				t.Errorf("decision %q does not name %q", ex.Decision, tc.deciding)
			}
		})
	}
}

// TestWriteExplanationsReadsForAReporter pins what --explain shows: the
// frame, each metric's matches and where, the veto, and the decision.
func TestWriteExplanationsReadsForAReporter(t *testing.T) {
	t.Parallel()
	e := exampleExtractor(t, "improper_payments")
	var b strings.Builder
	in := "Medicare was the largest single source, accounting for $47 billion in improper payments in fiscal year 2023."
	if err := WriteExplanations(&b, e.Explain(in)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"$47 billion  (exact usd)  → ip_medicare",
		"frame:     accounting for $47 billion in improper payments in fiscal year 2023",
		"attached:  Medicare was the largest single source",
		"period:    in fiscal year 2023",
		`ip_total                 VETOED by none "Medicare"`,
		`"improper payments"    in the own phrase          "improper payments" @70`,
		`"Medicare"             in the attached phrase     "Medicare" @0`,
		`decision:  ip_medicare: "Medicare" in the attached phrase, 8 words from the number; beats ip_total vetoed by "Medicare"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
}
