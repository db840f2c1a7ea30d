package extract

import "strings"

// doc is the working state of one Extract call.
type doc struct {
	e      *Extractor
	c      cleaned
	toks   []token
	sa, sb int // token range of the sentence being scanned

	buf    []byte
	edits  []edit
	sents  []span
	breaks []int32 // tokens that may start a sentence
	items  []item
	bounds []int32 // where each sentence's items start in items, and where the last ends
	sw     []subword
	clause []int32
	tt     []ttok
	tstart []int32
	occ    []occurrence
	best   []candidate
	w      words // the text of d.tt and d.ctt

	frames  []frameSpan // by item of the current sentence
	periods []tspan     // period phrases of the current sentence
	names   []tspan     // runs of capitalised words of the current sentence
	refs    []tspan     // reference cues of the current sentence ("of these")
	when    []bool      // by token of the current sentence: part of a year, date, time or duration
	claim   []int32     // by token of the current sentence: the figure whose frame holds it, -1 none, -2 several

	// The antecedent of a reference: words and terms of the sentence before
	// (or the headline), computed once per sentence that needs it.
	ctxFor  int
	ctt     []ttok
	ctstart []int32
	cocc    []occurrence

	work  int        // steps taken in this call: tests hold it linear in the input
	known []restated // scratch for propagateMetrics

	// Where the lists of the call's frames lie, and the lists' strings,
	// before they leave in one block.
	listBuf []frameLists
	strBuf  []string

	ex *[]Explanation // when explaining: where each figure's explanation goes
}

// item is a number expression found in a sentence: a figure (kind "") or a
// recognised non-figure.
type item struct {
	ta, tb   int // token range
	value    float64
	high     float64
	unit     string
	qual     Qualifier
	qa, qb   int // token range of the qualifier as written; qa == qb when none
	kind     string
	special  bool // percent, usd or fraction: never matched by count rules unless asked for
	fraction bool
}

func (d *doc) text(k int) string { t := d.toks[k]; return d.c.text[t.s:t.e] }
func (d *doc) low(k int) string  { t := d.toks[k]; return d.c.lower[t.s:t.e] }

// wordAt returns the lower-case word at token k of the current sentence, or "".
func (d *doc) wordAt(k int) string {
	if k < d.sa || k >= d.sb || d.toks[k].kind != tkWord {
		return ""
	}
	return d.low(k)
}

func (d *doc) punctAt(k int) string {
	if k < d.sa || k >= d.sb || d.toks[k].kind != tkPunct {
		return ""
	}
	return d.text(k)
}

func (d *doc) capitalAt(k int) bool {
	if k < d.sa || k >= d.sb || d.toks[k].kind != tkWord {
		return false
	}
	return isUpper(d.text(k)[0])
}

// adjacentSpace reports whether token k follows k-1 after plain spaces on
// the same line.
func (d *doc) adjacentSpace(k int) bool {
	return d.toks[k].sp && d.toks[k].nl == 0
}

// numAt parses token k when it is a number chunk.
func (d *doc) numAt(k int) (chunkInfo, bool) {
	if k < d.sa || k >= d.sb || d.toks[k].kind != tkNum {
		return chunkInfo{}, false
	}
	return parseChunk(d.text(k), d.low(k)), true
}

func (d *doc) scanSentence(items []item) []item {
	toks, lower := d.toks[:d.sb], d.c.lower
	for k := d.sa; k < len(toks); {
		switch toks[k].kind {
		case tkURL:
			items = append(items, item{ta: k, tb: k + 1, kind: KindURL})
			k++
		case tkHandle:
			items = append(items, item{ta: k, tb: k + 1, kind: KindHandle})
			k++
		case tkNum:
			it := d.numberAt(k)
			items = append(items, it)
			k = it.tb
		case tkWord:
			lw := lower[toks[k].s:toks[k].e]
			if mayMultiply(lw) { // most words are no multiplier: spare them the call
				if v, ok := multiplierWordLong(lw); ok {
					it := item{ta: k, tb: k + 1, value: v, unit: UnitTimes}
					d.finishWordFigure(&it, false)
					items = append(items, it)
					k++
					continue
				}
			}
			if !numberPair(lw) || !numberWordStart(firstSub(lw)) { // numberPair implies numberLetter
				k++
				continue
			}
			it, ok := d.wordNumberAt(k)
			if !ok {
				k++
				continue
			}
			if it.kind != kindSkip {
				items = append(items, it)
			}
			k = max(it.tb, k+1)
		default:
			k++
		}
	}
	return items
}

