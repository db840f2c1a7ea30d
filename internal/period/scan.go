package period

import (
	"maps"
	"slices"
	"time"
)

type tokKind uint8

const (
	tWord tokKind = iota + 1
	tNum
	tDash  // -, – or —
	tPunct // one byte: , . ( ) / ' |
)

// token is kept small (16 bytes): a document has thousands.
type token struct {
	pos, end int32
	n        int32 // a number's value
	kind     tokKind
	id       uint8 // a word's index in vocab (0: not a word of the grammar), a punctuation's byte
	digits   uint8 // a number's digit count (at most 255)
	space    bool  // white space (or nothing) before it
}

type scanner struct {
	p    Parser
	ref  time.Time
	toks []token
}

// tokenize splits text into ASCII words, numbers, dashes and punctuation.
// Words are lower-cased byte for byte so offsets stay those of text.
// Letters and digits written together ("FY23", "Q1") are two tokens.
func (s *scanner) tokenize(text string) {
	var buf [16]byte
	low := buf[:0]
	if s.toks == nil {
		s.toks = make([]token, 0, len(text)/6+8)
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case isLetter(c):
			j := i
			for j < len(text) && isLetter(text[j]) {
				j++
			}
			// Only short words can be a month, keyword or the like; longer
			// ones are kept as an opaque token without lower-casing.
			var id uint8
			if j-i <= 9 {
				low = low[:0]
				for k := i; k < j; k++ {
					low = append(low, text[k]|0x20)
				}
				id = intern(low)
			}
			// A run of words the grammar does not know only separates
			// expressions: one token stands for all of it.
			if n := len(s.toks); id == 0 && n > 0 && s.toks[n-1].kind == tWord && s.toks[n-1].id == 0 {
				s.toks[n-1].end = int32(j)
			} else {
				s.toks = append(s.toks, token{pos: int32(i), end: int32(j), kind: tWord, id: id, space: s.spaceBefore(text, i)})
			}
			i = j
		case c >= '0' && c <= '9':
			j, n := i, 0
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				if j-i < 9 {
					n = n*10 + int(text[j]-'0')
				}
				j++
			}
			// "2,025" or "3.5" is a quantity, not a year or a day.
			if j+1 < len(text) && (text[j] == ',' || text[j] == '.') && text[j+1] >= '0' && text[j+1] <= '9' {
				for j < len(text) && (text[j] == ',' || text[j] == '.' || (text[j] >= '0' && text[j] <= '9')) {
					j++
				}
				n = -1
			}
			s.toks = append(s.toks, token{pos: int32(i), end: int32(j), kind: tNum, n: int32(n), digits: uint8(min(j-i, 255)), space: s.spaceBefore(text, i)})
			i = j
		case c == '-':
			s.toks = append(s.toks, token{pos: int32(i), end: int32(i + 1), kind: tDash, id: '-', space: s.spaceBefore(text, i)})
			i++
		case c == 0xE2 && i+2 < len(text) && text[i+1] == 0x80 && (text[i+2] == 0x93 || text[i+2] == 0x94):
			s.toks = append(s.toks, token{pos: int32(i), end: int32(i + 3), kind: tDash, id: '-', space: s.spaceBefore(text, i)})
			i += 3
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f':
			i++
		case c == ',' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\'' || c == '|':
			s.toks = append(s.toks, token{pos: int32(i), end: int32(i + 1), kind: tPunct, id: text[i], space: s.spaceBefore(text, i)})
			i++
		default:
			// Anything else (other scripts, symbols) breaks a sequence.
			s.toks = append(s.toks, token{pos: int32(i), end: int32(i + 1), kind: tPunct, id: '?', space: s.spaceBefore(text, i)})
			i++
		}
	}
}

