package slackapp

import (
	"context"
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/store"
)

func TestMentionInAnAlertsThreadIsAnsweredInTheThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addObservation(official)
	_, ts := h.postAlert(claim())
	tests := []struct {
		name, text, thread string
		want               []string
	}{
		{"explain says why it fired", "<@U0WATCHER> explain", ts, []string{
			"claim_mismatch", "The figure: *320,000* in Daily Globe", "> Some 320,000 children are missing.",
			"Taken for metric `uc_no_nta`", "Compared with: 291,000 (HHS, official)", "outside the metric's tolerance"}},
		{"history lists the metric's observations", "<@U0WATCHER> history please", ts, []string{"*uc_no_nta*", "official · 291,000"}},
		{"outside an alert's thread", "<@U0WATCHER> explain", "1600000000.000001", []string{"Ask me in the thread of one of my alerts"}},
		{"no verb", "<@U0WATCHER> hello", ts, []string{"mention me with `explain`"}},
	}
	for _, tc := range tests {
		n := len(h.fake.Posts())
		h.fake.Event(map[string]any{"type": "app_mention", "user": "U0REP", "text": tc.text, "ts": "1700000500.000001",
			"thread_ts": tc.thread, "channel": "C0FIGURES", "event_ts": "1700000500.000001"})
		h.waitFor(tc.name, func() bool { return len(h.fake.Posts()) > n })
		p := h.fake.Posts()[n]
		if p.ThreadTS != tc.thread {
			t.Errorf("%s: answered in thread %q, want %q", tc.name, p.ThreadTS, tc.thread)
		}
		for _, w := range tc.want {
			if !strings.Contains(p.Text, w) {
				t.Errorf("%s: answer lacks %q:\n%s", tc.name, w, p.Text)
			}
		}
	}
}

func TestHomeTabShowsValuesClaimsAndFailingSources(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addObservation(official)
	if err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.PutFetchState(store.FetchState{Source: "dailystar", ConsecutiveFailures: 3, FailingSince: t0, LastError: "HTTP 503"})
	}); err != nil {
		t.Fatal(err)
	}
	h.fake.Event(map[string]any{"type": "app_home_opened", "user": "U0REP", "channel": "D0HOME", "tab": "home", "event_ts": "1700000600.000001"})
	h.waitFor("the home tab", func() bool { return len(h.fake.Views()) == 1 })
	v := h.fake.Views()[0]
	if v.User != "U0REP" {
		t.Errorf("published for %q", v.User)
	}
	for _, w := range []string{`"type":"home"`, "Official: *291,000 children*, as of 6 Feb 2026 (HHS)", "uc_in_care", "Official: none yet",
		"Sources failing now", "`dailystar` failing since 2026-03-02 09:00 UTC: HTTP 503"} {
		if !strings.Contains(v.View, w) {
			t.Errorf("home tab lacks %q:\n%s", w, v.View)
		}
	}
}

func TestSlashExplainByLinkOrNumber(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id, ts := h.postAlert(claim())
	link := "https://newsroom.slack.com/archives/C0FIGURES/p" + strings.Replace(ts, ".", "", 1)
	tests := []struct{ name, text, want string }{
		{"by the message's link", "explain " + link, "Taken for metric `uc_no_nta`"},
		{"by the alert's number", "explain " + itoa(id), "The figure: *320,000* in Daily Globe"},
		{"an unknown alert", "explain 999", "I find no alert of mine at `999`"},
	}
	for _, tc := range tests {
		if got := h.ephemeral("U0REP", tc.text); !strings.Contains(got, tc.want) {
			t.Errorf("%s: answer lacks %q:\n%s", tc.name, tc.want, got)
		}
	}
}
