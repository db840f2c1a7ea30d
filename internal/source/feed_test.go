package source

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/figwatch/watcher/internal/fetch"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// doc fills in the derived fields the way ParseFeed documents them, so a
// case states only the inputs: title and body text.
func doc(source, id, url, title string, published time.Time, body string) Document {
	text := title
	switch {
	case title == "":
		text = body
	case body != "":
		text = title + "\n\n" + body
	}
	return Document{
		ID: source + ":" + id, Source: source, URL: url, Title: title,
		Published: published, Text: text, Hash: sha(title + "\n" + text),
	}
}

func TestParseFeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fixture  string
		source   string
		feedURL  string
		wantDocs []Document
	}{
		{
			name:    "RSS 2.0 with relative guid and double-escaped entities",
			fixture: "gao.rss", source: "gao", feedURL: "https://www.gao.gov/rss/reports.xml",
			wantDocs: []Document{
				doc("gao", "/products/gao-26-107879", "https://www.gao.gov/products/gao-26-107879",
					"Veterans Affairs: VA's Backlog of 291,000 Claims",
					time.Date(2026, 3, 3, 19, 30, 0, 0, time.UTC),
					"VA's backlog grew to 291,000 claims & appeals.\n\nGAO recommends 3 actions."),
				doc("gao", "https://www.gao.gov/products/gao-26-108001", "https://www.gao.gov/products/gao-26-108001",
					"Federal Workforce: Hiring Trends",
					time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
					"Hiring\n\nAgencies hired nearly 233,000 people in fiscal year 2025.\n\nHires | 2024 | 291,000\nHires | 2025 | 233,000"),
				doc("gao", sha("Testimony Without a Link"), "",
					"Testimony Without a Link", time.Time{},
					"Statement for the record."),
				doc("gao", "https://www.gao.gov/products/gao-26-108100", "https://www.gao.gov/products/gao-26-108100",
					"Permalink GUID", time.Date(2026, 2, 27, 16, 0, 0, 0, time.UTC),
					"Only a guid, which is a permalink."),
				doc("gao", "urn:gao:product:108200", "",
					"Opaque GUID", time.Time{},
					"Text with extra whitespace & an entity escaped three times."),
			},
		},
		{
			name:    "Atom with HTML title and content",
			fixture: "bls.atom", source: "bls", feedURL: "https://www.bls.gov/feed/latest.atom",
			wantDocs: []Document{
				doc("bls", "tag:bls.gov,2026-03-06:empsit", "https://www.bls.gov/news.release/empsit.nr0.htm",
					"Employment Situation \u2013 February 2026",
					time.Date(2026, 3, 6, 13, 30, 0, 0, time.UTC),
					"Total nonfarm payroll employment rose by 151,000 in February, and the unemployment rate was 4.1 percent.\n\nHealth care: +52,000\nFederal government: \u221210,000"),
				doc("bls", "https://www.bls.gov/news.release/cpi.htm", "https://www.bls.gov/news.release/cpi.htm",
					"CPI rose 0.2%",
					time.Date(2026, 3, 12, 12, 30, 0, 0, time.UTC),
					"The Consumer Price Index rose 0.2 percent in February."),
			},
		},
		{
			name:    "JSON Feed",
			fixture: "cbo.json", source: "cbo", feedURL: "https://www.cbo.gov/feed.json",
			wantDocs: []Document{
				doc("cbo", "61172", "https://www.cbo.gov/publication/61172",
					"The Budget and Economic Outlook: 2026 to 2036",
					time.Date(2026, 2, 11, 15, 0, 0, 0, time.UTC),
					"CBO projects a deficit of $1.9 trillion in fiscal year 2026.\n\nDebt reaches 118 percent of GDP."),
				doc("cbo", "61180", "https://www.cbo.gov/publication/61180",
					"Monthly Budget Review: February 2026",
					time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC),
					"The deficit was $307 billion.\n\nOutlays rose by 5 percent; receipts < outlays."),
				doc("cbo", "https://www.cbo.gov/publication/61190", "https://www.cbo.gov/publication/61190",
					"", time.Time{},
					"A summary only: no id, no title."),
			},
		},
		{
			name:    "ISO-8859-1 RSS with an encoding declaration",
			fixture: "statcan_latin1.rss", source: "statcan", feedURL: "https://www150.statcan.gc.ca/n1/rss/dai-quo/0-fra.xml",
			wantDocs: []Document{
				doc("statcan", "https://www150.statcan.gc.ca/n1/daily-quotidien/260318/dq260318a-fra.htm",
					"https://www150.statcan.gc.ca/n1/daily-quotidien/260318/dq260318a-fra.htm",
					"Indice des prix \u00e0 la consommation, f\u00e9vrier 2026",
					time.Date(2026, 3, 18, 12, 30, 0, 0, time.UTC),
					"L'IPC a augment\u00e9 de 2,6 % d'une ann\u00e9e \u00e0 l'autre en f\u00e9vrier; co\u00fbt \u00e9lev\u00e9 \u00ab logement \u00bb."),
			},
		},
		{
			name:    "Windows-1252 RSS without a declaration",
			fixture: "press_cp1252.rss", source: "press", feedURL: "https://press.example/feed",
			wantDocs: []Document{
				doc("press", "a1", "", "\u201cQuoted\u201d title", time.Time{}, "Caf\u00e9 prices up 3\u20134%"),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFeed(tc.source, tc.feedURL, readFixture(t, tc.fixture))
			if err != nil {
				t.Fatalf("ParseFeed: %v", err)
			}
			if diff := cmp.Diff(tc.wantDocs, got, cmpopts.IgnoreFields(Document{}, "Outlet")); diff != "" {
				t.Errorf("ParseFeed mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFeedIsDeterministic(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "gao.rss")
	first, err := ParseFeed("gao", "https://www.gao.gov/rss/reports.xml", body)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseFeed("gao", "https://www.gao.gov/rss/reports.xml", body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("second parse differs:\n%s", diff)
	}
}

func TestParseFeedRejectsNonFeeds(t *testing.T) {
	t.Parallel()
	const u = "https://www.bls.gov/feed/empsit.rss"
	tests := []struct {
		name    string
		body    []byte
		wantErr string // exact, or a prefix when wantPrefix
		prefix  bool
	}{
		{
			name:    "HTML error page",
			body:    readFixture(t, "error.html"),
			wantErr: `parse feed ` + u + `: body is an HTML page, not a feed (title "404 - Page Not Found | U.S. Bureau of Labor Statistics")`,
		},
		{
			name:    "bot wall",
			body:    readFixture(t, "botwall.html"),
			wantErr: `parse feed ` + u + `: body is an HTML page, not a feed (title "Access Denied")`,
		},
		{
			name:    "HTML without a title",
			body:    []byte("<html><body><p>Just a moment...</p></body></html>"),
			wantErr: "parse feed " + u + ": body is an HTML page, not a feed",
		},
		{
			name:    "empty body",
			body:    readFixture(t, "empty.xml"),
			wantErr: "parse feed " + u + ": body is empty",
		},
		{
			name:    "zero bytes",
			body:    nil,
			wantErr: "parse feed " + u + ": body is empty",
		},
		{
			name:    "truncated XML",
			body:    readFixture(t, "truncated.rss"),
			wantErr: "parse feed " + u + ": XML syntax error",
			prefix:  true,
		},
		{
			name:    "JSON that is not a JSON Feed",
			body:    readFixture(t, "not_jsonfeed.json"),
			wantErr: "parse feed " + u + ": body is JSON but not a JSON Feed (no jsonfeed.org version)",
		},
		{
			name:    "JSON array",
			body:    []byte(`[{"title": "x"}]`),
			wantErr: "parse feed " + u + ": body is JSON but not a JSON Feed",
		},
		{
			name:    "invalid JSON",
			body:    []byte(`{"version": "https://jsonfeed.org/version/1.1", "items": [`),
			wantErr: "parse feed " + u + ": body is not valid JSON: ",
			prefix:  true,
		},
		{
			name:    "other XML",
			body:    []byte(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x/</loc></url></urlset>`),
			wantErr: "parse feed " + u + ": body is XML with root element <urlset>, not a feed",
		},
		{
			name:    "plain text",
			body:    []byte("Service Unavailable\n"),
			wantErr: "parse feed " + u + `: body is not a feed (starts with "Service Unavailable\n")`,
		},
		{
			name:    "long binary",
			body:    append([]byte{0x89, 'P', 'N', 'G'}, make([]byte, 200)...),
			wantErr: "parse feed " + u + `: body is not a feed (starts with "` + "\ufffd" + `PNG` + strings.Repeat(`\x00`, 56) + `…")`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			docs, err := ParseFeed("bls", u, tc.body)
			if err == nil {
				t.Fatalf("ParseFeed returned %d documents, want error %q", len(docs), tc.wantErr)
			}
			if tc.prefix {
				if !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Errorf("err = %q, want prefix %q", err, tc.wantErr)
				}
				return
			}
			if err.Error() != tc.wantErr {
				t.Errorf("err = %q\nwant  %q", err, tc.wantErr)
			}
		})
	}
}

func TestXMLDeclEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "double quotes", in: `<?xml version="1.0" encoding="ISO-8859-1"?><rss/>`, want: "ISO-8859-1"},
		{name: "single quotes and spaces", in: `<?xml version='1.0' encoding = 'windows-1252' ?>`, want: "windows-1252"},
		{name: "no encoding", in: `<?xml version="1.0"?><rss/>`, want: ""},
		{name: "no declaration", in: `<rss encoding="x"/>`, want: ""},
		{name: "unterminated", in: `<?xml version="1.0" encoding="utf-8"`, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fetch.XMLEncoding([]byte(tc.in)); got != tc.want {
				t.Errorf("fetch.XMLEncoding(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// benchFeed is a 20-item RSS feed shaped like GAO's: a paragraph or three of
// HTML per item, with entities.
func benchFeed() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>GAO Reports</title><link>https://www.gao.gov/</link><description>Recent reports</description>
`)
	for i := range 20 {
		fmt.Fprintf(&b, `<item>
<title>Federal Programs: Agency Efforts to Reduce Improper Payments, Report %d</title>
<link>https://www.gao.gov/products/gao-26-%d</link>
<guid isPermaLink="false">/products/gao-26-%d</guid>
<pubDate>Tue, %02d Mar 2026 14:30:00 -0500</pubDate>
<dc:creator>U.S. Government Accountability Office</dc:creator>
<description><![CDATA[<p>What GAO Found</p><p>Federal agencies reported an estimated $%d billion in improper payments in fiscal year 2025, down from $236 billion in 2024. Of that, about 75 percent were overpayments&amp;amp;#39;s share. The Department of Health &amp; Human Services accounted for nearly half.</p><p>Why GAO Did This Study</p><p>Improper payments have been a long-standing problem. GAO was asked to review agencies&#39; progress. GAO analyzed data from 16 agencies and interviewed officials.</p><ul><li>Medicare: $31.2 billion</li><li>Medicaid: $50.3 billion</li><li>Earned Income Tax Credit: $15.9 billion</li></ul><p>GAO is making 4 recommendations.</p>]]></description>
</item>
`, i, 107000+i, 107000+i, 1+i%28, 160+i)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// BenchmarkParseFeed parses a GAO-like feed of 20 items, with its dates
// in a numeric zone and, as RSS 2.0 itself writes them, in GMT (see
// numericFeedDates).
func BenchmarkParseFeed(b *testing.B) {
	numeric := benchFeed()
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"numeric-zones", numeric},
		{"named-zones", []byte(strings.ReplaceAll(string(numeric), "14:30:00 -0500", "19:30:00 GMT"))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				docs, err := ParseFeed("gao", "https://www.gao.gov/rss/reports.xml", bc.body)
				if err != nil || len(docs) != 20 {
					b.Fatalf("ParseFeed = %d docs, %v", len(docs), err)
				}
			}
		})
	}
}

// A title without markup takes a short way to its text, which must be the
// text the HTML parser gives.
func TestTitleTextWithoutMarkup(t *testing.T) {
	for _, title := range []string{
		"ICE Cannot Monitor All Unaccompanied Migrant Children",
		"  Audit:\tmore than 291,000\nchildren  ",
		"Encounters fell 30 % in May — CBP",
		"non\u00a0breaking\u2003spaces",
		"quotes \"and\" 'apostrophes' > greater",
		"291,\u200b000 soft\u00adhyphen", // invisible characters dropped, as the parser drops them
		"",
	} {
		if got, want := titleText(title), strings.Join(strings.Fields(tokenText(title)), " "); got != want {
			t.Errorf("titleText(%q) = %q, want %q as the parser gives", title, got, want)
		}
	}
}
