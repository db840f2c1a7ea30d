package notify

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/figwatch/watcher/internal/diff"
)

// minus is the typographic minus sign: it reads better than a hyphen next
// to digits and never wraps away from its number.
const minus = "−"

// ellipsis marks text that was cut.
const ellipsis = "…"

// FormatNumber renders a figure the way a reporter would write it:
// 291000 → "291,000"; 4800000 → "4.8 million"; 65 with unit "percent" →
// "65%"; 2.5e9 with unit "usd" → "$2.5 billion". Large values use a
// million/billion/trillion word only when that loses nothing (1,234,567
// stays as it is), because a figure watcher must never round a change away.
// Any other unit is a counted noun and follows the number ("12 states").
func FormatNumber(v float64, unit string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	neg := v < 0
	a := math.Abs(v)
	var s string
	switch strings.ToLower(unit) {
	case "percent", "%", "pct":
		s = grouped(a, false) + "%"
	case "usd", "$":
		s = "$" + scaled(a, true)
	case "":
		s = scaled(a, false)
	default:
		s = scaled(a, false) + " " + unit
	}
	if neg {
		return minus + s
	}
	return s
}

// scaled writes a ≥ 0 with a scale word when that is exact to three decimals
// of the scale ("4.8 million", "1.235 billion").
func scaled(a float64, money bool) string {
	scales := []struct {
		v    float64
		word string
	}{{1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}}
	for _, sc := range scales {
		if a < sc.v {
			continue
		}
		r := math.Round(a/sc.v*1000) / 1000
		// Tolerance relative to the value absorbs float noise (4.8e6/1e6)
		// without ever hiding a real digit, which would be at least 1.
		if math.Abs(r*sc.v-a) <= math.Max(1e-9*a, 1e-6) {
			return strconv.FormatFloat(r, 'f', -1, 64) + " " + sc.word
		}
		break
	}
	return grouped(a, money)
}

