package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The must-shows 2, 3 and 5 of issue #14 (official sources as they are
// published), end to end through the daemon: a CSV file found through a
// landing page, a JSON API read by jq, a table with a two-row header, and
// an aggregator feed carrying three outlets.

const sourcesMetricsYAML = `
metrics:
  - id: uc_encounters
    label: Unaccompanied children encountered at the southwest border
    series: month
    any: ["unaccompanied children"]
  - id: swb_encounters
    label: Southwest border encounters
    series: month
    tolerance: 5%
    any: ["encounters"]
    none: ["unaccompanied"]
`

// byPeriod is a metric's official history in `watcher status`, by period
// key.
func (h *harness) byPeriod(metric string) map[string]float64 {
	h.t.Helper()
	out := map[string]float64{}
	for _, o := range h.metricStatus(metric).History {
		if o.Authority == "official" {
			out[o.Period.Key] = o.Value
		}
	}
	return out
}

func equalPeriods(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// cbpCSV is shaped like CBP's southwest land border encounters file: one
// row per fiscal year, month, area and demographic. Unaccompanied children
// are "UAC" in older files and "UC / Single Minors" in newer ones, and
// each month's value is split over two areas.
func cbpCSV(uc string, months ...[3]string) string {
	var b strings.Builder
	b.WriteString("Fiscal Year,Month (abbv),Component,Land Border Region,Area of Responsibility,Demographic,Citizenship,Encounter Type,Encounter Count\n")
	for _, m := range months {
		// m: month abbreviation, UC count in El Paso, UC count in Rio Grande Valley
		fmt.Fprintf(&b, "2025 (FYTD),%s,U.S. Border Patrol,Southwest Land Border,El Paso Sector,%s,MEXICO,Apprehensions,%s\n", m[0], uc, m[1])
		fmt.Fprintf(&b, "2025 (FYTD),%s,U.S. Border Patrol,Southwest Land Border,Rio Grande Valley Sector,%s,GUATEMALA,Apprehensions,%s\n", m[0], uc, m[2])
		fmt.Fprintf(&b, "2025 (FYTD),%s,U.S. Border Patrol,Southwest Land Border,El Paso Sector,Single Adults,MEXICO,Apprehensions,\"40,000\"\n", m[0])
	}
	return b.String()
}

func landing(csvPath string) string {
	return `<!DOCTYPE html><html><head><title>Southwest Land Border Encounters</title></head><body>
<h1>Southwest Land Border Encounters</h1>
<p><a href="/sites/default/files/policy.pdf">Policy</a></p>
<p><a href="` + csvPath + `">Nationwide encounters data (CSV)</a></p></body></html>`
}

func TestCBPCSVThroughALandingPage(t *testing.T) {
	h := newHarnessMetrics(t, []sourceYAML{{id: "cbp-csv", path: "/landing.html", authority: "official",
		extra: `    kind: csv
    discover: 'southwest-land-border-encounters-[a-z0-9-]+\.csv$'
    csv:
      value: Encounter Count
      period: {fiscal_year: Fiscal Year, month: Month (abbv)}
      rows:
        - metric: uc_encounters
          where: {Demographic: [UAC, UC / Single Minors]}
`}}, "", sourcesMetricsYAML)
	html := feedResponse{ctype: "text/html; charset=utf-8"}
	csv := feedResponse{ctype: "text/csv"}

	// December 2024: the file has October and November (the baseline).
	novPath := "/assets/documents/2024-Dec/southwest-land-border-encounters-fy22-fy25-nov.csv"
	html.body = landing(novPath)
	h.feeds.set("/landing.html", html)
	csv.body = cbpCSV("UAC", [3]string{"OCT", "3000", "2321"}, [3]string{"NOV", "2900", "2000"})
	h.feeds.set(novPath, csv)
	if err := h.once(); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	if got, want := h.byPeriod("uc_encounters"), map[string]float64{"2024-10": 5321, "2024-11": 4900}; !equalPeriods(got, want) {
		t.Fatalf("after the first file: %v, want %v", got, want)
	}
	if n := len(h.slack.Posts()); n != 0 {
		t.Fatalf("the baseline posted %d messages:\n%s", n, dumpPosts(h.slack.Posts()))
	}

	// January 2025: the link moves to a new file with December, and the
	// demographic is renamed.
	h.clock.Add(24 * time.Hour)
	decPath := "/assets/documents/2025-Jan/southwest-land-border-encounters-fy22-fy25-dec.csv"
	html.body = landing(decPath)
	h.feeds.set("/landing.html", html)
	csv.body = cbpCSV("UC / Single Minors", [3]string{"OCT", "3000", "2321"}, [3]string{"NOV", "2900", "2000"}, [3]string{"DEC", "2500", "1500"})
	h.feeds.set(decPath, csv)
	if err := h.once(); err != nil {
		t.Fatalf("poll with the December file: %v", err)
	}
	posts := h.slack.Posts()
	if len(posts) != 1 || len(h.postsOf(posts, "period_new")) != 1 {
		t.Fatalf("the December file gave %d messages, want one period_new:\n%s", len(posts), dumpPosts(posts))
	}
	if want := "December 2024: 4,000, −18.4% from November 2024 (4,900)"; !strings.Contains(posts[0].Text, want) {
		t.Errorf("period_new says\n%s\nwant %q", posts[0].Text, want)
	}

	// February 2025: the next file revises October.
	h.clock.Add(24 * time.Hour)
	janPath := "/assets/documents/2025-Feb/southwest-land-border-encounters-fy22-fy25-jan.csv"
	html.body = landing(janPath)
	h.feeds.set("/landing.html", html)
	csv.body = cbpCSV("UC / Single Minors", [3]string{"OCT", "3100", "2321"}, [3]string{"NOV", "2900", "2000"}, [3]string{"DEC", "2500", "1500"})
	h.feeds.set(janPath, csv)
	if err := h.once(); err != nil {
		t.Fatalf("poll with the revised file: %v", err)
	}
	posts = h.slack.Posts()[1:]
	if len(posts) != 1 || len(h.postsOf(posts, "metric_changed")) != 1 {
		t.Fatalf("the revision gave %d messages, want one metric_changed:\n%s", len(posts), dumpPosts(posts))
	}
	if want := "October 2024 revised: 5,321 → 5,421"; !strings.Contains(posts[0].Text, want) {
		t.Errorf("metric_changed says\n%s\nwant %q", posts[0].Text, want)
	}
	if m := h.metricStatus("uc_encounters"); m.Current == nil || m.Current.Value != 4000 || m.Current.Period.Key != "2024-12" {
		t.Errorf("current = %+v, want December's 4,000", m.Current)
	}
}

func TestJSONAndTwoRowHeaderTableGiveMetricAndPeriodPerCell(t *testing.T) {
	want := map[string]map[string]float64{
		"uc_encounters":  {"2024-10": 5321, "2024-11": 4900},
		"swb_encounters": {"2024-10": 106321, "2024-11": 94190},
	}
	tests := []struct {
		name, extra, ctype, body string
	}{
		{
			name:  "json through gojq",
			extra: "    kind: json\n    jq: '.data[] | {metric: .series, value: .count, period: .month, label: .month_name}'\n",
			ctype: "application/json",
			body: `{"updated": "2024-12-17", "data": [
  {"series": "swb_encounters", "month": "2024-10", "month_name": "October 2024", "count": 106321},
  {"series": "swb_encounters", "month": "2024-11", "month_name": "November 2024", "count": "94,190"},
  {"series": "uc_encounters", "month": "2024-10", "month_name": "October 2024", "count": 5321},
  {"series": "uc_encounters", "month": "2024-11", "month_name": "November 2024", "count": 4900}]}`,
		},
		{
			name:  "html table with a two-row header",
			extra: "    kind: page\n    selector: table\n",
			ctype: "text/html; charset=utf-8",
			body: `<!DOCTYPE html><html><head><title>Encounters by month</title></head><body><table>
<thead><tr><th rowspan="2">Month</th><th colspan="2">Southwest border encounters</th></tr>
<tr><th>Unaccompanied children</th><th>All</th></tr></thead>
<tbody><tr><th>October 2024</th><td>5,321</td><td>106,321</td></tr>
<tr><th>November 2024</th><td>4,900</td><td>94,190</td></tr></tbody></table></body></html>`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarnessMetrics(t, []sourceYAML{{id: "cbp", path: "/data", authority: "official", firstPollAlerts: true, extra: tc.extra}}, "", sourcesMetricsYAML)
			h.feeds.set("/data", feedResponse{ctype: tc.ctype, body: tc.body})
			if err := h.once(); err != nil {
				t.Fatalf("poll: %v", err)
			}
			for metric, periods := range want {
				if got := h.byPeriod(metric); !equalPeriods(got, periods) {
					t.Errorf("%s by period = %v, want %v", metric, got, periods)
				}
			}
		})
	}
}

