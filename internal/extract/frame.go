package extract

// A figure's frame is the phrase a reader takes the number from, found by a
// small rule-based chunker over the tokens of its sentence (no model, no
// tagger: punctuation, clause words and a few closed word lists):
//
//   - the own phrase: the segment of the clause the number stands in,
//     bounded by commas, semicolons, colons, dashes, brackets, clause
//     conjunctions and the neighbouring figures. Between two figures of one
//     segment, the counted noun after the first stays with it and the one
//     or two words governing the second ("is down $11 billion", "increased
//     by 5%") go with the second; the rest goes with the first.
//     Parentheses inside the own phrase are skipped over: "About $175
//     billion (or 74 percent) of these payments were overpayments".
//   - attached phrases (heads): what the number explains or is explained
//     by. A number in parentheses or between dashes, or restated with
//     ", or", attaches to the figure or noun phrase before it ("Single
//     adults (164,907 encounters)", "individuals—over 472,000—the"); the
//     figure-free comma segments opening its clause ("Over the last 20
//     years, it has made …", "Medicare was the largest program, accounting
//     for …") and a trailing appositive ("… at the border — the highest
//     number for a single day") qualify it. A figure introduced by
//     "including" is a part and takes no opening segments.
//   - a reference ("of these children", "of them", "that figure", "The
//     $236 billion"): the frame then also reaches the previous sentence, or
//     the headline.
//
// Rules match frames: a term in the own phrase outweighs one in an attached
// phrase, which outweighs one elsewhere in the clause, then the sentence,
// then the antecedent. Terms in another figure's frame are that figure's.

// tspan is a token range [a, b) of d.toks.
type tspan struct{ a, b int }

func (t tspan) has(k int) bool { return t.a <= k && k < t.b }
func (t tspan) empty() bool    { return t.a >= t.b }

// frameSpan is the frame of one figure of the current sentence, in tokens.
type frameSpan struct {
	own    tspan
	heads  [3]tspan
	nheads int
	ref    tspan // the reference cue, empty when none
	subset bool  // introduced by "including": a part of something named elsewhere
}

func (f *frameSpan) addHead(h tspan) {
	if h.empty() || f.nheads == len(f.heads) {
		return
	}
	f.heads[f.nheads] = h
	f.nheads++
}

// isDash reports whether token k is a dash that sets off a phrase.
func (d *doc) isDash(k int) bool {
	switch d.text(k) {
	case "\u2014", "\u2015", "--":
		return true
	case "-":
		return d.toks[k].sp || k+1 < d.sb && d.toks[k+1].sp
	}
	return false
}

// segBreak reports whether token k ends a segment of a clause.
func (d *doc) segBreak(k int) bool {
	if d.toks[k].kind != tkPunct {
		return false
	}
	switch d.text(k) {
	case ",", ";", ":", "(", ")", "[", "]", "\u2022", "|", "\u2026":
		return true
	}
	return d.isDash(k)
}

// conjBreak reports whether word token k opens a new clause ("but",
// "while", ", and" + a new subject): the clause splitter's decision.
func (d *doc) conjBreak(s span, k int) bool {
	return k > s.a && d.toks[k].kind == tkWord && d.clause[k-s.a] != d.clause[k-1-s.a]
}

// appositionEnd returns the comma or dash closing a restatement that opens
// at break k and holds a figure (", or about 30% of the total,"), or -1.
func (d *doc) appositionEnd(s span, items []item, k int) int {
	t := d.text(k)
	if t != "," && !d.isDash(k) || d.wordAt(k+1) != "or" && t == "," {
		return -1
	}
	for j := k + 1; j < s.b && j <= k+12; j++ {
		if d.segBreak(j) {
			if (d.text(j) == t || d.isDash(j) && d.isDash(k)) && d.figureIn(items, tspan{k + 1, j}) && j+1 < s.b && d.toks[j+1].kind == tkWord {
				return j
			}
			return -1
		}
	}
	return -1
}

func (d *doc) sentenceEndPunct(k int) bool {
	switch d.text(k) {
	case ".", "!", "?", "\"", "'", "\u201d", "\u2019":
		return true
	}
	return false
}

// subjectConj reports whether the clause word at k ("and", "or") only
// joins the parts of a subject ("Medicaid and Medicare were responsible
// for …"): no figure stands in the segment before it.
func (d *doc) subjectConj(s span, items []item, k int) bool {
	switch d.wordAt(k) {
	case "and", "or":
	default:
		return false
	}
	if k > s.a && d.segBreak(k-1) {
		return false
	}
	return !d.figureIn(items, d.segmentBefore(s, k))
}

