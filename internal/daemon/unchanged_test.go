package daemon

import (
	"strings"
	"testing"
	"time"
)

// A server without validators answers 200 with the same bytes at every
// poll: the second time they are read as a 304 (no document read, the
// last whole read kept), and read whole again when they change, or when
// the config they were read with does (the rules, or the source's own
// settings).
func TestSameBodyIsReadAsNotModified(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	report := [4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", aug2024, pubAug}
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", report)}) // no ETag: always 200

	lastPoll := func() string {
		t.Helper()
		lines := strings.Split(h.log(), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.Contains(lines[i], "msg=poll source=oig") {
				return lines[i]
			}
		}
		t.Fatal("no poll logged")
		return ""
	}
	poll := func(step string, wantWhole bool) {
		t.Helper()
		h.clock.Add(time.Hour)
		if err := h.once(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		line := lastPoll()
		if whole := !strings.Contains(line, "not_modified=true"); whole != wantWhole {
			t.Errorf("%s: read whole %v, want %v: %s", step, whole, wantWhole, line)
		}
		if !strings.Contains(line, "status=200") {
			t.Errorf("%s: the poll's status is not the server's 200: %s", step, line)
		}
	}
	poll("first poll", true)
	first, _ := fetchState(t.Context(), h.db, "oig")
	if first.ContentHash == "" {
		t.Fatal("a whole read left no content hash")
	}
	poll("the same bytes", false)
	again, _ := fetchState(t.Context(), h.db, "oig")
	if !again.LastFetched.Equal(first.LastFetched) || again.Polls != first.Polls+1 || again.ContentHash != first.ContentHash {
		t.Errorf("after the same bytes: last whole read %v (was %v), polls %d (was %d), hash kept %v",
			again.LastFetched, first.LastFetched, again.Polls, first.Polls, again.ContentHash == first.ContentHash)
	}
	if got := h.feeds.count("/oig.xml"); got != 2 {
		t.Errorf("%d requests, want 2: the short cut is after the fetch, not instead of it", got)
	}

	// New rules read the same bytes again.
	h.cfg.Metrics[0].Label += " (renamed)"
	h.restart()
	poll("the same bytes under other metrics", true)
	poll("the same bytes again", false)
	// And so do the source's own settings.
	h.cfg.Sources[0].Name = "DHS Office of Inspector General"
	h.restart()
	poll("the same bytes for a source set otherwise", true)
	poll("the same bytes once more", false)

	// New bytes are read whole, and alerted as ever.
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG",
		[4]string{"OIG-25-21", "ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children", mar2025, pubMar}, report)})
	poll("a new report", true)
	if posts := h.slack.Posts(); len(posts) == 0 {
		t.Error("the new report raised no alert")
	}
}
