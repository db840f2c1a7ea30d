package extract

import (
	"encoding/binary"
	"html"
	"strings"
	"unicode/utf8"
)

// cleaned is the input after text hygiene, with the edits that map the
// cleaned text back to the original. All scanning happens on the cleaned
// text; offsets handed out are mapped back so that input[Start:End] is
// always the number as it was written.
type cleaned struct {
	orig  string
	text  string // hygiene applied: entities decoded, quotes and dashes folded, mojibake repaired
	lower string // text with ASCII letters lower-cased; same length as text
	edits []edit // replaced units in order; between them text and orig differ by a constant shift
	near  int    // the edit editAt found last: offsets are asked for in runs close together
}

// edit records that clean bytes [cs,ce) came from original bytes [os,oe).
// Dropped characters (soft hyphens) have cs == ce.
type edit struct{ cs, ce, os, oe int32 }

// editAt returns the index of the last edit with cs <= i, or -1.
func (c *cleaned) editAt(i int) int {
	// A figure's offsets, then its frame's, then the next figure's: most
	// questions fall between the same two edits as the one before.
	if k := c.near; k < len(c.edits) && (k < 0 || int(c.edits[k].cs) <= i) && (k+1 == len(c.edits) || int(c.edits[k+1].cs) > i) {
		return k
	}
	c.near = c.searchEdit(i)
	return c.near
}

// searchEdit is editAt by binary search.
func (c *cleaned) searchEdit(i int) int {
	lo, hi := 0, len(c.edits)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(c.edits[m].cs) <= i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// origStart maps the offset of a clean byte to the original.
func (c *cleaned) origStart(i int) int {
	if len(c.edits) == 0 {
		return i
	}
	if i >= len(c.text) {
		return len(c.orig)
	}
	k := c.editAt(i)
	if k < 0 {
		return i
	}
	e := c.edits[k]
	if i < int(e.ce) {
		return int(e.os)
	}
	return int(e.oe) + i - int(e.ce)
}

// origEnd maps an exclusive end offset in the cleaned text to the original.
func (c *cleaned) origEnd(i int) int {
	if len(c.edits) == 0 || i <= 0 {
		return i
	}
	j := i - 1
	k := c.editAt(j)
	if k < 0 {
		return i
	}
	e := c.edits[k]
	if j < int(e.ce) {
		return int(e.oe)
	}
	return int(e.oe) + j - int(e.ce) + 1
}

// newCleaned applies hygiene to s. buf and edits are reused scratch space.
func newCleaned(s string, buf []byte, edits []edit) (cleaned, []byte) {
	c := cleaned{orig: s}
	if !needsCleaning(s) {
		c.text, c.lower = s, asciiLower(s)
		return c, buf
	}
	b := cleaner{src: s, out: buf[:0], edits: edits[:0]}
	b.run()
	c.edits, buf = b.edits, b.out
	c.text, c.lower = textAndLower(b.out)
	return c, buf
}

func needsCleaning(s string) bool { return plainRunEnd(s, 0) < len(s) }

// plainRunEnd returns the index of the first byte at or after i that is
// not plain ASCII (at least 0x80, or '&'), or len(s). It reads eight bytes
// at a time where it can: runs are long, and a byte loop over a whole
// article cost more than the cleaning it decided.
func plainRunEnd(s string, i int) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		amp := x ^ '&'*ones // a zero byte where x holds '&'
		if x&high != 0 || (amp-ones)&^amp&high != 0 {
			break
		}
	}
	for i < len(s) && s[i] < 0x80 && s[i] != '&' {
		i++
	}
	return i
}

func asciiLower(s string) string {
	i := firstUpper(s)
	if i == len(s) {
		return s
	}
	// A Builder hands its buffer over as the string without a copy, which
	// the unsafe.String used here before did by hand: the benchmark showed
	// no difference between the two.
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	writeLower(&b, s[i:])
	return b.String()
}

// textAndLower returns the cleaned text t as a string and its lower-case
// form, both cut from one allocation: they live exactly as long as each
// other (figures hold pieces of both).
func textAndLower(t []byte) (string, string) {
	i := firstUpper(t)
	if i == len(t) {
		s := string(t)
		return s, s
	}
	var b strings.Builder
	b.Grow(2 * len(t))
	b.Write(t)
	b.Write(t[:i])
	writeLower(&b, t[i:])
	s := b.String()
	return s[:len(t)], s[len(t):]
}

