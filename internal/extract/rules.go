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
	spans := wordSpans(c.lower, 0, len(c.lower), nil)
	raw := make([]string, len(spans))
	for i, w := range spans {
		raw[i] = rawWord(c.lower, w)
	}
	norm := make([]string, len(raw))
	normalise(raw, norm)
	out := norm[:0]
	for _, w := range norm {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
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
	e := &Extractor{first: make(map[string][]int32)}
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
		for _, t := range r.Any {
			w := termWords(t)
			id := int32(len(e.terms))
			e.terms = append(e.terms, term{words: w, src: t, rule: i})
			e.first[w[0]] = append(e.first[w[0]], id)
			e.firstMask[w[0][0]] |= 1 << min(len(w[0]), 63)
		}
	}
	return e, nil
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

// ttok is one word of a sentence for term matching.
type ttok struct {
	s, e    int32
	tok     int32  // index into d.toks
	clause  int32  // clause number, -1 outside the current sentence
	norm    string // normalised form; "" for a word matching skips
	barrier bool   // punctuation a term cannot span
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
}

// splitTerms appends the words of sentence s to tt; tstart (when not nil
// on return) maps each token of s to its first word.
func (d *doc) splitTerms(s span, tt []ttok, tstart []int32, clause []int32) ([]ttok, []int32) {
	text := d.c.lower
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
			d.wsp = wordSpans(text, int(t.s), int(t.e), d.wsp[:0])
			for _, w := range d.wsp {
				norm := text[w.s:w.e]
				if w.dotted {
					norm = rawWord(text, w)
				}
				tt = append(tt, ttok{s: w.s, e: w.e, tok: int32(k), clause: cl, norm: norm})
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
		d.raw, d.norm = d.raw[:0], d.norm[:0]
		for i := a; i < b; i++ {
			d.raw = append(d.raw, tt[i].norm)
			d.norm = append(d.norm, "")
		}
		normalise(d.raw, d.norm)
		for i := a; i < b; i++ {
			tt[i].norm = d.norm[i-a]
		}
		a = b
	}
	return tt, tstart
}

// findTerms finds every rule term in tt.
func (d *doc) findTerms(tt []ttok, occ []occurrence) []occurrence {
	if len(d.e.terms) == 0 {
		return occ
	}
	for i := range tt {
		w := tt[i].norm
		if tt[i].barrier || w == "" {
			continue
		}
		if d.e.firstMask[w[0]]&(1<<min(len(w), 63)) == 0 {
			continue
		}
		for _, id := range d.e.first[w] {
			if end, ok := matchAt(tt, i, d.e.terms[id].words); ok {
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

// matchAt matches normalised words at tt[i], skipping words normalised to
// "" and never crossing punctuation. A term that does not itself start
// with a negation does not match a negated phrase: "served" is not found
// in "were not served".
func matchAt(tt []ttok, i int, words []string) (int, bool) {
	j := i
	for _, w := range words {
		for j < len(tt) && !tt[j].barrier && tt[j].norm == "" {
			j++
		}
		if j >= len(tt) || tt[j].barrier || tt[j].norm != w {
			return 0, false
		}
		j++
	}
	if words[0] != negWord {
		for k := i - 1; k >= 0 && !tt[k].barrier; k-- {
			if tt[k].norm == negWord {
				return 0, false
			}
			if tt[k].norm != "" {
				break
			}
		}
	}
	return j, true
}

// matchIn reports the first match of words starting in tt[from:to].
func matchIn(tt []ttok, words []string, from, to int) (int, bool) {
	for i := max(from, 0); i < min(to, len(tt)); i++ {
		if tt[i].barrier || tt[i].norm == "" {
			continue
		}
		if _, ok := matchAt(tt, i, words); ok {
			return i, true
		}
	}
	return 0, false
}
