package notify

import (
	"math"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/figwatch/watcher/internal/diff"
)

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    float64
		unit string
		want string
	}{
		{"thousands", 291000, "", "291,000"},
		{"small integer", 42, "", "42"},
		{"zero", 0, "", "0"},
		{"decimal", 3.5, "", "3.5"},
		{"float noise rounded", 19.900000000000002, "", "19.9"},
		{"decimal with thousands", 1234.56, "", "1,234.56"},
		{"exact millions", 4800000, "", "4.8 million"},
		{"one million", 1e6, "", "1 million"},
		{"millions to three decimals", 1235000, "", "1.235 million"},
		{"inexact millions keep every digit", 1234567, "", "1,234,567"},
		{"billions", 2.5e9, "", "2.5 billion"},
		{"trillions", 1.2e12, "", "1.2 trillion"},
		{"negative", -58000, "", "−58,000"},
		{"percent", 65, "percent", "65%"},
		{"percent decimal", 6.1, "percent", "6.1%"},
		{"percent never scaled", 1.5e6, "percent", "1,500,000%"},
		{"usd billions", 2.5e9, "usd", "$2.5 billion"},
		{"usd plain", 1200, "usd", "$1,200"},
		{"usd cents", 12.5, "usd", "$12.50"},
		{"usd negative", -3e6, "usd", "−$3 million"},
		{"usd upper case unit", 40, "USD", "$40"},
		{"counted noun", 4.8e6, "people", "4.8 million people"},
		{"counted noun small", 12, "states", "12 states"},
		{"NaN", math.NaN(), "", "NaN"},
		{"infinity", math.Inf(1), "", "+Inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := FormatNumber(tc.v, tc.unit); got != tc.want {
				t.Errorf("FormatNumber(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
			}
		})
	}
}

func TestDelta(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new float64
		abs, pct float64
		ok       bool
	}{
		{"decrease", 291000, 233000, -58000, -19.931, true},
		{"increase", 100, 125, 25, 25, true},
		{"no change", 5, 5, 0, 0, true},
		{"from zero has no percent", 0, 10, 10, 0, false},
		{"negative base uses magnitude", -10, -5, 5, 50, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			abs, pct, ok := delta(tc.old, tc.new)
			if abs != tc.abs || ok != tc.ok || math.Abs(pct-tc.pct) > 0.001 {
				t.Errorf("Delta(%v, %v) = %v, %v, %v; want %v, %v, %v", tc.old, tc.new, abs, pct, ok, tc.abs, tc.pct, tc.ok)
			}
		})
	}
}

func TestFormatChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new float64
		unit     string
		want     string
	}{
		{"count decrease", 291000, 233000, "", "−58,000, −19.9%"},
		{"count noun left out", 100, 125, "children", "+25, +25.0%"},
		{"percent points", 60, 65, "percent", "+5 pts, +8.3%"},
		{"usd", 2e9, 2.5e9, "usd", "+$500 million, +25.0%"},
		{"from zero", 0, 12, "", "+12"},
		{"unchanged", 7, 7, "", "no change"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := formatChange(tc.old, tc.new, tc.unit); got != tc.want {
				t.Errorf("FormatChange(%v, %v, %q) = %q, want %q", tc.old, tc.new, tc.unit, got, tc.want)
			}
		})
	}
}

