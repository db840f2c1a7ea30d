package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tkPunct tokKind = iota
	tkWord          // letters, possibly joined by hyphens, apostrophes, dots: "two-thirds", "U.S", "ICE's"
	tkNum           // a chunk holding a digit: "291,000", "$2.5", "65%", "OIG-24-46", "16-year-old"
	tkURL
	tkHandle
)

// token is a span of the cleaned text.
type token struct {
	s, e  int32
	kind  tokKind
	nl    uint8 // line breaks in the whitespace before the token, capped at 2
	sp    bool  // whitespace before the token
	plain bool  // a word of ASCII letters alone, read by tokenize itself: one word for term matching
}

// Character classes by unsigned arithmetic: one compare each.
func isDigit(c byte) bool  { return c-'0' < 10 }
func isUpper(c byte) bool  { return c-'A' < 26 }
func isLower(c byte) bool  { return c-'a' < 26 }
func isLetter(c byte) bool { return (c|0x20)-'a' < 26 }
func isAlnum(c byte) bool  { return c-'0' < 10 || (c|0x20)-'a' < 26 }

// letterAt reports whether a (possibly non-ASCII) letter or digit starts at s[i].
func letterAt(s string, i int) (bool, int) {
	c := s[i]
	if c < 0x80 {
		return isAlnum(c), 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r), size
}

func urlAt(lower string, i int) bool {
	if i >= len(lower) {
		return false
	}
	t := lower[i:]
	if strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") {
		return true
	}
	return strings.HasPrefix(t, "www.") && len(t) > 4 && isAlnum(t[4])
}

func urlEnd(s string, i int) int {
	j := i
	depth := 0
	for j < len(s) {
		c := s[j]
		if c <= ' ' || c == '"' || c == '<' || c == '>' || c >= 0x80 {
			break
		}
		if c == '(' {
			depth++
		} else if c == ')' {
			if depth == 0 {
				break
			}
			depth--
		}
		j++
	}
	for j > i+1 && strings.IndexByte(".,;:!?'", s[j-1]) >= 0 {
		j--
	}
	return j
}

// tokenize appends the tokens of text to toks, and to breaks the index of
// every token that may start a sentence: on the same line, only a token
// after punctuation can. sentences then looks at those alone instead of
// at every token.
func tokenize(text, lower string, toks []token, breaks []int32) ([]token, []int32) {
	n := len(text)
	var nl uint8
	sp, prevPunct := false, false
	for i := 0; i < n; {
		c := text[i]
		switch c {
		case ' ', '\t', '\f', '\v':
			sp = true
			i++
			continue
		case '\n', '\r':
			sp = true
			if c == '\r' && i+1 < n && text[i+1] == '\n' {
				i++
			}
			if nl < 2 {
				nl++
			}
			i++
			continue
		}
		start := i
		kind, plain := tkPunct, false
		switch {
		case (c|0x20 == 'h' && i+1 < n && lower[i+1] == 't' || c|0x20 == 'w' && i+1 < n && lower[i+1] == 'w') &&
			urlAt(lower, i) && (i == 0 || !isAlnum(text[i-1])):
			// "ht" or "ww": urlAt's prefixes, told before the call.
			i = urlEnd(text, i)
			kind = tkURL
		case c == '@' && i+1 < n && (isAlnum(text[i+1]) || text[i+1] == '_') && (i == 0 || !isAlnum(text[i-1])):
			i++
			for i < n && (isAlnum(text[i]) || text[i] == '_') {
				i++
			}
			kind = tkHandle
		case (c == '$' || c == '#') && i+1 < n && isDigit(text[i+1]):
			i, kind = chunkEnd(text, lower, i)
		case c < 0x80:
			if isLetter(c) {
				// Most chunks are plain words ended by a space or a
				// mark that never joins after a letter: read them here,
				// and leave the rest to chunkEnd, from the start.
				j := i + 1
				for j < n && isLetter(text[j]) {
					j++
				}
				if j == n || plainWordEnd(text[j]) {
					i, kind, plain = j, tkWord, true
				} else {
					i, kind = chunkEnd(text, lower, i)
				}
			} else if isDigit(c) {
				i, kind = chunkEnd(text, lower, i)
			} else {
				i++
			}
		default:
			if ok, size := letterAt(text, i); ok {
				i, kind = chunkEnd(text, lower, i)
			} else {
				i += size
			}
		}
		// Filled in place: a token built whole on the stack is read back
		// in one load over its byte fields' separate stores, which the
		// CPU cannot forward, and that stall cost a third of tokenize.
		if len(toks) > 0 && (nl > 0 || sp && prevPunct) {
			breaks = append(breaks, int32(len(toks)))
		}
		toks = append(toks, token{})
		t := &toks[len(toks)-1]
		t.s, t.e, t.kind, t.nl, t.sp, t.plain = int32(start), int32(i), kind, nl, sp, plain
		nl, sp, prevPunct = 0, false, kind == tkPunct
	}
	return toks, breaks
}

