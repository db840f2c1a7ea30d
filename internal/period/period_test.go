package period

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// ref is a publication date: 25 March 2025.
var ref = time.Date(2025, time.March, 25, 15, 0, 0, 0, time.UTC)

func TestFind(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		ref        time.Time
		// want lists each match as "words => kind key".
		want []string
	}{
		{name: "as of month", text: "As of January 2025, ICE had not served notices to appear on 233,000 children.",
			want: []string{"As of January 2025 => as_of @2025-01"}},
		{name: "as of day", text: "as of Jan. 31, 2025, there were 12 cases", want: []string{"as of Jan. 31, 2025 => as_of @2025-01-31"}},
		{name: "as of bare month resolves to the past", text: "as of May, 291,000", want: []string{"as of May => as_of @2024-05"}},
		{name: "in fiscal year", text: "in fiscal year 2023, CBP recorded", want: []string{"fiscal year 2023 => fiscal_year FY2023"}},
		{name: "FY two digits", text: "FY23 encounters", want: []string{"FY23 => fiscal_year FY2023"}},
		{name: "FY with space", text: "FY 2024 totals", want: []string{"FY 2024 => fiscal_year FY2024"}},
		{name: "FY span en dash", text: "FY2019–2023 transfers", want: []string{"FY2019–2023 => span 2018-10-01/2023-10-01"}},
		{name: "FY span repeated prefix", text: "FY2019-FY2023", want: []string{"FY2019-FY2023 => span 2018-10-01/2023-10-01"}},
		{name: "between fiscal years", text: "transferred more than 448,000 children between fiscal years 2019 and 2023.",
			want: []string{"between fiscal years 2019 and 2023 => span 2018-10-01/2023-10-01"}},
		{name: "in July resolves to last July", text: "In July, encounters fell", want: []string{"July => month 2024-07"}},
		{name: "in March is this March", text: "in March 12,000", want: []string{"March => month 2025-03"}},
		{name: "last month", text: "encounters topped 300,000 last month", want: []string{"last month => month 2025-02"}},
		{name: "last fiscal year", text: "in the last fiscal year", want: []string{"the last fiscal year => fiscal_year FY2024"}},
		{name: "this year", text: "so far this year", want: []string{"this year => year 2025"}},
		{name: "since year", text: "since 2019, 1.2 million", want: []string{"since 2019 => span 2019-01-01/2025-03-25"}},
		{name: "since without reference stays open", text: "since October 2018", ref: time.Time{}, want: []string{"since October 2018 => span 2018-10-01/"}},
		{name: "between months", text: "between October 2018 and September 2023, 448,000",
			want: []string{"between October 2018 and September 2023 => span 2018-10-01/2023-10-01"}},
		{name: "from to", text: "from January 2024 to March 2024", want: []string{"from January 2024 to March 2024 => span 2024-01-01/2024-04-01"}},
		{name: "month range with dash", text: "October 2018 – September 2023", want: []string{"October 2018 – September 2023 => span 2018-10-01/2023-10-01"}},
		{name: "first quarter", text: "in the first quarter of 2024, 250,000", want: []string{"the first quarter of 2024 => quarter 2024-Q1"}},
		{name: "fiscal quarter", text: "the first quarter of fiscal year 2024", want: []string{"the first quarter of fiscal year 2024 => quarter 2023-Q4"}},
		{name: "Q notation", text: "Q3 2024 and 2024 Q4", want: []string{"Q3 2024 => quarter 2024-Q3", "2024 Q4 => quarter 2024-Q4"}},
		{name: "month year", text: "December 2023: 302,034", want: []string{"December 2023 => month 2023-12"}},
		{name: "abbreviated month", text: "Dec. 2023 302,034", want: []string{"Dec. 2023 => month 2023-12"}},
		{name: "table header short year", text: "Southwest Land Border | Oct-25 | Nov-25", want: []string{"Oct-25 => month 2025-10", "Nov-25 => month 2025-11"}},
		{name: "table row", text: "Encounters | Oct 2024 | 106,321", want: []string{"Oct 2024 => month 2024-10"}},
		{name: "fiscal year to date", text: "2025 (FYTD) | 1,200", want: []string{"2025 (FYTD) => fiscal_year FY2025TD"}},
		{name: "day month year", text: "on 31 January 2025 the count", want: []string{"31 January 2025 => day 2025-01-31"}},
		{name: "iso date", text: "updated 2024-11-05", want: []string{"2024-11-05 => day 2024-11-05"}},
		{name: "in year", text: "in 2023, 56,000", want: []string{"2023 => year 2023"}},
		{name: "calendar year", text: "calendar year 2022", want: []string{"calendar year 2022 => year 2022"}},
		{name: "bare year is not a period", text: "report OIG-24-46 found 2023 cases"},
		{name: "may the verb", text: "The figures may change and May is busy"},
		{name: "number with comma is no year", text: "in 2,025 cases"},
		{name: "two periods in one sentence", text: "In November 2024, 96,003; in October 2024, 106,321.",
			want: []string{"November 2024 => month 2024-11", "October 2024 => month 2024-10"}},
		{name: "month without year, no reference", text: "in July", ref: time.Time{}},
		{name: "fiscal year US default and calendar start", text: "FY2024", want: []string{"FY2024 => fiscal_year FY2024"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ref
			if tc.ref.IsZero() && (strings.Contains(tc.name, "no reference") || strings.Contains(tc.name, "without reference")) {
				r = time.Time{}
			}
			var got []string
			for _, m := range (Parser{}).Find(tc.text, r) {
				got = append(got, fmt.Sprintf("%s => %s %s", tc.text[m.Pos:m.EndPos], m.Kind, m.Key()))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Find(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestFiscalStart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		start     time.Month
		text      string
		wantStart string
		wantEnd   string
	}{
		{name: "US federal default", text: "FY2024", wantStart: "2023-10-01", wantEnd: "2024-10-01"},
		{name: "UK April", start: time.April, text: "fiscal year 2024", wantStart: "2023-04-01", wantEnd: "2024-04-01"},
		{name: "calendar January", start: time.January, text: "FY2024", wantStart: "2024-01-01", wantEnd: "2025-01-01"},
		{name: "relative uses the start", start: time.July, text: "this fiscal year", wantStart: "2024-07-01", wantEnd: "2025-07-01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, ok := Parser{FiscalStart: tc.start}.Parse(tc.text, ref)
			if !ok {
				t.Fatalf("Parse(%q) found nothing", tc.text)
			}
			if got := p.Start.Format(time.DateOnly); got != tc.wantStart {
				t.Errorf("start %s, want %s", got, tc.wantStart)
			}
			if got := p.End.Format(time.DateOnly); got != tc.wantEnd {
				t.Errorf("end %s, want %s", got, tc.wantEnd)
			}
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, want string }{
		{name: "as of month", text: "as of January 2025", want: "as of January 2025"},
		{name: "month", text: "December 2023", want: "December 2023"},
		{name: "fiscal year", text: "FY23", want: "FY2023"},
		{name: "fiscal year to date", text: "2025 (FYTD)", want: "FY2025 to date"},
		{name: "span", text: "between October 2018 and September 2023", want: "October 2018 – September 2023"},
		{name: "quarter", text: "Q1 2024", want: "Q1 2024"},
		{name: "day", text: "Jan. 31, 2025", want: "31 January 2025"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, ok := Parser{}.Parse(tc.text, ref)
			if !ok {
				t.Fatalf("Parse(%q) found nothing", tc.text)
			}
			if got := p.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAsOfTimeOrdersStocks(t *testing.T) {
	t.Parallel()
	may, _ := Parser{}.Parse("as of May 2024", ref)
	jan, _ := Parser{}.Parse("as of January 2025", ref)
	if !may.AsOfTime().Before(jan.AsOfTime()) {
		t.Errorf("as of May 2024 (%s) should come before as of January 2025 (%s)", may.AsOfTime(), jan.AsOfTime())
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"as of January 2025", "FY2019–2023", "Oct-25", "between 2019 and", "since", "Q", "2025 (FYTD", "the first quarter of"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, m := range (Parser{}).Find(text, ref) {
			if m.Pos < prev || m.EndPos <= m.Pos || m.EndPos > len(text) {
				t.Fatalf("bad offsets %d..%d (previous end %d) in %q", m.Pos, m.EndPos, prev, text)
			}
			if !m.End.IsZero() && !m.End.After(m.Start) {
				t.Fatalf("empty period %+v in %q", m.Period, text)
			}
			prev = m.EndPos
		}
	})
}

// sample is a paragraph of an agency report: four period expressions
// among ordinary words and figures.
const sample = "In this management alert the Inspector General found that DHS transferred more than 448,000 " +
	"unaccompanied children to HHS between fiscal years 2019 and 2023. As of May 2024, ICE had not served notices " +
	"to appear on more than 291,000 of those children. In October 2024, CBP recorded 106,321 southwest border " +
	"encounters, and encounters fell last month to 94,190. "

func BenchmarkFind(b *testing.B) {
	text := strings.Repeat(sample, 10)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if len((Parser{}).Find(text, ref)) != 40 {
			b.Fatal("wrong count")
		}
	}
}

func TestFiscalYearOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start time.Month
		at    time.Time
		want  string
	}{
		{name: "September is the end of the US year", at: time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC), want: "FY2024"},
		{name: "October opens the next", at: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), want: "FY2025"},
		{name: "calendar fiscal year", start: time.January, at: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), want: "FY2024"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := (Parser{FiscalStart: tc.start}).FiscalYearOf(tc.at).Key(); got != tc.want {
				t.Errorf("FiscalYearOf(%s) = %s, want %s", tc.at, got, tc.want)
			}
		})
	}
}
