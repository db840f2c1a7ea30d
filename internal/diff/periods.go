package diff

import (
	"sort"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/period"
	"github.com/figwatch/watcher/internal/store"
)

// docPeriods resolves the period of each figure of one document: the
// period expressions of its text are found once, then each figure takes,
// in this order, the nearest one in its sentence (before it, else after
// it), the one in its table row or column header, the nearest before it in
// its paragraph, the one in the heading above its paragraph, and else the
// document's own date.
type docPeriods struct {
	text    string
	matches []period.Match
	doc     store.Period
	parser  period.Parser
	ref     time.Time
}

func newDocPeriods(p period.Parser, text string, published, now time.Time) *docPeriods {
	ref := published
	if ref.IsZero() {
		ref = now
	}
	return &docPeriods{text: text, matches: p.Find(text, ref), doc: store.DocumentPeriod(ref), parser: p, ref: ref}
}

// forFigure returns the period of f: the one its frame's period words
// state when given, else the one found around it. series, when set, is
// the period kind of the metric's series, to which a finer period (a
// day, an as-of date) is widened.
func (dp *docPeriods) forFigure(f extract.Figure, frame string, series period.Kind) store.Period {
	p, ok := period.Period{}, false
	from := "frame"
	if frame != "" {
		p, ok = dp.parser.Parse(frame, dp.ref)
	}
	if !ok {
		p, from, ok = dp.find(f)
	}
	if !ok {
		sp := dp.doc
		if series != "" {
			if w, ok := widen(dp.parser, period.Period{Kind: period.AsOf, Start: sp.Start, End: sp.End}, series); ok {
				return toStore(w, "document")
			}
		}
		return sp
	}
	if series != "" {
		if w, ok := widen(dp.parser, p, series); ok {
			p = w
		}
	}
	return toStore(p, from)
}

func toStore(p period.Period, from string) store.Period {
	return store.Period{Kind: string(p.Kind), Start: p.Start, End: p.End, Key: p.Key(), Label: p.String(), From: from}
}

// widen turns a period finer than a series' kind into the series period
// that contains it: "as of 30 November 2024" in a monthly series is
// November 2024. Periods as wide as the kind or wider are left alone.
func widen(ps period.Parser, p period.Period, kind period.Kind) (period.Period, bool) {
	if p.Kind == kind {
		return p, true
	}
	if p.Kind != period.Day && p.Kind != period.AsOf && !(p.Kind == period.Month && kind != period.Month) {
		return p, false
	}
	t := p.Start
	if p.Kind == period.AsOf && !p.End.IsZero() {
		// A stock as of a date describes the period it closes.
		t = p.End.Add(-time.Nanosecond)
	}
	y, m := t.Year(), t.Month()
	switch kind {
	case period.Month:
		s := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return period.Period{Kind: period.Month, Start: s, End: s.AddDate(0, 1, 0)}, true
	case period.Quarter:
		s := time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
		return period.Period{Kind: period.Quarter, Start: s, End: s.AddDate(0, 3, 0)}, true
	case period.Year:
		s := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return period.Period{Kind: period.Year, Start: s, End: s.AddDate(1, 0, 0)}, true
	case period.FiscalYear:
		return ps.FiscalYearOf(t), true
	}
	return p, false
}

// find looks for f's period in the text around it.
func (dp *docPeriods) find(f extract.Figure) (period.Period, string, bool) {
	if len(dp.matches) == 0 || f.Start < 0 || f.End > len(dp.text) {
		return period.Period{}, "", false
	}
	ss := min(max(f.SentenceStart, 0), f.Start)
	se := sentenceEnd(dp.text, f.End)
	// In the sentence: the nearest before the figure, else after it.
	if m, ok := dp.nearestBefore(ss, f.Start); ok {
		return m.Period, "sentence", true
	}
	if m, ok := dp.firstIn(f.End, se); ok {
		return m.Period, "sentence", true
	}
	ls, le := lineBounds(dp.text, f.Start)
	if strings.Contains(dp.text[ls:le], "|") {
		// A table row: another cell of the row, else the column header.
		if m, ok := dp.firstIn(ls, le); ok {
			return m.Period, "table", true
		}
		if m, ok := dp.columnHeader(ls, f.Start); ok {
			return m.Period, "table", true
		}
	}
	ps := paragraphStart(dp.text, ss)
	if m, ok := dp.nearestBefore(ps, ss); ok {
		return m.Period, "paragraph", true
	}
	if hs, he, ok := headingBefore(dp.text, ps); ok {
		if m, ok := dp.nearestBefore(hs, he); ok {
			return m.Period, "heading", true
		}
	}
	return period.Period{}, "", false
}

