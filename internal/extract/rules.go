package extract

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Rule says which metric a figure reports. Terms are compared as
// normalised words (see norm.go): case, plurals, verb endings, dots in
// abbreviations and the form of a negation do not matter, so "transferred
// to HHS" matches "transfers to HHS", "U.S." matches "US" and "not served"
// matches "were never served" but not "were served". Hyphens and
// apostrophes separate words: "unaccounted for" matches "unaccounted-for".
type Rule struct {
	Metric string   // metric id, e.g. "uc_no_nta"
	Any    []string // at least one must match in the figure's frame, clause, sentence or antecedent; the nearest match decides
	All    []string // every one must appear in the figure's sentence (or its antecedent, for a reference)
	None   []string // vetoes the metric when one appears in the figure's frame (its own phrase or an attached phrase)
	Units  []string // if non-empty, the figure's counted noun must be one of these (singular or plural); "percent", "usd", "fraction" admit those figures
}

// RuleError is a problem with one rule. Term is the offending term, if any.
type RuleError struct {
	Metric string
	Field  string // "metric", "any", "all", "none", "units"
	Term   string
	Reason string
}

func (e *RuleError) Error() string {
	if e.Term != "" {
		return fmt.Sprintf("metric %q: %s term %q: %s", e.Metric, e.Field, e.Term, e.Reason)
	}
	return fmt.Sprintf("metric %q: %s", e.Metric, e.Reason)
}

// Check validates the rule: a metric id, at least one Any term, no term that
// normalises to nothing, and no term in both Any and None. It returns every
// problem, joined.
func (r Rule) Check() error {
	var errs []error
	bad := func(field, t, reason string) {
		errs = append(errs, &RuleError{Metric: r.Metric, Field: field, Term: t, Reason: reason})
	}
	if strings.TrimSpace(r.Metric) == "" {
		bad("metric", "", "empty metric id")
	} else if strings.ContainsAny(r.Metric, " \t\r\n") {
		bad("metric", "", "metric id contains whitespace")
	}
	if len(r.Any) == 0 {
		bad("any", "", "no any terms")
	}
	lists := []struct {
		field string
		terms []string
	}{{"any", r.Any}, {"all", r.All}, {"none", r.None}, {"units", r.Units}}
	for _, l := range lists {
		for _, t := range l.terms {
			if len(termWords(t)) == 0 {
				bad(l.field, t, "normalises to nothing")
			}
		}
	}
	for _, a := range r.Any {
		wa := termWords(a)
		for _, n := range r.None {
			if len(wa) > 0 && slices.Equal(wa, termWords(n)) {
				bad("none", n, "also an any term")
			}
		}
	}
	return errors.Join(errs...)
}

