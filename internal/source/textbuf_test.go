package source

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// charByChar is textBuf.textString as it was first written, a character
// at a time: the reference the run-at-a-time version must match.
func (w *textBuf) charByChar(s string, pre bool) {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if c > ' ' {
				if w.breaks > 0 || w.space {
					w.flush()
				}
				w.b.WriteByte(c)
			} else {
				w.ascii(c, pre, i < len(s) && s[i] == '\n')
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		w.char(r)
	}
}

// TestTextBufWritesRunsAsCharByChar checks that textString and text,
// which write runs of words at once, leave the buffer as writing a
// character at a time does, on random texts of words, spaces, line
// breaks, controls and non-ASCII spaces and letters, in and out of pre,
// in flat (table cell) buffers too, across a line break between calls.
func TestTextBufWritesRunsAsCharByChar(t *testing.T) {
	t.Parallel()
	pieces := []string{"a", "Bc", " ", "  ", "\n", "\r", "\r\n", "\t", "é", "\u00a0", "\u200b", "x", ".", "\x00", "\x01", "|", "9"}
	r := rand.New(rand.NewPCG(16, 2))
	for range 20000 {
		var texts [3]string
		for k := range texts {
			var b strings.Builder
			for range r.IntN(12) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			texts[k] = b.String()
		}
		pre, flat := r.IntN(2) == 0, r.IntN(3) == 0
		want, gotString, gotBytes := textBuf{flat: flat}, textBuf{flat: flat}, textBuf{flat: flat}
		for k, s := range texts {
			if k == 1 {
				want.lineBreak(1)
				gotString.lineBreak(1)
				gotBytes.lineBreak(1)
			}
			want.charByChar(s, pre)
			gotString.textString(s, pre)
			gotBytes.text([]byte(s), pre)
		}
		for _, got := range []*textBuf{&gotString, &gotBytes} {
			if got.b.String() != want.b.String() || got.breaks != want.breaks || got.space != want.space {
				t.Fatalf("texts %q (pre %v, flat %v): wrote %q (breaks %d, space %v), want %q (breaks %d, space %v)",
					texts, pre, flat, got.b.String(), got.breaks, got.space, want.b.String(), want.breaks, want.space)
			}
		}
	}
}