// kindSkip marks vague quantities ("tens of thousands") that are consumed
// but never reported.
const kindSkip = "\x00skip"

func (d *doc) numberAt(k int) item {
	money := d.currencyBefore(k)
	ci := parseMoneyChunk(d.text(k), d.low(k), money != "")
	if ci.kind == "" && d.splitThousands(k, &ci) {
		// "777, 381": one number whose group was split by a space.
		ci.extra = 2
	}
	it := item{ta: k, tb: k + 1, value: ci.value()}
	if ci.kind != "" {
		it.kind = ci.kind
		switch ci.kind {
		case KindTime:
			it.tb = d.timeTail(k + 1)
		case KindOrdinal:
			d.dateAround(&it, ci, true)
		}
		return it
	}
	if money == "" && d.nonFigure(&it, ci) {
		return it
	}
	if d.compoundAdjective(k, ci) {
		it.kind = KindCompound
		return it
	}
	d.figureFromChunk(&it, ci)
	if money != "" {
		it.ta, it.unit, it.special = k-1, money, true
	}
	d.signBefore(&it, k)
	return it
}

// figureFromChunk completes a figure that starts with a number chunk:
// scale words, percent, ranges, shares, qualifier and counted noun.
func (d *doc) figureFromChunk(it *item, ci chunkInfo) {
	k := it.ta
	j := k + 1 + ci.extra
	if ci.unit == "m" && pluralNoun(d.wordAt(j)) {
		ci.unit, ci.exp = "", 6 // "1.2m migrants" is a million, not metres
	}
	exp := ci.exp
	usd, pct := ci.usd, ci.percent
	if exp == 0 && !pct && !ci.fraction {
		if e, ok := scaleWord(d.wordAt(j)); ok {
			exp = e
			j++
		}
	}
	lo, hi := ci.n, ci.hi
	isRange := ci.isRange
	q, qa, qb := d.qualifierBefore(k)
	it.qual, it.qa, it.qb = q, qa, qb
	between := qa < qb && d.wordAt(qa) == "between"
	if !isRange && !ci.fraction {
		// "between 30,000 and 40,000", "30,000 to 40,000", "4 - 5 million"
		conj := d.wordAt(j)
		// "from over $360M to $650M" is a change, not a range: two figures.
		from := d.wordAt(k-1) == "from" || qa < qb && d.wordAt(qa-1) == "from"
		rangeWord := conj == "to" && !from && !between || conj == "and" && between ||
			d.punctAt(j) == "-" && d.adjacentSpace(j)
		if rangeWord {
			if nx, ok := d.numAt(j + 1); ok && nx.kind == "" && !nx.n.isYear() && nx.usd == usd {
				e2 := nx.exp
				end := j + 2
				if e2 == 0 {
					if e, ok := scaleWord(d.wordAt(end)); ok {
						e2 = e
						end++
					}
				}
				if exp == 0 {
					exp = e2
				}
				if e2 == 0 {
					e2 = exp
				}
				if nx.n.value(e2) > lo.value(exp) && !nx.isRange {
					isRange, j = true, end
					pct = pct || nx.percent
					ci.hi, ci.exp = nx.n, e2
					it.high = nx.n.value(e2)
				}
			}
		}
	} else if isRange {
		it.high = hi.value(exp)
	}
	if !pct {
		switch d.wordAt(j) {
		case "percent", "pct", "per-cent":
			pct = true
			j++
		case "per":
			if d.wordAt(j+1) == "cent" {
				pct = true
				j += 2
			}
		case "percentage":
			if w := d.wordAt(j + 1); w == "point" || w == "points" {
				it.unit = "percentage_points"
				j += 2
			}
		}
		if d.punctAt(j) == "%" {
			pct = true
			j++
		}
	}
	it.value = lo.value(exp)
	if ci.fraction {
		it.value = ci.value()
		it.fraction = true
	}
	if !usd {
		switch d.wordAt(j) {
		case "dollars", "usd":
			usd = !pct
		}
		if d.wordAt(k-1) == "usd" {
			usd = !pct
		}
	}
	// "1 in 5"
	if !isRange && !pct && !usd && exp == 0 && ci.bare() && v1to100(ci.n) {
		if m, end, ok := d.ratioAfter(j, it.value); ok {
			it.value, it.fraction, j = it.value/m, true, end
		}
	}
	it.tb = j
	if between {
		it.qual, it.qa, it.qb = Exact, qa, qa
	}
	if it.unit == "" {
		it.unit = ci.unit
	}
	d.finishFigure(it, usd, pct, ci.plus)
}