// closeParen returns the token closing the bracket opened at k, or -1.
func (d *doc) closeParen(k int) int {
	open := d.text(k)
	want := ")"
	if open == "[" {
		want = "]"
	}
	for j := k + 1; j < d.sb && j <= k+40; j++ {
		if d.toks[j].kind == tkPunct {
			switch d.text(j) {
			case want:
				return j
			case "(", "[", ";":
				return -1
			}
		}
	}
	return -1
}

// segmentBefore returns the segment ending just before token end (a
// break), reaching back to the previous break or clause start.
func (d *doc) segmentBefore(s span, end int) tspan {
	a := end
	for a > s.a {
		k := a - 1
		if d.segBreak(k) {
			break
		}
		if d.conjBreak(s, k+1) && k+1 < end {
			break
		}
		a--
	}
	return tspan{a, end}
}

// figStart is the first token of a figure with its qualifier.
func figStart(it *item) int {
	if it.qa < it.qb && it.qa < it.ta {
		return it.qa
	}
	return it.ta
}

func isGovernorPrep(w string) bool {
	switch w {
	case "by", "of", "to", "at", "in", "from", "with", "for", "on", "than", "about":
		return true
	}
	return false
}

// buildFrames computes the frame of every figure among items (the items of
// sentence s) into d.frames, indexed like items, and marks in d.claim which
// figure each token's frame belongs to.
func (d *doc) buildFrames(s span, items []item) {
	if cap(d.frames) < len(items) {
		d.frames = make([]frameSpan, len(items))
	}
	d.frames = d.frames[:len(items)]
	clear(d.frames)
	// Split points between consecutive figures of one segment.
	prev := -1
	for i := range items {
		it := &items[i]
		if it.kind != "" {
			continue
		}
		f := &d.frames[i]
		start := figStart(it)
		L := start
		for L > s.a {
			k := L - 1
			if d.segBreak(k) {
				break
			}
			if d.conjBreak(s, L) && !d.subjectConj(s, items, L) {
				break
			}
			L--
		}
		if d.conjBreak(s, L) && !d.subjectConj(s, items, L) && L < start {
			L++ // the conjunction itself belongs to neither side
		}
		if prev >= 0 && items[prev].tb > L {
			// Another figure in the same segment: split the words between.
			p := &items[prev]
			pe := min(d.nounEnd(p.tb), start)
			g := start
			// A small cardinal modifying a noun ("concentrated in five key
			// programs") governs nothing: the words before it are the first
			// figure's predicate.
			if g-1 >= pe && (it.special || it.value >= 100 || d.toks[it.ta].kind == tkNum) {
				g--
				if isGovernorPrep(d.wordAt(g)) && g-1 >= pe && d.toks[g-1].kind == tkWord {
					g--
				}
			}
			L = g
			d.frames[prev].own.b = min(d.frames[prev].own.b, g)
		}
		R := it.tb
		for R < s.b {
			if d.conjBreak(s, R) {
				break
			}
			if d.segBreak(R) {
				if t := d.text(R); t == "(" || t == "[" {
					if m := d.closeParen(R); m > 0 {
						R = m + 1
						continue
					}
				}
				// ", or about 30% of the total," restates the number:
				// the phrase goes on after it.
				if m := d.appositionEnd(s, items, R); m > 0 {
					R = m + 1
					continue
				}
				break
			}
			R++
		}
		for R > it.tb && d.toks[R-1].kind == tkPunct && d.sentenceEndPunct(R-1) {
			R-- // the full stop is not part of the phrase
		}
		f.own = tspan{L, R}
		d.work += R - L
		f.subset = d.subsetCue(L, start)
		d.attach(s, items, i, f)
		prev = i
	}
	// Which tokens are years, dates, times and durations: period words.
	if cap(d.when) < s.b-s.a {
		d.when = make([]bool, s.b-s.a)
	}
	d.when = d.when[:s.b-s.a]
	clear(d.when)
	for i := range items {
		switch items[i].kind {
		case KindYear, KindDate, KindDuration, KindTime:
			for k := items[i].ta; k < items[i].tb && k < s.b; k++ {
				d.when[k-s.a] = true
			}
		}
	}
	// Period phrases, names and reference cues of the sentence, in one pass
	// for all its figures.
	d.periods, d.names, d.refs = d.periods[:0], d.names[:0], d.refs[:0]
	pEnd, nEnd := s.a, s.a
	toks, lower := d.toks[:s.b], d.c.lower
	for k := s.a; k < len(toks); k++ {
		t := toks[k]
		switch t.kind {
		case tkNum:
			// A year or date is a period by itself (periodAt).
			if k >= pEnd && d.when[k-s.a] {
				d.periods = append(d.periods, tspan{k, k + 1})
				pEnd = k + 1
			}
			continue
		case tkWord:
		default:
			continue
		}
		// Most words lead no period and are no reference cue: the tests
		// of periodPair and mayRefer, on the token in hand, spare them the
		// calls.
		n, c0 := t.e-t.s, lower[t.s]
		if k >= pEnd && n >= 2 && n <= 10 && periodPair(c0, lower[t.s+1]) {
			if p := d.periodAt(k, s.b, items); !p.empty() {
				d.periods = append(d.periods, p)
				pEnd = p.b
			}
		}
		if mayRefer(t, lower) {
			if c := d.referenceAt(k); !c.empty() {
				d.refs = append(d.refs, c)
			}
		}
		if k >= nEnd && isUpper(d.c.text[t.s]) && !(k == s.a && d.isStarter(k)) && !monthWord(d.low(k)) {
			e := k + 1
			for e < s.b && (d.capitalAt(e) || d.wordAt(e) == "of" && d.capitalAt(e+1)) {
				e++
			}
			d.names = append(d.names, tspan{k, e})
			nEnd = e + 1
		}
	}
	// Second pass: the references and what each token belongs to.
	d.claim = growInt32(d.claim, s.b-s.a)
	for k := range d.claim {
		d.claim[k] = -1
	}
	mark := func(t tspan, fi int) {
		for k := max(t.a, s.a); k < min(t.b, s.b); k++ {
			switch c := d.claim[k-s.a]; {
			case c == -1:
				d.claim[k-s.a] = int32(fi)
			case int(c) != fi:
				d.claim[k-s.a] = -2
			}
		}
	}
	for i := range items {
		if items[i].kind != "" {
			continue
		}
		f := &d.frames[i]
		mark(f.own, i)
		for h := range f.nheads {
			mark(f.heads[h], i)
		}
		f.ref = d.referenceIn(f.own, &items[i])
	}
}

