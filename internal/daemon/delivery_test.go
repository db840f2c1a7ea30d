package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSameClaimFromManyOutletsIsOneMessageUpdated(t *testing.T) {
	var srcs []sourceYAML
	srcs = append(srcs, sourceYAML{id: "oig", path: "/oig.xml", authority: "official"})
	for i := range 10 {
		srcs = append(srcs, sourceYAML{id: fmt.Sprintf("outlet%d", i), path: fmt.Sprintf("/o%d.xml", i), authority: "press"})
	}
	h := newHarness(t, srcs, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	for i := range 10 {
		h.feeds.set(fmt.Sprintf("/o%d.xml", i), feedResponse{body: rss("outlet")})
	}
	if err := h.once(); err != nil { // baselines
		t.Fatal(err)
	}
	story := func(i int) feedResponse {
		return feedResponse{body: rss("outlet", [4]string{fmt.Sprintf("s%d", i), "Story",
			"About 30,000 children failed to appear in court, the watchdog said.", pubAug})}
	}
	// Three outlets in the first poll, then the others one poll at a time.
	for i := range 3 {
		h.feeds.set(fmt.Sprintf("/o%d.xml", i), story(i))
	}
	h.clock.Add(time.Hour)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 10; i++ {
		h.feeds.set(fmt.Sprintf("/o%d.xml", i), story(i))
		h.clock.Add(10 * time.Minute)
		if err := h.once(); err != nil {
			t.Fatal(err)
		}
	}
	posts := h.slack.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d messages, want one claim_mismatch:\n%s", len(posts), dumpPosts(posts))
	}
	p := posts[0]
	if p.Updates != 7 {
		t.Errorf("message updated %d times, want 7 (one per later outlet)", p.Updates)
	}
	for i := 1; i < 10; i++ {
		if !strings.Contains(p.Blocks, fmt.Sprintf("s%d", i)) {
			t.Errorf("final message does not link outlet %d's story", i)
		}
	}
	// A day later the window is over: a new wave is a new alert.
	h.clock.Add(25 * time.Hour)
	h.feeds.set("/o0.xml", feedResponse{body: rss("outlet", [4]string{"s-late", "Story",
		"About 30,000 children failed to appear in court.", pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.slack.Posts()); n != 2 {
		t.Errorf("after the dedupe window: %d messages, want 2", n)
	}
}

func TestQuietHoursHoldLowSeverityForTheDigest(t *testing.T) {
	quiet := "alerts:\n  quiet_hours:\n    start: \"22:00\"\n    end: \"07:00\"\n    digest: \"07:30\"\n"
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true}}, quiet)
	h.clock.Add(-9*time.Hour - 30*time.Minute) // 23:30 the day before: quiet
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	// metric_new is low severity: held; new_report is normal: sent now.
	posts := h.slack.Posts()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "OIG-24-46") && !strings.Contains(posts[0].Text, "Alert") {
		t.Fatalf("during quiet hours: want only the new_report, got:\n%s", dumpPosts(posts))
	}
	h.clock.Add(7 * time.Hour) // 06:30: still before the digest
	h.d.outbox.Drain(context.Background())
	if n := len(h.slack.Posts()); n != 1 {
		t.Fatalf("digest sent early: %d messages", n)
	}
	h.clock.Add(time.Hour) // 07:30
	h.d.outbox.Drain(context.Background())
	posts = h.slack.Posts()
	if len(posts) != 2 {
		t.Fatalf("want one digest after 07:30, got:\n%s", dumpPosts(posts))
	}
	d := posts[1].Text + posts[1].Blocks
	for _, want := range []string{"448,000", "291,000", "32,000"} {
		if !strings.Contains(d, want) {
			t.Errorf("digest lacks %s:\n%s", want, posts[1].Text)
		}
	}
	h.d.outbox.Drain(context.Background())
	if n := len(h.slack.Posts()); n != 2 {
		t.Errorf("digest sent twice: %d messages", n)
	}
}

// A poll that produces more alerts than the policy's cap sends the first
// ones and one summary; the rest are kept in the outbox, not sent.
func TestPollOverTheAlertCapSendsASummary(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true}}, "")
	h.d.rt.Load().policy.MaxPerPoll = 2
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	posts := h.slack.Posts()
	if len(posts) != 3 {
		t.Fatalf("%d messages, want the first 2 alerts and a summary:\n%s", len(posts), dumpPosts(posts))
	}
	if !strings.Contains(posts[2].Text, "produced 4 alerts in one poll; showing the first 2") {
		t.Errorf("third message is not the summary:\n%s", posts[2].Text)
	}
	if pending, sent, failed := h.outbox(); pending != 0 || sent != 3 || failed != 2 {
		t.Errorf("outbox: %d pending, %d sent, %d stored unsent; want 0, 3, 2", pending, sent, failed)
	}
}