// plainWordEnd reports whether byte c, after a run of ASCII letters, ends
// the chunk whatever follows: chunkEnd joins none of these to a letter
// (TestPlainWordEndsAsChunkEnd).
func plainWordEnd(c byte) bool {
	switch c {
	case ' ', '\n', '\r', '\t', ',', ';', ')', '"', '!', '?':
		return true
	}
	return false
}

// chunkEnd reads a word or number chunk: letters and digits, joined by the
// connectors writers put inside one: "291,000", "4.8", "U.S", "two-thirds",
// "ICE's", "8/20/2024", "10:30", "img_1234.jpg", "65%", "30,000+".
func chunkEnd(text, lower string, i int) (int, tokKind) {
	n := len(text)
	j := i
	if text[j] == '$' || text[j] == '#' {
		j++
	}
	hasDigit, email, domain := false, false, false
	segStart := j
loop:
	for j < n {
		c := text[j]
		if (c|0x20)-'a' < 26 {
			j++
			continue
		}
		if c-'0' < 10 {
			hasDigit = true
			j++
			continue
		}
		if c >= 0x80 {
			ok, size := letterAt(text, j)
			if !ok {
				break
			}
			j += size
			continue
		}
		pv := text[j-1]
		if c == '%' && isDigit(pv) {
			j++
			break
		}
		if c == '+' && isDigit(pv) && (j+1 >= n || !isAlnum(text[j+1])) {
			j++
			break
		}
		if j+1 >= n {
			break
		}
		nx := text[j+1]
		join := false
		switch c {
		case ',':
			join = isDigit(pv) && group3(text, j+1)
		case '.':
			if urlAt(lower, j+1) {
				break loop
			}
			switch {
			case isDigit(pv) && isDigit(nx):
				join = true
			case isDigit(pv) && isLower(nx):
				join = true // a file extension: "1234.jpg"
			case isLetter(pv) && isDigit(nx):
				join = j-segStart <= 3 // "No.5", not a footnote glued to a word
			case isLetter(pv) && isLetter(nx):
				switch {
				case j-segStart == 1:
					join = true // "U.S", "a.m", "e.g"
				case isTLD(lower, j+1):
					join, domain = true, true
				}
			}
		case '-':
			join = isAlnum(nx)
			if !join && nx >= 0x80 {
				join, _ = letterAt(text, j+1)
			}
		case '\'':
			join = isLetter(pv) && isLetter(nx) || isDigit(pv) && nx == 's'
		case '/':
			join = isAlnum(pv) && isAlnum(nx) && (isDigit(pv) || isDigit(nx))
		case ':':
			join = isDigit(pv) && isDigit(nx)
		case '_', '=':
			join = isAlnum(pv) && isAlnum(nx)
		case '&':
			join = isUpper(pv) && isUpper(nx)
		case '@':
			join = isAlnum(pv) && isAlnum(nx)
			email = email || join
		case '$':
			join = isUpper(pv) && isDigit(nx)
		}
		if !join {
			break
		}
		j++
		segStart = j
	}
	switch {
	case email || domain:
		return j, tkURL
	case hasDigit:
		return j, tkNum
	}
	return j, tkWord
}

func isTLD(lower string, i int) bool {
	j := i
	for j < len(lower) && isLower(lower[j]) {
		j++
	}
	if j < len(lower) && isAlnum(lower[j]) {
		return false
	}
	switch lower[i:j] {
	case "com", "org", "net", "gov", "edu", "io", "int", "mil", "info", "news":
		return true
	}
	return false
}