func growInt32(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n)
	}
	return b[:n]
}

// subsetCue reports a figure introduced as a part: "including 78,800".
func (d *doc) subsetCue(L, start int) bool {
	for k := L; k < start; k++ {
		switch d.wordAt(k) {
		case "including", "includes", "include", "included", "among":
			return true
		}
	}
	return false
}

// attach finds the phrases figure i explains or is explained by.
func (d *doc) attach(s span, items []item, i int, f *frameSpan) {
	L, R := f.own.a, f.own.b
	// A number set off by brackets, dashes or ", or" explains what stands
	// before it: the figure there, else the noun phrase.
	if L > s.a {
		open, or := L-1, d.wordAt(L) == "or"
		if d.wordAt(open) == "or" && open > s.a {
			open, or = open-1, true
		}
		t := d.text(open)
		restate := t == "," && or
		// Set off means the bracket or dash opens on the number itself:
		// "individuals—over 472,000—the", not a dateline's "— Officials
		// encountered 302,000".
		setOff := (t == "(" || t == "[" || d.isDash(open)) && L == figStart(&items[i])
		if setOff || restate {
			if p := d.figureBefore(items, i, open); p >= 0 {
				f.addHead(d.frames[p].own)
			} else if !restate {
				f.addHead(d.segmentBefore(s, open))
			}
			return
		}
	}
	// A sentence opening with a label ("Southwest Border: In December, …"),
	// or a table row's first cell ("Encounters | Oct 2024 | 106,321").
	if lab := d.labelEnd(s); lab > s.a && lab < L {
		f.addHead(tspan{s.a, lab})
		// A bare number under a label counts what the label names.
		if it := &items[i]; it.unit == "" && !it.special {
			for k := lab - 1; k >= s.a; k-- {
				if w := d.wordAt(k); w != "" && pluralNoun(w) {
					it.unit = w
					break
				}
			}
		}
	}
	if !f.subset {
		// Figure-free comma segments opening the clause.
		a := L
		for a > s.a && d.text(a-1) == "," {
			seg := d.segmentBefore(s, a-1)
			if seg.empty() || d.figureIn(items, seg) {
				break
			}
			a = seg.a
		}
		if a < L-1 {
			f.addHead(tspan{a, L - 1})
		}
	}
	// A trailing appositive: "…, the highest monthly total on record".
	if R < s.b && (d.text(R) == "," || d.isDash(R)) {
		e := R + 1
		for e < s.b && !d.segBreak(e) && !d.conjBreak(s, e) {
			e++
		}
		seg := tspan{R + 1, e}
		if !seg.empty() && !d.figureIn(items, seg) {
			switch d.wordAt(R + 1) {
			case "the", "a", "an", "which", "who", "whom", "whose":
				f.addHead(seg)
			default:
				if d.isDash(R) {
					f.addHead(seg)
				}
			}
		}
	}
}