func (s *scanner) spaceBefore(text string, i int) bool {
	return i == 0 || text[i-1] == ' ' || text[i-1] == '\n' || text[i-1] == '\t' || text[i-1] == '\r'
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// vocab lists the words the grammar looks for; a token holds its index,
// so that tokens hold no pointers (no write barriers as the slice grows,
// nothing for the collector to scan) and comparisons are cheap.
var vocab = func() []string {
	v := []string{"\x00",
		"as", "of", "at", "the", "end", "in", "during", "for", "since", "by", "through", "thru", "until", "to", "and",
		"between", "from", "last", "past", "previous", "prior", "this", "current", "month", "year", "years", "quarter",
		"fiscal", "calendar", "fy", "cy", "fytd", "ytd", "q", "first", "second", "third", "fourth",
	}
	for _, w := range slices.Sorted(maps.Keys(months)) {
		v = append(v, w)
	}
	return v
}()

// vocabIndex lists, by first letter and length, the vocab words of that
// shape: intern compares a word with one or two candidates, no hashing.
var vocabIndex = func() (m [26][10][]uint8) {
	for i, w := range vocab[1:] {
		m[w[0]-'a'][len(w)] = append(m[w[0]-'a'][len(w)], uint8(i+1))
	}
	return m
}()

// intern returns w's index in vocab, 0 for other words; w is lower-case
// ASCII of 1 to 9 letters.
func intern(w []byte) uint8 {
	for _, id := range vocabIndex[w[0]-'a'][len(w)] {
		if string(w) == vocab[id] { // no allocation: a comparison
			return id
		}
	}
	return 0
}

var months = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

// monthByID is the month each vocab word names, 0 for other words: an
// array lookup where a map would hash the word again.
var monthByID = func() (m [256]time.Month) {
	for i, w := range vocab {
		m[i] = months[w]
	}
	return m
}()

// startsExpr marks the vocab words an expression can begin with; the
// others ("in", "of", "and", "year" ...) only continue one, and are the
// commonest words of prose.
var startsExpr = func() (m [256]bool) {
	for i, w := range vocab {
		switch {
		case monthByID[i] != 0:
			m[i] = true
		case w == "as" || w == "between" || w == "from" || w == "since" || w == "the" || w == "last" || w == "past" ||
			w == "previous" || w == "prior" || w == "this" || w == "current" || w == "fiscal" || w == "fy" ||
			w == "calendar" || w == "cy" || w == "q" || ordinal(w) > 0:
			m[i] = true
		}
	}
	return m
}()

// ordinal is the quarter an ordinal names, 0 for other words.
func ordinal(w string) int {
	switch w {
	case "first":
		return 1
	case "second":
		return 2
	case "third":
		return 3
	case "fourth":
		return 4
	}
	return 0
}

func (s *scanner) tok(i int) token {
	if i < 0 || i >= len(s.toks) {
		return token{}
	}
	return s.toks[i]
}

func (s *scanner) word(i int, ws ...string) bool {
	t := s.tok(i)
	if t.kind != tWord {
		return false
	}
	for _, w := range ws {
		if vocab[t.id] == w {
			return true
		}
	}
	return false
}

func (s *scanner) punct(i int, c string) bool { t := s.tok(i); return t.kind == tPunct && t.id == c[0] }

// year reads a four-digit year in a plausible range.
func (s *scanner) year(i int) (int, bool) {
	t := s.tok(i)
	if t.kind == tNum && t.digits == 4 && t.n >= 1900 && t.n <= 2100 {
		return int(t.n), true
	}
	return 0, false
}

// yearOrShort reads "2023" or "23" (20xx).
func (s *scanner) yearOrShort(i int) (int, bool) {
	if y, ok := s.year(i); ok {
		return y, true
	}
	t := s.tok(i)
	if t.kind == tNum && t.digits == 2 {
		return 2000 + int(t.n), true
	}
	return 0, false
}

// month reads a month name, with the full stop of an abbreviation; n is
// the tokens used.
func (s *scanner) month(i int) (time.Month, int, bool) {
	t := s.tok(i)
	if t.kind != tWord {
		return 0, 0, false
	}
	m := monthByID[t.id]
	if m == 0 {
		return 0, 0, false
	}
	if len(vocab[t.id]) <= 4 && s.punct(i+1, ".") {
		return m, 2, true
	}
	return m, 1, true
}

// span is an absolute interval read from the text, with its granularity.
type span struct {
	kind       Kind
	start, end time.Time
	toDate     bool
}

// date reads an absolute date at i: "January 31, 2025", "31 January
// 2025", "2025-01-31", "January 2025", "Jan. 2025", "Oct-25", "2025". A
// month without a year is resolved against the reference date only when
// bare is set (after "in", "as of" ...), since "May" is also a verb.
func (s *scanner) date(i int, bare bool) (span, int, bool) {
	if m, n, ok := s.month(i); ok {
		j := i + n
		// Month day, year.
		if d := s.tok(j); d.kind == tNum && d.digits <= 2 && d.n >= 1 && d.n <= 31 && d.space {
			k := j + 1
			if s.punct(k, ",") {
				k++
			}
			if y, ok := s.year(k); ok {
				st := date(y, m, int(d.n))
				return span{Day, st, st.AddDate(0, 0, 1), false}, k + 1 - i, true
			}
		}
		k := j
		if s.punct(k, ",") {
			k++
		}
		if y, ok := s.year(k); ok {
			st := date(y, m, 1)
			return span{Month, st, st.AddDate(0, 1, 0), false}, k + 1 - i, true
		}
		// "Oct-25", "Oct-2025": table headers.
		if s.tok(j).kind == tDash && !s.tok(j).space && !s.tok(j+1).space {
			if y, ok := s.yearOrShort(j + 1); ok {
				st := date(y, m, 1)
				return span{Month, st, st.AddDate(0, 1, 0), false}, j + 2 - i, true
			}
		}
		if bare && !s.ref.IsZero() {
			y := s.ref.Year()
			if m > s.ref.Month() {
				y--
			}
			st := date(y, m, 1)
			return span{Month, st, st.AddDate(0, 1, 0), false}, n, true
		}
		return span{}, 0, false
	}
	// Day Month Year.
	if d := s.tok(i); d.kind == tNum && d.digits <= 2 && d.n >= 1 && d.n <= 31 {
		if m, n, ok := s.month(i + 1); ok {
			k := i + 1 + n
			if s.punct(k, ",") {
				k++
			}
			if y, ok := s.year(k); ok {
				st := date(y, m, int(d.n))
				return span{Day, st, st.AddDate(0, 0, 1), false}, k + 1 - i, true
			}
		}
	}
	if y, ok := s.year(i); ok {
		// ISO 2025-01-31.
		if s.tok(i+1).kind == tDash && s.tok(i+2).kind == tNum && s.tok(i+2).digits == 2 &&
			s.tok(i+3).kind == tDash && s.tok(i+4).kind == tNum && s.tok(i+4).digits == 2 && !s.tok(i+1).space && !s.tok(i+3).space {
			m, d := s.tok(i+2).n, s.tok(i+4).n
			if m >= 1 && m <= 12 && d >= 1 && d <= 31 {
				st := date(y, time.Month(m), int(d))
				return span{Day, st, st.AddDate(0, 0, 1), false}, 5, true
			}
		}
		st := date(y, 1, 1)
		return span{Year, st, st.AddDate(1, 0, 0), false}, 1, true
	}
	return span{}, 0, false
}

// fiscal reads "fiscal year 2023", "fiscal years 2019 and 2023", "FY23",
// "FY 2023", "FY2019–2023", "FY2019-FY2023", with "(FYTD)" after a year.
func (s *scanner) fiscal(i int) (span, int, bool) {
	j := i
	switch {
	case s.word(j, "fiscal") && s.word(j+1, "year", "years"):
		j += 2
	case s.word(j, "fy"):
		j++
	default:
		return span{}, 0, false
	}
	y1, ok := s.yearOrShort(j)
	if !ok {
		return span{}, 0, false
	}
	j++
	st, en := s.p.fiscalYear(y1)
	// A second year makes a span of fiscal years.
	k := j
	if s.tok(k).kind == tDash || s.word(k, "to", "through", "thru", "and", "until") {
		k++
		if s.word(k, "fy") {
			k++
		} else if s.word(k, "fiscal") && s.word(k+1, "year") {
			k += 2
		}
		if y2, ok := s.yearOrShort(k); ok && y2 > y1 {
			_, en2 := s.p.fiscalYear(y2)
			return span{Span, st, en2, false}, k + 1 - i, true
		}
	}
	if n, ok := s.toDate(j); ok {
		return span{FiscalYear, st, en, true}, j + n - i, true
	}
	return span{FiscalYear, st, en, false}, j - i, true
}

// toDate reads "(FYTD)" or "(YTD)".
func (s *scanner) toDate(i int) (int, bool) {
	if s.punct(i, "(") && s.word(i+1, "fytd", "ytd") && s.punct(i+2, ")") {
		return 3, true
	}
	return 0, false
}

// quarter reads "the first quarter of 2024", "the first quarter of fiscal
// year 2024", "Q1 2024", "2024 Q1", "Q1 FY2024".
func (s *scanner) quarter(i int) (span, int, bool) {
	j := i
	if s.word(j, "the") {
		j++
	}
	q := 0
	if o := ordinal(s.wordAt(j)); o > 0 && s.word(j+1, "quarter") {
		q, j = o, j+2
		if s.word(j, "of") {
			j++
		}
	} else if s.word(j, "q") && s.tok(j+1).kind == tNum && s.tok(j+1).n >= 1 && s.tok(j+1).n <= 4 && !s.tok(j+1).space {
		q, j = int(s.tok(j+1).n), j+2
		if s.punct(j, ",") {
			j++
		}
	} else if y, ok := s.year(j); ok && s.word(j+1, "q") && s.tok(j+2).kind == tNum && s.tok(j+2).n >= 1 && s.tok(j+2).n <= 4 {
		st := date(y, time.Month(3*(s.tok(j+2).n-1)+1), 1)
		return span{Quarter, st, st.AddDate(0, 3, 0), false}, j + 3 - i, true
	} else {
		return span{}, 0, false
	}
	if fy, n, ok := s.fiscal(j); ok && fy.kind == FiscalYear {
		st := fy.start.AddDate(0, 3*(q-1), 0)
		return span{Quarter, st, st.AddDate(0, 3, 0), false}, j + n - i, true
	}
	if s.word(j, "calendar") && s.word(j+1, "year") {
		j += 2
	}
	if y, ok := s.year(j); ok {
		st := date(y, time.Month(3*(q-1)+1), 1)
		return span{Quarter, st, st.AddDate(0, 3, 0), false}, j + 1 - i, true
	}
	return span{}, 0, false
}

// point reads one absolute date, fiscal year or quarter.
func (s *scanner) point(i int, bare bool) (span, int, bool) {
	if sp, n, ok := s.fiscal(i); ok {
		return sp, n, true
	}
	if sp, n, ok := s.quarter(i); ok {
		return sp, n, true
	}
	if (s.word(i, "calendar") && s.word(i+1, "year")) || s.word(i, "cy") {
		k := i + 1
		if s.word(i, "calendar") {
			k++
		}
		if y, ok := s.yearOrShort(k); ok {
			st := date(y, 1, 1)
			return span{Year, st, st.AddDate(1, 0, 0), false}, k + 1 - i, true
		}
	}
	return s.date(i, bare)
}

// at reads the longest period expression starting at token i.
func (s *scanner) at(i int) (Match, int, bool) {
	// Most tokens of prose are words no period expression starts with:
	// reject them before trying the grammar.
	if t := &s.toks[i]; (t.kind == tWord && !startsExpr[t.id]) || (t.kind == tNum && (t.n < 1 || t.digits == 3 || t.digits > 4)) || t.kind == tDash || t.kind == tPunct {
		return Match{}, 0, false
	}
	mk := func(sp span) Match {
		return Match{Period: Period{Kind: sp.kind, Start: sp.start, End: sp.end, ToDate: sp.toDate}}
	}
	// As of <date>.
	if s.word(i, "as") && s.word(i+1, "of", "at") {
		j := i + 2
		if s.word(j, "the") && s.word(j+1, "end") && s.word(j+2, "of") {
			j += 3
		}
		if sp, n, ok := s.point(j, true); ok {
			k := Kind(AsOf)
			if sp.kind == Span || sp.kind == FiscalYear || sp.kind == Quarter {
				k = sp.kind
			}
			return mk(span{k, sp.start, sp.end, sp.toDate}), j + n - i, true
		}
		return Match{}, 0, false
	}
	// Between X and Y, from X to Y.
	if s.word(i, "between", "from") {
		if a, n, ok := s.point(i+1, true); ok {
			j := i + 1 + n
			if s.word(j, "and", "to", "through", "thru", "until") || s.tok(j).kind == tDash {
				if b, m, ok := s.point(j+1, true); ok && !b.end.Before(a.end) {
					if a.kind == FiscalYear && b.kind == Year {
						_, b.end = s.p.fiscalYear(b.start.Year())
					}
					return mk(span{Span, a.start, b.end, false}), j + 1 + m - i, true
				}
			}
			// "from fiscal years 2019 through 2023" was read whole by point.
			if a.kind == Span {
				return mk(a), 1 + n, true
			}
		}
	}
	// Since X.
	if s.word(i, "since") {
		if a, n, ok := s.point(i+1, true); ok {
			sp := span{Span, a.start, time.Time{}, false}
			if !s.ref.IsZero() && s.ref.After(a.start) {
				sp.end = s.ref
			}
			return mk(sp), 1 + n, true
		}
		return Match{}, 0, false
	}
	// Last month, this year, the previous fiscal year.
	if sp, n, ok := s.relative(i); ok {
		return mk(sp), n, true
	}
	bare := s.word(i-1, "in", "during", "for", "of", "by", "through", "until", "thru")
	sp, n, ok := s.point(i, bare)
	if !ok {
		return Match{}, 0, false
	}
	// A bare year reads as a period only after a preposition ("in 2023")
	// or as "2025 (FYTD)"; elsewhere a four-digit number is too often
	// something else.
	if sp.kind == Year && n == 1 && !s.word(i, "calendar", "cy") {
		if k, ok := s.toDate(i + 1); ok {
			st, en := s.p.fiscalYear(sp.start.Year())
			return mk(span{FiscalYear, st, en, true}), 1 + k, true
		}
		if !bare {
			return Match{}, 0, false
		}
	}
	// X – Y: "October 2018 – September 2023", "2019-2023".
	if d := s.tok(i + n); d.kind == tDash || (d.kind == tWord && (vocab[d.id] == "to" || vocab[d.id] == "through")) {
		if b, m, ok := s.point(i+n+1, true); ok && b.end.After(sp.end) && (b.kind == sp.kind || sp.kind == FiscalYear) {
			return mk(span{Span, sp.start, b.end, false}), n + 1 + m, true
		}
	}
	return mk(sp), n, true
}

// relative reads "last month", "this year", "the previous fiscal year",
// "last quarter", resolved against the reference date.
func (s *scanner) relative(i int) (span, int, bool) {
	if s.ref.IsZero() {
		return span{}, 0, false
	}
	j := i
	if s.word(j, "the") {
		j++
	}
	back := 0
	switch {
	case s.word(j, "last", "past", "previous", "prior"):
		back = 1
	case s.word(j, "this", "current"):
	default:
		return span{}, 0, false
	}
	j++
	r := s.ref
	switch {
	case s.word(j, "month"):
		st := date(r.Year(), r.Month(), 1).AddDate(0, -back, 0)
		return span{Month, st, st.AddDate(0, 1, 0), false}, j + 1 - i, true
	case s.word(j, "quarter"):
		st := date(r.Year(), time.Month((int(r.Month())-1)/3*3+1), 1).AddDate(0, -3*back, 0)
		return span{Quarter, st, st.AddDate(0, 3, 0), false}, j + 1 - i, true
	case s.word(j, "year"):
		st := date(r.Year()-back, 1, 1)
		return span{Year, st, st.AddDate(1, 0, 0), false}, j + 1 - i, true
	case s.word(j, "fiscal") && s.word(j+1, "year"):
		st, en := s.p.fiscalYear(s.p.fiscalYearOf(r) - back)
		return span{FiscalYear, st, en, false}, j + 2 - i, true
	}
	return span{}, 0, false
}

// wordAt is token i's word, "" when it is not a word of the grammar.
func (s *scanner) wordAt(i int) string {
	if t := s.tok(i); t.kind == tWord {
		return vocab[t.id]
	}
	return ""
}