// span is a half-open range of token indices.
type span struct{ a, b int }

// maxSentenceTokens bounds a sentence. Prose sentences are far shorter; the
// bound keeps the per-sentence work (figures times rule terms) linear in the
// input when a page has no punctuation at all.
const maxSentenceTokens = 200

// sentences splits the tokens into sentences. breaks are the tokens that
// may start one, in order (see tokenize).
func (d *doc) sentences(out []span, breaks []int32) []span {
	start := 0
	for _, b := range breaks {
		k := int(b)
		for start+maxSentenceTokens < k {
			out = append(out, span{start, start + maxSentenceTokens})
			start += maxSentenceTokens
		}
		if d.breakBefore(k) || k-start >= maxSentenceTokens {
			out = append(out, span{start, k})
			start = k
		}
	}
	for start+maxSentenceTokens < len(d.toks) {
		out = append(out, span{start, start + maxSentenceTokens})
		start += maxSentenceTokens
	}
	if start < len(d.toks) {
		out = append(out, span{start, len(d.toks)})
	}
	return out
}

func (d *doc) breakBefore(k int) bool {
	t := d.toks[k]
	if t.nl >= 2 {
		return true
	}
	if t.nl == 1 {
		return d.lineBreakEnds(k)
	}
	if !t.sp {
		return false
	}
	p := k - 1
	for p >= 0 && d.toks[p].kind == tkPunct && isCloser(d.text(p)) {
		p--
	}
	if p < 0 || d.toks[p].kind != tkPunct {
		return false
	}
	switch d.text(p) {
	case ".":
		if !d.startsSentence(k) {
			return false
		}
		return !d.abbreviationAt(p-1, k)
	case "!", "?":
		return d.startsSentence(k)
	}
	return false
}

func isCloser(s string) bool {
	switch s {
	case "\"", "'", ")", "]":
		return true
	}
	return false
}

// startsSentence reports whether token k can begin a sentence.
func (d *doc) startsSentence(k int) bool {
	s := d.text(k)
	c := s[0]
	switch {
	case isUpper(c), isDigit(c):
		return true
	case isLower(c):
		return false
	case c >= 0x80:
		r, _ := utf8.DecodeRuneInString(s)
		return !unicode.IsLower(r)
	}
	switch c {
	case '"', '\'', '(', '[', '$', '#', '-', '*', '@':
		return true
	}
	return false
}

// abbreviationAt reports whether token w, followed by a full stop, is an
// abbreviation that does not end the sentence before token next.
func (d *doc) abbreviationAt(w, next int) bool {
	if w < 0 || d.toks[w+1].sp || d.toks[w].kind == tkPunct {
		return false
	}
	lw := d.low(w)
	switch lw {
	case "mr", "mrs", "ms", "dr", "rep", "reps", "sen", "sens", "gov", "govs", "gen", "lt", "col", "capt", "cpt",
		"sgt", "maj", "adm", "cmdr", "st", "jr", "sr", "prof", "rev", "hon", "pres", "supt", "dept", "fr", "mt",
		"ave", "blvd", "rd", "nos", "vol", "vols", "fig", "figs", "sec", "secs", "art", "arts", "ch", "p", "pp",
		"para", "approx", "est", "vs", "v", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
		"oct", "nov", "dec", "e.g", "i.e", "cf", "al", "atty", "det", "insp", "gens", "asst", "assoc":
		return true
	case "no":
		return isDigit(d.text(next)[0])
	case "inc", "corp", "ltd", "co", "bros", "llc", "etc":
		return !d.isStarter(next)
	}
	if len(lw) == 1 && isUpper(d.text(w)[0]) {
		return !d.isStarter(next) // an initial: "Joseph V. Cuffari"
	}
	if strings.IndexByte(lw, '.') >= 0 {
		return !d.isStarter(next) // "U.S", "a.m", "D.C"
	}
	return false
}

