package extract

import "slices"

// Tiers of evidence for a metric, strongest first: the figure's own phrase,
// a phrase attached to it, the rest of its clause, the rest of its
// sentence, the antecedent a reference points to.
const (
	tierOwn = iota
	tierHead
	tierClause
	tierSentence
	tierContext
	tierNone
)

var tierNames = [...]string{"own phrase", "attached phrase", "clause", "sentence", "antecedent", ""}

// candidate is the best evidence for one rule: the strongest tier, then
// the nearest to the number, then the term of more words.
type candidate struct {
	ok    bool
	tier  int
	dist  int
	words int
	occ   int // index into d.occ, or d.cocc for tierContext
}

func (c candidate) better(o candidate) bool {
	if c.tier != o.tier {
		return c.tier < o.tier
	}
	if c.dist != o.dist {
		return c.dist < o.dist
	}
	return c.words > o.words
}

func (c candidate) tie(o candidate) bool {
	return c.tier == o.tier && c.dist == o.dist && c.words == o.words
}

// ttSpan maps a token range of sentence s to its range of words in d.tt.
func (d *doc) ttSpan(s span, t tspan) (int, int) {
	if t.empty() {
		return 0, 0
	}
	return int(d.tstart[max(t.a, s.a)-s.a]), int(d.tstart[min(t.b, s.b)-s.a])
}

// tierOf places occurrence o relative to figure i, or -1 when it stands in
// another figure's frame (that figure's evidence).
func (d *doc) tierOf(s span, items []item, i int, o occurrence) int {
	f := &d.frames[i]
	k := int(d.tt[o.a].tok)
	if f.own.has(k) {
		return tierOwn
	}
	for h := range f.nheads {
		if f.heads[h].has(k) {
			return tierHead
		}
	}
	if c := d.claim[k-s.a]; c != -1 && int(c) != i {
		return -1
	}
	if d.clause[k-s.a] == d.clause[items[i].ta-s.a] {
		return tierClause
	}
	return tierSentence
}

// vetoIn returns the first none term of rule r found in figure i's frame,
// or -1.
func (d *doc) vetoIn(s span, r *compiledRule, f *frameSpan) (int, int) {
	for ni, w := range r.none {
		a, b := d.ttSpan(s, f.own)
		if at, ok := d.matchIn(d.tt, w, a, b); ok {
			return ni, at
		}
		for h := range f.nheads {
			a, b := d.ttSpan(s, f.heads[h])
			if at, ok := d.matchIn(d.tt, w, a, b); ok {
				return ni, at
			}
		}
	}
	return -1, 0
}

// allMissing returns the first all term of r found neither in the sentence
// nor, for a reference, in its antecedent; -1 when all are there.
func (d *doc) allMissing(r *compiledRule, ctx bool) int {
	for ai, w := range r.all {
		if _, ok := d.matchIn(d.tt, w, 0, len(d.tt)); ok {
			continue
		}
		if ctx {
			if _, ok := d.matchIn(d.ctt, w, 0, len(d.ctt)); ok {
				continue
			}
		}
		return ai
	}
	return -1
}

// assignMetric picks the metric figure i reports: among the rules whose
// units admit it, whose all terms are present and none of whose none terms
// is in its frame, the one with the strongest, nearest any term. A genuine
// tie returns every tied metric and no metric. It returns the winning tier
// (tierNone without a winner).
func (d *doc) assignMetric(s span, si int, items []item, i int) (string, []string, int) {
	it := &items[i]
	f := &d.frames[i]
	nr := len(d.e.rules)
	if nr == 0 {
		return "", nil, tierNone
	}
	if cap(d.best) < nr {
		d.best = make([]candidate, nr)
	}
	best := d.best[:nr]
	clear(best)
	fa, fb := d.ttSpan(s, tspan{it.ta, it.tb})
	d.work += len(d.occ) + len(d.e.rules)
	for oi, o := range d.occ {
		tier := d.tierOf(s, items, i, o)
		if tier < 0 {
			continue
		}
		tm := &d.e.terms[o.term]
		c := candidate{ok: true, tier: tier, words: len(tm.words), occ: oi}
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
	// The antecedent is the weakest evidence: read it only when the
	// sentence itself gives a reference no candidate.
	ctx := false
	if !f.ref.empty() {
		found := false
		for ri := range best {
			if best[ri].ok {
				found = true
				break
			}
		}
		ctx = !found && d.context(si)
	}
	if ctx {
		for oi, o := range d.cocc {
			tm := &d.e.terms[o.term]
			c := candidate{ok: true, tier: tierContext, dist: len(d.ctt) - int(o.b), words: len(tm.words), occ: oi}
			if b := &best[tm.rule]; !b.ok || c.better(*b) {
				*b = c
			}
		}
	}
	eligible := func(ri int) bool {
		r := &d.e.rules[ri]
		if !best[ri].ok || !r.acceptsUnit(it.unit, it.special) || d.allMissing(r, ctx) >= 0 {
			return false
		}
		v, _ := d.vetoIn(s, r, f)
		return v < 0
	}
	var win candidate
	winners, first := 0, -1
	for ri := range best {
		if !eligible(ri) {
			continue
		}
		c := best[ri]
		switch {
		case winners == 0 || c.better(win):
			win, winners, first = c, 1, ri
		case c.tie(win):
			winners++
		}
	}
	if d.ex != nil {
		d.explainFigure(s, items, i, best, ctx, eligible, win, winners)
	}
	switch winners {
	case 0:
		return "", nil, tierNone
	case 1:
		return d.e.rules[first].id, nil, win.tier
	}
	var amb []string
	for ri := range best {
		if eligible(ri) && best[ri].tie(win) {
			amb = append(amb, d.e.rules[ri].id)
		}
	}
	slices.Sort(amb)
	return "", amb, tierNone
}

// context finds the rule terms of the antecedent of a reference in
// sentence si: the previous sentence, else the document's first (its
// headline). It reports whether there is any.
func (d *doc) context(si int) bool {
	if d.ctxFor == si {
		return len(d.cocc) > 0
	}
	d.ctxFor = si
	d.ctt, d.cocc = d.ctt[:0], d.cocc[:0]
	for _, p := range []int{si - 1, 0} {
		if p < 0 || p >= si {
			continue
		}
		d.ctt, d.ctstart = d.splitTerms(d.sents[p], d.ctt[:0], d.ctstart[:0], nil)
		d.cocc = d.findTerms(d.ctt, d.cocc[:0])
		if len(d.cocc) > 0 {
			return true
		}
	}
	return false
}
