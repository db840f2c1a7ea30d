package source

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/fetch"
)

// memFetcher serves bodies from memory by URL, honouring If-None-Match,
// and counts requests.
type memFetcher struct {
	mu    sync.Mutex
	pages map[string]memPage
	got   []string
}

type memPage struct {
	body, ctype, etag string
}

func (f *memFetcher) Get(_ context.Context, req fetch.Request) (*fetch.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, req.URL)
	p, ok := f.pages[req.URL]
	if !ok {
		return nil, &fetch.StatusError{URL: req.URL, Status: http.StatusNotFound}
	}
	if p.etag != "" && req.ETag == p.etag {
		return &fetch.Response{URL: req.URL, Status: 304, NotModified: true, ETag: p.etag}, nil
	}
	return &fetch.Response{URL: req.URL, Status: 200, Body: []byte(p.body), ContentType: p.ctype, ETag: p.etag}, nil
}

// memItems is an ItemState in memory.
type memItems map[string]Item

func (m memItems) Item(_ context.Context, key string) (Item, bool, error) {
	it, ok := m[key]
	return it, ok, nil
}

func (m memItems) Due(_ context.Context, now time.Time) ([]Item, error) {
	var out []Item
	for _, it := range m {
		if !it.NextVisit.IsZero() && !it.NextVisit.After(now) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (m memItems) save(items []Item) {
	for _, it := range items {
		m[it.Key] = it
	}
}

// googleNews renders an aggregator feed in Google News's shape: item links
// are redirect tokens on the aggregator's host, <source> names the outlet.
func googleNews(items ...[3]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>"unaccompanied children" - Google News</title><link>https://news.google.com/</link>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><title>%s - %s</title><link>https://news.google.com/rss/articles/%s?oc=5</link><guid isPermaLink="false">%s</guid>`+
			`<pubDate>Tue, 25 Mar 2025 14:00:00 GMT</pubDate><description>A story.</description><source url="%s">%s</source></item>`,
			it[0], it[1], it[0], it[0], it[2], it[1])
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// TestAggregatorOutlets: an aggregator feed whose items come from three
// outlets credits each document to its outlet, whether the feed item is
// read as it is or followed to an article that names its publisher in
// og:site_name, in JSON-LD, or not at all.
func TestAggregatorOutlets(t *testing.T) {
	t.Parallel()
	feed := googleNews(
		[3]string{"CBMi1", "The Daily Ledger", "https://www.dailyledger.example"},
		[3]string{"CBMi2", "Border Report Weekly", "https://borderweekly.example"},
		[3]string{"CBMi3", "Capitol Wire", "https://www.capitolwire.example"},
	)
	story := func(head string) string {
		return `<html><head><title>ICE cannot locate children</title>` + head + `</head><body><article><h1>ICE cannot locate children</h1>` +
			`<p>More than 32,000 children failed to appear in court, the inspector general found in an audit published this week that reviewed how the agency tracks the children.</p>` +
			`<p>The agency said it had begun to review the cases and would report on its progress within ninety days of the audit's publication.</p></article></body></html>`
	}
	f := &memFetcher{pages: map[string]memPage{
		"https://news.google.com/rss/articles/CBMi1?oc=5": {ctype: "text/html", body: story(`<meta property="og:site_name" content="The Daily Ledger">`)},
		"https://news.google.com/rss/articles/CBMi2?oc=5": {ctype: "text/html", body: story(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","headline":"x","publisher":{"@type":"Organization","name":"Border Report Weekly"}}]}</script>`)},
		"https://news.google.com/rss/articles/CBMi3?oc=5": {ctype: "text/html", body: story("")},
	}}
	resp := &fetch.Response{URL: "https://news.google.com/rss/search?q=x", Status: 200, Body: []byte(feed)}
	want := []string{"Border Report Weekly", "Capitol Wire", "The Daily Ledger"}
	for _, follow := range []bool{false, true} {
		t.Run(fmt.Sprintf("follow=%t", follow), func(t *testing.T) {
			res, err := Documents(context.Background(), Env{Fetch: f, Items: memItems{}},
				Spec{ID: "gnews", URL: resp.URL, FollowLinks: follow}, resp)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Docs {
				got = append(got, d.Outlet)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("outlets %q, want %q", got, want)
			}
		})
	}
}

func TestOutletFallsBackToHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, head, want string
	}{
		{name: "og:site_name", head: `<meta property="og:site_name" content=" The  Ledger ">`, want: "The Ledger"},
		{name: "JSON-LD publisher string", head: `<script type="application/ld+json">[{"@type":"NewsArticle","publisher":"Wire Service"}]</script>`, want: "Wire Service"},
		{name: "og:site_name wins over JSON-LD", head: `<meta property="og:site_name" content="A"><script type="application/ld+json">{"publisher":{"name":"B"}}</script>`, want: "A"},
		{name: "bad JSON-LD, no name: the host", head: `<script type="application/ld+json">{not json</script>`, want: "news.example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			page := `<html><head><title>T</title>` + tc.head + `</head><body><article><p>More than 32,000 children failed to appear in court, the inspector general found in an audit this week.</p></article></body></html>`
			f := &memFetcher{pages: map[string]memPage{"https://www.news.example.com/story": {ctype: "text/html", body: page}}}
			feed := `<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>T</title><link>https://www.news.example.com/story</link></item></channel></rss>`
			res, err := Documents(context.Background(), Env{Fetch: f, Items: memItems{}},
				Spec{ID: "s", URL: "https://www.news.example.com/feed", FollowLinks: true},
				&fetch.Response{URL: "https://www.news.example.com/feed", Status: 200, Body: []byte(feed)})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Docs) != 1 || res.Docs[0].Outlet != tc.want {
				t.Errorf("docs %+v, want outlet %q", res.Docs, tc.want)
			}
		})
	}
}

// TestMaxItemsDropsTheRestWithOneWarning: a feed over max_items is cut to
// its first items (feeds list newest first) with one warning.
func TestMaxItemsDropsTheRestWithOneWarning(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>t</title>`)
	for i := range 25 {
		fmt.Fprintf(&b, `<item><guid>g%d</guid><title>Item %d</title></item>`, i, i)
	}
	b.WriteString(`</channel></rss>`)
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	res, err := Documents(context.Background(), Env{Log: log}, Spec{ID: "f", MaxItems: 10},
		&fetch.Response{URL: "https://example.org/feed", Status: 200, Body: []byte(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Docs) != 10 || res.Docs[0].Title != "Item 0" || res.Docs[9].Title != "Item 9" {
		t.Errorf("got %d docs, want the first 10", len(res.Docs))
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
}
