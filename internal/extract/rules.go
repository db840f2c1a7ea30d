package extract

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Rule says which metric a figure reports. All matching is case-insensitive
// on word boundaries; hyphens and apostrophes separate words, so
// "unaccounted for" matches "unaccounted-for".
type Rule struct {
	Metric string   // metric id, e.g. "uc_no_nta"
	Any    []string // at least one of these terms must appear near the number (its clause, else its sentence)
	All    []string // every one of these must appear in the sentence
	None   []string // none of these may appear in the clause (or sentence) where the Any term was found
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
// split into runs of letters and digits.
func termWords(s string) []string {
	c, _ := newCleaned(s, nil, nil)
	lw := c.lower
	var out []string
	for i := 0; i < len(lw); {
		ok, size := letterAt(lw, i)
		if !ok {
			i += size
			continue
		}
		j := i
		for j < len(lw) {
			ok, sz := letterAt(lw, j)
			if !ok {
				break
			}
			j += sz
		}
		out = append(out, lw[i:j])
		i = j
	}
	return out
}

type term struct {
	words []string
	rule  int
}

type compiledRule struct {
	id    string
	all   [][]string
	none  [][]string
	units []string // singular, or a special unit
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
		cr := compiledRule{id: r.Metric}
		for _, t := range r.All {
			cr.all = append(cr.all, termWords(t))
		}
		for _, t := range r.None {
			cr.none = append(cr.none, termWords(t))
		}
		for _, u := range r.Units {
			w := strings.Join(termWords(u), " ")
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
			e.terms = append(e.terms, term{words: w, rule: i})
			e.first[w[0]] = append(e.first[w[0]], id)
			e.firstMask[w[0][0]] |= 1 << min(len(w[0]), 63)
		}
	}
	return e, nil
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
	clause  int32
	barrier bool // punctuation a term cannot span
}

type occurrence struct {
	term int32
	a, b int32 // ttok range
}

// prepareTerms splits sentence s into words, numbers its clauses and finds
// every rule term in it.
func (d *doc) prepareTerms(s span) {
	d.clause = d.clauses(s, d.clause)
	d.tt, d.tstart = d.tt[:0], d.tstart[:0]
	text := d.c.lower
	for k := s.a; k < s.b; k++ {
		d.tstart = append(d.tstart, int32(len(d.tt)))
		t := d.toks[k]
		cl := d.clause[k-s.a]
		switch t.kind {
		case tkWord, tkNum:
			for i, end := int(t.s), int(t.e); i < end; {
				if c := text[i]; c < 0x80 && !isAlnum(c) {
					i++
					continue
				} else if c >= 0x80 {
					if ok, size := letterAt(text, i); !ok {
						i += size
						continue
					}
				}
				j := i
				for j < end {
					if c := text[j]; c < 0x80 {
						if !isAlnum(c) {
							break
						}
						j++
						continue
					}
					ok, sz := letterAt(text, j)
					if !ok {
						break
					}
					j += sz
				}
				d.tt = append(d.tt, ttok{s: int32(i), e: int32(j), clause: cl})
				i = j
			}
		case tkPunct:
			switch d.text(k) {
			case "\"", "'":
				continue // quotes do not interrupt a phrase
			}
			d.tt = append(d.tt, ttok{s: t.s, e: t.e, clause: cl, barrier: true})
		default:
			d.tt = append(d.tt, ttok{s: t.s, e: t.e, clause: cl, barrier: true})
		}
	}
	d.tstart = append(d.tstart, int32(len(d.tt)))

	d.occ = d.occ[:0]
	if len(d.e.terms) == 0 {
		return
	}
	for i := range d.tt {
		if d.tt[i].barrier {
			continue
		}
		n := int(d.tt[i].e - d.tt[i].s)
		if d.e.firstMask[text[d.tt[i].s]]&(1<<min(n, 63)) == 0 {
			continue
		}
		for _, id := range d.e.first[text[d.tt[i].s:d.tt[i].e]] {
			w := d.e.terms[id].words
			if d.phraseAt(i, w) {
				d.occ = append(d.occ, occurrence{term: id, a: int32(i), b: int32(i + len(w))})
			}
		}
	}
	// A term inside a longer term's occurrence is not evidence on its own:
	// "lost" within "lost contact", "missing" within "missing addresses".
	occ := d.occ
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
	d.occ = kept
}