// grouped writes a ≥ 0 with thousands separators: money with cents when it
// has any, other values with up to three decimals.
func grouped(a float64, money bool) string {
	var s string
	if money && a != math.Trunc(a) {
		s = strconv.FormatFloat(a, 'f', 2, 64)
	} else {
		s = strconv.FormatFloat(math.Round(a*1000)/1000, 'f', 3, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// delta returns the change from old to new, absolute and in percent of old.
// ok is false when old is zero, where a percentage means nothing.
func delta(old, new float64) (abs float64, pct float64, ok bool) {
	abs = new - old
	if old == 0 {
		return abs, 0, false
	}
	return abs, abs / math.Abs(old) * 100, true
}

// formatChange renders the change between two values of one unit:
// "−58,000, −19.9%". Counted nouns are left out to keep it short;
// percentages change by points ("+2 pts, +3.1%").
func formatChange(old, new float64, unit string) string {
	abs, pct, ok := delta(old, new)
	var a string
	switch strings.ToLower(unit) {
	case "percent", "%", "pct":
		a = signed(abs, grouped(math.Abs(abs), false)+" pts")
	case "usd", "$":
		a = signed(abs, FormatNumber(math.Abs(abs), "usd"))
	default:
		a = signed(abs, FormatNumber(math.Abs(abs), ""))
	}
	if abs == 0 {
		return "no change"
	}
	if !ok {
		return a
	}
	return a + ", " + signed(pct, strconv.FormatFloat(math.Abs(pct), 'f', 1, 64)+"%")
}

func signed(v float64, s string) string {
	switch {
	case v < 0:
		return minus + s
	case v > 0:
		return "+" + s
	}
	return s
}

// EscapeMrkdwn escapes the three characters Slack treats as control
// characters in mrkdwn (& < >), so text from a document can never ping
// <!channel>, mention a user or forge a <https://evil|link>.
func EscapeMrkdwn(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Clean makes text from a document safe to show on one line of a terminal
// or a message: invalid UTF-8 is replaced, control and bidirectional
// override characters (which could recolour a terminal or reverse what a
// reader sees) become spaces, and runs of white space collapse to one.
func Clean(s string) string {
	return strings.TrimSpace(collapse(s))
}

// collapse is Clean without the trim, for pieces of one text that are
// joined again (the quote around its figure).
func collapse(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || isBidi(r) || r == '\u2028' || r == '\u2029' || (unicode.IsSpace(r) && !isGlue(r)) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func isBidi(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// isGlue reports the spaces that hold a number together ("291 000",
// "5 km"): they are kept and never chosen as a place to cut.
func isGlue(r rune) bool {
	return r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\u2007'
}

// Truncate cuts s to at most n runes, ending with "…" when it cut, at a word
// boundary when one is near.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n == 1 {
		return ellipsis
	}
	r := []rune(s)[:n-1]
	// Prefer the last break in the final fifth, so words stay whole.
	for i := len(r) - 1; i > len(r)*4/5; i-- {
		if isBreak(r[i]) {
			r = r[:i]
			break
		}
	}
	return strings.TrimRightFunc(string(r), unicode.IsSpace) + ellipsis
}

func isBreak(r rune) bool { return unicode.IsSpace(r) && !isGlue(r) }

// Excerpt is a quote split around the figure it states, cut to fit. Before
// starts with "…" and After ends with "…" when text was cut there. All
// three parts are Clean text; none is escaped.
type Excerpt struct {
	Before, Figure, After string
	// Page is the PDF page of the quote, 0 when not a PDF's.
	Page int
}

// PageNote is " (p. 4)" for a quote from page 4 of a PDF, else "".
func (e Excerpt) PageNote() string {
	if e.Page <= 0 || e.Empty() {
		return ""
	}
	return fmt.Sprintf(" (p. %d)", e.Page)
}

// String joins the parts without marking the figure.
func (e Excerpt) String() string { return e.Before + e.Figure + e.After }

// Empty reports whether there is no quote at all.
func (e Excerpt) Empty() bool { return e.Before == "" && e.Figure == "" && e.After == "" }

// cutQuote returns q in at most max runes, centred on its figure. Cuts
// fall between words, never inside a number.
func cutQuote(q Quote, max int) Excerpt {
	t := q.Text
	lo, hi := q.Figure[0], q.Figure[1]
	var e Excerpt
	if lo >= 0 && lo < hi && hi <= len(t) {
		e = Excerpt{Before: collapse(t[:lo]), Figure: collapse(t[lo:hi]), After: collapse(t[hi:])}
	} else {
		e = Excerpt{After: collapse(t)}
	}
	e.Before = strings.TrimLeftFunc(e.Before, unicode.IsSpace)
	e.After = strings.TrimRightFunc(e.After, unicode.IsSpace)
	if e.Before == "" && e.Figure == "" {
		e.After = strings.TrimLeftFunc(e.After, unicode.IsSpace)
	}
	e.Page = q.Page
	nb, nf, na := utf8.RuneCountInString(e.Before), utf8.RuneCountInString(e.Figure), utf8.RuneCountInString(e.After)
	if nb+nf+na <= max {
		return e
	}
	if nf+2 > max {
		return Excerpt{Figure: Truncate(e.Figure, max), Page: q.Page}
	}
	// Share what the figure leaves (minus an ellipsis each side) between the
	// two sides, giving one side's unused share to the other.
	avail := max - nf - 2
	bAllow, aAllow := avail/2, avail-avail/2
	if nb < bAllow {
		aAllow += bAllow - nb
		bAllow = nb
	}
	if na < aAllow {
		bAllow += aAllow - na
		aAllow = na
	}
	if nb > bAllow {
		e.Before = cutHead(e.Before, bAllow)
	}
	if na > aAllow {
		e.After = cutTail(e.After, aAllow)
	}
	return e
}

// quoteOf is a stated figure's quote with the figure located by s.Mark,
// or by searching the quote for s.Text when the mark is missing or does
// not fit the quote.
func quoteOf(s diff.Stated) Quote {
	q := Quote{Text: s.Quote, Page: s.Page}
	if lo, hi, ok := mark(s.Quote, s.Mark, s.Text); ok {
		q.Figure = [2]int{lo, hi}
	}
	return q
}

// mark finds the figure's byte range in q.
func mark(q string, m [2]int, text string) (lo, hi int, ok bool) {
	lo, hi = m[0], m[1]
	if lo >= 0 && lo < hi && hi <= len(q) && utf8.RuneStart(q[lo]) && (hi == len(q) || utf8.RuneStart(q[hi])) &&
		(text == "" || q[lo:hi] == text) {
		return lo, hi, true
	}
	if text != "" {
		if i := strings.Index(q, text); i >= 0 {
			return i, i + len(text), true
		}
	}
	return 0, 0, false
}

// cutHead keeps at most n-ish runes of the end of s (the text before the
// figure), starting at a word, behind an ellipsis.
func cutHead(s string, n int) string {
	r := []rune(s)
	start := len(r) - n
	if start > 0 && !isBreak(r[start-1]) {
		// Mid-word: move forward to the next break.
		i := start
		for i < len(r) && !isBreak(r[i]) {
			i++
		}
		if i == len(r) {
			// No break left (one long token): at least step past any
			// digits so no number is cut.
			i = start
			for i < len(r) && isNumberRune(r[i]) {
				i++
			}
		}
		start = i
	}
	kept := strings.TrimLeftFunc(string(r[start:]), unicode.IsSpace)
	if kept == "" {
		return ellipsis + " "
	}
	return ellipsis + kept
}

// cutTail keeps at most n runes of the start of s (the text after the
// figure), ending at a word, before an ellipsis.
func cutTail(s string, n int) string {
	r := []rune(s)
	end := n
	if end < len(r) && !isBreak(r[end]) {
		i := end
		for i > 0 && !isBreak(r[i-1]) {
			i--
		}
		if i == 0 {
			i = end
			for i > 0 && isNumberRune(r[i-1]) {
				i--
			}
		}
		end = i
	}
	kept := strings.TrimRightFunc(string(r[:end]), unicode.IsSpace)
	if kept == "" {
		return " " + ellipsis
	}
	return kept + ellipsis
}

func isNumberRune(r rune) bool {
	return unicode.IsDigit(r) || r == ',' || r == '.' || isGlue(r)
}

// label is the metric's name for people: its label, else its id.
func label(ev diff.Event) string {
	switch {
	case ev.MetricLabel != "":
		return Clean(ev.MetricLabel)
	case ev.Metric != "":
		return Clean(ev.Metric)
	}
	return "untracked figure"
}

// sourceName is the event's source for people: its name, else its id.
func sourceName(ev diff.Event) string {
	if ev.SourceName != "" {
		return Clean(ev.SourceName)
	}
	return Clean(ev.Source)
}

// wording is a stated figure as its document words it ("more than
// 291,000"), or, when the wording was not kept, rebuilt from the qualifier,
// value and unit.
func wording(s *diff.Stated) string {
	if s == nil {
		return "(none)"
	}
	if w := Clean(s.Wording); w != "" {
		if bareNumber(w, s.Value) {
			// A data file's "106321": written as a reporter would.
			return FormatNumber(s.Value, "")
		}
		return nounPhrase(w, s)
	}
	n := FormatNumber(s.Value, s.Unit)
	if q := QualifierWords(s.Qualifier, s.Unit); q != "" {
		return q + " " + n
	}
	return n
}

// nounPhrase keeps the document's wording of a figure, except a verb that
// carries its qualifier ("topped 300,000", "surpassing $2 billion"): after
// "claims" or "was" that reads wrong, so the verb gives way to the
// qualifier's words ("more than 300,000").
func nounPhrase(w string, s *diff.Stated) string {
	verb, rest, ok := strings.Cut(w, " ")
	if !ok || rest == "" {
		return w
	}
	lv := strings.ToLower(verb)
	if !strings.HasSuffix(lv, "ed") && !strings.HasSuffix(lv, "ing") {
		return w
	}
	if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsDigit(r) && !strings.ContainsRune("$£€¥−-", r) {
		return w
	}
	if q := QualifierWords(s.Qualifier, s.Unit); q != "" {
		return q + " " + rest
	}
	return rest
}

// bareNumber reports a wording that is only the digits of v, four or more
// of them, as CSV and JSON sources state their values: one without
// thousands separators that a person would write with them.
func bareNumber(w string, v float64) bool {
	if len(w) < 4 || strings.TrimLeft(w, "0123456789") != "" {
		return false
	}
	n, err := strconv.ParseFloat(w, 64)
	return err == nil && n == v
}

// QualifierWords is how a qualifier reads before a number of the given
// unit when the document's own words were not kept: the one wording of
// alerts, the status page and its charts.
//
// "over" reads "more than": it is how the official reports and most
// newsrooms word it (AP accepts both, but "more than 291,000" cannot be
// misread next to a year or a period the way "over 2024" can), and what
// the extractor keeps as the document's words most of the time, so a
// rebuilt wording matches the quoted one. "under" follows what is
// counted: "fewer than" for counted things ("fewer than 32,000
// children"), "less than" for amounts ("less than 4.1%", "less than $2
// billion"), and "under" when the unit is unknown, which reads right for
// both (the old "fewer than 5%" did not).
func QualifierWords(q, unit string) string {
	switch q {
	case "over":
		return "more than"
	case "under":
		switch strings.ToLower(unit) {
		case "":
			return "under"
		case "percent", "%", "pct", "usd", "$":
			return "less than"
		}
		return "fewer than"
	case "nearly":
		return "nearly"
	case "approx":
		return "about"
	case "up_to":
		return "up to"
	case "at_least":
		return "at least"
	}
	return ""
}

// Date formats a calendar date for people: "2 Jan 2026", in UTC; "" for
// the zero time. Renderers of alerts show dates in the newsroom's zone
// instead (see BuildIn).
func Date(t time.Time) string { return DateIn(t, time.UTC) }

// DateIn formats the day t falls on in loc: "2 Jan 2026"; "" for the zero
// time. It is the one date format of everything a person reads: alerts,
// `watcher status` and `history`, the status page. A time at exactly
// midnight UTC is a calendar date without a time of day (a report's
// publication date, as feeds and pages give it), so it keeps its day in
// every zone: 20 Aug 2024 must not read 19 Aug in New York.
func DateIn(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return inZone(t, loc).Format("2 Jan 2006")
}

// StampIn formats an instant for people in loc (UTC when nil), always
// with the zone's name so no reader has to guess: "2 Jan 2026 15:04
// UTC", "1 Dec 2026 16:50 EST"; "" for the zero time.
func StampIn(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}

// inZone is t in loc, except for a calendar date (midnight UTC), which
// stays as it is (see DateIn).
func inZone(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if u := t.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u
	}
	return t.In(loc)
}

// reported is when a stated figure was published, else when watcher first
// saw it.
func reported(s *diff.Stated) time.Time {
	if s == nil {
		return time.Time{}
	}
	if !s.Published.IsZero() {
		return s.Published
	}
	return s.Seen
}

// duration renders how long something lasted, to the minute: "3h12m", "2d4h".
func duration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case days > 0:
		return strconv.Itoa(int(days)) + "d" + strconv.Itoa(int(h)) + "h"
	case h > 0:
		return strconv.Itoa(int(h)) + "h" + strconv.Itoa(int(m)) + "m"
	}
	return strconv.Itoa(int(m)) + "m"
}

// statedSource names where a figure was stated: the outlet that published
// it when known (so the outlets of one aggregator feed are told apart),
// else the source's display name, else its id.
func statedSource(s *diff.Stated) string {
	if s == nil {
		return ""
	}
	if o := Clean(s.Outlet); o != "" {
		return o
	}
	if s.SourceName != "" {
		return Clean(s.SourceName)
	}
	return Clean(s.Source)
}
