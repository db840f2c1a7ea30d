// Package period finds the time a figure is for in the words around it:
// "as of January 2025", "in fiscal year 2023", "FY2019–2023", "last
// month", "between October 2018 and September 2023", a table header such
// as "Oct-25". It turns each expression into a Period (a day, month,
// quarter, year, fiscal year, a span, or an as-of date) with its byte
// offsets in the text, resolving relative expressions against a reference
// date, normally the document's publication date.
//
// It knows no metrics and does no I/O: the diff stage decides which
// expression a figure inherits, and the extraction stage's figure frames
// can hand their period words to Parse.
package period

import (
	"fmt"
	"time"
)

// Kind is the granularity of a period.
type Kind string

// The kinds of period.
const (
	Day        Kind = "day"
	Month      Kind = "month"
	Quarter    Kind = "quarter"
	Year       Kind = "year"
	FiscalYear Kind = "fiscal_year"
	// Span is any other interval: "FY2019–2023", "since 2019",
	// "between October 2018 and September 2023".
	Span Kind = "span"
	// AsOf is a stock stated at a date: "as of January 2025". Start and
	// End bound the date as precisely as the text gives it (the month of
	// January 2025).
	AsOf Kind = "as_of"
)

// Period is an interval of time: Start inclusive, End exclusive, both UTC
// midnights. An open span ("since 2019" with no reference date) has a zero
// End.
type Period struct {
	Kind  Kind      `json:"kind"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	// ToDate marks a partial period: "2025 (FYTD)", fiscal year to date.
	ToDate bool `json:"to_date,omitempty"`
}

// IsZero reports an unset period.
func (p Period) IsZero() bool { return p.Kind == "" }

// AsOfTime is the instant a value for p is current at, for ordering
// observations: the end of the period (a stock "as of January 2025" is
// current at the end of January), its start when it is open.
func (p Period) AsOfTime() time.Time {
	if p.End.IsZero() {
		return p.Start
	}
	return p.End
}

// Key is a canonical, sortable name of the period, the same for every way
// of writing it: "2024-10", "2024-Q1", "2024", "FY2023", "2024-10-05",
// "2018-10-01/2023-10-01", "@2025-01".
func (p Period) Key() string {
	s, e := p.Start, p.End
	switch p.Kind {
	case Day:
		return s.Format("2006-01-02")
	case Month:
		return s.Format("2006-01")
	case Quarter:
		return fmt.Sprintf("%d-Q%d", s.Year(), (int(s.Month())-1)/3+1)
	case Year:
		return s.Format("2006")
	case FiscalYear:
		k := fmt.Sprintf("FY%d", e.AddDate(0, 0, -1).Year())
		if p.ToDate {
			k += "TD"
		}
		return k
	case AsOf:
		return "@" + granular(s, e)
	case Span:
		if e.IsZero() {
			return s.Format("2006-01-02") + "/"
		}
		return s.Format("2006-01-02") + "/" + e.Format("2006-01-02")
	}
	return ""
}

// granular names the date range [s, e) at its precision: a day, a month
// or a year.
func granular(s, e time.Time) string {
	switch {
	case e.Equal(s.AddDate(0, 0, 1)):
		return s.Format("2006-01-02")
	case e.Equal(s.AddDate(0, 1, 0)):
		return s.Format("2006-01")
	case e.Equal(s.AddDate(1, 0, 0)):
		return s.Format("2006")
	}
	return s.Format("2006-01-02") + "/" + e.Format("2006-01-02")
}

// String is the period as a reporter writes it: "January 2025", "Q1 2024",
// "FY2023", "as of January 2025", "October 2018 – September 2023".
func (p Period) String() string {
	s, e := p.Start, p.End
	switch p.Kind {
	case Day:
		return s.Format("2 January 2006")
	case Month:
		return s.Format("January 2006")
	case Quarter:
		return fmt.Sprintf("Q%d %d", (int(s.Month())-1)/3+1, s.Year())
	case Year:
		return s.Format("2006")
	case FiscalYear:
		if p.ToDate {
			return fmt.Sprintf("FY%d to date", e.AddDate(0, 0, -1).Year())
		}
		return fmt.Sprintf("FY%d", e.AddDate(0, 0, -1).Year())
	case AsOf:
		return "as of " + human(s, e)
	case Span:
		if e.IsZero() {
			return "since " + s.Format("January 2006")
		}
		return human(s, s.AddDate(0, 1, 0)) + " – " + human(e.AddDate(0, -1, 0), e)
	}
	return ""
}

func human(s, e time.Time) string {
	switch {
	case e.Equal(s.AddDate(0, 0, 1)):
		return s.Format("2 January 2006")
	case e.Equal(s.AddDate(0, 1, 0)):
		return s.Format("January 2006")
	case e.Equal(s.AddDate(1, 0, 0)):
		return s.Format("2006")
	}
	return s.Format("2 January 2006") + " – " + e.AddDate(0, 0, -1).Format("2 January 2006")
}

// Match is a period expression found in a text: the period and the byte
// range [Pos, End) of the words that state it.
type Match struct {
	Period
	Pos, EndPos int
}

// Parser finds period expressions. The zero value uses the US federal
// fiscal year, which begins in October.
type Parser struct {
	// FiscalStart is the month fiscal years begin in; October when zero.
	// Fiscal year N ends in the calendar year N (FY2024 is October 2023 to
	// September 2024); with January, fiscal and calendar years coincide.
	FiscalStart time.Month
}

func (p Parser) fiscalStart() time.Month {
	if p.FiscalStart < time.January || p.FiscalStart > time.December {
		return time.October
	}
	return p.FiscalStart
}

// fiscalYear is the fiscal year that ends in calendar year y.
func (p Parser) fiscalYear(y int) (time.Time, time.Time) {
	m := p.fiscalStart()
	if m == time.January {
		return date(y, 1, 1), date(y+1, 1, 1)
	}
	s := date(y-1, m, 1)
	return s, s.AddDate(1, 0, 0)
}

// fiscalYearOf is the fiscal year (by its ending calendar year) that t
// falls in.
func (p Parser) fiscalYearOf(t time.Time) int {
	m := p.fiscalStart()
	if m == time.January || t.Month() < m {
		return t.Year()
	}
	return t.Year() + 1
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Find returns every period expression in text, in order, without
// overlaps (the longest at each place). Relative expressions ("last
// month", "in July", "since 2019") are resolved against ref; without a
// reference date they are skipped, except "since", which stays open.
func (p Parser) Find(text string, ref time.Time) []Match {
	s := scanner{p: p, ref: ref.UTC()}
	s.tokenize(text)
	var out []Match
	for i := 0; i < len(s.toks); {
		m, n, ok := s.at(i)
		if !ok {
			i++
			continue
		}
		m.Pos, m.EndPos = int(s.toks[i].pos), int(s.toks[i+n-1].end)
		out = append(out, m)
		i += n
	}
	return out
}

// Parse returns the first period stated in phrase, for words already known
// to be about time (a figure frame's period words).
func (p Parser) Parse(phrase string, ref time.Time) (Period, bool) {
	ms := p.Find(phrase, ref)
	if len(ms) == 0 {
		return Period{}, false
	}
	return ms[0].Period, true
}

// FiscalYearOf returns the fiscal year that t falls in.
func (p Parser) FiscalYearOf(t time.Time) Period {
	s, e := p.fiscalYear(p.fiscalYearOf(t))
	return Period{Kind: FiscalYear, Start: s, End: e}
}
