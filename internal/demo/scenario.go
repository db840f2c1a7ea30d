// Package demo replays the story watcher was built for, offline, through
// the real pipeline: an in-process server plays the Inspector General and
// the press, a temporary database stores what the daemon sees, and every
// alert is printed as it would reach Slack. `watcher demo` runs it; tests
// run the same scenario against a fake Slack.
package demo

import (
	"fmt"
	"strings"
	"time"
)

// Item is one entry of a scenario feed.
type Item struct {
	GUID, Title, Text string
	Published         time.Time
}

// Step is one moment of the story: what each feed carries then.
type Step struct {
	At    time.Time
	Say   string            // what happened, printed before the step's alerts
	Feeds map[string][]Item // feed id → items (newest first), replacing the previous ones
}

// Feed ids of the scenario, with their authority.
const (
	FeedOIG     = "dhs-oig"
	FeedWire    = "wire"
	FeedDaily   = "daily"
	FeedTabloid = "tabloid"
)

// Feeds lists the scenario's sources: id, display name, authority.
var Feeds = [][3]string{
	{FeedOIG, "DHS Office of Inspector General", "official"},
	{FeedWire, "Wire service", "press"},
	{FeedDaily, "The Daily Ledger", "press"},
	{FeedTabloid, "Capital Tabloid", "press"},
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 15, 0, 0, 0, time.UTC) }

// The reports, in our own words, stating the real figures.
var (
	oig2446 = Item{GUID: "OIG-24-46", Published: day(2024, time.August, 20),
		Title: "ICE Cannot Monitor All Unaccompanied Migrant Children Released from DHS and HHS Custody (OIG-24-46)",
		Text: "In this management alert the Inspector General found that DHS transferred more than 448,000 unaccompanied children to HHS between fiscal years 2019 and 2023. " +
			"As of May 2024, ICE had not served notices to appear on more than 291,000 of those children. " +
			"More than 32,000 children failed to appear for their immigration court hearings."}
	oig2521 = Item{GUID: "OIG-25-21", Published: day(2025, time.March, 25),
		Title: "ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children After Federal Custody (OIG-25-21)",
		Text: "As of January 2025, ICE had not served notices to appear on 233,000 unaccompanied children. " +
			"As of October 2024, more than 43,000 children had failed to appear in immigration court. " +
			"Release records for more than 31,000 children had addresses left blank, undeliverable or missing apartment numbers."}
)

// Scenario is the story of August 2024 to March 2025: the Inspector
// General's alert, the press's versions of its figures, and the 2025 audit
// that moved them.
func Scenario() []Step {
	wire1 := Item{GUID: "wire-0821", Published: day(2024, time.August, 21), Title: "Watchdog: ICE lost track of thousands of migrant children",
		Text: "An internal watchdog said more than 32,000 migrant children failed to appear in immigration court after being released, and ICE had not issued notices to appear to more than 291,000."}
	daily1 := Item{GUID: "daily-0821", Published: day(2024, time.August, 21), Title: "30K migrant kids skipped court, report says",
		Text: "Roughly 30,000 migrant children failed to appear at their court hearings, according to the inspector general."}
	tabloid1 := Item{GUID: "tab-0822", Published: day(2024, time.August, 22), Title: "Nearly 300,000 migrant children never got a court date",
		Text: "Nearly 300,000 migrant children were never served a notice to appear, the report found."}
	tabloid2 := Item{GUID: "tab-0823", Published: day(2024, time.August, 23), Title: "Feds lose track of 320,000 migrant children",
		Text: "The government has lost track of 320,000 migrant children, a watchdog reported."}
	wire2 := Item{GUID: "wire-0823", Published: day(2024, time.August, 23), Title: "Lawmakers demand answers on migrant children",
		Text: "Lawmakers cited the report's finding that about 30,000 children did not appear in court."}
	daily2 := Item{GUID: "daily-0326", Published: day(2025, time.March, 26), Title: "Migrant children still missing court, audit finds",
		Text: "The new audit follows last year's alert that more than 291,000 children had never been served a notice to appear."}
	return []Step{
		{At: day(2024, time.August, 20).Add(time.Hour), Say: "20 August 2024: the Inspector General publishes management alert OIG-24-46.",
			Feeds: map[string][]Item{FeedOIG: {oig2446}}},
		{At: day(2024, time.August, 21).Add(4 * time.Hour), Say: "21 August 2024: the first stories. The wire gets the figures right; a daily rounds 32,000 down to \"30K\".",
			Feeds: map[string][]Item{FeedWire: {wire1}, FeedDaily: {daily1}}},
		{At: day(2024, time.August, 23).Add(4 * time.Hour), Say: "22-23 August 2024: \"nearly 300,000\" (close enough), \"320,000\" (a sum nobody published), and a second outlet with 30,000.",
			Feeds: map[string][]Item{FeedTabloid: {tabloid2, tabloid1}, FeedWire: {wire2, wire1}}},
		{At: day(2025, time.March, 25).Add(2 * time.Hour), Say: "25 March 2025: the audit OIG-25-21 moves the figures.",
			Feeds: map[string][]Item{FeedOIG: {oig2521, oig2446}}},
		{At: day(2025, time.March, 26).Add(4 * time.Hour), Say: "26 March 2025: a story repeats last year's figure.",
			Feeds: map[string][]Item{FeedDaily: {daily2, daily1}}},
	}
}

// RSS renders items as an RSS 2.0 feed whose links point at base.
func RSS(title, base string, items []Item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>" + title + "</title><link>" + base + "</link><description>watcher demo</description>\n")
	for _, it := range items {
		fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>%s/%s</link><description><![CDATA[%s]]></description><pubDate>%s</pubDate></item>\n",
			it.GUID, xmlEscape(it.Title), base, it.GUID, it.Text, it.Published.Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
