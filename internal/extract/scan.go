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
	items  []item
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
	when    []bool      // by token of the current sentence: part of a year, date, time or duration
	claim   []int32     // by token of the current sentence: the figure whose frame holds it, -1 none, -2 several

	// The antecedent of a reference: words and terms of the sentence before
	// (or the headline), computed once per sentence that needs it.
	ctxFor  int
	ctt     []ttok
	ctstart []int32
	cocc    []occurrence

	out  []Figure // scratch for the figures of one call
	work int      // steps taken in this call: tests hold it linear in the input

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
	for k := d.sa; k < d.sb; {
		switch d.toks[k].kind {
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
			if v, ok := multiplierWord(d.low(k)); ok {
				it := item{ta: k, tb: k + 1, value: v, unit: UnitTimes}
				d.finishWordFigure(&it, false)
				items = append(items, it)
				k++
				continue
			}
			if !numberWordStart(firstSub(d.low(k))) {
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

// compoundAdjective reports a number hyphened to a singular noun and
// modifying the next one: "an 18-page report", "a 500-bed shelter".
func (d *doc) compoundAdjective(k int, ci chunkInfo) bool {
	if ci.unit == "" || ci.unit == UnitTimes || ci.percent || ci.usd || strings.IndexByte(d.text(k), '-') < 0 {
		return false
	}
	if pluralNoun(ci.unit) || measureUnit(ci.unit) && d.wordAt(k+1) == "" {
		return false
	}
	return d.toks[k+1:min(k+2, d.sb)] != nil && d.wordAt(k+1) != "" && !unitStop(d.wordAt(k+1))
}

// currencyBefore returns the currency of a sign glued to number k ("£80m",
// "€2.5bn", "¥300k"), or "". Dollars are part of the chunk itself.
func (d *doc) currencyBefore(k int) string {
	if k-1 < d.sa || d.toks[k].sp || d.toks[k-1].kind != tkPunct {
		return ""
	}
	switch d.text(k - 1) {
	case "\u00a3":
		return UnitGBP
	case "\u20ac":
		return UnitEUR
	case "\u00a5":
		return UnitJPY
	}
	return ""
}

// signBefore makes figure it negative when a minus sign is glued to it
// ("−10,000", "| -2.4%") or the word "minus" stands before it.
func (d *doc) signBefore(it *item, k int) {
	if it.kind != "" || it.qa < it.qb && it.qa < k {
		return
	}
	p := it.ta - 1
	switch {
	case d.wordAt(p) == "minus":
	case d.punctAt(p) == "-" && !d.toks[it.ta].sp && (p == d.sa || d.toks[p].sp || d.punctAt(p-1) == "|" || d.punctAt(p-1) == "("):
	default:
		return
	}
	it.value, it.high, it.ta = -it.value, -it.high, p
}

// splitThousands reports "777, 381": a number of one to three digits, a
// comma glued to it and one space, then exactly three digits. It folds the
// group into ci. A day after a month ("May 5, 381 people") is not one.
func (d *doc) splitThousands(k int, ci *chunkInfo) bool {
	if !ci.bare() || ci.n.intDigits > 3 || k+2 >= d.sb || d.punctAt(k+1) != "," || d.toks[k+1].sp {
		return false
	}
	t := d.toks[k+2]
	if t.kind != tkNum || !t.sp || t.nl > 0 {
		return false
	}
	if t.s != d.toks[k+1].e+1 || d.c.text[t.s-1] != ' ' {
		return false // exactly one space
	}
	g := parseChunk(d.text(k+2), d.low(k+2))
	if !g.bare() || g.n.intDigits != 3 || monthWord(d.wordAt(k-1)) || d.punctAt(k-1) == "," || d.punctAt(k+3) == "," {
		return false
	}
	ci.n.mant = ci.n.mant*1000 + g.n.mant
	ci.n.intDigits += 3
	ci.n.grouped = true
	return true
}

// timeTail extends a time past "a.m." and a time zone.
func (d *doc) timeTail(j int) int {
	switch d.wordAt(j) {
	case "a.m", "p.m", "am", "pm":
		j++
		if d.punctAt(j) == "." && !d.adjacentSpace(j) {
			j++
		}
	}
	switch d.wordAt(j) {
	case "et", "est", "edt", "pt", "pst", "pdt", "ct", "cst", "cdt", "mt", "mst", "mdt", "gmt", "utc", "bst", "cet":
		if d.capitalAt(j) {
			j++
		}
	}
	return j
}

// monthBefore returns the token of a month name just before k ("May 2024",
// "Aug. 20"), or -1.
func (d *doc) monthBefore(k int) int {
	j := k - 1
	if d.punctAt(j) == "." {
		j--
	}
	if w := d.wordAt(j); w != "" && monthWord(w) && d.capitalAt(j) {
		return j
	}
	return -1
}

// dateAround recognises a day or year next to a month name and widens the
// item to the whole date ("August 20, 2024"). It reports whether it did.
func (d *doc) dateAround(it *item, ci chunkInfo, ordinal bool) bool {
	k := it.ta
	v := ci.n.mant
	day := (ci.n.bareInt() || ordinal) && v >= 1 && v <= 31
	if m := d.monthBefore(k); m >= 0 && (day || ci.n.isYear()) {
		it.kind, it.ta = KindDate, m
		it.tb = d.yearAfterDay(k+1, day)
		return true
	}
	if day && d.capitalAt(k+1) && monthWord(d.wordAt(k+1)) {
		it.kind = KindDate
		it.tb = d.yearAfterDay(k+2, true)
		return true
	}
	if day && d.wordAt(k+1) == "of" && d.capitalAt(k+2) && monthWord(d.wordAt(k+2)) {
		it.kind = KindDate
		it.tb = d.yearAfterDay(k+3, true)
		return true
	}
	return false
}

func (d *doc) yearAfterDay(j int, day bool) int {
	if !day {
		return j
	}
	y := j
	if d.punctAt(y) == "," {
		y++
	}
	if ci, ok := d.numAt(y); ok && ci.n.isYear() && ci.bare() {
		return y + 1
	}
	return j
}

// nonFigure recognises numbers that are not figures from their context:
// years, dates, times, ages, durations, document numbers, addresses, phone
// numbers and scraping debris. It fills it and reports whether it did.
func (d *doc) nonFigure(it *item, ci chunkInfo) bool {
	k := it.ta
	bare := ci.bare()
	v := ci.n.mant

	// Runs of numbers with only spaces between them are phone numbers
	// ("+1 202 555 0143") or debris ("1724276320 495").
	if bare || ci.kind == "" && !ci.usd && !ci.percent {
		j := k
		for j+1 < d.sb && d.toks[j+1].kind == tkNum && d.adjacentSpace(j+1) {
			j++
		}
		prev := k > d.sa && d.toks[k-1].kind == tkNum && d.adjacentSpace(k)
		if (j > k || prev) && bare {
			it.kind, it.tb = KindDebris, j+1
			if j-k >= 2 && d.shortGroups(k, j) {
				it.kind = KindPhone
			}
			return true
		}
	}
	// A number glued to the punctuation after a word is a footnote marker.
	if bare && !d.toks[k].sp && k-2 >= d.sa && d.toks[k-1].kind == tkPunct && !d.toks[k-1].sp {
		switch d.text(k - 1) {
		case ".", ",", ";", ")", "\"", ":":
			if d.toks[k-2].kind == tkWord {
				it.kind = KindDebris
				return true
			}
		}
	}
	// "(202) 555-0143"
	if bare && ci.n.intDigits == 3 && d.punctAt(k-1) == "(" && d.punctAt(k+1) == ")" {
		if nx, ok := d.numAt(k + 2); ok && (nx.kind == KindPhone || nx.isRange && nx.n.intDigits == 3 && nx.hi.intDigits == 4) {
			it.kind, it.ta, it.tb = KindPhone, k-1, k+3
			return true
		}
	}
	if bare && d.chromeAt(it) {
		return true
	}
	if (ci.isRange || !ci.usd && !ci.percent) && d.docNumberBefore(k) {
		it.kind = KindDocNumber
		return true
	}
	if ci.n.bareInt() && !ci.usd && !ci.percent && ci.exp == 0 && !ci.isRange && d.dateAround(it, ci, false) {
		return true
	}
	if bare && v <= 24 {
		switch d.wordAt(k + 1) {
		case "a.m", "p.m", "am", "pm", "o'clock":
			it.kind, it.tb = KindTime, d.timeTail(k+1)
			if d.wordAt(k+1) == "o'clock" {
				it.tb = k + 2
			}
			return true
		}
	}
	if bare && ci.n.isYear() {
		q, _, _ := d.qualifierBefore(k)
		switch q {
		case Exact, Over, Under, Approx:
			// "in 2019", "the 2019 law", "under the 2019 law"; "over 2019 children" is rare enough.
			if !(q != Exact && pluralNoun(d.wordAt(k+1))) {
				it.kind = KindYear
				return true
			}
		}
	}
	if bare && ci.n.intDigits <= 2 && (d.wordAt(k-1) == "fy" || d.punctAt(k-1) == "'" && !d.toks[k].sp) {
		it.kind = KindYear
		return true
	}
	if bare && v <= 120 && d.ageAt(it) {
		return true
	}
	if (bare || ci.n.grouped && !ci.usd && !ci.percent && ci.exp == 0) && d.durationAt(it, k+1) {
		return true
	}
	if bare && d.addressAt(it) {
		return true
	}
	return false
}

func (d *doc) shortGroups(k, j int) bool {
	for i := k; i <= j; i++ {
		if t := d.toks[i]; t.e-t.s > 4 {
			return false
		}
	}
	return true
}

func (d *doc) docNumberBefore(k int) bool {
	j := k - 1
	dot := false
	if d.punctAt(j) == "." && !d.toks[j].sp {
		j--
		dot = true
	}
	if d.punctAt(j) == "§" {
		return true
	}
	w := d.wordAt(j)
	if w == "" {
		return false
	}
	switch w {
	case "no", "p", "s", "fig", "sec", "vol", "art", "ch":
		if !dot {
			return false
		}
	}
	return docNumberWord(w, d.capitalAt(j))
}

func (d *doc) ageAt(it *item) bool {
	k := it.ta
	switch d.wordAt(k + 1) {
	case "years", "year", "months", "month", "yrs", "yr":
		switch d.wordAt(k + 2) {
		case "old":
			it.kind, it.tb = KindAge, k+3
			return true
		case "of":
			if d.wordAt(k+3) == "age" {
				it.kind, it.tb = KindAge, k+4
				return true
			}
		}
	}
	prev := d.wordAt(k - 1)
	if prev == "aged" || prev == "age" || prev == "ages" || prev == "of" && d.wordAt(k-2) == "age" {
		it.kind = KindAge
		// "ages 12 to 17"
		if w := d.wordAt(k + 1); w == "to" || w == "and" || d.punctAt(k+1) == "-" {
			if nx, ok := d.numAt(k + 2); ok && nx.bare() && nx.n.mant <= 120 {
				it.tb = k + 3
			}
		}
		return true
	}
	// "Veronica Marquez, 36, comforts"
	if d.punctAt(k-1) == "," && d.capitalAt(k-2) && !monthWord(d.wordAt(k-2)) {
		switch d.punctAt(k + 1) {
		case ",", ")", ".", ";":
			if _, isNum := d.numAt(k + 2); !isNum {
				it.kind = KindAge
				return true
			}
		}
		if k+1 >= d.sb {
			it.kind = KindAge
			return true
		}
	}
	// "John Smith (36)"
	if d.punctAt(k-1) == "(" && d.punctAt(k+1) == ")" && d.capitalAt(k-2) {
		it.kind = KindAge
		return true
	}
	// "children under 18"
	if (prev == "under" || prev == "over") && it.value <= 21 && !pluralNoun(d.wordAt(k+1)) {
		switch d.wordAt(k - 2) {
		case "children", "minors", "kids", "people", "anyone", "those", "youths", "teens", "teenagers",
			"individuals", "migrants", "immigrants", "boys", "girls", "adults", "students", "users", "aged":
			it.kind = KindAge
			return true
		}
	}
	return false
}

// durationAt recognises "over the past five years", "three years later".
func (d *doc) durationAt(it *item, j int) bool {
	unit := d.wordAt(j)
	if (unit == "fiscal" || unit == "calendar") && timeUnitWord(d.wordAt(j+1)) {
		j++ // "the last 20 fiscal years"
		unit = d.wordAt(j)
	}
	if !timeUnitWord(unit) {
		return false
	}
	if d.wordAt(j+1) == "old" {
		it.kind, it.tb = KindAge, j+2
		return true
	}
	prev := d.wordAt(it.ta - 1)
	if it.qa < it.qb {
		prev = d.wordAt(it.qa - 1)
	}
	if durationBefore(prev) || durationAfter(d.wordAt(j+1)) || d.punctAt(it.ta-1) == "-" {
		it.kind, it.tb = KindDuration, j+1
		return true
	}
	return false
}

func (d *doc) addressAt(it *item) bool {
	k := it.ta
	if w := d.wordAt(k - 1); w != "" && addressBefore(w) {
		it.kind = KindAddress
		return true
	}
	// "DC 20528": a ZIP code after a state code.
	if d.toks[k].e-d.toks[k].s == 5 {
		if w := d.wordAt(k - 1); len(w) == 2 && isUpper(d.text(k - 1)[0]) && isUpper(d.text(k - 1)[1]) {
			it.kind = KindAddress
			return true
		}
	}
	// "1600 Pennsylvania Avenue", "245 Murray Lane SW", "100 5th Ave."
	for j := k + 1; j < d.sb && j <= k+5; j++ {
		t := d.toks[j]
		if t.kind == tkNum {
			if ci := parseChunk(d.text(j), d.low(j)); ci.kind == KindOrdinal {
				continue
			}
			return false
		}
		if !d.capitalAt(j) {
			return false
		}
		if j > k+1 && streetSuffix(d.low(j)) {
			it.kind = KindAddress
			it.tb = j + 1
			return true
		}
	}
	return false
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

// qualifierBefore finds the qualifier standing before token k, skipping
// fillers ("more than an estimated 30,000"). It returns Exact and qa == qb
// when there is none.
func (d *doc) qualifierBefore(k int) (Qualifier, int, int) {
	j := k - 1
	estimated := -1
	for fillers := 0; j >= d.sa && fillers <= 3; fillers++ {
		t := d.toks[j]
		if t.kind == tkPunct {
			if j == k-1 {
				switch d.text(j) {
				case "~":
					return Approx, j, j + 1
				case ">":
					return Over, j, j + 1
				case "<":
					return Under, j, j + 1
				case "\u2265":
					return AtLeast, j, j + 1
				case "\u2264":
					return UpTo, j, j + 1
				}
			}
			break
		}
		if t.kind != tkWord {
			break
		}
		if q, start := d.qualifierPhraseAt(j); q != "" {
			if q == Exact && d.low(j) != "between" {
				return Exact, k, k
			}
			return q, start, j + 1
		}
		w := d.low(j)
		// "an estimated 60,000" hedges; "agencies estimated a total of $236
		// billion" is a verb with its object and states the figure.
		if w == "estimated" && estimated < 0 && d.wordAt(j+1) != "a" {
			estimated = j
		}
		if w == "of" && d.wordAt(j-1) == "total" {
			j -= 2
			continue
		}
		if !qualifierFiller(w) {
			break
		}
		j--
	}
	if estimated >= 0 {
		start := estimated
		if d.wordAt(start-1) == "an" {
			start--
		}
		return Approx, start, estimated + 1
	}
	return Exact, k, k
}

// qualifierPhraseAt matches a qualifier phrase ending at token j and returns
// its first token. It returns Exact for a word that looks like a qualifier
// but is a preposition here ("questions about 85,000 children").
func (d *doc) qualifierPhraseAt(j int) (Qualifier, int) {
	w := d.low(j)
	p1, p2 := d.wordAt(j-1), d.wordAt(j-2)
	governed := func(start int) bool { return governsPreposition(d.wordAt(start - 1)) }
	switch w {
	case "than":
		switch p1 {
		case "more", "greater", "higher", "larger", "bigger":
			switch p2 {
			case "no", "not":
				return UpTo, j - 2
			case "slightly", "just", "well", "far", "much", "little", "somewhat":
				return Over, j - 2
			}
			return Over, j - 1
		case "fewer", "less", "lower", "smaller":
			switch p2 {
			case "no", "not":
				return AtLeast, j - 2
			case "just", "slightly":
				return Nearly, j - 2
			case "far", "well", "much":
				return Under, j - 2
			}
			return Under, j - 1
		}
	case "over", "above", "exceeding", "topping", "surpassing", "beyond", "topped", "tops", "top", "surpassed",
		"surpasses", "surpass", "passed", "passes", "pass", "passing", "exceeded", "exceeds", "exceed":
		start := j
		switch p1 {
		case "just", "slightly", "well", "far", "much":
			start = j - 1
		}
		if governed(start) {
			return Exact, 0
		}
		if w == "beyond" {
			return "", 0
		}
		switch p1 {
		case "spread", "spreads", "divided", "distributed", "split", "scattered", "stretched", "stretching", "spanning":
			return Exact, 0 // "spread over 239 cases" is a count, not a bound
		}
		return Over, start
	case "under", "below":
		switch p1 {
		case "just", "slightly":
			return Nearly, j - 1
		case "well", "far", "much":
			return Under, j - 1
		}
		if governed(j) {
			return Exact, 0
		}
		return Under, j
	case "nearly", "almost", "approaching", "practically", "virtually":
		if p1 == "very" {
			return Nearly, j - 1
		}
		return Nearly, j
	case "about", "approximately", "roughly", "around", "approx", "circa", "ca", "some", "maybe", "perhaps":
		if governed(j) {
			return Exact, 0
		}
		return Approx, j
	case "to":
		switch p1 {
		case "up":
			return UpTo, j - 1
		case "close", "closer", "nearer":
			if p2 == "very" {
				return Nearly, j - 2
			}
			return Nearly, j - 1
		}
	case "of":
		switch p1 {
		case "upward", "upwards", "north":
			return Over, j - 1
		case "excess":
			if p2 == "in" {
				return Over, j - 2
			}
		case "maximum":
			if p2 == "a" {
				return UpTo, j - 2
			}
			return UpTo, j - 1
		case "minimum":
			if p2 == "a" {
				return AtLeast, j - 2
			}
			return AtLeast, j - 1
		case "shy", "short":
			if p2 == "just" {
				return Nearly, j - 2
			}
			return Nearly, j - 1
		case "region", "order":
			if p2 == "the" {
				return Approx, j - 3
			}
		}
	case "as":
		if p2 == "as" {
			switch p1 {
			case "many", "much", "high":
				return UpTo, j - 2
			}
		}
	case "least":
		if p1 == "at" {
			return AtLeast, j - 1
		}
	case "most":
		if p1 == "at" {
			return UpTo, j - 1
		}
	case "between":
		return Exact, j
	}
	return "", 0
}

// subword is one hyphen-separated part of a word token.
type subword struct {
	w    string
	tok  int
	last bool // ends its token
}

func (d *doc) subwords(k, limit int) []subword {
	sw := d.sw[:0]
	for j := k; j < d.sb && len(sw) < limit; j++ {
		if d.toks[j].kind != tkWord || j > k && !d.toks[j].sp {
			break
		}
		lw := d.low(j)
		for lw != "" {
			h := strings.IndexByte(lw, '-')
			if h < 0 {
				sw = append(sw, subword{lw, j, true})
				break
			}
			sw = append(sw, subword{lw[:h], j, false})
			lw = lw[h+1:]
		}
	}
	d.sw = sw
	return sw
}

func firstSub(lw string) string {
	if h := strings.IndexByte(lw, '-'); h >= 0 {
		return lw[:h]
	}
	return lw
}

// wordNumberAt reads numbers written in words: "five", "twenty-five",
// "two dozen", "a million", "two-thirds", "a quarter", "half", "one in five".
func (d *doc) wordNumberAt(k int) (item, bool) {
	first := firstSub(d.low(k))
	if !numberWordStart(first) {
		return item{}, false
	}
	if vagueMultiplier(first) {
		j := k + 1
		for d.wordAt(j) == "of" && vagueMultiplier(d.wordAt(j+1)) {
			j += 2
		}
		return item{ta: k, tb: j, kind: kindSkip}, true
	}
	_, isCard := cardinalWord(first)
	_, isOrd := ordinalWord(first)
	switch {
	case isCard, isOrd, first == "half", first == "dozen":
	case first == "a" || first == "an":
		w := d.wordAt(k + 1)
		_, _, isDen := denominatorWord(firstSub(w))
		_, isScale := scaleWord(w)
		if !(isDen || isScale || w == "hundred" || w == "dozen") {
			return item{}, false
		}
	default:
		return item{}, false
	}
	sw := d.subwords(k, 10)
	if len(sw) == 0 {
		return item{}, false
	}
	if it, ok := d.fractionAt(k, sw); ok {
		return it, true
	}
	val, n := parseCardinal(sw)
	if n == 0 {
		if isOrd && sw[0].last {
			return item{ta: k, tb: k + 1, value: ordinalValue(first), kind: KindOrdinal}, true
		}
		return item{}, false
	}
	endTok := sw[n-1].tok
	it := item{ta: k, tb: endTok + 1, value: val}
	if !sw[n-1].last {
		// A hyphenated compound: "five-year-old", "ten-fold", "one-time".
		rest := d.low(endTok)
		for i := 0; i < n; i++ {
			if sw[i].tok == endTok {
				rest = rest[len(sw[i].w)+1:]
			}
		}
		kind, unit, exp, _, pct, _ := compoundKind(rest)
		switch {
		case kind == KindAge || kind == KindDuration:
			it.kind = kind
			return it, true
		case pct:
			d.finishWordFigure(&it, true)
			return it, true
		case unit == "fold" || exp > 0:
			it.value *= pow10f(exp)
			it.unit = unit
			d.finishWordFigure(&it, false)
			return it, true
		}
		return item{}, false
	}
	if n == 1 && sw[0].w == "one" {
		// "one" is mostly a pronoun or article; it counts only as a share.
		if m, end, ok := d.ratioAfter(endTok+1, 1); ok {
			it.value, it.fraction, it.tb = 1/m, true, end
			d.finishWordFigure(&it, false)
			return it, true
		}
		return item{}, false
	}
	j := endTok + 1
	if timeUnitWord(d.wordAt(j)) {
		it.kind, it.tb = KindDuration, j+1
		if d.wordAt(j+1) == "old" {
			it.kind, it.tb = KindAge, j+2
		}
		return it, true
	}
	if val <= 100 && val == float64(int(val)) {
		if m, end, ok := d.ratioAfter(j, val); ok {
			it.value, it.fraction, it.tb = val/m, true, end
			d.finishWordFigure(&it, false)
			return it, true
		}
	}
	pct := false
	switch d.wordAt(j) {
	case "percent", "pct":
		pct = true
		it.tb = j + 1
	case "per":
		if d.wordAt(j+1) == "cent" {
			pct = true
			it.tb = j + 2
		}
	}
	d.finishWordFigure(&it, pct)
	return it, true
}

func pow10f(e int) float64 {
	v := 1.0
	for ; e > 0; e-- {
		v *= 10
	}
	return v
}

func ordinalValue(w string) float64 { v, _ := ordinalWord(w); return v }

func (d *doc) finishWordFigure(it *item, pct bool) {
	it.qual, it.qa, it.qb = d.qualifierBefore(it.ta)
	usd := false
	if !pct {
		switch d.wordAt(it.tb) {
		case "dollars", "usd":
			usd = true
		}
	}
	d.finishFigure(it, usd, pct, false)
}

// parseCardinal parses a cardinal number in words from the start of sw and
// returns its value and the number of subwords it used (0: none).
func parseCardinal(sw []subword) (float64, int) {
	total, cur := 0.0, 0.0
	i, used := 0, 0
	if w := sw[0].w; w == "a" || w == "an" {
		if len(sw) < 2 {
			return 0, 0
		}
		switch sw[1].w {
		case "hundred", "thousand", "million", "billion", "trillion", "dozen":
			cur, i = 1, 1
		default:
			return 0, 0
		}
	}
	if sw[0].w == "half" && len(sw) >= 3 && (sw[1].w == "a" || sw[1].w == "an") {
		if e, ok := scaleWord(sw[2].w); ok {
			return 0.5 * pow10f(e), 3
		}
		if sw[2].w == "dozen" {
			return 6, 3
		}
		return 0, 0
	}
	for i < len(sw) {
		w := sw[i].w
		if v, ok := cardinalWord(w); ok {
			r := int(cur) % 100
			switch {
			case r == 0 && cur == float64(int(cur)):
				cur += v
			case v < 10 && r >= 20 && r%10 == 0:
				cur += v
			default:
				return total + cur, used
			}
			i++
			used = i
			continue
		}
		switch w {
		case "hundred":
			if cur == 0 || cur >= 100 {
				return total + cur, used
			}
			cur *= 100
		case "dozen":
			if cur == 0 {
				return total + cur, used
			}
			cur *= 12
		case "and":
			if i+2 < len(sw) && sw[i+1].w == "a" && sw[i+2].w == "half" && cur > 0 {
				cur += 0.5
				i += 3
				used = i
				continue
			}
			if cur >= 100 && int(cur)%100 == 0 && i+1 < len(sw) {
				if _, ok := cardinalWord(sw[i+1].w); ok {
					i++
					continue
				}
			}
			return total + cur, used
		default:
			e, ok := scaleWord(w)
			if !ok || e < 3 || cur == 0 || w != "thousand" && w != "million" && w != "billion" && w != "trillion" {
				return total + cur, used
			}
			total += cur * pow10f(e)
			cur = 0
		}
		i++
		used = i
	}
	return total + cur, used
}

// fractionAt reads shares in words: "two-thirds", "a quarter of", "half of",
// "nearly a quarter", "half a million".
func (d *doc) fractionAt(k int, sw []subword) (item, bool) {
	w0 := sw[0].w
	if w0 == "half" {
		if len(sw) >= 3 && (sw[1].w == "a" || sw[1].w == "an") {
			return item{}, false // "half a million": a cardinal
		}
		if !sw[0].last {
			return item{}, false // "half-hour"
		}
		switch d.wordAt(k - 1) {
		case "first", "second", "last", "latter", "other", "a", "and", "the", "this", "that", "each", "one", "better":
			return item{}, false
		}
		q, _, _ := d.qualifierBefore(k)
		switch d.wordAt(k + 1) {
		case "of", "the", "a", "an", "their", "its", "all", "them", "those", "these", "his", "her", "our", "my", "your":
		default:
			if q == Exact {
				return item{}, false
			}
		}
		it := item{ta: k, tb: k + 1, value: 0.5, fraction: true}
		d.finishWordFigure(&it, false)
		return it, true
	}
	if len(sw) < 2 {
		return item{}, false
	}
	var n float64
	switch w0 {
	case "a", "an", "one":
		n = 1
	default:
		v, ok := cardinalWord(w0)
		if !ok || v < 2 || v > 20 {
			return item{}, false
		}
		n = v
	}
	den, plural, ok := denominatorWord(sw[1].w)
	if !ok || !sw[1].last || plural != (n > 1) || n >= den {
		return item{}, false
	}
	end := sw[1].tok + 1
	if !plural {
		after := d.wordAt(end)
		if after != "of" {
			q, _, _ := d.qualifierBefore(k)
			if q == Exact {
				return item{}, false
			}
			switch after {
			case "century", "mile", "miles", "hour", "past", "inch", "pound", "point", "mark", "final", "finals":
				return item{}, false
			}
		}
	}
	it := item{ta: k, tb: end, value: n / den, fraction: true}
	// "a quarter of a million": a share of a scale is a cardinal.
	if d.wordAt(end) == "of" {
		a := d.wordAt(end + 1)
		if e, ok := scaleWord(d.wordAt(end + 2)); ok && (a == "a" || a == "one") {
			it.value, it.fraction, it.tb = it.value*pow10f(e), false, end+3
		}
	}
	d.finishWordFigure(&it, false)
	return it, true
}

// chromeAt recognises page furniture around a small bare number: a record
// id ("id is 1", "ID: 4471"), a counter ("2 Comments", "14 shares"), and a
// list marker opening a line ("1. The …").
func (d *doc) chromeAt(it *item) bool {
	k := it.ta
	p := k - 1
	switch d.wordAt(p) {
	case "is":
		p--
	case "":
		if t := d.punctAt(p); t == ":" || t == "=" || t == "#" {
			p--
		}
	}
	switch d.wordAt(p) {
	case "id", "page":
		it.kind = KindChrome
		return true
	}
	lineStart := k == 0 || d.toks[k].nl > 0
	if lineStart || k == d.sa {
		switch d.wordAt(k + 1) {
		case "comment", "comments", "reply", "replies", "share", "shares", "likes", "views", "retweets", "reposts":
			it.kind, it.tb = KindChrome, k+2
			return true
		}
	}
	if lineStart && k+2 < len(d.toks) && d.text(k+1) == "." && !d.toks[k+1].sp && d.toks[k+2].sp {
		it.kind, it.tb = KindChrome, k+2
		return true
	}
	return false
}