func v1to100(n num) bool { return n.bareInt() && n.mant >= 1 && n.mant <= 100 }

// ratioAfter reads "in 5" / "out of 10" after a count: "one in five".
func (d *doc) ratioAfter(j int, n float64) (float64, int, bool) {
	m := j + 1
	switch d.wordAt(j) {
	case "in":
	case "out":
		if d.wordAt(j+1) != "of" {
			return 0, 0, false
		}
		m = j + 2
	default:
		return 0, 0, false
	}
	var den float64
	if ci, ok := d.numAt(m); ok {
		if !ci.bare() || ci.n.mant > 1000 {
			return 0, 0, false
		}
		den = float64(ci.n.mant)
	} else if v, ok := cardinalWord(d.wordAt(m)); ok && !strings.Contains(d.low(m), "-") {
		den = v
	} else {
		return 0, 0, false
	}
	if den <= n || n < 1 {
		return 0, 0, false
	}
	return den, m + 1, true
}

// finishFigure sets unit and suffix qualifiers once the number's extent is known.
func (d *doc) finishFigure(it *item, usd, pct, plus bool) {
	switch {
	case pct:
		it.unit, it.special = "percent", true
	case it.unit == "percentage_points":
		it.special = true
	case usd:
		it.unit, it.special = "usd", true
	case it.fraction:
		it.unit, it.special = "fraction", true
	case it.unit == "":
		it.unit = d.countedNoun(it.tb, it.value)
	}
	if it.unit == UnitTimes {
		it.special = true // "3-fold", "four times": a multiplier, not a count
	}
	if it.qual == Exact && it.qa == it.qb {
		switch {
		case plus:
			it.qual = Over
		default:
			j := it.tb
			if d.wordAt(j) != "or" && it.unit != "" && !it.special {
				j = d.nounEnd(j)
			}
			if d.wordAt(j) == "or" {
				switch d.wordAt(j + 1) {
				case "more", "greater", "higher", "above":
					it.qual = AtLeast
				case "so", "thereabouts":
					it.qual = Approx
				case "fewer", "less", "below":
					it.qual = UpTo
				}
				if it.qual != Exact {
					it.qa, it.qb = j, j+2
				}
			}
		}
	}
}

// nounEnd returns the token after the counted noun phrase starting at j.
func (d *doc) nounEnd(j int) int {
	for n := 0; n < 5 && j < d.sb; n, j = n+1, j+1 {
		w := d.wordAt(j)
		if w == "" || unitStop(w) {
			return j
		}
		if pluralNoun(w) {
			return j + 1
		}
	}
	return j
}

// countedNoun finds the noun a count is about: "291,000 unaccompanied
// minors" → "minors", skipping adjectives and "of the".
func (d *doc) countedNoun(j int, value float64) string {
	if d.wordAt(j) == "of" {
		j++
		switch d.wordAt(j) {
		case "the", "those", "these", "their", "all":
			j++
		}
	}
	first := ""
	for n := 0; n < 5 && j < d.sb; n, j = n+1, j+1 {
		w := d.wordAt(j)
		if w == "" || unitStop(w) {
			break
		}
		if pluralNoun(w) {
			return w
		}
		if n == 0 {
			first = w
		}
	}
	if value == 1 && first != "" && !strings.HasSuffix(first, "ed") && !strings.HasSuffix(first, "ing") && !strings.HasSuffix(first, "ly") {
		return first
	}
	return ""
}