// termWords normalises a term the way sentences are: hygiene, lower case,
// words, then normalise. Words normalised to "" (auxiliaries around a
// negation) are left out.
func termWords(s string) []string {
	c, _ := newCleaned(s, nil, nil)
	src := words{lower: c.lower}
	tt := src.split(0, len(c.lower), nil, ttok{})
	src.normalise(tt)
	var out []string
	for i := range tt {
		if w := src.norm(&tt[i]); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// split appends the words of lower[from:to] to tt, each a copy of proto
// with its offsets; a dotted abbreviation gets its dots removed in alt.
func (src *words) split(from, to int, tt []ttok, proto ttok) []ttok {
	if ascii, plain := plainWord(src.lower, from, to); plain && ascii != "" {
		// The common case: one run of ASCII letters and digits.
		return appendTtok(tt, &proto, int32(from), int32(to))
	}
	var buf [8]wspan
	for _, w := range wordSpans(src.lower, from, to, buf[:0]) {
		tt = appendTtok(tt, &proto, w.s, w.e)
		if w.dotted {
			t := &tt[len(tt)-1]
			t.code, t.nlen = normAlt, int16(len(src.alt))
			src.alt = append(src.alt, rawWord(src.lower, w))
		}
	}
	return tt
}

// appendTtok appends a copy of proto spanning [s,e), without a normal
// form yet. It is written field by field into the slice: a ttok put
// together on the stack and copied whole is read back in wide loads over
// narrower stores, which the CPU cannot forward, and that stall was a
// third of split's time.
func appendTtok(tt []ttok, proto *ttok, s, e int32) []ttok {
	tt = append(tt, ttok{})
	t := &tt[len(tt)-1]
	t.s, t.e, t.tok, t.clause, t.nlen, t.code, t.barrier = s, e, proto.tok, proto.clause, -1, proto.code, proto.barrier
	return tt
}

type term struct {
	words []string
	src   string // as the user wrote it
	rule  int
}

type compiledRule struct {
	id      string
	all     [][]string
	allSrc  []string
	none    [][]string
	noneSrc []string
	units   []string // singular, or a special unit
}

// New checks rules and returns an Extractor. Errors name the metric id and
// the term; every problem is reported.
func New(rules []Rule) (*Extractor, error) {
	var errs []error
	seen := make(map[string]bool, len(rules))
	for _, r := range rules {
		if err := r.Check(); err != nil {
			errs = append(errs, err)
		}
		if seen[r.Metric] && r.Metric != "" {
			errs = append(errs, &RuleError{Metric: r.Metric, Field: "metric", Reason: "duplicate metric id"})
		}
		seen[r.Metric] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	e := &Extractor{}
	first := map[string][]int32{} // term indices by their first word, laid out as e.firstTab
	for i, r := range rules {
		cr := compiledRule{id: r.Metric, allSrc: r.All, noneSrc: r.None}
		for _, t := range r.All {
			cr.all = append(cr.all, termWords(t))
		}
		for _, t := range r.None {
			cr.none = append(cr.none, termWords(t))
		}
		for _, u := range r.Units {
			w := strings.Join(rawTermWords(u), " ")
			if w == "percentage points" {
				w = "percentage_points"
			}
			if !specialUnit(w) {
				w = singular(w)
			}
			cr.units = append(cr.units, w)
		}
		e.rules = append(e.rules, cr)
		var had [][]string
		for _, t := range r.Any {
			w := termWords(t)
			// "did not appear", "didn't appear" and "never appeared" are
			// one term once normalised: match it once.
			if slices.ContainsFunc(had, func(h []string) bool { return slices.Equal(h, w) }) {
				continue
			}
			had = append(had, w)
			id := int32(len(e.terms))
			e.terms = append(e.terms, term{words: w, src: t, rule: i})
			first[w[0]] = append(first[w[0]], id)
			e.firstMask[w[0][0]] |= 1 << min(len(w[0]), 63)
			e.lastMask[w[0][len(w[0])-1]] |= 1 << min(len(w[0]), 63)
			if len(w[0]) == 1 {
				e.firstByte[w[0][0]] = true
			} else {
				pair := int(w[0][0])<<8 | int(w[0][1])
				e.firstPair[pair>>6] |= 1 << (pair & 63)
			}
		}
	}
	e.firstTab = newWordTable(first)
	return e, nil
}

// wordTable finds the terms starting with a word: a map of first words laid
// out for findTerms, which asks it of most words of a sentence with a
// figure. Open addressing on a hash of a word's length and three of its
// letters costs a fraction of the map's hash of every byte.
type wordTable struct {
	slots []wordSlot // a power of two in length, at most half full
	shift uint       // 32 minus the bits of an index
}

type wordSlot struct {
	word string // "" for an empty slot
	ids  []int32
}

func newWordTable(m map[string][]int32) wordTable {
	bits := uint(4)
	for 1<<bits < 2*len(m) {
		bits++
	}
	t := wordTable{slots: make([]wordSlot, 1<<bits), shift: 32 - bits}
	for w, ids := range m {
		i := t.home(w)
		for t.slots[i].word != "" {
			i = (i + 1) & (len(t.slots) - 1)
		}
		t.slots[i] = wordSlot{w, ids}
	}
	return t
}

// home is the slot where the search for w starts. w is not empty.
func (t *wordTable) home(w string) int {
	h := uint32(len(w))<<24 ^ uint32(w[0])<<16 ^ uint32(w[len(w)/2])<<8 ^ uint32(w[len(w)-1])
	return int((h * 0x9e3779b1) >> t.shift)
}

// lookup returns the terms whose first word is w (not empty).
func (t *wordTable) lookup(w string) []int32 {
	if len(t.slots) == 0 {
		return nil
	}
	for i := t.home(w); ; i = (i + 1) & (len(t.slots) - 1) {
		switch s := &t.slots[i]; s.word {
		case w:
			return s.ids
		case "":
			return nil
		}
	}
}

// rawTermWords splits a term into lower-case words without normalising:
// units are compared with the counted noun as written.
func rawTermWords(s string) []string {
	c, _ := newCleaned(s, nil, nil)
	var out []string
	for _, w := range wordSpans(c.lower, 0, len(c.lower), nil) {
		out = append(out, rawWord(c.lower, w))
	}
	return out
}

func (r *compiledRule) acceptsUnit(unit string, special bool) bool {
	if len(r.units) == 0 {
		return !special
	}
	if !special {
		unit = singular(unit)
	}
	return slices.Contains(r.units, unit)
}

// ttok is one word of a sentence for term matching. It holds no pointer.
type ttok struct {
	s, e    int32
	tok     int32 // index into d.toks
	clause  int32 // clause number, -1 outside the current sentence
	nlen    int16 // see normAlt
	code    uint8 // how the normal form is held: normStem, normNeg, normSkip, normAlt
	barrier bool  // punctuation a term cannot span
}

type occurrence struct {
	term int32
	a, b int32 // ttok range
}

// prepareTerms splits sentence s into words, numbers its clauses and finds
// every rule term in it.
func (d *doc) prepareTerms(s span) {
	d.clause = d.clauses(s, d.clause)
	d.tt, d.tstart = d.splitTerms(s, d.tt[:0], d.tstart[:0], d.clause)
	d.occ = d.findTerms(d.tt, d.occ[:0])
	d.work += len(d.tt) + len(d.occ)*len(d.occ) // findTerms compares occurrences pairwise
}

// splitTerms appends the words of sentence s to tt; tstart (when not nil
// on return) maps each token of s to its first word.
func (d *doc) splitTerms(s span, tt []ttok, tstart []int32, clause []int32) ([]ttok, []int32) {
	first := len(tt)
	for k := s.a; k < s.b; k++ {
		tstart = append(tstart, int32(len(tt)))
		t := d.toks[k]
		cl := int32(-1)
		if clause != nil {
			cl = clause[k-s.a]
		}
		switch t.kind {
		case tkWord, tkNum:
			if t.plain {
				// One word, as split would find: tokenize read it whole.
				tt = appendTtok(tt, &ttok{tok: int32(k), clause: cl}, t.s, t.e)
			} else {
				tt = d.w.split(int(t.s), int(t.e), tt, ttok{tok: int32(k), clause: cl})
			}
		case tkPunct:
			switch d.text(k) {
			case "\"", "'":
				continue // quotes do not interrupt a phrase
			}
			tt = append(tt, ttok{s: t.s, e: t.e, tok: int32(k), clause: cl, barrier: true})
		default:
			tt = append(tt, ttok{s: t.s, e: t.e, tok: int32(k), clause: cl, barrier: true})
		}
	}
	tstart = append(tstart, int32(len(tt)))
	// Normalise each run of words between barriers as terms are.
	for a := first; a < len(tt); {
		if tt[a].barrier {
			a++
			continue
		}
		b := a
		for b < len(tt) && !tt[b].barrier {
			b++
		}
		d.w.normalise(tt[a:b])
		a = b
	}
	return tt, tstart
}

// mayStart reports whether some term's first word could be the stem of raw
// word w: stems keep at least the first three bytes of a word.
func (e *Extractor) mayStart(w string) bool {
	if len(w) == 1 {
		return e.firstByte[w[0]]
	}
	pair := int(w[0])<<8 | int(w[1])
	return e.firstPair[pair>>6]&(1<<(pair&63)) != 0
}

// plainWord returns text[s:e] when it is all ASCII letters and digits.
func plainWord(text string, s, e int) (string, bool) {
	for i := s; i < e; i++ {
		if !isAlnum(text[i]) {
			return "", false
		}
	}
	return text[s:e], true
}

// findTerms finds every rule term in tt.
func (d *doc) findTerms(tt []ttok, occ []occurrence) []occurrence {
	if len(d.e.terms) == 0 {
		return occ
	}
	for i := range tt {
		t := &tt[i]
		if t.barrier || t.code == normSkip || t.code == normStem && !d.e.mayStart(d.w.lower[t.s:t.e]) {
			continue // stems keep their first two letters: no term can start here
		}
		w := d.w.norm(t)
		if bit := uint64(1) << min(len(w), 63); d.e.firstMask[w[0]]&bit == 0 || d.e.lastMask[w[len(w)-1]]&bit == 0 {
			continue
		}
		next, nextDone := "", false
		for _, id := range d.e.firstTab.lookup(w) {
			words := d.e.terms[id].words
			if len(words) > 1 {
				// Most terms sharing a first word part at the second.
				if !nextDone {
					next, nextDone = d.nextNorm(tt, i), true
				}
				if words[1] != next {
					continue
				}
			}
			d.work++
			if end, ok := d.matchAt(tt, i, words); ok {
				occ = append(occ, occurrence{term: id, a: int32(i), b: int32(end)})
			}
		}
	}
	// A term inside a longer term's occurrence is not evidence on its own:
	// "lost" within "lost contact", "missing" within "missing addresses".
	kept := occ[:0]
	for i, o := range occ {
		inside := false
		for j, p := range occ {
			if i != j && p.a <= o.a && o.b <= p.b && p.b-p.a > o.b-o.a {
				inside = true
				break
			}
		}
		if !inside {
			kept = append(kept, o)
		}
	}
	return kept
}

// nextNorm returns the normal form of the word after tt[i] that matching
// would compare, or "" at punctuation.
func (d *doc) nextNorm(tt []ttok, i int) string {
	for j := i + 1; j < len(tt) && !tt[j].barrier; j++ {
		if tt[j].code != normSkip {
			return d.w.norm(&tt[j])
		}
	}
	return ""
}

// matchAt matches normalised words at tt[i], skipping words normalised to
// "" and never crossing punctuation. A term that does not itself start
// with a negation does not match a negated phrase: "served" is not found
// in "were not served".
func (d *doc) matchAt(tt []ttok, i int, words []string) (int, bool) {
	j := i
	for _, w := range words {
		for j < len(tt) && !tt[j].barrier && tt[j].code == normSkip {
			j++
		}
		if j >= len(tt) || tt[j].barrier || d.w.norm(&tt[j]) != w {
			return 0, false
		}
		j++
	}
	if words[0] != negWord {
		for k := i - 1; k >= 0 && !tt[k].barrier; k-- {
			if tt[k].code == normNeg {
				return 0, false
			}
			if tt[k].code != normSkip {
				break
			}
		}
	}
	return j, true
}

// matchIn reports the first match of words starting in tt[from:to].
func (d *doc) matchIn(tt []ttok, words []string, from, to int) (int, bool) {
	for i := max(from, 0); i < min(to, len(tt)); i++ {
		if tt[i].barrier || tt[i].code == normSkip {
			continue
		}
		if _, ok := d.matchAt(tt, i, words); ok {
			return i, true
		}
	}
	return 0, false
}
