package source

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// misread is what a UTF-8 string becomes when its bytes are decoded as
// Windows-1252 the way browsers do, the five undefined bytes becoming the
// C1 controls of the same value.
func misread(t testing.TB, s string) string {
	t.Helper()
	var b strings.Builder
	for i := range len(s) {
		r := charmap.Windows1252.DecodeByte(s[i])
		if r == utf8.RuneError {
			r = rune(s[i])
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestRepairMojibake(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "apostrophe", in: "Thatâ€™s 291,000", want: "That’s 291,000"},
		{name: "accented letter", in: "cafÃ© and rÃ©sumÃ©", want: "café and résumé"},
		{name: "curly quotes with the undefined byte 9D", in: "â€œmore than 32,000â€\u009d", want: "“more than 32,000”"},
		{name: "dashes", in: "2019â€“2023 â€” a decade", want: "2019–2023 — a decade"},
		{name: "no-break space kept", in: "43,000Â\u00a0children", want: "43,000\u00a0children"},
		{name: "no-break space collapsed to a space", in: "43,000Â children", want: "43,000\u00a0children"},
		{name: "emoji", in: "ðŸ˜€ done", want: "😀 done"},
		{name: "CJK", in: "æ—¥æœ¬", want: "日本"},
		{name: "correct quotes beside mojibake", in: "“Thatâ€™s it”", want: "“That’s it”"},
		{name: "closing quote whose 9D became U+FFFD", in: "â€œ43,000â€\ufffd said", want: "“43,000” said"},
		{name: "encoded twice", in: "Ã¢â‚¬Å“quoteÃ¢â‚¬Â\u009d", want: "“quote”"},

		{name: "ASCII", in: "More than 448,000 children", want: "More than 448,000 children"},
		{name: "correct accents", in: "café naïve São Paulo Zürich", want: "café naïve São Paulo Zürich"},
		{name: "German quotes after sharp s", in: "„Fuß“ und „Straße“", want: "„Fuß“ und „Straße“"},
		{name: "correct symbols", in: "€5 © 2026 ½ ±3 °C", want: "€5 © 2026 ½ ±3 °C"},
		{name: "capital A circumflex in a word", in: "ROMÂNIA CHÂTEAU", want: "ROMÂNIA CHÂTEAU"},
		{name: "capital A circumflex ending an upper-case word", in: "FORMÂ ok", want: "FORMÂ ok"},
		{name: "lone lead character", in: "Ã alone, â too", want: "Ã alone, â too"},
		{name: "incomplete sequence", in: "Thatâ€ s", want: "Thatâ€ s"},
		{name: "correct CJK and curly quotes", in: "“日本” ‘x’", want: "“日本” ‘x’"},
		{name: "empty", in: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := RepairMojibake(tc.in); got != tc.want {
				t.Errorf("RepairMojibake(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestRepairMojibakeRoundTrip misreads realistic sentences once and twice
// and expects them back.
func TestRepairMojibakeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"ICE “cannot monitor” the children’s location — more than 291,000 weren’t served.",
		"Le ministère a dénombré 1 200 mineurs non accompagnés à Paris.",
		"Über 43.000 Kinder erschienen nicht – laut Prüfbericht „erheblich“.",
		"Ποσοστό 4,1% — Уровень безработицы 4,3%",
		"Cost: €1.9 trillion ½ of GDP ✓ 👍",
	} {
		once := misread(t, s)
		if once == s {
			t.Fatalf("misread(%q) changed nothing", s)
		}
		if got := RepairMojibake(once); got != s {
			t.Errorf("RepairMojibake(%q)\n got %q\nwant %q", once, got, s)
		}
		if got := RepairMojibake(misread(t, once)); got != s {
			t.Errorf("RepairMojibake(twice misread %q) = %q", s, got)
		}
		if got := RepairMojibake(s); got != s {
			t.Errorf("RepairMojibake(correct %q) = %q", s, got)
		}
	}
}

func FuzzRepairMojibake(f *testing.F) {
	for _, s := range []string{"Thatâ€™s", "cafÃ©", "„Fuß“", "Â ", "ðŸ˜€", "Ã", "\u0080\u009d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := RepairMojibake(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Errorf("RepairMojibake(%q) = %q is not valid UTF-8", in, out)
		}
		if len(out) > len(in) {
			t.Errorf("RepairMojibake(%q) = %q grew", in, out)
		}
		ascii := strings.IndexFunc(in, func(r rune) bool { return r >= utf8.RuneSelf }) < 0
		if ascii && out != in {
			t.Errorf("RepairMojibake changed ASCII %q to %q", in, out)
		}
	})
}

// TestMayBeMojibakeMatchesItsDefinition checks the byte search against
// what it stands for: some character of s, decoded, is Â through ô.
func TestMayBeMojibakeMatchesItsDefinition(t *testing.T) {
	t.Parallel()
	byDefinition := func(s string) bool {
		for _, r := range s {
			if r >= 0xC2 && r <= 0xF4 {
				return true
			}
		}
		return false
	}
	cases := []string{
		"", "plain ASCII", "Â", "ô", "Á", "õ", "Ã¼ber", "caf\u00e9", "\u00c1\u00f5",
		"\xc3", "x\xc3", "\xc3\x82", "\xc3\xb4", "\xc3\x81", "\xc3\xb5", "\xe2\xc3\x82",
		"\xc3\xc3\x82", "\xe2\x80\xc3\x9c", "\xf0\x9f\x98\x80 emoji", "\xc2\xa0nbsp", "ÂÂ",
	}
	// Every pair of bytes around C3, in a short text.
	for b := range 256 {
		cases = append(cases, "a\xc3"+string([]byte{byte(b)})+"z", string([]byte{byte(b)})+"\xc3\x90")
	}
	for _, s := range cases {
		if got, want := mayBeMojibake(s), byDefinition(s); got != want {
			t.Errorf("mayBeMojibake(%q) = %v, want %v", s, got, want)
		}
	}
}