func (d *doc) phraseAt(i int, words []string) bool {
	if i+len(words) > len(d.tt) {
		return false
	}
	for n, w := range words {
		t := d.tt[i+n]
		if t.barrier || d.c.lower[t.s:t.e] != w {
			return false
		}
	}
	return true
}

func (d *doc) phraseIn(words []string, from, to int) bool {
	for i := from; i+len(words) <= to; i++ {
		if d.phraseAt(i, words) {
			return true
		}
	}
	return false
}

// candidate is the best evidence for one rule: smaller scope (0 the
// figure's clause, 1 its sentence) and distance win, then terms of more words.
type candidate struct {
	ok     bool
	scope  int
	dist   int
	words  int
	occIdx int
}

func (c candidate) better(o candidate) bool {
	if c.scope != o.scope {
		return c.scope < o.scope
	}
	if c.dist != o.dist {
		return c.dist < o.dist
	}
	return c.words > o.words
}

func (c candidate) tie(o candidate) bool {
	return c.scope == o.scope && c.dist == o.dist && c.words == o.words
}

// assignMetric picks the metric the figure it reports: the rule whose term
// is nearest to the number, preferring the number's own clause. A genuine
// tie returns every tied metric and no metric.
func (d *doc) assignMetric(s span, it *item) (string, []string) {
	if len(d.occ) == 0 {
		return "", nil
	}
	fa, fb := int(d.tstart[it.ta-s.a]), int(d.tstart[it.tb-s.a])
	fclause := d.clause[it.ta-s.a]
	if cap(d.best) < len(d.e.rules) {
		d.best = make([]candidate, len(d.e.rules))
	}
	best := d.best[:len(d.e.rules)]
	clear(best)
	for oi, o := range d.occ {
		tm := &d.e.terms[o.term]
		c := candidate{ok: true, scope: 1, words: len(tm.words), occIdx: oi}
		if cl := d.tt[o.a].clause; cl == fclause {
			c.scope = 0
		} else if d.figClause[cl] {
			// A term in another figure's clause is that figure's evidence.
			continue
		}
		switch {
		case int(o.b) <= fa:
			c.dist = fa - int(o.b)
		case int(o.a) >= fb:
			c.dist = int(o.a) - fb
		}
		if b := &best[tm.rule]; !b.ok || c.better(*b) {
			*b = c
		}
	}
	var win candidate
	winners := 0
	first := -1
	for ri := range best {
		c := best[ri]
		if !c.ok {
			continue
		}
		r := &d.e.rules[ri]
		if !r.acceptsUnit(it.unit, it.special) || !d.rulePasses(r, c, fclause) {
			continue
		}
		switch {
		case winners == 0 || c.better(win):
			win, winners, first = c, 1, ri
		case c.tie(win):
			winners++
		}
	}
	switch winners {
	case 0:
		return "", nil
	case 1:
		return d.e.rules[first].id, nil
	}
	var amb []string
	for ri := range best {
		c := best[ri]
		r := &d.e.rules[ri]
		if c.ok && c.tie(win) && r.acceptsUnit(it.unit, it.special) && d.rulePasses(r, c, fclause) {
			amb = append(amb, r.id)
		}
	}
	slices.Sort(amb)
	return "", amb
}

func (d *doc) rulePasses(r *compiledRule, c candidate, fclause int32) bool {
	for _, w := range r.all {
		if !d.phraseIn(w, 0, len(d.tt)) {
			return false
		}
	}
	if len(r.none) == 0 {
		return true
	}
	from, to := 0, len(d.tt)
	if c.scope == 0 {
		from = -1
		for i, t := range d.tt {
			if t.clause == fclause {
				if from < 0 {
					from = i
				}
				to = i + 1
			}
		}
	}
	for _, w := range r.none {
		if d.phraseIn(w, from, to) {
			return false
		}
	}
	return true
}