func TestEscapeMrkdwn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain text unchanged", "233,000 children", "233,000 children"},
		{"ampersand", "A & B", "A &amp; B"},
		{"channel ping", "<!channel> look", "&lt;!channel&gt; look"},
		{"forged link", "<https://evil|link>", "&lt;https://evil|link&gt;"},
		{"user mention", "<@U024BE7LH>", "&lt;@U024BE7LH&gt;"},
		{"already escaped is escaped again", "&amp;", "&amp;amp;"},
		{"comparison", "5 > 3 < 4", "5 &gt; 3 &lt; 4"},
		{"unicode kept", "café – “quoted”", "café – “quoted”"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := EscapeMrkdwn(tc.in)
			if got != tc.want {
				t.Errorf("EscapeMrkdwn(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.ContainsAny(got, "<>") {
				t.Errorf("EscapeMrkdwn(%q) = %q still holds < or >", tc.in, got)
			}
		})
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"collapses white space", "  a \n\t b  ", "a b"},
		{"terminal escapes neutralised", "\x1b[31mred\x1b[0m", "[31mred [0m"},
		{"bidi override removed", "abc\u202edef\u202c", "abc def"},
		{"invalid utf-8 replaced", "a\xffb", "a\uFFFDb"},
		{"no-break space kept inside number", "291\u00a0000", "291\u00a0000"},
		{"line separator", "a\u2028b", "a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Clean(tc.in); got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"fits", "short", 10, "short"},
		{"cuts at word", "one two three four five six", 15, "one two three…"},
		{"cuts long word", "abcdefghijklmnop", 5, "abcd…"},
		{"counts runes", "ééééé", 3, "éé…"},
		{"one rune", "hello", 1, "…"},
		{"zero", "hello", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Truncate(tc.in, tc.n)
			if got != tc.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
			if utf8.RuneCountInString(got) > tc.n {
				t.Errorf("Truncate(%q, %d) = %q is longer than %d runes", tc.in, tc.n, got, tc.n)
			}
		})
	}
}

// stated builds a Stated whose mark points at text inside quote.
func stated(quote, text string) diff.Stated {
	i := strings.Index(quote, text)
	if i < 0 {
		panic("text not in quote")
	}
	return diff.Stated{Quote: quote, Text: text, Mark: [2]int{i, i + len(text)}}
}

func TestCutQuote(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("officers reviewed 1,234 files in 2025 and ", 60)
	longQuote := long + "the count stood at 233,000 children " + long
	tests := []struct {
		name   string
		s      diff.Stated
		max    int
		want   Excerpt // zero: only the invariants are checked
		cutB   bool
		cutA   bool
		figure string
	}{
		{
			name: "short quote unchanged",
			s:    stated("It fell to 233,000 in January.", "233,000"),
			max:  100,
			want: Excerpt{Before: "It fell to ", Figure: "233,000", After: " in January."},
		},
		{
			name: "bad mark falls back to searching the text",
			s:    diff.Stated{Quote: "It fell to 233,000 in January.", Text: "233,000", Mark: [2]int{90, 97}},
			max:  100,
			want: Excerpt{Before: "It fell to ", Figure: "233,000", After: " in January."},
		},
		{
			name: "mark not matching text falls back",
			s:    diff.Stated{Quote: "From 291,000 it fell to 233,000.", Text: "233,000", Mark: [2]int{5, 12}},
			max:  100,
			want: Excerpt{Before: "From 291,000 it fell to ", Figure: "233,000", After: "."},
		},
		{
			name: "no figure cuts the end",
			s:    diff.Stated{Quote: "one two three four five six seven"},
			max:  16,
			want: Excerpt{After: "one two three…"},
		},
		{
			name:   "long quote centred on figure",
			s:      stated(longQuote, "233,000"),
			max:    300,
			cutB:   true,
			cutA:   true,
			figure: "233,000",
		},
		{
			name:   "figure near the start gives the rest to the end",
			s:      stated("Now 233,000 "+long, "233,000"),
			max:    200,
			cutA:   true,
			figure: "233,000",
		},
		{
			name:   "figure near the end gives the rest to the start",
			s:      stated(long+"it was 233,000.", "233,000"),
			max:    200,
			cutB:   true,
			figure: "233,000",
		},
		{
			name: "control characters cleaned",
			s:    stated("It fell\n\nto \x1b[1m233,000", "233,000"),
			max:  100,
			want: Excerpt{Before: "It fell to [1m", Figure: "233,000"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := quoteOf(tc.s).Cut(tc.max)
			if n := utf8.RuneCountInString(got.String()); n > tc.max {
				t.Errorf("excerpt is %d runes, want at most %d: %q", n, tc.max, got.String())
			}
			if tc.want != (Excerpt{}) {
				if got != tc.want {
					t.Errorf("CutQuote = %#v, want %#v", got, tc.want)
				}
				return
			}
			if got.Figure != tc.figure {
				t.Errorf("Figure = %q, want %q", got.Figure, tc.figure)
			}
			if b := strings.HasPrefix(got.Before, ellipsis); b != tc.cutB {
				t.Errorf("Before cut = %v, want %v: %q", b, tc.cutB, got.Before)
			}
			if a := strings.HasSuffix(got.After, ellipsis); a != tc.cutA {
				t.Errorf("After cut = %v, want %v: %q", a, tc.cutA, got.After)
			}
			// Cuts fall between words: the text next to an ellipsis is a
			// whole word of the original, so no number is split.
			words := map[string]bool{}
			for _, w := range strings.Fields(tc.s.Quote) {
				words[w] = true
			}
			if tc.cutB {
				first := strings.Fields(strings.TrimPrefix(got.Before, ellipsis))[0]
				if !words[first] {
					t.Errorf("Before starts mid-word: %q", first)
				}
			}
			if tc.cutA {
				f := strings.Fields(strings.TrimSuffix(got.After, ellipsis))
				if last := f[len(f)-1]; !words[last] {
					t.Errorf("After ends mid-word: %q", last)
				}
			}
			// Most of the budget is used: cutting is not overly eager.
			if n := utf8.RuneCountInString(got.String()); n < tc.max*8/10 {
				t.Errorf("excerpt is only %d of %d runes", n, tc.max)
			}
		})
	}
}