// firstUpper returns the index of the first ASCII capital in s, or len(s).
func firstUpper[T string | []byte](s T) int {
	i := 0
	for i < len(s) && s[i]-'A' >= 26 {
		i++
	}
	return i
}

// writeLower writes s to b with its ASCII capitals lower-cased, eight
// bytes at a time in a stack block: a capital every few bytes made a
// copy run by run between them a call per word.
func writeLower[T string | []byte](b *strings.Builder, s T) {
	var blk [512]byte
	for i := 0; i < len(s); {
		n := copy(blk[:], s[i:])
		k := 0
		for ; k+8 <= n; k += 8 {
			binary.LittleEndian.PutUint64(blk[k:], lower8(binary.LittleEndian.Uint64(blk[k:])))
		}
		for ; k < n; k++ {
			if blk[k]-'A' < 26 {
				blk[k] += 'a' - 'A'
			}
		}
		b.Write(blk[:n])
		i += n
	}
}

// lower8 lower-cases the ASCII capitals among the eight bytes of x and
// leaves every other byte, UTF-8 ones included, as it is. Each byte's low
// seven bits are compared with 'A' and 'Z' by adding to them, so that the
// sum's high bit holds the answer and no carry reaches the next byte.
func lower8(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	low7 := x &^ high
	geA := low7 + (0x80-'A')*ones   // high bit set where the byte is at least 'A'
	gtZ := low7 + (0x80-'Z'-1)*ones // high bit set where the byte is past 'Z'
	upper := geA &^ gtZ &^ x & high // and the byte is ASCII
	return x | upper>>2             // 0x80>>2 is the case bit 0x20
}

type cleaner struct {
	src   string
	out   []byte
	edits []edit
}

// emitString writes t in place of original bytes [s,e). Consecutive writes
// for the same original unit extend one edit.
func (b *cleaner) emitString(t string, s, e int) {
	cs := len(b.out)
	b.out = append(b.out, t...)
	if n := len(b.edits); n > 0 && b.edits[n-1].os == int32(s) && b.edits[n-1].oe == int32(e) && int(b.edits[n-1].ce) == cs {
		b.edits[n-1].ce = int32(len(b.out))
		return
	}
	b.edits = append(b.edits, edit{cs: int32(cs), ce: int32(len(b.out)), os: int32(s), oe: int32(e)})
}

func (b *cleaner) emitByte(c byte, s, e int) {
	var one [1]byte
	one[0] = c
	b.emitString(string(one[:]), s, e)
}

func (b *cleaner) run() {
	s := b.src
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c == '&' {
				if n := b.entity(i); n > 0 {
					i += n
					continue
				}
				b.out = append(b.out, c)
				i++
				continue
			}
			// Copy the run of plain ASCII unchanged: no edit needed.
			j := plainRunEnd(s, i+1)
			b.out = append(b.out, s[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Not UTF-8: most likely a stray Windows-1252 byte.
			b.emitRune(cp1252Rune(c), i, i+1)
			i++
			continue
		}
		if r >= 0xC2 && r <= 0xF4 {
			if n := b.mojibake(i, r); n > 0 {
				i += n
				continue
			}
		}
		b.emitRune(r, i, i+size)
		i += size
	}
}

// entity decodes an HTML character reference at s[i] ('&'), including the
// doubly escaped "&amp;#8217;" that CMS exports produce. It returns the bytes
// consumed, 0 when there is no entity.
func (b *cleaner) entity(i int) int {
	s := b.src
	j := entityEnd(s, i)
	if j < 0 {
		return 0
	}
	raw := s[i : j+1]
	var dec string
	if r, ok := commonEntity(raw); ok && r != '&' {
		b.emitRune(r, i, j+1)
		return j + 1 - i
	} else if ok {
		dec = "&"
	} else if dec = html.UnescapeString(raw); dec == raw {
		return 0
	}
	if dec == "&" {
		// "&amp;#8217;": an entity escaped twice.
		if m := entityBodyEnd(s, j+1); m > 0 {
			cand := "&" + s[j+1:m+1]
			if d2 := html.UnescapeString(cand); d2 != cand {
				dec, j = d2, m
			}
		}
	}
	for _, r := range dec {
		b.emitRune(r, i, j+1)
	}
	return j + 1 - i
}

