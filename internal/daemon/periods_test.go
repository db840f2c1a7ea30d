package daemon

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/fakeslack"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// The must-shows of issue #13 (figures as facts over time), end to end:
// real daemon polls of httptest sources, real diff and store, and the
// messages the fake Slack receives.

const periodMetricsYAML = `
metrics:
  - id: uc_no_nta
    label: Children not served a notice to appear
    any: ["notice to appear", "notices to appear"]
  - id: uc_failed_to_appear
    label: Children who failed to appear in court
    any: ["failed to appear"]
  - id: uc_unaccounted
    label: Children the government lost track of
    any: ["lost track of", "lose track of"]
  - id: swb_encounters
    label: Southwest border encounters
    tolerance: 5%
    any: ["encounters"]
`

const (
	oigAug2024 = "As of May 2024, ICE had not served notices to appear on more than 291,000 of those children. " +
		"More than 32,000 children failed to appear for their immigration court hearings."
	// A new report that recaps the old figure before giving the new one.
	oigMar2025 = "In our August 2024 management alert, we reported that ICE had not served notices to appear on more than 291,000 children. " +
		"As of January 2025, ICE had not served notices to appear on 233,000 unaccompanied children."
)

// status reads what `watcher status` shows for one metric.
func (h *harness) metricStatus(id string) web.MetricStatus {
	h.t.Helper()
	st, err := ReadStatus(context.Background(), h.db, h.cfg, h.clock.Now())
	if err != nil {
		h.t.Fatalf("read status: %v", err)
	}
	for _, m := range st.Metrics {
		if m.ID == id {
			return m
		}
	}
	h.t.Fatalf("status has no metric %s", id)
	return web.MetricStatus{}
}

func postsText(ps []fakeslack.Post) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Text + "\n" + p.Blocks + "\n")
	}
	return b.String()
}

var alertIDRe = regexp.MustCompile(`"alert_id":"(\d+)"`)

// postsOf returns the posts of alerts of the event kind: the alert id in a
// message's metadata names its outbox record, which holds the kind.
func (h *harness) postsOf(ps []fakeslack.Post, kind string) []fakeslack.Post {
	h.t.Helper()
	st, err := ReadStatus(context.Background(), h.db, h.cfg, h.clock.Now())
	if err != nil {
		h.t.Fatalf("read status: %v", err)
	}
	kinds := map[string]string{}
	for _, a := range st.Outbox.Recent {
		kinds[strconv.FormatUint(a.ID, 10)] = a.Kind
	}
	var out []fakeslack.Post
	for _, p := range ps {
		if m := alertIDRe.FindStringSubmatch(p.Metadata); m != nil && kinds[m[1]] == kind {
			out = append(out, p)
		}
	}
	return out
}

func TestRecapFirstReportChangesTheCurrentValueInTheDaemon(t *testing.T) {
	h := newHarnessMetrics(t, []sourceYAML{{id: "dhs-oig", path: "/oig.xml", authority: "official"}}, "", periodMetricsYAML)
	aug := [4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", oigAug2024, pubAug}
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", aug)})
	if err := h.once(); err != nil {
		t.Fatalf("baseline poll: %v", err)
	}
	h.clock.Add(time.Hour)
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG",
		[4]string{"OIG-25-21", "ICE Cannot Effectively Monitor Unaccompanied Children", oigMar2025, pubMar}, aug)})
	if err := h.once(); err != nil {
		t.Fatalf("poll with the new report: %v", err)
	}

	changed := h.postsOf(h.slack.Posts(), "metric_changed")
	if len(changed) != 1 {
		t.Fatalf("%d metric_changed messages, want 1:\n%s", len(changed), dumpPosts(h.slack.Posts()))
	}
	want := "Children not served a notice to appear: more than 291,000 (as of May 2024) → 233,000 (as of January 2025)"
	if !strings.Contains(changed[0].Text, want) {
		t.Errorf("metric_changed says\n%s\nwant it to hold %q", changed[0].Text, want)
	}
	if strings.Contains(postsText(h.slack.Posts()), "no change") {
		t.Errorf("a recap was announced as a change:\n%s", dumpPosts(h.slack.Posts()))
	}

	m := h.metricStatus("uc_no_nta")
	if m.Current == nil || m.Current.Value != 233000 || m.Current.Period.Key != "@2025-01" || !strings.HasSuffix(m.Current.DocID, "OIG-25-21") {
		t.Fatalf("watcher status current = %+v, want 233,000 as of January 2025 from OIG-25-21", m.Current)
	}
	// The recap confirms May 2024's 291,000 and is credited to May 2024,
	// not to the new report's date.
	var may []store.Observation
	for _, o := range m.History {
		if o.Value == 291000 {
			may = append(may, o)
			if o.Period.Key != "@2024-05" {
				t.Errorf("291,000 from %s credited to %s (%s), want as of May 2024", o.DocID, o.Period.Key, o.Period.From)
			}
		}
	}
	if len(may) != 2 {
		t.Errorf("history holds 291,000 %d times, want 2 (the August report and the recap): %+v", len(may), m.History)
	}
}

