package extract

import "strings"

// Numbers that are not figures, recognised from their context: years,
// dates, times, ages, durations, document numbers, addresses, phone
// numbers, page chrome, compound adjectives and scraping debris; and the
// signs and separators that change what a number is ("−10,000", "£80m",
// "777, 381").

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
