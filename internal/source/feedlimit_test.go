package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// rssOf wraps items in an RSS 2.0 document.
func rssOf(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<rss version="2.0" xmlns:foo="https://example.org/foo"><channel><title>Releases</title>` + "\n" +
		strings.Join(items, "\n") + "\n" +
		`<link>https://example.org/</link></channel></rss>` + "\n"
}

func rssItem(title string) string {
	return "<item><title>" + title + "</title><guid>https://example.org/" + title + "</guid></item>"
}

func atomEntry(title string) string {
	return "<entry><title>" + title + "</title><id>urn:x:" + title + "</id><updated>2026-03-03T10:00:00Z</updated></entry>"
}

// parsedTitles parses body with gofeed and returns its items' titles.
func parsedTitles(t *testing.T, body []byte) []string {
	t.Helper()
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed: %v\n%s", err, body)
	}
	var titles []string
	for _, it := range feed.Items {
		titles = append(titles, it.Title)
	}
	return titles
}

// wellFormed reports whether body is well-formed XML to encoding/xml in
// strict mode.
func wellFormed(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		if _, err := d.RawToken(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func TestLimitFeedItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		max         int
		wantDropped int
		wantTitles  []string // as gofeed reads the limited body
		strict      bool     // the body is well-formed XML, and must stay so
	}{
		{
			name: "RSS cut after max", max: 3, wantDropped: 2, strict: true,
			body:       rssOf(rssItem("1"), rssItem("2"), rssItem("3"), rssItem("4"), rssItem("5")),
			wantTitles: []string{"1", "2", "3"},
		},
		{
			name: "RSS within max", max: 5,
			body:       rssOf(rssItem("1"), rssItem("2")),
			wantTitles: []string{"1", "2"}, strict: true,
		},
		{
			name: "CDATA holding items is text", max: 2, wantDropped: 1, strict: true,
			body: rssOf(
				// Markup in CDATA that would close the item and open others.
				"<item><title>1</title><description><![CDATA[</description></item><item><title>fake</title></item><item/><item><description>]]></description></item>",
				rssItem("2"), rssItem("3")),
			wantTitles: []string{"1", "2"},
		},
		{
			name: "comments holding items are skipped", max: 2, wantDropped: 1, strict: true,
			body:       rssOf("<!-- <item><title>c1</title></item> -->", rssItem("1"), "<!-- <item> - > -->", rssItem("2"), rssItem("3")),
			wantTitles: []string{"1", "2"},
		},
		{
			name: "processing instruction holding an item", max: 1, wantDropped: 1, strict: true,
			body:       rssOf(`<?render <item> ?>`, rssItem("1"), rssItem("2")),
			wantTitles: []string{"1"},
		},
		{
			name: "items nested in an extension are not counted", max: 2, wantDropped: 1, strict: true,
			body: rssOf(
				`<item><title>1</title><foo:list><item>x</item><item>y</item><foo:item>z</foo:item></foo:list></item>`,
				`<foo:item>extension, not an item</foo:item>`,
				rssItem("2"), rssItem("3")),
			wantTitles: []string{"1", "2"},
		},
		{
			name: "self-closing items", max: 2, wantDropped: 3, strict: true,
			body:       rssOf(rssItem("1"), "<item/>", "<item />", "<item/>", rssItem("2")),
			wantTitles: []string{"1", ""},
		},
		{
			name: "quoted > in an attribute", max: 1, wantDropped: 1, strict: true,
			body:       rssOf(`<item><title>1</title><foo:x a="&lt;item>" b='>'/></item>`, rssItem("2")),
			wantTitles: []string{"1"},
		},
		{
			name: "item left open before the channel ends", max: 2, wantDropped: 1,
			body: `<rss version="2.0"><channel><title>t</title>` + rssItem("1") + rssItem("2") +
				`<item><title>3</title></channel></rss>`,
			wantTitles: []string{"1", "2"},
		},
		{
			name: "raw HTML void elements in an item", max: 1, wantDropped: 1,
			body:       rssOf(`<item><title>1</title><description>a<br>b<img src="x"></description></item>`, rssItem("2")),
			wantTitles: []string{"1"},
		},
		{
			name: "Atom entries", max: 2, wantDropped: 2, strict: true,
			body: `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2026-03-03T10:00:00Z</updated>` +
				atomEntry("1") + atomEntry("2") + atomEntry("3") + atomEntry("4") + `<link href="https://example.org/"/></feed>`,
			wantTitles: []string{"1", "2"},
		},
		{
			name: "RDF items beside the channel", max: 1, wantDropped: 2, strict: true,
			body: `<?xml version="1.0"?>` + "\n" + `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">` +
				`<channel rdf:about="https://example.org/"><title>t</title><items><rdf:Seq><rdf:li resource="https://example.org/1"/></rdf:Seq></items></channel>` +
				`<item rdf:about="https://example.org/1"><title>1</title><link>https://example.org/1</link></item>` +
				`<item rdf:about="https://example.org/2"><title>2</title><link>https://example.org/2</link></item>` +
				`<item rdf:about="https://example.org/3"><title>3</title><link>https://example.org/3</link></item>` +
				`</rdf:RDF>`,
			wantTitles: []string{"1"},
		},
		{
			name: "DOCTYPE with an internal subset", max: 1, wantDropped: 1,
			body: `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY gt2 "a>b"><!-- ] > -->]>` +
				`<rss version="2.0"><channel><title>t</title>` + rssItem("1") + rssItem("2") + `</channel></rss>`,
			wantTitles: []string{"1"},
		},
		{
			name: "Windows-1252 bytes", max: 1, wantDropped: 1,
			body: `<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>t</title>` +
				"<item><title>caf\xe9</title></item><item><title>\x93q\x94</title></item></channel></rss>",
		},
		{
			name: "not a feed: left alone", max: 1,
			body: `<html><body><item>1</item><item>2</item></body></html>`,
		},
		{
			name: "no limit", max: 0,
			body:       rssOf(rssItem("1"), rssItem("2")),
			wantTitles: []string{"1", "2"}, strict: true,
		},
		{
			name: "comment never closed", max: 1,
			body: `<rss version="2.0"><channel>` + rssItem("1") + `<!-- <item>`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tc.body)
			out, dropped, err := LimitFeedItems(body, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if dropped != tc.wantDropped {
				t.Errorf("dropped %d, want %d\n%s", dropped, tc.wantDropped, out)
			}
			if dropped == 0 && (len(out) != len(body) || &out[0] != &body[0]) {
				t.Errorf("nothing dropped, but the body was copied or changed")
			}
			if len(out) > len(body) {
				t.Errorf("out is %d bytes, longer than the body's %d", len(out), len(body))
			}
			if tc.strict {
				if err := wellFormed(out); err != nil {
					t.Errorf("limited body is not well-formed: %v\n%s", err, out)
				}
			}
			if tc.wantTitles != nil {
				if got := parsedTitles(t, out); strings.Join(got, "|") != strings.Join(tc.wantTitles, "|") {
					t.Errorf("titles %q, want %q\n%s", got, tc.wantTitles, out)
				}
			}
		})
	}
}