func TestPressRightThenWrongRaisesOneClaimInTheDaemon(t *testing.T) {
	h := newHarnessMetrics(t, []sourceYAML{
		{id: "cbp", path: "/cbp.xml", authority: "official"},
		{id: "ledger", path: "/ledger.xml", authority: "press"},
	}, "", periodMetricsYAML)
	h.feeds.set("/cbp.xml", feedResponse{body: rss("CBP",
		[4]string{"swb-nov", "Southwest Land Border Encounters", "In November 2024, CBP recorded 96,003 southwest border encounters.", "Tue, 10 Dec 2024 14:00:00 GMT"})})
	h.feeds.set("/ledger.xml", feedResponse{body: rss("The Ledger")})
	if err := h.once(); err != nil {
		t.Fatalf("baseline poll: %v", err)
	}
	h.clock.Add(time.Hour)
	h.feeds.set("/ledger.xml", feedResponse{body: rss("The Ledger",
		[4]string{"story", "Governor's border claim does not add up",
			"CBP data show 96,003 encounters in November. But the governor said encounters topped 300,000 last month.",
			"Tue, 17 Dec 2024 14:00:00 GMT"})})
	if err := h.once(); err != nil {
		t.Fatalf("poll with the story: %v", err)
	}
	posts := h.slack.Posts()
	claims := h.postsOf(posts, "claim_mismatch")
	if len(posts) != 1 || len(claims) != 1 {
		t.Fatalf("%d messages (%d claim_mismatch), want one claim_mismatch:\n%s", len(posts), len(claims), dumpPosts(posts))
	}
	if !strings.Contains(claims[0].Text, "300,000") || !strings.Contains(claims[0].Text, "official figure is 96,003 (November 2024)") {
		t.Errorf("claim_mismatch is not about 300,000 against November's 96,003:\n%s", claims[0].Text)
	}
}

// monthlyPage is a CBP-like page: a table with the months as rows.
func monthlyPage(october string) string {
	return `<!DOCTYPE html><html><head><title>Southwest Land Border Encounters</title></head><body>
<h1>Southwest Land Border Encounters</h1>
<table><thead><tr><th>Month</th><th>Southwest border encounters</th></tr></thead>
<tbody><tr><th>October 2024</th><td>` + october + `</td></tr>
<tr><th>November 2024</th><td>94,190</td></tr></tbody></table></body></html>`
}

