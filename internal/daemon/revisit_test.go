package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRevisitFindsStealthEdit: an article whose body changes two hours
// after it was first seen, while its feed entry stays the same, is found
// changed at the next revisit of the schedule (1h, 6h, …: at 6h) and
// alerted as document_revised; every poll with nothing due costs one
// conditional request, the feed's.
func TestRevisitFindsStealthEdit(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "press", path: "/press.xml", authority: "press", extra: "    follow_links: true\n"}}, "")
	feed := fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>Press</title>`+
		`<item><guid>a1</guid><title>Children missing</title><link>%s/articles/a1</link><description>Summary.</description><pubDate>%s</pubDate></item>`+
		`</channel></rss>`, h.feeds.srv.URL, pubMar)
	article := func(etag, sentence string) feedResponse {
		return feedResponse{etag: etag, ctype: "text/html; charset=utf-8",
			body: "<html><head><title>Children missing</title></head><body><article><p>" + sentence + "</p></article></body></html>"}
	}
	h.feeds.set("/press.xml", feedResponse{etag: `"f1"`, body: feed})
	h.feeds.set("/articles/a1", article(`"v1"`, "More than 32,000 children failed to appear in court, the audit found."))

	first := h.clock.Now()
	type poll struct {
		at       time.Duration // after first seen
		requests []string      // paths requested, in order
		revised  bool
	}
	var polls []poll
	for at := time.Duration(0); at <= 7*time.Hour; at += 30 * time.Minute {
		h.clock.Add(first.Add(at).Sub(h.clock.Now()))
		if at == 3*time.Hour {
			h.restart() // the schedule is in the database, not in memory
		}
		if at == 2*time.Hour {
			// The stealth edit: the feed entry does not change.
			h.feeds.set("/articles/a1", article(`"v2"`, "More than 43,000 children failed to appear in court, the audit found."))
		}
		before, posted := len(h.feeds.Requests()), len(h.slack.Posts())
		if err := h.once(); err != nil {
			t.Fatalf("poll at +%s: %v", at, err)
		}
		p := poll{at: at}
		for _, r := range h.feeds.Requests()[before:] {
			p.requests = append(p.requests, fmt.Sprintf("%s %d", r.Path, r.Status))
		}
		for _, m := range h.slack.Posts()[posted:] {
			if strings.HasPrefix(m.Text, "Revised:") && strings.Contains(m.Text, "43,000") {
				p.revised = true
			}
		}
		polls = append(polls, p)
	}

	for _, p := range polls {
		switch p.at {
		case 0:
			// First seen: the feed and the article.
			if strings.Join(p.requests, ",") != "/press.xml 200,/articles/a1 200" {
				t.Errorf("+%s: requests %q", p.at, p.requests)
			}
		case time.Hour:
			// First revisit: conditional, unchanged.
			if strings.Join(p.requests, ",") != "/press.xml 304,/articles/a1 304" {
				t.Errorf("+%s: requests %q, want the feed's 304 and the article's 304", p.at, p.requests)
			}
		case 6 * time.Hour:
			if strings.Join(p.requests, ",") != "/press.xml 304,/articles/a1 200" {
				t.Errorf("+%s: requests %q, want the feed's 304 and the changed article", p.at, p.requests)
			}
			if !p.revised {
				t.Errorf("+%s: no document_revised for the edit:\n%s", p.at, dumpPosts(h.slack.Posts()))
			}
		default:
			// Nothing due: one conditional request, the feed's.
			if strings.Join(p.requests, ",") != "/press.xml 304" {
				t.Errorf("+%s: requests %q, want only the feed's 304", p.at, p.requests)
			}
		}
		if p.revised && p.at != 6*time.Hour {
			t.Errorf("+%s: document_revised outside the revisit at +6h", p.at)
		}
	}
}

// TestRevisitOff: with revisits off, a followed article is never fetched
// again while its feed entry is unchanged.
func TestRevisitOff(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "press", path: "/press.xml", authority: "press", extra: "    follow_links: true\n"}}, "")
	h.cfg.Sources[0].Revisit = nil // revisit: off
	h.restart()
	h.feeds.set("/press.xml", feedResponse{etag: `"f1"`, body: fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>Press</title>`+
		`<item><guid>a1</guid><title>T</title><link>%s/articles/a1</link></item></channel></rss>`, h.feeds.srv.URL)})
	h.feeds.set("/articles/a1", feedResponse{etag: `"v1"`, ctype: "text/html", body: "<html><body><article><p>More than 32,000 children failed to appear.</p></article></body></html>"})
	for range 10 {
		if err := h.once(); err != nil {
			t.Fatal(err)
		}
		h.clock.Add(24 * time.Hour)
	}
	if n := h.feeds.count("/articles/a1"); n != 1 {
		t.Errorf("article fetched %d times over 10 days with revisits off, want 1", n)
	}
}
