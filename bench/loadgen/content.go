package main

import (
	"fmt"
	"strings"
	"time"
)

// The generated text states figures in the wording of the shipped metrics
// (config/watcher.yaml), so a cycle exercises metric matching, observations
// and events, not just the number scanner. %s is the qualified figure.
var figureSentences = [...]string{
	"The audit found that %s children were not served a notice to appear before their release.",
	"Of the children released to sponsors, %s failed to appear in immigration court for their hearings.",
	"ICE transferred %s children from DHS to HHS custody between fiscal years 2019 and 2023.",
	"HHS lost contact with %s children after follow-up safety calls went unanswered.",
	"Investigators said %s release records had addresses left blank or undeliverable.",
	"Officials could not locate %s children, and their whereabouts are unknown.",
}

// Paragraphs without tracked figures, with the numbers the extractor must
// not take for figures: years, dates, report numbers, ages, phone numbers.
var fillerParagraphs = [...]string{
	"The Office of Inspector General conducted this review from October 2023 through June 2024 in accordance with the Quality Standards for Inspection and Evaluation issued by the Council of the Inspectors General on Integrity and Efficiency.",
	"Unaccompanied children are those under 18 who have no lawful immigration status and no parent or legal guardian in the United States available to provide care and physical custody. Their number has grown every year since 2012.",
	"We reviewed a statistical sample of case files, interviewed officials at headquarters and at two field offices, and analyzed data extracts provided by the department on March 4, 2024. The department concurred with all recommendations.",
	"This report follows our earlier work in report OIG-22-37 and in the September 2021 management alert, which identified similar weaknesses in the exchange of information between the two departments.",
	"The department stated that it has begun to modernize the systems that record a child's release, and that it expects to complete the work by the end of fiscal year 2026, subject to the availability of funds.",
	"Readers with information about fraud, waste, abuse or mismanagement in department programs may contact the hotline at 1-800-323-8603 or submit a complaint online; callers may remain anonymous.",
	"Section 235 of the Trafficking Victims Protection Reauthorization Act of 2008 requires the department to transfer custody of an unaccompanied child within 72 hours of determining that the child is unaccompanied.",
	"Management's comments are reproduced in Appendix B. Appendix A describes our objective, scope and methodology, and Appendix C lists the major contributors to this report.",
}

var fieldOffices = [...]string{
	"Houston", "El Paso", "San Antonio", "Phoenix", "San Diego", "Miami", "New York", "Chicago", "Los Angeles", "Atlanta",
}

var qualifiers = [...]string{"more than ", "nearly ", "about ", "at least ", "", "over "}

var navLinks = [...]string{
	"Reports", "Audits", "Inspections", "Investigations", "Recommendations", "Testimony",
	"Press releases", "Oversight areas", "Careers", "About us", "Contact", "Hotline",
}

// mix is splitmix64: a stateless hash, so content is a pure function of its
// inputs and the generator needs no shared random source.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func seed(feed, item int, salt uint64) uint64 {
	return mix(uint64(feed)<<32 ^ uint64(item) ^ salt<<56)
}

// figure writes a qualified count such as "more than 291,000"; every item
// has its own values, so a new item states changed figures.
func figure(feed, item, k int) string {
	h := seed(feed, item, uint64(k)+1)
	v := 1000 + int(h%500)*1000 + int(h>>20%10)*100
	return qualifiers[h>>40%uint64(len(qualifiers))] + thousands(v)
}

func thousands(v int) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// itemTime is when item j was published: items appear an hour apart.
func itemTime(j int) time.Time { return epoch.Add(time.Duration(j-1000) * time.Hour) }

func itemTitle(feed, item int) string {
	return fmt.Sprintf("Review of the release of unaccompanied children by the %s field office (OIG-%d-%d)",
		fieldOffices[feed%len(fieldOffices)], feed, item)
}

