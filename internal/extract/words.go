package extract

import "strings"

// Numbers written in words: cardinals ("twenty-five thousand"), fractions
// ("two-thirds", "a quarter of a million") and the hyphenated subwords
// they are read from.

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

// firstSub returns the part of a word before its first hyphen. It is
// asked of every word of every sentence: a loop the compiler inlines
// beats a call to strings.IndexByte on words this short.
func firstSub(lw string) string {
	for i := 0; i < len(lw); i++ {
		if lw[i] == '-' {
			return lw[:i]
		}
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