// isStarter reports whether token k is a word that typically opens a
// sentence, which tells "in the U.S. The report" from "the U.S. Border Patrol".
func (d *doc) isStarter(k int) bool {
	switch d.toks[k].kind {
	case tkWord:
	case tkNum:
		return false // "H.R. 2", "No. 5"
	default:
		return true
	}
	switch d.low(k) {
	case "the", "a", "an", "in", "it", "its", "this", "that", "these", "those", "he", "she", "they", "we", "i",
		"you", "but", "and", "however", "there", "his", "her", "their", "our", "as", "on", "at", "for", "after",
		"when", "while", "if", "so", "some", "many", "most", "one", "according", "meanwhile", "also", "yet",
		"still", "officials", "what", "why", "how", "who", "during", "since", "last", "from", "with", "by",
		"under", "of", "to", "all", "no", "not", "each", "both", "other", "more", "nearly", "about", "almost",
		"over", "only", "just", "then", "now", "here", "such", "instead", "although", "though", "because":
		return true
	}
	return false
}

// lineBreakEnds decides whether a single line break before token k ends a
// sentence: it does after terminal punctuation, before a bullet, and after a
// headline; it does not inside wrapped prose ("more than\n291,000").
func (d *doc) lineBreakEnds(k int) bool {
	p := k - 1
	if p < 0 {
		return true
	}
	if d.toks[p].kind == tkPunct {
		switch d.text(p) {
		case ",", "(", "/", "&":
			return false
		}
		return true
	}
	s := d.text(k)
	if isLower(s[0]) {
		return false
	}
	if d.toks[k].kind == tkPunct {
		return true
	}
	if d.toks[p].kind == tkWord && continuationWord(d.low(p)) {
		return false
	}
	return true
}

// continuationWord reports whether a line ending in this word must go on.
func continuationWord(w string) bool {
	switch w {
	case "and", "or", "but", "nor", "the", "a", "an", "of", "to", "in", "on", "at", "for", "with", "by", "from",
		"than", "that", "which", "as", "more", "over", "nearly", "about", "under", "his", "her", "their",
		"its", "our", "your", "this", "these", "those", "is", "are", "was", "were", "has", "have", "had", "be",
		"been", "into", "onto", "some", "almost", "approximately", "roughly", "around", "least", "up", "many",
		"fewer", "less", "estimated", "whose", "said", "says":
		return true
	}
	return false
}

// clauses assigns a clause number to each token of sentence s. A new clause
// starts at ; : ( ) dashes, and at conjunctions that introduce a new subject,
// which is what separates two figures stated in one sentence.
func (d *doc) clauses(s span, out []int32) []int32 {
	out = out[:0]
	var c int32
	for k := s.a; k < s.b; k++ {
		t := d.toks[k]
		switch t.kind {
		case tkPunct:
			switch d.text(k) {
			case ";", ":", "(", ")", "[", "]", "\u2014", "\u2015", "\u2022":
				c++
			case "-":
				if t.sp && k+1 < s.b && d.toks[k+1].sp {
					c++
				}
			}
		case tkWord:
			w := d.low(k)
			if len(w) < 2 || len(w) > 8 {
				break
			}
			switch w {
			case "but", "while", "whereas", "although", "though":
				c++
			case "yet":
				if !(k+1 < s.b && d.toks[k+1].kind == tkWord && d.low(k+1) == "to") { // "have yet to be scheduled"
					c++
				}
			case "and", "or":
				if k > s.a && d.toks[k-1].kind == tkPunct && d.text(k-1) == "," || d.newSubjectAfter(k, s.b) {
					c++
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func (d *doc) newSubjectAfter(k, end int) bool {
	for j := k + 1; j < end && j <= k+4; j++ {
		t := d.toks[j]
		switch t.kind {
		case tkNum:
			return true
		case tkWord:
		default:
			return false
		}
		w := d.low(j)
		if _, ok := cardinalWord(w); ok && w != "one" {
			return true
		}
		switch w {
		case "more", "than", "over", "nearly", "about", "almost", "approximately", "roughly", "around", "some",
			"at", "least", "up", "to", "fewer", "less", "an", "another", "estimated", "additional", "as", "many", "just":
			continue
		case "they", "it", "he", "she", "we", "i", "the", "their", "its", "this", "these", "those", "there", "officials":
			return j == k+1
		}
		return j == k+1 && isUpper(d.text(j)[0])
	}
	return false
}