func TestLimitFeedItemsJSONFeed(t *testing.T) {
	t.Parallel()
	item := func(n int) string {
		// Strings with brackets, braces, quotes and a key named items
		// inside an item: none of them is the feed's items array.
		return fmt.Sprintf(`{"id": "%d", "title": "%d", "content_text": "a ] } [ { \"items\": [", "tags": ["x", "]"], "_ext": {"items": [1, 2, 3]}, "n": %d}`, n, n, n)
	}
	tests := []struct {
		name        string
		body        string
		max         int
		wantDropped int
		wantTitles  []string
	}{
		{
			name: "cut after max", max: 2, wantDropped: 2,
			body:       `{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [` + item(1) + ", " + item(2) + ",\n" + item(3) + "," + item(4) + `], "home_page_url": "https://example.org/"}`,
			wantTitles: []string{"1", "2"},
		},
		{
			name: "within max", max: 5,
			body:       `{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [` + item(1) + `]}`,
			wantTitles: []string{"1"},
		},
		{
			name: "key spelled with an escape and another case", max: 1, wantDropped: 1,
			body:       `{"version": "https://jsonfeed.org/version/1", "title": "it\"ems", "It\u0065ms": [` + item(1) + "," + item(2) + `]}`,
			wantTitles: []string{"1"},
		},
		{
			name: "byte order mark", max: 1, wantDropped: 1,
			body: "\ufeff \n" + `{"version": "https://jsonfeed.org/version/1", "items": [` + item(1) + "," + item(2) + `]}`,
		},
		{
			name: "items before version", max: 1, wantDropped: 2,
			body:       `{"items": [` + item(1) + "," + item(2) + "," + item(3) + `], "version": "https://jsonfeed.org/version/1.1", "title": "t"}`,
			wantTitles: []string{"1"},
		},
		{
			name: "array never closed", max: 1,
			body: `{"version": "https://jsonfeed.org/version/1.1", "items": [` + item(1) + "," + item(2),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, dropped, err := LimitFeedItems([]byte(tc.body), tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if dropped != tc.wantDropped {
				t.Errorf("dropped %d, want %d\n%s", dropped, tc.wantDropped, out)
			}
			if tc.wantTitles != nil {
				if got := parsedTitles(t, out); strings.Join(got, "|") != strings.Join(tc.wantTitles, "|") {
					t.Errorf("titles %q, want %q\n%s", got, tc.wantTitles, out)
				}
			}
		})
	}
}

func TestLimitFeedItemsRefusesUTF16(t *testing.T) {
	t.Parallel()
	for _, body := range [][]byte{{0xff, 0xfe, '<', 0}, {0xfe, 0xff, 0, '<'}, {'<', 0, 'r', 0}} {
		if _, _, err := LimitFeedItems(body, 10); !errors.Is(err, ErrFeedUTF16) {
			t.Errorf("LimitFeedItems(% x) err = %v, want ErrFeedUTF16", body, err)
		}
	}
}