// nearestBefore is the last match inside [from, to).
func (dp *docPeriods) nearestBefore(from, to int) (period.Match, bool) {
	i := sort.Search(len(dp.matches), func(i int) bool { return dp.matches[i].EndPos > to })
	if i > 0 && dp.matches[i-1].Pos >= from {
		return dp.matches[i-1], true
	}
	return period.Match{}, false
}

// firstIn is the first match inside [from, to).
func (dp *docPeriods) firstIn(from, to int) (period.Match, bool) {
	i := sort.Search(len(dp.matches), func(i int) bool { return dp.matches[i].Pos >= from })
	if i < len(dp.matches) && dp.matches[i].EndPos <= to {
		return dp.matches[i], true
	}
	return period.Match{}, false
}

// columnHeader finds the period in the header cell above the figure's
// cell: the first line of the table (the run of lines with "|") in the
// same column.
func (dp *docPeriods) columnHeader(lineStart, at int) (period.Match, bool) {
	col := strings.Count(dp.text[lineStart:at], "|")
	hs := lineStart
	for hs > 0 {
		ps, pe := lineBounds(dp.text, hs-1)
		if !strings.Contains(dp.text[ps:pe], "|") {
			break
		}
		hs = ps
	}
	if hs == lineStart {
		return period.Match{}, false
	}
	_, he := lineBounds(dp.text, hs)
	cs := hs
	for i := 0; i < col; i++ {
		j := strings.IndexByte(dp.text[cs:he], '|')
		if j < 0 {
			return period.Match{}, false
		}
		cs += j + 1
	}
	ce := he
	if j := strings.IndexByte(dp.text[cs:he], '|'); j >= 0 {
		ce = cs + j
	}
	return dp.firstIn(cs, ce)
}

// sentenceEnd is the end of the sentence going on at i: the next full
// stop, question or exclamation mark followed by a space and a capital, or
// the next line break.
func sentenceEnd(text string, i int) int {
	for j := i; j < len(text); j++ {
		switch text[j] {
		case '\n', '\f':
			return j
		case '.', '?', '!':
			if j+2 < len(text) && text[j+1] == ' ' && text[j+2] >= 'A' && text[j+2] <= 'Z' {
				return j + 1
			}
			if j+1 == len(text) {
				return len(text)
			}
		}
	}
	return len(text)
}

func lineBounds(text string, i int) (int, int) {
	s := strings.LastIndexByte(text[:i], '\n') + 1
	e := strings.IndexByte(text[i:], '\n')
	if e < 0 {
		return s, len(text)
	}
	return s, i + e
}

// paragraphStart is the start of the paragraph holding i: after the last
// blank line (or form feed) before it.
func paragraphStart(text string, i int) int {
	s := strings.LastIndex(text[:i], "\n\n")
	if f := strings.LastIndexByte(text[:i], '\f'); f > s {
		return f + 1
	}
	if s < 0 {
		return 0
	}
	return s + 2
}

// headingBefore finds the heading above the paragraph starting at ps: the
// nearest non-empty line before it when that line is short and does not
// end a sentence.
func headingBefore(text string, ps int) (int, int, bool) {
	e := ps
	for e > 0 && (text[e-1] == '\n' || text[e-1] == ' ' || text[e-1] == '\f') {
		e--
	}
	if e == 0 {
		return 0, 0, false
	}
	s := strings.LastIndexByte(text[:e], '\n') + 1
	line := strings.TrimSpace(text[s:e])
	if line == "" || len(line) > 120 || strings.HasSuffix(line, ".") {
		return 0, 0, false
	}
	return s, e, true
}