func TestMonthlyPageSeriesInTheDaemon(t *testing.T) {
	metrics := strings.Replace(periodMetricsYAML, "    tolerance: 5%\n", "    tolerance: 5%\n    series: month\n", 1)
	h := newHarnessMetrics(t, []sourceYAML{{id: "cbp-page", path: "/swb.html", authority: "official", firstPollAlerts: true,
		extra: "    kind: page\n    selector: table\n"}}, "", metrics)
	h.feeds.set("/swb.html", feedResponse{ctype: "text/html; charset=utf-8", body: monthlyPage("106,321")})
	if err := h.once(); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	m := h.metricStatus("swb_encounters")
	if m.Current == nil || m.Current.Value != 94190 || m.Current.Period.Key != "2024-11" {
		t.Fatalf("current = %+v, want November 2024's 94,190", m.Current)
	}
	periods := map[string]float64{}
	for _, o := range m.History {
		periods[o.Period.Key] = o.Value
	}
	if len(periods) != 2 || periods["2024-10"] != 106321 || periods["2024-11"] != 94190 {
		t.Errorf("history by period %v, want October 106,321 and November 94,190", periods)
	}
	first := len(h.slack.Posts())
	if n := len(h.postsOf(h.slack.Posts(), "period_new")); n != 1 {
		t.Errorf("%d period_new messages, want 1 (November after October):\n%s", n, dumpPosts(h.slack.Posts()))
	}

	// CBP revises October.
	h.clock.Add(time.Hour)
	h.feeds.set("/swb.html", feedResponse{ctype: "text/html; charset=utf-8", body: monthlyPage("106,582")})
	if err := h.once(); err != nil {
		t.Fatalf("poll with the revision: %v", err)
	}
	posts := h.slack.Posts()[first:]
	if len(posts) != 1 || len(h.postsOf(posts, "metric_changed")) != 1 {
		t.Fatalf("revision gave %d messages, want one metric_changed:\n%s", len(posts), dumpPosts(posts))
	}
	if want := "October 2024 revised: 106,321 → 106,582"; !strings.Contains(posts[0].Text, want) {
		t.Errorf("revision message\n%s\nwant it to hold %q", posts[0].Text, want)
	}
	if strings.Contains(posts[0].Text, "November") {
		t.Errorf("November was not revised, yet the message names it:\n%s", posts[0].Text)
	}
	if m := h.metricStatus("swb_encounters"); m.Current == nil || m.Current.Value != 94190 {
		t.Errorf("a revised October became current: %+v", m.Current)
	}
}

// The 320,000 "lost" children are the sum of the official 291,000 and
// 32,000: the daemon says so on the press source's first poll, as
// `watcher demo` does, and once for the headline and lede together.
func TestSumClaimHeadlineAndLedeInTheDaemon(t *testing.T) {
	h := newHarnessMetrics(t, []sourceYAML{
		{id: "dhs-oig", path: "/oig.xml", authority: "official"},
		{id: "tabloid", path: "/tabloid.xml", authority: "press"},
	}, "", periodMetricsYAML)
	h.clock.t = time.Date(2024, 8, 23, 18, 0, 0, 0, time.UTC)
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG",
		[4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", oigAug2024, pubAug})})
	if err := h.d.Poll(context.Background(), h.cfg.Sources[0]); err != nil {
		t.Fatalf("official baseline: %v", err)
	}
	h.clock.Add(time.Hour)
	// The tabloid is added now: its first poll finds today's story.
	h.feeds.set("/tabloid.xml", feedResponse{body: rss("The Tabloid",
		[4]string{"tab-0823", "Feds lose track of 320,000 migrant children",
			"The government has lost track of 320,000 migrant children, a watchdog reported.", "Fri, 23 Aug 2024 12:00:00 GMT"})})
	if err := h.once(); err != nil {
		t.Fatalf("tabloid's first poll: %v", err)
	}
	claims := h.postsOf(h.slack.Posts(), "claim_mismatch")
	if len(claims) != 1 {
		t.Fatalf("%d claim_mismatch messages, want 1:\n%s", len(claims), dumpPosts(h.slack.Posts()))
	}
	text := postsText(claims)
	for _, want := range []string{"320,000", "a sum of official figures", "more than 291,000", "more than 32,000"} {
		if !strings.Contains(text, want) {
			t.Errorf("claim_mismatch lacks %q:\n%s", want, text)
		}
	}
}
