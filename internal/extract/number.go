package extract

import (
	"math"
	"strings"
)

// num is a decimal number as written: mantissa and decimal places, so that
// scaling ("4.8 million") stays exact.
type num struct {
	mant      uint64
	dec       int // digits after the decimal point
	intDigits int
	grouped   bool // thousands separators: "291,000"
	overflow  bool
	end       int // index after the number
	ok        bool
}

// value returns the number times 10^exp.
func (n num) value(exp int) float64 {
	e := exp - n.dec
	v := float64(n.mant)
	if e >= 0 {
		return v * math.Pow10(e)
	}
	return v / math.Pow10(-e)
}

func (n num) bareInt() bool { return n.ok && !n.grouped && n.dec == 0 && !n.overflow }

func (n num) isYear() bool {
	if !n.bareInt() || n.intDigits != 4 {
		return false
	}
	return n.mant >= 1800 && n.mant <= 2100
}

func parseNum(s string, i int) num {
	n := num{end: i}
	j := i
	add := func(c byte) {
		if n.mant > math.MaxUint64/100 {
			n.overflow = true
			return
		}
		n.mant = n.mant*10 + uint64(c-'0')
	}
	for j < len(s) && isDigit(s[j]) {
		add(s[j])
		n.intDigits++
		j++
	}
	if n.intDigits == 0 {
		return n
	}
	if n.intDigits <= 3 {
		for j < len(s) && s[j] == ',' && group3(s, j+1) {
			add(s[j+1])
			add(s[j+2])
			add(s[j+3])
			n.intDigits += 3
			n.grouped = true
			j += 4
		}
	}
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j++
		for j < len(s) && isDigit(s[j]) {
			add(s[j])
			n.dec++
			j++
		}
	}
	n.end, n.ok = j, true
	return n
}

// chunkInfo is what a number chunk says by itself, before context.
type chunkInfo struct {
	kind     string // a non-figure kind decided by the chunk's shape
	n, hi    num
	isRange  bool
	usd      bool
	percent  bool
	plus     bool
	exp      int // scale from a suffix: "85K", "1.2M", "$2bn"
	fraction bool
	unit     string // compound unit: "times" (from "fold"), "page", "km"
	extra    int    // tokens beyond the chunk that belong to the number ("777, 381")
}

// bare reports a plain integer with nothing attached: "2019", "36", "495".
func (ci *chunkInfo) bare() bool {
	return ci.kind == "" && ci.n.bareInt() && !ci.isRange && !ci.usd && !ci.percent && !ci.plus && ci.exp == 0 &&
		ci.unit == "" && !ci.fraction
}

func (ci *chunkInfo) value() float64 {
	if ci.fraction {
		return ci.n.value(0) / ci.hi.value(0)
	}
	return ci.n.value(ci.exp)
}

func hasDebrisByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '_' || s[i] == '=' {
			return true
		}
	}
	return false
}

func hasFileExt(lw string) bool {
	dot := strings.LastIndexByte(lw, '.')
	if dot < 0 {
		return false
	}
	switch lw[dot+1:] {
	case "jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "tif", "tiff", "pdf", "html", "htm", "php", "asp",
		"aspx", "jsp", "mp4", "mp3", "mov", "avi", "js", "css", "json", "xml", "txt", "doc", "docx", "xls",
		"xlsx", "csv", "zip", "gz", "ppt", "pptx", "heic", "avif":
		return true
	}
	return false
}

func measureUnit(w string) bool {
	switch w {
	case "km", "kg", "mg", "lb", "lbs", "ft", "mph", "kph", "km/h", "gb", "mb", "tb", "kb", "cm", "mm", "mi",
		"ml", "kw", "kwh", "mw", "mwh", "gw", "gwh", "ghz", "mhz", "hz", "oz", "sqft", "bpd":
		return true
	}
	return false
}

// digitSegments returns the lengths of the digit groups of a chunk made of
// digits separated by '-' or '.', or nil.
func digitSegments(s string, buf []int) []int {
	buf = buf[:0]
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			run++
		case (c == '-' || c == '.') && run > 0:
			buf = append(buf, run)
			run = 0
		default:
			return nil
		}
	}
	if run == 0 {
		return nil
	}
	return append(buf, run)
}

func phoneShape(segs []int, s string) bool {
	switch len(segs) {
	case 2:
		// "555-0143": a range never runs down, and never starts a bound with 0.
		return segs[0] == 3 && segs[1] == 4 && (s[4] == '0' || s[0] > s[4])
	case 3:
		return segs[0] == 3 && segs[1] == 3 && segs[2] == 4
	case 4:
		return segs[0] == 1 && segs[1] == 3 && segs[2] == 3 && segs[3] == 4
	}
	return false
}