// commonEntity decodes, without html.UnescapeString's allocation and
// table lookup, the references that make up nearly all of those in news
// text: the named ones below and a numeric reference to a plain code
// point ("&#8217;", "&#x2014;"). raw is "&", letters, digits or '#', and
// ";". For anything else it reports false and the caller asks html,
// whose answer for these it equals (TestCommonEntityMatchesHTML).
func commonEntity(raw string) (rune, bool) {
	body := raw[1 : len(raw)-1]
	if len(body) < 2 || body[0] != '#' {
		switch body {
		case "amp":
			return '&', true
		case "quot":
			return '"', true
		case "apos":
			return '\'', true
		case "lt":
			return '<', true
		case "gt":
			return '>', true
		case "nbsp":
			return '\u00a0', true
		case "mdash":
			return '\u2014', true
		case "ndash":
			return '\u2013', true
		case "lsquo":
			return '\u2018', true
		case "rsquo":
			return '\u2019', true
		case "ldquo":
			return '\u201c', true
		case "rdquo":
			return '\u201d', true
		case "hellip":
			return '\u2026', true
		case "middot":
			return '\u00b7', true
		case "bull":
			return '\u2022', true
		}
		return 0, false
	}
	digits, base := body[1:], rune(10)
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 7 {
		return 0, false
	}
	var x rune
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var v rune
		switch {
		case isDigit(c):
			v = rune(c - '0')
		case base == 16 && (c|0x20)-'a' < 6:
			v = rune((c|0x20)-'a') + 10
		default:
			return 0, false
		}
		x = x*base + v
	}
	// html replaces NUL, the Windows-1252 block, surrogates and values
	// past Unicode: left to it.
	if x == 0 || 0x80 <= x && x <= 0x9F || 0xD800 <= x && x <= 0xDFFF || x > 0x10FFFF {
		return 0, false
	}
	return x, true
}

// entityEnd returns the index of the ';' closing an entity starting at s[i].
func entityEnd(s string, i int) int {
	if i >= len(s) || s[i] != '&' {
		return -1
	}
	return entityBodyEnd(s, i+1)
}

func entityBodyEnd(s string, i int) int {
	limit := min(len(s), i+10)
	j := i
	for j < limit {
		c := s[j]
		if c == ';' {
			break
		}
		if !(isAlnum(c) || c == '#') {
			return -1
		}
		j++
	}
	if j >= limit || j == i || s[j] != ';' {
		return -1
	}
	return j
}

// mojibake repairs UTF-8 text that was decoded as Windows-1252 and encoded
// again ("â€™" for "’", "Ã©" for "é"). r is the rune at s[i], a Latin-1
// letter that would be a UTF-8 lead byte.
func (b *cleaner) mojibake(i int, r rune) int {
	s := b.src
	need := 0
	switch {
	case r <= 0xDF:
		need = 1
	case r <= 0xEF:
		need = 2
	default:
		need = 3
	}
	var buf [4]byte
	buf[0] = byte(r)
	j := i + 2 // runes U+00C2..U+00F4 take two bytes
	got := 0
	for got < need && j < len(s) {
		r2, sz := utf8.DecodeRuneInString(s[j:])
		cb, ok := cp1252Byte(r2)
		if !ok || cb < 0x80 || cb > 0xBF {
			break
		}
		buf[1+got] = cb
		got++
		j += sz
	}
	if got == need {
		if dr, dsz := utf8.DecodeRune(buf[:1+need]); dr != utf8.RuneError && dsz == 1+need {
			b.emitRune(dr, i, j)
			return j - i
		}
	}
	switch {
	case r == 0xE2 && got == 1 && buf[1] == 0x80:
		// "â€" whose last byte was lost: it was a curly quote or apostrophe.
		if i > 0 && isLetter(s[i-1]) && apostropheFollows(s[j:]) {
			b.emitByte('\'', i, j)
		} else {
			b.emitByte('"', i, j)
		}
		return j - i
	case r == 0xE2 && got == 0 && i > 0 && isLetter(s[i-1]) && apostropheFollows(s[i+2:]):
		// A lone "â" where the rest of an apostrophe was stripped: "ICEâs".
		b.emitByte('\'', i, i+2)
		return 2
	case r == 0xC2 && got == 0 && i+2 < len(s) && s[i+2] == ' ':
		// "Â " is what is left of a non-breaking space.
		b.emitString("", i, i+2)
		return 2
	}
	return 0
}