func FuzzLimitFeedItems(f *testing.F) {
	f.Add([]byte(rssOf(rssItem("1"), rssItem("2"), rssItem("3"))), 1)
	f.Add([]byte(`<feed>`+atomEntry("1")+atomEntry("2")+`</feed>`), 1)
	f.Add([]byte(`{"items":[{"a":"]"},{"b":[]},3]}`), 1)
	f.Add([]byte(`<rss><channel><item><![CDATA[</item>]]></item><item/><!-- --></channel></rss>`), 1)
	f.Fuzz(func(t *testing.T, body []byte, max int) {
		out, dropped, err := LimitFeedItems(body, max)
		if err != nil {
			return
		}
		if len(out) > len(body) {
			t.Fatalf("out grew from %d to %d bytes", len(body), len(out))
		}
		if dropped == 0 && !bytes.Equal(out, body) {
			t.Fatal("nothing dropped but the body changed")
		}
		if dropped < 0 || (dropped > 0 && max <= 0) {
			t.Fatalf("dropped %d with max %d", dropped, max)
		}
		// A well-formed document stays well-formed, valid JSON stays valid.
		if dropped > 0 && json.Valid(body) && !json.Valid(out) {
			t.Fatalf("cut broke valid JSON:\n%s\n→\n%s", body, out)
		}
		if dropped > 0 && wellFormed(body) == nil {
			if err := wellFormed(out); err != nil {
				t.Fatalf("cut broke a well-formed document: %v\n%s\n→\n%s", err, body, out)
			}
		}
	})
}

// emptyItemsFeed is the hostile feed of issue #15: n empty items, 7 bytes
// each.
func emptyItemsFeed(n int) []byte {
	var b bytes.Buffer
	b.Grow(100 + 7*n)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>`)
	for range n {
		b.WriteString("<item/>")
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

const feedLimitChildEnv = "WATCHER_FEEDLIMIT_CHILD"

// TestLimitFeedItemsBoundsParseMemory parses a 7 MB feed of 1,000,000
// empty items, limited to 1,000, in a child process and reads the child's
// peak resident set (VmHWM): gofeed alone peaks at about 1.6 GiB on it. A
// bound on memory, not on time. WATCHER_FEEDLIMIT_ITEMS and
// WATCHER_FEEDLIMIT_MAX change the child's feed and limit, to measure the
// unlimited parse by hand.
func TestLimitFeedItemsBoundsParseMemory(t *testing.T) {
	if os.Getenv(feedLimitChildEnv) == "1" {
		feedLimitChild()
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status to read the peak resident set from")
	}
	if testing.Short() {
		t.Skip("parses a 7 MB feed in a child process")
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLimitFeedItemsBoundsParseMemory$", "-test.count=1")
	cmd.Env = append(os.Environ(), feedLimitChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var hwmKB, items, dropped int
	for line := range strings.Lines(string(out)) {
		if _, err := fmt.Sscanf(line, "feedlimit vmhwm_kb=%d items=%d dropped=%d", &hwmKB, &items, &dropped); err == nil {
			break
		}
	}
	if hwmKB == 0 {
		t.Fatalf("child printed no measurement:\n%s", out)
	}
	t.Logf("1,000,000 empty items limited to 1,000: peak RSS %.1f MB, %d items parsed, %d dropped", float64(hwmKB)/1000, items, dropped)
	if items != 1000 || dropped != 999_000 {
		t.Errorf("parsed %d items and dropped %d, want 1000 and 999000", items, dropped)
	}
	if limit := 150_000; hwmKB > limit {
		t.Errorf("peak RSS %d kB, want under %d kB", hwmKB, limit)
	}
}

func feedLimitChild() {
	n, max := 1_000_000, 1000
	if v, err := strconv.Atoi(os.Getenv("WATCHER_FEEDLIMIT_ITEMS")); err == nil {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("WATCHER_FEEDLIMIT_MAX")); err == nil {
		max = v
	}
	body := emptyItemsFeed(n)
	out, dropped, err := LimitFeedItems(body, max)
	if err != nil {
		fmt.Println("feedlimit error:", err)
		os.Exit(1)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(out))
	if err != nil {
		fmt.Println("feedlimit parse error:", err)
		os.Exit(1)
	}
	fmt.Printf("feedlimit vmhwm_kb=%d items=%d dropped=%d\n", vmHWM(), len(feed.Items), dropped)
}

// vmHWM returns this process's peak resident set in kB, or -1.
func vmHWM() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err == nil {
				return kb
			}
		}
	}
	return -1
}

func BenchmarkLimitFeedItems(b *testing.B) {
	body := emptyItemsFeed(1_000_000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, dropped, err := LimitFeedItems(body, 1000); err != nil || dropped != 999_000 {
			b.Fatalf("dropped %d, err %v", dropped, err)
		}
	}
}