// parseChunk reads a chunk holding a digit. s is the chunk, lw its lower case.
func parseChunk(s, lw string) chunkInfo { return parseMoneyChunk(s, lw, false) }

// parseMoneyChunk reads a chunk; money says a currency sign stands before
// it ("£80m"), so "m" and "b" are million and billion, not metres.
func parseMoneyChunk(s, lw string, money bool) (ci chunkInfo) {
	if hasDebrisByte(s) || hasFileExt(lw) {
		ci.kind = KindDebris
		return
	}
	var segBuf [6]int
	if segs := digitSegments(s, segBuf[:0]); segs != nil && phoneShape(segs, s) {
		ci.kind = KindPhone
		return
	}
	i := 0
	switch s[0] {
	case '$':
		ci.usd, i = true, 1
	case '#':
		ci.n = parseNum(s, 1)
		ci.kind = KindCode
		if ci.n.ok && ci.n.end == len(s) {
			ci.kind = KindOrdinal
		}
		return
	}
	if !isDigit(s[i]) {
		return letterChunk(s, lw)
	}
	n := parseNum(s, i)
	ci.n = n
	if n.overflow || n.intDigits >= 8 && !n.grouped {
		// Timestamps, image ids and tracking numbers are scraping debris.
		ci.kind = KindDebris
		return
	}
	rest := lw[n.end:]
	if rest == "" {
		return
	}
	upper := s[n.end]
	switch rest {
	case "%":
		ci.percent = true
	case "+":
		ci.plus = true
	case "k":
		ci.exp = 3
	case "m":
		if ci.usd || money || upper == 'M' {
			ci.exp = 6
		} else {
			ci.unit = "m"
		}
	case "mn", "mln":
		ci.exp = 6
	case "b":
		if ci.usd || money || upper == 'B' {
			ci.exp = 9
		} else {
			ci.kind = KindCode
		}
	case "bn", "bln":
		ci.exp = 9
	case "tn", "trn":
		ci.exp = 12
	case "st", "nd", "rd", "th":
		ci.kind = KindOrdinal
	case "s", "'s":
		switch {
		case n.intDigits == 4:
			ci.kind = KindYear // "1990s"
		case n.intDigits == 2 && n.mant%10 == 0:
			ci.kind = KindAge // "in their 30s"
		default:
			ci.kind = KindCode
		}
	case "am", "pm", "a.m", "p.m":
		ci.kind = KindTime
	default:
		switch rest[0] {
		case ':':
			ci.kind = KindCode
			if n.bareInt() && n.mant <= 24 && len(rest) >= 3 && isDigit(rest[1]) && isDigit(rest[2]) {
				ci.kind = KindTime
			}
		case '/':
			slashChunk(&ci, s, n)
		case '-':
			dashChunk(&ci, s, lw, n)
		default:
			if measureUnit(rest) {
				ci.unit = rest
			} else {
				ci.kind = KindCode
			}
		}
	}
	if ci.usd && (ci.percent || ci.kind != "") {
		ci.kind = KindCode
	}
	return
}

func slashChunk(ci *chunkInfo, s string, n num) {
	ci.kind = KindCode
	parts := strings.Count(s, "/")
	m := parseNum(s, n.end+1)
	if !n.bareInt() || !m.ok || !m.bareInt() {
		return
	}
	if parts == 2 {
		if n.mant >= 1 && n.mant <= 12 && m.mant >= 1 && m.mant <= 31 {
			ci.kind = KindDate // "8/20/2024"
		}
		return
	}
	if m.end != len(s) {
		return
	}
	switch {
	case m.mant >= 2 && m.mant <= 10 && n.mant >= 1 && n.mant < m.mant && m.mant != 7:
		// "2/3": a share.
		ci.kind, ci.fraction, ci.hi = "", true, m
	case n.mant >= 1 && n.mant <= 12 && m.mant >= 1 && m.mant <= 31:
		ci.kind = KindDate // "8/20", "9/11"
	}
}

// compoundKind classifies what follows a hyphen after a number: "16-year-old",
// "five-year", "10-fold", "500-page".
func compoundKind(r string) (kind, unit string, exp int, plus, percent, ok bool) {
	for _, a := range [...]string{"year-old", "years-old", "month-old", "months-old", "week-old", "day-old", "year-olds", "month-olds"} {
		if strings.HasPrefix(r, a) {
			return KindAge, "", 0, false, false, true
		}
	}
	w := r
	if h := strings.IndexByte(r, '-'); h >= 0 {
		w = r[:h]
	}
	if timeUnitWord(w) {
		return KindDuration, "", 0, false, false, true
	}
	switch r {
	case "plus":
		return "", "", 0, true, false, true
	case "percent", "per-cent":
		return "", "", 0, false, true, true
	case "fold":
		return "", UnitTimes, 0, false, false, true
	}
	if e, isScale := scaleWord(r); isScale {
		return "", "", e, false, false, true
	}
	for i := 0; i < len(r); i++ {
		if !isLetter(r[i]) {
			return KindCode, "", 0, false, false, true
		}
	}
	return "", r, 0, false, false, true
}

