package source

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// encodingFeed is an RSS feed with non-ASCII text in titles and
// descriptions, its declaration naming decl.
func encodingFeed(decl string) string {
	return `<?xml version="1.0" encoding="` + decl + `"?>
<rss version="2.0"><channel><title>Agence — données</title><link>https://example.org/</link><description>x</description>
<item><title>“Key figures”: 43,000 children</title><link>https://example.org/a</link><guid>a</guid>
<description>&lt;p&gt;Le ministère a dénombré plus de 43 000 mineurs — coût : 1,9 M€.&lt;/p&gt;</description></item>
</channel></rss>`
}

func TestParseFeedEncodings(t *testing.T) {
	t.Parallel()
	const (
		wantTitle = "“Key figures”: 43,000 children"
		wantText  = "Le ministère a dénombré plus de 43 000 mineurs — coût : 1,9 M€."
	)
	tests := []struct {
		name string
		decl string
		enc  encoding.Encoding
	}{
		{name: "UTF-16LE with BOM", decl: "UTF-16", enc: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)},
		{name: "UTF-16BE with BOM", decl: "UTF-16", enc: unicode.UTF16(unicode.BigEndian, unicode.UseBOM)},
		{name: "UTF-16LE without BOM", decl: "UTF-16LE", enc: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)},
		{name: "UTF-16BE without BOM", decl: "utf-16be", enc: unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)},
		{name: "UTF-8 with BOM", decl: "UTF-8", enc: unicode.UTF8BOM},
		{name: "Windows-1252 declared", decl: "windows-1252", enc: charmap.Windows1252},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, err := tc.enc.NewEncoder().Bytes([]byte(encodingFeed(tc.decl)))
			if err != nil {
				t.Fatal(err)
			}
			docs, err := ParseFeed("enc", "https://example.org/feed.xml", body)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 {
				t.Fatalf("%d documents, want 1", len(docs))
			}
			if docs[0].Title != wantTitle || !strings.Contains(docs[0].Text, wantText) {
				t.Errorf("doc = %q / %q\nwant %q / %q", docs[0].Title, docs[0].Text, wantTitle, wantText)
			}
		})
	}
}

func TestParseFeedRepairsMojibake(t *testing.T) {
	t.Parallel()
	// A UTF-8 feed whose publisher stored text that had been read as
	// Windows-1252 once already.
	body := `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>Thatâ€™s 291,000</title><guid>x</guid><description>cafÃ© owners said â€œnoâ€</description></item></channel></rss>`
	docs, err := ParseFeed("m", "https://example.org/feed.xml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Title != "That’s 291,000" || !strings.Contains(docs[0].Text, "café owners said “no") {
		t.Errorf("docs = %+v", docs)
	}
}

func TestRewriteXMLDeclEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "double quotes", in: `<?xml version="1.0" encoding="UTF-16"?><rss/>`, want: `<?xml version="1.0" encoding="UTF-8"?><rss/>`},
		{name: "single quotes", in: `<?xml version='1.0' encoding='utf-16le' standalone='yes'?><rss/>`, want: `<?xml version='1.0' encoding='UTF-8' standalone='yes'?><rss/>`},
		{name: "no encoding", in: `<?xml version="1.0"?><rss/>`, want: `<?xml version="1.0"?><rss/>`},
		{name: "no declaration", in: `<rss encoding="UTF-16"/>`, want: `<rss encoding="UTF-16"/>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(rewriteXMLDeclEncoding([]byte(tc.in), "UTF-8")); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
