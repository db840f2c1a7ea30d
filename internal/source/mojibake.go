package source

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// RepairMojibake undoes UTF-8 text that was read as Windows-1252 (or
// Latin-1) somewhere upstream, a publisher's CMS or a feed aggregator:
// "Thatâ€™s" becomes "That’s", "cafÃ©" "café", "â€œ…â€\u009d" "“…”",
// "ðŸ˜€" "😀", "â€" before U+FFFD (a decoder that had no character for
// the byte 9D) "”", and "Â" before a space that was a no-break space becomes
// U+00A0 again. Text that was encoded that way twice is repaired twice.
//
// Correct text is left alone. Only a run of consecutive non-ASCII
// characters is ever replaced, and only when the run, turned back into the
// Windows-1252 bytes it was read from, is entirely valid UTF-8 made of
// multi-byte sequences (the round trip), and the characters it decodes to
// are ones such text holds: two-byte sequences must give Latin, Greek or
// Cyrillic letters or Latin-1 symbols. That last rule keeps German „Fuß“
// (ß and “ are the bytes DF 93, a valid sequence for an N'Ko letter) as it
// is.
func RepairMojibake(s string) string {
	for range 2 {
		if !mayBeMojibake(s) {
			return s
		}
		fixed, changed := repairPass(s)
		if !changed {
			return s
		}
		s = fixed
	}
	return s
}

// mayBeMojibake reports whether s holds a character that can start a
// mis-decoded UTF-8 sequence (Â through ô, the lead bytes C2 to F4), the
// cheap test that lets correct text through without a copy. In UTF-8
// those characters are C3 82 through C3 B4, and C3 is never a
// continuation byte, so the search runs at memchr speed over the bytes
// rather than decoding every character of a text that is mostly ASCII.
func mayBeMojibake(s string) bool {
	for {
		i := strings.IndexByte(s, 0xC3)
		if i < 0 || i+1 >= len(s) {
			return false
		}
		if c := s[i+1]; c >= 0x82 && c <= 0xB4 {
			return true
		}
		s = s[i+1:]
	}
}

func repairPass(s string) (string, bool) {
	var (
		b       strings.Builder
		raw     []byte
		changed bool
	)
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			b.WriteByte(s[i])
			i++
			continue
		}
		// Collect the run of non-ASCII characters that have a
		// Windows-1252 byte.
		raw = raw[:0]
		j := i
		for j < len(s) && s[j] >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[j:])
			c, ok := cp1252Byte(r)
			if !ok {
				break
			}
			raw = append(raw, c)
			j += size
		}
		if j == i {
			// A character no mis-decoding produces: copy it.
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		switch fixed, ok := decodeRun(raw); {
		case ok:
			b.WriteString(fixed)
			changed = true
		case s[i:j] == "â€" && strings.HasPrefix(s[j:], "\ufffd"):
			// ” whose last byte, 9D, is undefined in Windows-1252 and
			// became U+FFFD in decoders that follow Microsoft's table. Of
			// the five characters E2 80 and an undefined byte could be,
			// the closing quote is the one text is full of.
			b.WriteString("”")
			j += len("\ufffd")
			changed = true
		case s[i:j] == "Â" && j < len(s) && s[j] == ' ' && !upperBefore(s, i):
			// C2 A0, a no-break space, whose A0 became a plain space on
			// the way (whitespace collapsing does that). Upper-case text
			// is left alone: a capital Â can end a word there.
			b.WriteString("\u00a0")
			j++
			changed = true
		default:
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String(), changed
}

// decodeRun decodes the Windows-1252 bytes of a run as UTF-8, when all of
// them form plausible multi-byte sequences.
func decodeRun(raw []byte) (string, bool) {
	if !utf8.Valid(raw) {
		return "", false
	}
	for k := 0; k < len(raw); {
		r, size := utf8.DecodeRune(raw[k:])
		if size < 2 || !plausible(r, size) {
			return "", false
		}
		k += size
	}
	return string(raw), true
}

// plausible reports whether r, decoded from a size-byte sequence, is a
// character that mojibake hides, as opposed to a coincidence of correct
// accented letters and punctuation.
func plausible(r rune, size int) bool {
	switch {
	case size == 2:
		// C1 controls included: text encoded twice holds them half-way
		// (” is E2 80 9D, whose 9D reads as U+009D).
		return (r >= 0x80 && r <= 0x24F) || (r >= 0x370 && r <= 0x52F)
	case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Co, r),
		unicode.Is(unicode.Noncharacter_Code_Point, r):
		return false
	}
	return unicode.IsGraphic(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

// upperBefore reports whether the character before s[i] is an upper-case
// letter.
func upperBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsUpper(r)
}

// cp1252Byte returns the Windows-1252 byte that decodes to r. C1 controls
// U+0080 to U+009F map to themselves, because decoders that follow
// ISO-8859-1, or the WHATWG table for the five bytes Windows-1252 leaves
// undefined (81, 8D, 8F, 90, 9D), produce them: ” is E2 80 9D.
func cp1252Byte(r rune) (byte, bool) {
	if r < 0x100 {
		return byte(r), true
	}
	switch r {
	case '€':
		return 0x80, true
	case '‚':
		return 0x82, true
	case 'ƒ':
		return 0x83, true
	case '„':
		return 0x84, true
	case '…':
		return 0x85, true
	case '†':
		return 0x86, true
	case '‡':
		return 0x87, true
	case 'ˆ':
		return 0x88, true
	case '‰':
		return 0x89, true
	case 'Š':
		return 0x8A, true
	case '‹':
		return 0x8B, true
	case 'Œ':
		return 0x8C, true
	case 'Ž':
		return 0x8E, true
	case '‘':
		return 0x91, true
	case '’':
		return 0x92, true
	case '“':
		return 0x93, true
	case '”':
		return 0x94, true
	case '•':
		return 0x95, true
	case '–':
		return 0x96, true
	case '—':
		return 0x97, true
	case '˜':
		return 0x98, true
	case '™':
		return 0x99, true
	case 'š':
		return 0x9A, true
	case '›':
		return 0x9B, true
	case 'œ':
		return 0x9C, true
	case 'ž':
		return 0x9E, true
	case 'Ÿ':
		return 0x9F, true
	}
	return 0, false
}