// itemSummary is the feed item's description: one sentence with a figure,
// as agencies' feeds carry.
func itemSummary(feed, item int) string {
	s := figureSentences[seed(feed, item, 0)%uint64(len(figureSentences))]
	return fmt.Sprintf(s, figure(feed, item, 0))
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// renderFeed renders feed i at version v: RSS 2.0 with items v+k-1 … v.
func renderFeed(base string, i, v, k int) []byte {
	var b strings.Builder
	b.Grow(400 + k*450)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>Loadgen agency %d: reports</title>
<link>%s/</link>
<description>Reports, audits and testimony of loadgen agency %d.</description>
<language>en-us</language>
<lastBuildDate>%s</lastBuildDate>
`, i, base, i, epoch.Add(time.Duration(v)*time.Hour).Format(time.RFC1123Z))
	for j := v + k - 1; j >= v; j-- {
		link := fmt.Sprintf("%s/article/%d/%d.html", base, i, j)
		fmt.Fprintf(&b, `<item>
<title>%s</title>
<link>%s</link>
<guid isPermaLink="true">%s</guid>
<pubDate>%s</pubDate>
<description>%s</description>
</item>
`, xmlEscaper.Replace(itemTitle(i, j)), link, link, itemTime(j).Format(time.RFC1123Z), xmlEscaper.Replace(itemSummary(i, j)))
	}
	b.WriteString("</channel>\n</rss>\n")
	return []byte(b.String())
}

// renderArticle renders the page item j of feed i links to: ~5.5 KB of a
// government report page, most of it boilerplate around 4–8 paragraphs.
func renderArticle(base string, i, j int) []byte {
	var b strings.Builder
	b.Grow(6 << 10)
	title := itemTitle(i, j)
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s | Office of Inspector General</title>
<link rel="stylesheet" href="/static/css/site.min.css">
<link rel="canonical" href="%s/article/%d/%d.html">
<script src="/static/js/analytics.js" defer></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date());</script>
</head>
<body class="page-report">
<div id="cookie-banner" class="banner banner--cookies" role="dialog" aria-label="Cookie consent">
<p>We use cookies to understand how visitors use this site and to improve it. Essential cookies are always on. You can accept or reject analytics cookies; your choice is kept for one year.</p>
<button type="button" class="btn btn--primary">Accept</button> <button type="button" class="btn">Reject</button> <a href="/privacy">Privacy policy</a>
</div>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header">
<div class="gov-banner">An official website of the United States government</div>
<a class="site-logo" href="/"><img src="/static/img/seal.svg" alt="Seal" width="64" height="64"> Office of Inspector General</a>
<form class="site-search" role="search" action="/search"><label for="q">Search</label><input id="q" name="q" type="search"><button type="submit">Search</button></form>
</header>
<nav class="main-nav" aria-label="Main"><ul>
`, title, base, i, j)
	for _, l := range navLinks {
		fmt.Fprintf(&b, "<li><a href=\"/%s\">%s</a></li>\n", slug(l), l)
	}
	fmt.Fprintf(&b, `</ul></nav>
<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/reports">Reports</a> &rsaquo; <span>%s</span></nav>
<main id="main">
<article class="report">
<h1>%s</h1>
<p class="report-meta">Report OIG-25-%02d &middot; Published %s &middot; <a href="/reports/oig-25-%02d.pdf">Full report (PDF)</a></p>
`, title, title, j%100, itemTime(j).Format("January 2, 2006"), j%100)

	h := seed(i, j, 99)
	paras := 4 + int(h%5)
	figs := 2 + int(h>>8%3) // 2–4 paragraphs state tracked figures
	for p := range paras {
		b.WriteString("<p>")
		if p < figs {
			s := figureSentences[(h>>16+uint64(p))%uint64(len(figureSentences))]
			fmt.Fprintf(&b, s, figure(i, j, p+1))
			b.WriteByte(' ')
		}
		b.WriteString(fillerParagraphs[(h>>24+uint64(p))%uint64(len(fillerParagraphs))])
		b.WriteString("</p>\n")
	}
	b.WriteString(`</article>
<aside class="related" aria-label="Related reports"><h2>Related reports</h2><ul>
`)
	for r := 1; r <= 6; r++ {
		fmt.Fprintf(&b, "<li><a href=\"%s/article/%d/%d.html\">%s</a></li>\n", base, i+r, j, itemTitle(i+r, j))
	}
	b.WriteString(`</ul></aside>
</main>
<footer class="site-footer">
<div class="footer-columns">
<ul><li><a href="/about">About OIG</a></li><li><a href="/foia">FOIA</a></li><li><a href="/accessibility">Accessibility</a></li><li><a href="/privacy">Privacy policy</a></li><li><a href="/no-fear-act">No FEAR Act</a></li></ul>
<ul><li><a href="/hotline">Report fraud, waste or abuse</a></li><li><a href="/whistleblower">Whistleblower protection</a></li><li><a href="/subscribe">Subscribe to updates</a></li><li><a href="/rss">RSS feeds</a></li></ul>
</div>
<address>Office of Inspector General, 245 Murray Lane SW, Washington, DC 20528. Hotline: 1-800-323-8603.</address>
<p class="footer-note">This site is maintained by the Office of Inspector General. Links to external sites do not constitute an endorsement of their content.</p>
</footer>
</body>
</html>
`)
	return []byte(b.String())
}

func slug(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }
