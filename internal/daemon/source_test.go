package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/pdftest"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// dataPage is an agency page with what extract used to misread: a menu
// and a pager with numbers, a footer with an address, and a data table
// with a two-row header whose future month holds a dash.
const dataPage = `<!DOCTYPE html><html><head><title>Unaccompanied children: latest data</title></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/2024">2024</a></li><li><a href="/p/3">Page 3 of 12</a></li></ul></nav></header>
<main><article><h1>Unaccompanied children: latest data</h1>
<p>The office said DHS transferred more than 448,000 unaccompanied children to HHS custody from fiscal year 2019 to 2023, and it publishes the monthly counts below as they are reported by the agency.</p>
<p>More than 32,000 children failed to appear for their hearings, the inspector general found in a management alert published in August, which the office cites in its own summary of the program.</p>
<table><thead><tr><th rowspan="2">Month</th><th colspan="2">Children transferred to HHS</th></tr><tr><th>Referrals</th><th>Discharges</th></tr></thead>
<tbody><tr><td>October 2024</td><td>9,120</td><td>6,800</td></tr><tr><td>November 2024</td><td>8,004</td><td>-</td></tr></tbody></table>
</article></main><footer>Page 1 of 4 · 123 Main Street, Washington</footer></body></html>`

// TestExtractMatchesPagePoll: `watcher extract FILE` (source.ReadInput
// and the extractor) finds in a page exactly the figures a `kind: page`
// poll of that page stores.
func TestExtractMatchesPagePoll(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "hhs-data", path: "/data.html", authority: "official", extra: "    kind: page\n"}}, "")
	h.feeds.set("/data.html", feedResponse{body: dataPage, ctype: "text/html; charset=utf-8"})
	if err := h.once(); err != nil {
		t.Fatalf("poll: %v", err)
	}
	polled := h.snapshotFigures("hhs-data:" + h.feeds.srv.URL + "/data.html")
	if len(polled) == 0 {
		t.Fatal("the poll stored no figures")
	}

	path := filepath.Join(t.TempDir(), "data.html")
	if err := os.WriteFile(path, []byte(dataPage), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := source.ReadInput(context.Background(), path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := NewExtractor(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	type fig struct {
		Text, Metric string
		Value        float64
		Start        int
	}
	var extracted, stored []fig
	for _, f := range ext.Extract(doc.Text) {
		extracted = append(extracted, fig{f.Text, f.Metric, f.Value, f.Start})
	}
	for _, f := range polled {
		stored = append(stored, fig{f.Text, f.Metric, f.Value, f.Start})
	}
	if d := cmp.Diff(stored, extracted); d != "" {
		t.Errorf("extract and poll disagree (-poll +extract):\n%s\ntext:\n%s", d, doc.Text)
	}
	for _, f := range extracted {
		switch f.Value {
		case 12, 3, 4, 123:
			t.Errorf("navigation or footer number %v read as a figure", f.Value)
		}
	}
	if !strings.Contains(doc.Text, "Children transferred to HHS Referrals | October 2024 | 9,120") {
		t.Errorf("table cell lost its headers:\n%s", doc.Text)
	}
}

// oigListing renders a listing page shaped like the DHS OIG's: one table,
// Report Number | Title | Issue Date | Fiscal Year, newest first, titles
// linking to report pages or PDFs by relative links, an abstract in the
// title cell before the link on some rows.
func oigListing(rows ...[4]string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>Audits, Inspections, and Evaluations | Office of Inspector General</title></head><body>
<nav><a href="/">Home</a> <a href="/reports">Reports</a> <a href="/reports?page=2">2</a></nav>
<div class="view-content"><table class="views-table cols-4"><thead><tr>
<th class="views-field-field-report-number">Report Number</th><th class="views-field-title">Title</th>
<th class="views-field-field-issue-date">Issue Date</th><th class="views-field-field-fy">Fiscal Year</th></tr></thead><tbody>
`)
	for _, r := range rows {
		b.WriteString(`<tr><td class="views-field-field-report-number">` + r[0] + `</td><td class="views-field-title">` +
			`<p class="abstract">Abstract: the audit reviewed how the component tracks children.</p>` + r[1] +
			`</td><td class="views-field-field-issue-date"><time>` + r[2] + `</time></td><td>` + r[3] + "</td></tr>\n")
	}
	b.WriteString("</tbody></table></div></body></html>")
	return b.String()
}

const (
	row2446 = `<a href="/reports/2024/management-alert-ice-cannot-monitor-all-unaccompanied-migrant-children">Management Alert - ICE Cannot Monitor All Unaccompanied Migrant Children Released from DHS and HHS Custody</a>`
	row2521 = `<a href="/sites/default/files/assets/2025-03/OIG-25-21-Mar25.pdf">ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children After Federal Custody</a>`
	pdf2446 = "/sites/default/files/assets/2024-08/OIG-24-46-Aug24.pdf"
	pdf2521 = "/sites/default/files/assets/2025-03/OIG-25-21-Mar25.pdf"
)

// newListingHarness serves the OIG listing fixture and configures it as
// a listing source (config cannot say `kind: listing` yet: it is set on
// the loaded config).
func newListingHarness(t *testing.T, spec func(*config.Source)) *harness {
	t.Helper()
	if err := source.PDFToTextAvailable(); err != nil {
		t.Skip(err)
	}
	h := newHarness(t, []sourceYAML{{id: "dhs-oig", path: "/reports", authority: "official", extra: "    kind: page\n"}}, "")
	h.cfg.Sources[0].Kind = config.KindListing
	if spec != nil {
		spec(&h.cfg.Sources[0])
	}
	h.restart()
	h.feeds.set("/reports/2024/management-alert-ice-cannot-monitor-all-unaccompanied-migrant-children", feedResponse{
		ctype: "text/html; charset=utf-8",
		body: `<html><head><title>OIG-24-46</title></head><body><h1>Management Alert</h1>` +
			`<p>Read the <a href="/sites/default/files/assets/2024-08/OIG-24-46-Aug24.pdf">full report (OIG-24-46)</a>.</p></body></html>`,
	})
	h.feeds.set(pdf2446, feedResponse{ctype: "application/pdf", etag: `"p2446"`, body: string(pdftest.Minimal(
		"OIG-24-46 Management Alert",
		"The inspector general said DHS transferred more than 448,000 unaccompanied children to HHS custody.",
		"More than 291,000 of those children were never served a notice to appear.",
		"More than 32,000 children failed to appear for their hearings."))})
	h.feeds.set(pdf2521, feedResponse{ctype: "application/pdf", etag: `"p2521"`, body: string(pdftest.Minimal(
		"OIG-25-21 Audit Report",
		"The audit found that 233,000 children had not been served a notice to appear as of January 2025.",
		"More than 43,000 children failed to appear in court."))})
	return h
}

func (f *feedServer) count(path string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// TestListingNewRowReadsItsPDFOnce: a new row of the OIG listing → its PDF
// is fetched once → new_report and metric_changed from the PDF's figures,
// with the report number as the document id and the page of the quote;
// the next poll (row unchanged, 304) fetches nothing more.
func TestListingNewRowReadsItsPDFOnce(t *testing.T) {
	h := newListingHarness(t, nil)
	h.feeds.set("/reports", feedResponse{etag: `"l1"`, ctype: "text/html; charset=utf-8",
		body: oigListing([4]string{"OIG-24-46", row2446, "08/20/2024", "2024"})})
	if err := h.once(); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	if got := h.slack.Posts(); len(got) != 0 {
		t.Fatalf("first poll posted %d messages, want none (baseline)", len(got))
	}
	if h.feeds.count(pdf2446) != 1 {
		t.Fatalf("the landing page's PDF was fetched %d times, want 1", h.feeds.count(pdf2446))
	}
	if figs := h.snapshotFigures("OIG-24-46/2024"); len(figs) != 3 {
		t.Fatalf("OIG-24-46/2024 has %d figures, want 3: %+v", len(figs), figs)
	}

	h.clock.Add(10 * time.Minute)
	h.feeds.set("/reports", feedResponse{etag: `"l2"`, ctype: "text/html; charset=utf-8", body: oigListing(
		[4]string{"OIG-25-21", row2521, "03/25/2025", "2025"},
		[4]string{"OIG-24-46", row2446, "08/20/2024", "2024"})})
	if err := h.once(); err != nil {
		t.Fatalf("second poll: %v", err)
	}
	posts := h.slack.Posts()
	if len(posts) != 3 {
		t.Fatalf("got %d messages, want 3 (two metric_changed, one new_report):\n%s", len(posts), dumpPosts(posts))
	}
	all := dumpPosts(posts)
	for _, p := range posts {
		all += p.Blocks
	}
	for _, want := range []string{"291,000", "233,000", "32,000", "43,000", "ICE Cannot Effectively Monitor", "(p. 2)", "(p. 3)", pdf2521} {
		if !strings.Contains(all, want) {
			t.Errorf("messages lack %q:\n%s", want, dumpPosts(posts))
		}
	}
	var obs store.Observation
	h.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		obs, _, err = tx.LatestObservation("uc_no_nta", "official")
		return err
	})
	if obs.DocID != "OIG-25-21/2025" || obs.Page != 2 || obs.Value != 233000 || !obs.Published.Equal(time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("latest official observation %+v, want 233,000 from OIG-25-21/2025 page 2, published 2025-03-25", obs)
	}
	if h.feeds.count(pdf2521) != 1 || h.feeds.count(pdf2446) != 1 {
		t.Errorf("PDFs fetched %d and %d times, want once each: %+v", h.feeds.count(pdf2521), h.feeds.count(pdf2446), h.feeds.Requests())
	}

	// The next poll: the listing answers 304; nothing else is fetched.
	before := len(h.feeds.Requests())
	h.clock.Add(10 * time.Minute)
	if err := h.once(); err != nil {
		t.Fatalf("third poll: %v", err)
	}
	reqs := h.feeds.Requests()[before:]
	if len(reqs) != 1 || reqs[0].Path != "/reports" || reqs[0].Status != 304 {
		t.Errorf("third poll made requests %+v, want one conditional request of the listing", reqs)
	}
	if n := len(h.slack.Posts()); n != 3 {
		t.Errorf("%d messages after the third poll, want still 3", n)
	}
}

// TestListingCorrectedPDFIsARevision: a row whose link moves to a
// corrected PDF is read again and diffed against the first version. On an
// official source the revision changes only a tracked figure, so it is
// one alert: the metric_changed, with the document_revised folded in.
func TestListingCorrectedPDFIsARevision(t *testing.T) {
	h := newListingHarness(t, func(s *config.Source) { s.AlertOnFirstPoll = true })
	h.feeds.set("/reports", feedResponse{etag: `"l1"`, ctype: "text/html; charset=utf-8", body: oigListing(
		[4]string{"OIG-25-21", row2521, "03/25/2025", "2025"})})
	if err := h.once(); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	const corrected = "/sites/default/files/assets/2025-04/OIG-25-21-Mar25-corrected.pdf"
	h.feeds.set(corrected, feedResponse{ctype: "application/pdf", body: string(pdftest.Minimal(
		"OIG-25-21 Audit Report (corrected)",
		"The audit found that 233,000 children had not been served a notice to appear as of January 2025.",
		"More than 45,000 children failed to appear in court."))})
	h.clock.Add(10 * time.Minute)
	h.feeds.set("/reports", feedResponse{etag: `"l2"`, ctype: "text/html; charset=utf-8", body: oigListing(
		[4]string{"OIG-25-21", strings.Replace(row2521, pdf2521, corrected, 1), "03/25/2025", "2025"})})
	before := len(h.slack.Posts())
	if err := h.once(); err != nil {
		t.Fatalf("second poll: %v", err)
	}
	if h.feeds.count(corrected) != 1 {
		t.Errorf("corrected PDF fetched %d times, want 1", h.feeds.count(corrected))
	}
	posts := h.slack.Posts()[before:]
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "more than 43,000 → more than 45,000") || strings.HasPrefix(posts[0].Text, "Revised:") {
		t.Errorf("want one metric_changed 43,000 → 45,000 for the correction, no separate revision:\n%s", dumpPosts(posts))
	}
}

// TestListingBacklogIsBaselinedOverSeveralPolls: a listing with more
// entries than max_follow is read oldest first over several polls, all of
// them a silent baseline; the first entry published after that alerts.
func TestListingBacklogIsBaselinedOverSeveralPolls(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "hhs-oig", path: "/uac/", authority: "official", extra: "    kind: page\n"}}, "")
	h.cfg.Sources[0].Kind = config.KindListing
	h.cfg.Fetch.MaxFollow = 2
	h.restart()
	report := func(n int) string {
		return fmt.Sprintf(`<html><head><title>Report %d</title></head><body><main><h1>Report %d</h1><p>The inspector general said DHS transferred more than %d,000 unaccompanied children to HHS custody over the period the review covered, according to the office's count.</p></main></body></html>`, n, n, 400+n)
	}
	listing := func(n int) string {
		var b strings.Builder
		b.WriteString(`<html><body><table><tr><th>Title</th><th>Date</th><th>Keywords</th></tr>`)
		for i := n; i >= 1; i-- {
			fmt.Fprintf(&b, `<tr><td><a href="/reports/all/2024/report-%d/">Report %d</a></td><td>%02d-01-2024</td><td>UAC</td></tr>`, i, i, i)
			h.feeds.set(fmt.Sprintf("/reports/all/2024/report-%d/", i), feedResponse{ctype: "text/html", body: report(i)})
		}
		b.WriteString(`</table></body></html>`)
		return b.String()
	}
	h.feeds.set("/uac/", feedResponse{ctype: "text/html", body: listing(5)})
	for poll := 1; poll <= 3; poll++ {
		if err := h.once(); err != nil {
			t.Fatalf("poll %d: %v", poll, err)
		}
		h.clock.Add(10 * time.Minute)
	}
	if posts := h.slack.Posts(); len(posts) != 0 {
		t.Fatalf("the backlog raised %d alerts, want none:\n%s", len(posts), dumpPosts(posts))
	}
	for i := 1; i <= 5; i++ {
		if n := h.feeds.count(fmt.Sprintf("/reports/all/2024/report-%d/", i)); n != 1 {
			t.Errorf("report %d fetched %d times, want once", i, n)
		}
	}
	h.feeds.set("/uac/", feedResponse{ctype: "text/html", body: listing(6)})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	posts := h.slack.Posts()
	if len(posts) != 2 || !strings.Contains(dumpPosts(posts), "Report 6") {
		t.Errorf("the new report raised:\n%s\nwant metric_changed and new_report for Report 6", dumpPosts(posts))
	}
}