func TestCutQuoteNeverSplitsANumberInOneLongToken(t *testing.T) {
	t.Parallel()
	q := strings.Repeat("1234567890", 20) + "x233,000y" + strings.Repeat("9876543210", 20)
	got := quoteOf(stated(q, "233,000")).Cut(40)
	if got.Figure != "233,000" {
		t.Fatalf("Figure = %q", got.Figure)
	}
	for _, part := range []string{strings.TrimPrefix(got.Before, ellipsis), strings.TrimSuffix(got.After, ellipsis)} {
		if strings.IndexFunc(part, unicode.IsDigit) >= 0 {
			t.Errorf("a cut number was kept: %q (excerpt %q)", part, got.String())
		}
	}
}

func TestQualifierWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, q, unit, want string
	}{
		{"over", "over", "children", "more than"},
		{"over a percentage", "over", "percent", "more than"},
		{"under a count", "under", "children", "fewer than"},
		{"under a percentage", "under", "percent", "less than"},
		{"under money", "under", "usd", "less than"},
		{"under, unit unknown", "under", "", "under"},
		{"nearly", "nearly", "", "nearly"},
		{"approx", "approx", "jobs", "about"},
		{"up to", "up_to", "usd", "up to"},
		{"at least", "at_least", "", "at least"},
		{"exact", "exact", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := QualifierWords(tc.q, tc.unit); got != tc.want {
				t.Errorf("QualifierWords(%q, %q) = %q, want %q", tc.q, tc.unit, got, tc.want)
			}
		})
	}
	// Alerts rebuild a wording the document did not keep the same way.
	s := diff.Stated{Value: 4.1, Unit: "percent", Qualifier: "under"}
	if got := wording(&s); got != "less than 4.1%" {
		t.Errorf("wording = %q", got)
	}
}

// A qualifier carried by a verb ("topped 300,000") reads wrong after
// "claims": the verb gives way to the qualifier's words; other wordings
// stay the document's own.
func TestWordingTurnsAQualifyingVerbIntoWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, wording, q, unit, want string
	}{
		{"topped", "topped 300,000", "over", "encounters", "more than 300,000"},
		{"surpassing dollars", "surpassing $2 billion", "over", "usd", "more than $2 billion"},
		{"document's own words kept", "more than 291,000", "over", "children", "more than 291,000"},
		{"a noun before the number is kept", "roughly 56K", "approx", "", "roughly 56K"},
		{"exact verb drops out", "reached 1,000", "exact", "", "1,000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := diff.Stated{Value: 1, Wording: tc.wording, Qualifier: tc.q, Unit: tc.unit}
			if got := wording(&s); got != tc.want {
				t.Errorf("wording(%q) = %q, want %q", tc.wording, got, tc.want)
			}
		})
	}
}