// aggregatorFeed is a Google News-shaped RSS feed: each item names its
// outlet in <source url=...>.
func aggregatorFeed(items ...[4]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>\"border encounters\" - Google News</title><link>https://news.google.com/</link><description>Google News</description>\n")
	for _, it := range items {
		// it: guid, outlet, outlet URL, text
		fmt.Fprintf(&b, "<item><title>%s - %s</title><link>https://news.google.com/rss/articles/%s</link><guid isPermaLink=\"false\">%s</guid><pubDate>Tue, 17 Dec 2024 14:00:00 GMT</pubDate><description><![CDATA[%s]]></description><source url=\"%s\">%s</source></item>\n",
			"Border claims", it[1], it[0], it[0], it[3], it[2], it[1])
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

func TestAggregatorClaimsAreCreditedToTheirOutlets(t *testing.T) {
	metrics := strings.Replace(sourcesMetricsYAML, "    series: month\n    tolerance", "    tolerance", 1)
	h := newHarnessMetrics(t, []sourceYAML{
		{id: "cbp", path: "/cbp.xml", authority: "official"},
		{id: "google-news", path: "/news.xml", authority: "press"},
	}, "", metrics)
	h.feeds.set("/cbp.xml", feedResponse{body: rss("CBP",
		[4]string{"swb-nov", "Southwest Land Border Encounters", "In November 2024, CBP recorded 96,003 southwest border encounters.", "Tue, 10 Dec 2024 14:00:00 GMT"})})
	h.feeds.set("/news.xml", feedResponse{body: aggregatorFeed()})
	if err := h.once(); err != nil {
		t.Fatalf("baseline poll: %v", err)
	}
	h.clock.Add(time.Hour)
	outlets := []struct{ name, url, text, value string }{
		{"The Valley Post", "https://www.valleypost.example", "The governor said southwest border encounters topped 300,000 in November 2024.", "more than 300,000"},
		{"Metro Wire", "https://metrowire.example", "A senator put southwest border encounters at 250,000 in November 2024.", "250,000"},
		{"Evening Ledger", "https://eveningledger.example", "A campaign ad claims 200,000 southwest border encounters in November 2024.", "200,000"},
	}
	var items [][4]string
	for i, o := range outlets {
		items = append(items, [4]string{fmt.Sprintf("item-%d", i), o.name, o.url, o.text})
	}
	// A fourth outlet repeats The Valley Post's claim: one message, which
	// names it among those that also reported it.
	items = append(items, [4]string{"item-3", "Northern Courier", "https://northerncourier.example",
		"Southwest border encounters topped 300,000 in November 2024, the governor said again."})
	h.feeds.set("/news.xml", feedResponse{body: aggregatorFeed(items...)})
	if err := h.once(); err != nil {
		t.Fatalf("poll with the stories: %v", err)
	}
	claims := h.postsOf(h.slack.Posts(), "claim_mismatch")
	if len(claims) != 3 {
		t.Fatalf("%d claim_mismatch messages, want 3:\n%s", len(claims), dumpPosts(h.slack.Posts()))
	}
	text := postsText(claims)
	if !strings.Contains(text, "Northern Courier") || strings.Contains(text, "google-news claims") || strings.Contains(text, "news.google.com claims") {
		t.Errorf("the repeated claim does not name Northern Courier, or a claim is credited to the aggregator:\n%s", text)
	}
	for _, o := range outlets {
		if want := o.name + " claims " + o.value; !strings.Contains(text, want) {
			t.Errorf("no message says %q:\n%s", want, dumpPosts(claims))
		}
	}
	// What the history records for each claim is its outlet too.
	got := map[string][]string{}
	for _, o := range h.metricStatus("swb_encounters").History {
		if o.Authority == "press" {
			got[o.Outlet] = append(got[o.Outlet], o.Text)
		}
	}
	want := map[string][]string{"The Valley Post": {"300,000"}, "Metro Wire": {"250,000"}, "Evening Ledger": {"200,000"}, "Northern Courier": {"300,000"}}
	if len(got) != len(want) {
		t.Errorf("claims recorded by outlet %v, want %v", got, want)
	}
	for name, vals := range want {
		if g := got[name]; len(g) != 1 || g[0] != vals[0] {
			t.Errorf("outlet %q recorded %v, want %v", name, g, vals)
		}
	}
}