func dashChunk(ci *chunkInfo, s, lw string, n num) {
	r := lw[n.end+1:]
	if r == "" {
		ci.kind = KindCode
		return
	}
	if strings.HasPrefix(r, "in-") && n.bareInt() {
		// "1-in-3": a share.
		if m := parseNum(s, n.end+4); m.ok && m.bareInt() && m.end == len(s) && m.mant > n.mant && m.mant <= 1000 {
			ci.fraction, ci.hi = true, m
			return
		}
	}
	if isLetter(r[0]) {
		kind, unit, exp, plus, pct, _ := compoundKind(r)
		ci.kind, ci.unit, ci.plus, ci.percent = kind, unit, plus, pct
		if exp > 0 {
			ci.exp = exp
		}
		if !n.bareInt() && kind == KindAge {
			ci.kind = KindCode
		}
		return
	}
	m := parseNum(s, n.end+1)
	if !m.ok {
		ci.kind = KindCode
		return
	}
	after := lw[m.end:]
	switch {
	case n.isYear() && m.bareInt() && m.intDigits == 2 && len(after) >= 3 && after[0] == '-' && isDigit(after[1]) && isDigit(after[2]):
		ci.kind = KindDate // "2024-08-20"
		if len(after) > 3 && after[3] == 't' {
			ci.kind = KindTime // "2024-08-20T12:00Z"
		}
	case n.isYear() && after == "" && (m.isYear() || m.bareInt() && m.intDigits == 2):
		ci.kind = KindYear // "2019-2023", "2019-20"
	default:
		ci.kind = KindCode
		var suffix chunkInfo
		switch after {
		case "":
		case "%":
			suffix.percent = true
		case "k":
			suffix.exp = 3
		case "m":
			if ci.usd || s[m.end] == 'M' {
				suffix.exp = 6
			} else {
				return
			}
		case "bn", "b":
			suffix.exp = 9
		default:
			return
		}
		exp := suffix.exp
		if m.value(exp) > n.value(exp) {
			ci.kind, ci.isRange, ci.hi, ci.exp, ci.percent = "", true, m, exp, suffix.percent
		}
	}
}

// letterChunk classifies chunks that start with a letter and hold a digit:
// "FY2023", "OIG-24-46", "RVM10", "COVID-19", "Q3", "mid-2024".
func letterChunk(s, lw string) (ci chunkInfo) {
	j := 0
	for j < len(lw) && isLetter(lw[j]) {
		j++
	}
	pre, rest := lw[:j], lw[j:]
	ci.kind = KindCode
	if rest == "" {
		return
	}
	switch {
	case (pre == "fy" || pre == "cy") && isDigit(rest[0]):
		ci.kind = KindYear
	case (pre == "q" && len(rest) == 1 && rest[0] >= '1' && rest[0] <= '4') || (pre == "h" && (rest == "1" || rest == "2")):
		ci.kind = KindDate
	case pre == "us" && rest[0] == '$':
		ci = parseChunk(s[j:], lw[j:])
	case strings.HasPrefix(rest, "-in-"):
		// "nine-in-10": a share.
		v, ok := cardinalWord(pre)
		m := parseNum(s, j+4)
		if ok && v >= 1 && m.ok && m.bareInt() && m.end == len(s) && float64(m.mant) > v && m.mant <= 1000 {
			ci = chunkInfo{fraction: true, hi: m}
			ci.n = num{mant: uint64(v), ok: true, intDigits: 1}
		}
	case rest[0] == '-':
		switch pre {
		case "mid", "early", "late", "pre", "post", "fiscal", "since", "end", "year":
			ci.kind = KindYear
			return
		}
		nums := 0
		for _, seg := range strings.Split(rest[1:], "-") {
			if seg != "" && isDigit(seg[0]) {
				nums++
			}
		}
		if nums >= 2 {
			ci.kind = KindDocNumber // "OIG-24-46", "GAO-25-107840"
		}
	case rest[0] == '.':
		switch pre {
		case "no", "sec", "art", "fig", "vol", "p", "pp", "ch":
			ci.kind = KindDocNumber
		}
	}
	return
}