// apostropheFollows reports whether s starts like the rest of a contraction
// or possessive ("s", "t", "ll", "re", "ve", "d", "m"), or with a word break.
func apostropheFollows(s string) bool {
	n := 0
	for n < len(s) && isLetter(s[n]) {
		n++
	}
	switch s[:n] {
	case "", "s", "t", "ll", "re", "ve", "d", "m":
		return true
	}
	return false
}

func (b *cleaner) emitRune(r rune, s, e int) {
	switch r {
	case '\u2018', '\u2019', '\u201A', '\u201B', '\u2032', '\u02BC', '\u0060':
		b.emitByte('\'', s, e)
	case '\u201C', '\u201D', '\u201E', '\u201F', '\u2033', '\u00AB', '\u00BB':
		b.emitByte('"', s, e)
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2212', '\uFE63', '\uFF0D':
		b.emitByte('-', s, e)
	case '\u2026':
		b.emitString("...", s, e)
	case '\u00A0', '\u2007', '\u2008', '\u2009', '\u202F':
		// Inside a number these are thousands separators ("291 000"):
		// drop them so the digits stay one number.
		if n := len(b.out); n > 0 && isDigit(b.out[n-1]) && group3(b.src, e) {
			b.emitString("", s, e)
			return
		}
		b.emitByte(' ', s, e)
	case '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u200A', '\u205F', '\u3000', '\u1680':
		b.emitByte(' ', s, e)
	case '\u00AD', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		// Soft hyphens and zero-width characters are invisible: drop them.
		b.emitString("", s, e)
	case '\u2028', '\u2029', '\u0085':
		b.emitByte('\n', s, e)
	default:
		if utf8.RuneLen(r) == e-s && b.src[s] >= 0x80 {
			// Unchanged rune: copy it without an edit.
			b.out = append(b.out, b.src[s:e]...)
			return
		}
		var buf [4]byte
		n := utf8.EncodeRune(buf[:], r)
		b.emitString(string(buf[:n]), s, e)
	}
}

// group3 reports whether s[j:] starts with exactly three digits.
func group3(s string, j int) bool {
	if j+3 > len(s) || !isDigit(s[j]) || !isDigit(s[j+1]) || !isDigit(s[j+2]) {
		return false
	}
	return j+3 == len(s) || !isDigit(s[j+3])
}

// cp1252Rune decodes one Windows-1252 byte.
func cp1252Rune(c byte) rune {
	switch c {
	case 0x80:
		return '\u20AC'
	case 0x82:
		return '\u201A'
	case 0x83:
		return '\u0192'
	case 0x84:
		return '\u201E'
	case 0x85:
		return '\u2026'
	case 0x86:
		return '\u2020'
	case 0x87:
		return '\u2021'
	case 0x88:
		return '\u02C6'
	case 0x89:
		return '\u2030'
	case 0x8A:
		return '\u0160'
	case 0x8B:
		return '\u2039'
	case 0x8C:
		return '\u0152'
	case 0x8E:
		return '\u017D'
	case 0x91:
		return '\u2018'
	case 0x92:
		return '\u2019'
	case 0x93:
		return '\u201C'
	case 0x94:
		return '\u201D'
	case 0x95:
		return '\u2022'
	case 0x96:
		return '\u2013'
	case 0x97:
		return '\u2014'
	case 0x98:
		return '\u02DC'
	case 0x99:
		return '\u2122'
	case 0x9A:
		return '\u0161'
	case 0x9B:
		return '\u203A'
	case 0x9C:
		return '\u0153'
	case 0x9E:
		return '\u017E'
	case 0x9F:
		return '\u0178'
	}
	return rune(c) // Latin-1, and the five bytes Windows-1252 leaves undefined
}

// cp1252Byte is the inverse of cp1252Rune.
func cp1252Byte(r rune) (byte, bool) {
	if r < 0x100 {
		return byte(r), true
	}
	for c := byte(0x80); c < 0xA0; c++ {
		if cp1252Rune(c) == r {
			return c, true
		}
	}
	return 0, false
}
