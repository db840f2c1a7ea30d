package source

import (
	"strings"
	"testing"
)

func TestMaskHTMLKeepsOffsets(t *testing.T) {
	t.Parallel()
	page := `<html><head><title>291,000 title</title><script>var n = 12345;</script><style>.x{width:100px}</style></head>` +
		`<body><p>More than <b>291,000</b> children&nbsp;were not served.</p><!-- 999 --><p>Next</p></body></html>`
	got := MaskHTML([]byte(page))
	if len(got) != len(page) {
		t.Fatalf("length %d, want %d", len(got), len(page))
	}
	s := string(got)
	for _, hidden := range []string{"12345", "100px", "999", "title", "<"} {
		if strings.Contains(s, hidden) {
			t.Errorf("masked text still has %q: %q", hidden, s)
		}
	}
	i := strings.Index(page, "291,000</b>")
	if s[i:i+7] != "291,000" {
		t.Errorf("visible number moved: %q", s[i:i+7])
	}
	if !strings.Contains(s, "children&nbsp;were") {
		t.Error("entities must stay as written")
	}
	if !strings.Contains(strings.Join(strings.Fields(s), " "), "More than 291,000 children&nbsp;were not served. Next") {
		t.Errorf("text = %q", strings.Join(strings.Fields(s), " "))
	}
	if !strings.Contains(s, "\n") {
		t.Error("block elements did not become line breaks")
	}
}

func FuzzMaskHTML(f *testing.F) {
	f.Add("<p>a</p>")
	f.Add("<script>x</script><p>1,000</p")
	f.Fuzz(func(t *testing.T, s string) {
		if got := MaskHTML([]byte(s)); len(got) != len(s) {
			t.Fatalf("length %d, want %d", len(got), len(s))
		}
	})
}
