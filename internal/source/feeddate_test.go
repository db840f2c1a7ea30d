package source

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// The rewrite changes no date gofeed reads: every item's date parsed from
// the rewritten body is the instant gofeed parses from the original (or
// absent in both), whatever the form.
func TestNumericFeedDatesKeepInstants(t *testing.T) {
	t.Parallel()
	dates := []string{
		"Tue, 25 Mar 2025 14:00:00 GMT",
		"Tue, 4 Mar 2025 14:00:00 GMT",
		"Wed, 26 Mar 2025 09:15:00 EDT",
		"Mon, 15 Sep 2025 09:15:00 EST", // "EST" in September: taken at its word, as gofeed does
		"Thu, 01 Jan 2026 00:00:00 PST",
		"Sun, 30 Mar 2025 01:30:00 BST",
		"Tue, 25 Mar 2025 14:00:00 UTC",
		"  Tue, 25 Mar 2025 14:00:00 GMT\n",
		"Tue, 25 Mar 2025 14:00:00 +0000",
		"Tue, 25 Mar 2025 14:00:00 XYZ",
		"Tue, 25 Mar 2025 14:00 GMT",
		"Tuesday, 25 Mar 2025 14:00:00 GMT",
		"2025-03-25T14:00:00Z",
		"Tue, 25 Mar 2025 25:00:00 GMT",
		"<![CDATA[Tue, 25 Mar 2025 14:00:00 GMT]]>",
		"not a date",
		"",
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.example/</link><lastBuildDate>Tue, 25 Mar 2025 15:00:00 GMT</lastBuildDate>`)
	for i, d := range dates {
		tag := "pubDate"
		if i%3 == 1 {
			tag = "PUBDATE"
		}
		fmt.Fprintf(&b, `<item><guid>g%d</guid><title>Item %d</title><%s>%s</%s></item>`, i, i, tag, d, tag)
	}
	b.WriteString(`</channel></rss>`)
	orig := []byte(b.String())
	rewritten := numericFeedDates(orig)
	if string(rewritten) == string(orig) {
		t.Fatal("nothing was rewritten")
	}
	parse := func(body []byte) *gofeed.Feed {
		f, err := gofeed.NewParser().ParseString(string(body))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, c := parse(orig), parse(rewritten)
	same := func(what string, x, y *time.Time) {
		switch {
		case x == nil && y == nil:
		case x == nil || y == nil:
			t.Errorf("%s: parsed %v from the original, %v after the rewrite", what, x, y)
		case !x.Equal(*y):
			t.Errorf("%s: %v from the original, %v after the rewrite", what, *x, *y)
		}
	}
	same("lastBuildDate", a.UpdatedParsed, c.UpdatedParsed)
	if len(a.Items) != len(dates) || len(c.Items) != len(dates) {
		t.Fatalf("%d and %d items, want %d", len(a.Items), len(c.Items), len(dates))
	}
	for i := range dates {
		same(fmt.Sprintf("%q", dates[i]), a.Items[i].PublishedParsed, c.Items[i].PublishedParsed)
	}
	if n := strings.Count(string(rewritten), "+0000</") - strings.Count(string(orig), "+0000</"); n < 4 {
		t.Errorf("%d GMT/UTC dates rewritten, want at least 4:\n%s", n, rewritten)
	}
}

func TestNumericFeedDatesLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`<rss><channel><item><pubDate>Tue, 25 Mar 2025 14:00:00 +0000</pubDate></item></channel></rss>`,
		`<feed><updated>2025-03-25T14:00:00Z</updated></feed>`,
		`<rss><channel><item><pubDate>Tue, 25 Mar 2025 14:00:00 GMT`, // cut off
		`<pubDatex>Tue, 25 Mar 2025 14:00:00 GMT</pubDatex>`,
		``,
	} {
		if got := numericFeedDates([]byte(body)); string(got) != body {
			t.Errorf("numericFeedDates(%q) = %q, want it unchanged", body, got)
		}
	}
}
