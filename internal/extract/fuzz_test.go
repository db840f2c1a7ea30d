package extract

import (
	"testing"
	"unicode/utf8"
)

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"More than 291,000 children never received a notice to appear and more than 32,000 failed to appear.",
		"between 30,000 and 40,000", "30,000-40,000%", "$2.5 billion", "85K", "1.2M", "two-thirds", "one in five",
		"half a million", "three hundred and fifty", "Veronica Marquez, 36,", "a 16-year-old", "OIG-24-46-Aug24",
		"H.R. 2", "(202) 555-0143", "+1 202 555 0143", "img_1234.jpg data-id=998877 1724276320 495",
		"https://t.co/x1y2", "locations.https://t.co/was0wj9U6p", "@handle", "10:30 a.m.", "2024-08-20T12:00Z",
		"8/20/2024", "August 20, 2024", "FY2023 2019-2023", "291\u2009000", "291&nbsp;000", "&amp;#8217;",
		"\u00e2\u20ac\u2122", "\u00e2", "\u00c3", "\u00c2\u00a0", "\xff\xfe\x80", "&#x;", "&#99999999;", "1,", ",000",
		"1.", ".5", "$", "#", "#1", "%", "1%%", "1--2", "1-", "-1", "a-", "-a", "99999999999999999999999", "0.000000001",
		"1,000,000,000,000,000,000,000", "5/0", "0/0", "1 in 0", "one in one", "a", "an", "half", "and a half",
		"U.S.", "Dr.", "e.g.", "\n\n\n", "- \n- ", "\u2014\u2014", "twenty-", "-five", "1:", ":1", "1/", "1/2/",
	} {
		f.Add(s)
	}
	e, err := New(loadRules(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, figs := range [][]Figure{e.Extract(s), e.ExtractAll(s)} {
			checkOffsets(t, s, figs)
			for _, fg := range figs {
				if fg.Text == "" {
					t.Fatalf("empty figure text at %d", fg.Start)
				}
				if utf8.ValidString(s) && !utf8.ValidString(fg.Text) {
					t.Fatalf("figure text %q splits a rune", fg.Text)
				}
				if fg.Value != fg.Value {
					t.Fatalf("NaN value for %q", fg.Text)
				}
			}
		}
	})
}