// labelEnd returns the end of a short label opening the sentence
// ("Southwest Border:") or s.a when there is none.
func (d *doc) labelEnd(s span) int {
	for k := s.a; k < s.b && k < s.a+12; k++ {
		if d.toks[k].kind == tkPunct {
			switch t := d.text(k); {
			case t == "|" && k > s.a:
				return k
			case t == ":" && k > s.a && k < s.a+5:
				return k
			case t == "|", t == "-", t == "/", t == "&", t == ".":
				continue
			}
			return s.a
		}
	}
	return s.a
}

// figureBefore returns the figure whose own phrase ends at token end (the
// bracket or dash after it), or -1.
func (d *doc) figureBefore(items []item, i, end int) int {
	for p := i - 1; p >= 0; p-- {
		if items[p].kind != "" {
			continue
		}
		if o := d.frames[p].own; o.b == end || o.has(end) {
			return p
		}
		return -1
	}
	return -1
}

// figureIn reports whether a figure stands in token range t.
func (d *doc) figureIn(items []item, t tspan) bool {
	for i := range items {
		if items[i].kind == "" && t.has(items[i].ta) {
			return true
		}
	}
	return false
}

// referenceIn finds words in the own phrase that point back to an earlier
// noun: "of these children", "of them", "that figure", "The $236 billion".
func (d *doc) referenceIn(own tspan, it *item) tspan {
	start := figStart(it)
	if d.wordAt(start-1) == "the" && start-1 >= own.a {
		return tspan{start - 1, start}
	}
	for _, c := range d.refs {
		if own.a <= c.a && c.b <= own.b {
			return c
		}
	}
	return tspan{}
}

// referenceAt returns the reference cue starting at token k, if any.
func (d *doc) referenceAt(k int) tspan {
	if !mayRefer(d.toks[k], d.c.lower) {
		return tspan{}
	}
	switch d.low(k) {
	case "of":
		switch d.wordAt(k + 1) {
		case "them", "these", "those", "this", "that":
			return tspan{k, k + 2}
		}
	case "such":
		return tspan{k, k + 1}
	case "that", "this", "the":
		switch d.wordAt(k + 1) {
		case "figure", "number", "total", "sum", "estimate", "tally":
			return tspan{k, k + 2}
		}
	}
	return tspan{}
}

// mayRefer is referenceAt's first test, which buildFrames makes on the
// token in hand for every word of a sentence with figures: its cues are
// words of two to four letters starting with o, s or t ("of", "such",
// "that", "this", "the"). lower is the text t indexes.
func mayRefer(t token, lower string) bool {
	n := t.e - t.s
	return t.kind == tkWord && n >= 2 && n <= 4 && (lower[t.s] == 'o' || lower[t.s] == 's' || lower[t.s] == 't')
}

// Period words: the part of a frame saying when or over what span the
// figure holds. Extracted only; turning them into dates is someone else's.
func periodPrep(w string) bool {
	switch w {
	case "in", "during", "since", "through", "until", "for", "from", "between", "as", "over", "throughout",
		"before", "after":
		return true
	}
	return false
}

func (d *doc) periodWord(k int, items []item) bool {
	switch t := d.toks[k]; t.kind {
	case tkNum:
		return d.when[k-d.sa]
	case tkWord:
	default:
		return d.text(k) == "," && k+1 < d.sb && d.toks[k+1].kind == tkNum
	}
	w := d.low(k)
	if monthWord(w) || timeUnitWord(w) {
		return true
	}
	switch w {
	case "fiscal", "fy", "year", "years", "month", "months", "week", "weeks", "quarter", "calendar", "the",
		"last", "past", "previous", "prior", "this", "next", "first", "second", "third", "fourth", "full",
		"mid", "early", "late", "end", "beginning", "start", "q1", "q2", "q3", "q4", "to", "and", "of",
		"today", "yesterday", "annual", "monthly", "daily", "single", "one", "a":
		return true
	}
	return false
}

// periodPair reports whether a period's lead word (periodPrep, "last",
// "this", "mid") or a month (monthWord) can start with c0, c1: most words
// of a sentence do not, "the" and "of" among them.
func periodPair(c0, c1 byte) bool {
	const a = 'a'
	var m uint32 // the second letters allowed after c0
	switch c0 {
	case 'a':
		m = 1<<('s'-a) | 1<<('f'-a) | 1<<('p'-a) | 1<<('u'-a)
	case 'b':
		m = 1 << ('e' - a)
	case 'd':
		m = 1<<('u'-a) | 1<<('e'-a)
	case 'f':
		m = 1<<('o'-a) | 1<<('r'-a) | 1<<('e'-a)
	case 'i':
		m = 1 << ('n' - a)
	case 'j':
		m = 1<<('a'-a) | 1<<('u'-a)
	case 'l':
		m = 1 << ('a' - a)
	case 'm':
		m = 1<<('i'-a) | 1<<('a'-a)
	case 'n':
		m = 1 << ('o' - a)
	case 'o':
		m = 1<<('v'-a) | 1<<('c'-a)
	case 's':
		m = 1<<('i'-a) | 1<<('e'-a)
	case 't':
		m = 1 << ('h' - a)
	case 'u':
		m = 1 << ('n' - a)
	}
	return c1-a < 26 && m&(1<<(c1-a)) != 0
}

// periodAt returns the period phrase starting at token k and ending by
// end, or an empty span: a run of period words led by a period preposition
// ("in fiscal year 2023", "since mid-May", "over the last 20 fiscal
// years", "From May 2023 to December 31"), or a date or year item alone.
// buildFrames tests on the token in hand whether a period may start
// there: at a date or year, or at a word of two to ten letters starting
// with two letters some lead word or month starts with.
func (d *doc) periodAt(k, end int, items []item) tspan {
	switch d.toks[k].kind {
	case tkNum:
		if d.when[k-d.sa] {
			return tspan{k, k + 1}
		}
		return tspan{}
	case tkWord:
	default:
		return tspan{}
	}
	lead := d.low(k)
	if len(lead) > 10 || len(lead) < 2 || !periodPair(lead[0], lead[1]) {
		return tspan{} // no lead word or month is this long, this short, or starts so
	}
	if !periodPrep(lead) && !(lead == "last" || lead == "this" || lead == "mid") {
		if monthWord(lead) {
			return tspan{k, k + 1}
		}
		return tspan{}
	}
	e := k + 1
	if lead == "as" && d.wordAt(e) == "of" {
		e++
	}
	// Most prepositions lead no period ("in the report"): a period has
	// a date, a year or a time word within its first three words.
	if !d.periodAhead(e, min(e+3, end)) {
		return tspan{}
	}
	strong := false
	for e < end && e < k+8 && (d.periodWord(e, items) || d.wordAt(e) == "mid") {
		switch w := d.wordAt(e); {
		case d.toks[e].kind == tkNum, monthWord(w), timeUnitWord(w), w == "fiscal", w == "fy", w == "year",
			w == "years", w == "month", w == "quarter", w == "today", w == "yesterday", w == "mid":
			strong = true
		}
		e++
	}
	for e > k+1 && !d.strongPeriodEnd(e-1) {
		e--
	}
	if strong && e > k+1 {
		return tspan{k, e}
	}
	return tspan{}
}

// periodAhead reports a year, date, time or time word in tokens [a, b).
func (d *doc) periodAhead(a, b int) bool {
	for k := a; k < b; k++ {
		switch d.toks[k].kind {
		case tkNum:
			if d.when[k-d.sa] {
				return true
			}
		case tkWord:
			switch w := d.low(k); {
			case monthWord(w), timeUnitWord(w), w == "fiscal", w == "fy", w == "today", w == "yesterday", w == "mid":
				return true
			}
		}
	}
	return false
}

func (d *doc) strongPeriodEnd(k int) bool {
	if d.toks[k].kind == tkNum {
		return true
	}
	switch w := d.low(k); w {
	case "fiscal", "the", "last", "past", "previous", "prior", "this", "next", "to", "and", "of", "a", "single",
		"one", "full", "mid", "early", "late", "calendar", "first", "second", "third", "fourth":
		return false
	}
	return d.toks[k].kind == tkWord
}
