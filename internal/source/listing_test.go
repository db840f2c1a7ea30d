package source

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/pdftest"
)

func TestListingEntries(t *testing.T) {
	t.Parallel()
	const pageURL = "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations?field_dhs_agency_target_id=3"
	tests := []struct {
		name, selector, links, body string
		want                        []Entry
	}{
		{
			name: "DHS OIG table, newest first, abstract before the link",
			body: `<nav><a href="/">Home</a></nav><table><thead><tr><th>Report Number</th><th>Title</th><th>Issue Date</th><th>Fiscal Year</th></tr></thead><tbody>
<tr><td>OIG-25-21</td><td><p>Abstract: we audited 12 field offices.</p><a href="/sites/default/files/assets/2025-03/OIG-25-21-Mar25.pdf">ICE Cannot Effectively Monitor</a></td><td>03/25/2025</td><td>2025</td></tr>
<tr><td>OIG-24-46</td><td><a href="/reports/2024/management-alert">Management Alert - ICE Cannot Monitor</a></td><td>08/20/2024</td><td>2024</td></tr>
<tr><td>OIG-24-46</td><td><a href="/reports/2024/management-alert">Management Alert - ICE Cannot Monitor</a></td><td>08/20/2024</td><td>2024</td></tr>
<tr><td>OIG-24-46</td><td><a href="/reports/2023/other">A mistyped number, another year</a></td><td>01/05/2023</td><td>2023</td></tr>
<tr><td>OIG-23-01</td><td>A row without a link</td><td>10/01/2022</td><td>2023</td></tr>
</tbody></table>`,
			want: []Entry{
				{Key: "OIG-25-21/2025", Number: "OIG-25-21", Year: "2025", Title: "ICE Cannot Effectively Monitor",
					Published: time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC), Link: "https://www.oig.dhs.gov/sites/default/files/assets/2025-03/OIG-25-21-Mar25.pdf"},
				{Key: "OIG-24-46/2024", Number: "OIG-24-46", Year: "2024", Title: "Management Alert - ICE Cannot Monitor",
					Published: time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC), Link: "https://www.oig.dhs.gov/reports/2024/management-alert"},
				{Key: "OIG-24-46/2023", Number: "OIG-24-46", Year: "2023", Title: "A mistyped number, another year",
					Published: time.Date(2023, 1, 5, 0, 0, 0, 0, time.UTC), Link: "https://www.oig.dhs.gov/reports/2023/other"},
			},
		},
		{
			name:     "links without a table, in the selected region",
			selector: "#reports",
			body:     `<a href="/about">About</a><ul id="reports"><li><a href="/files/GAO-25-107840.pdf">Immigration detention</a></li><li><a href="/products/x">Other report</a></li><li><a href="#top">Top</a></li></ul>`,
			want: []Entry{
				{Key: "GAO-25-107840", Number: "GAO-25-107840", Title: "Immigration detention", Link: "https://www.oig.dhs.gov/files/GAO-25-107840.pdf"},
				{Key: "url:https://www.oig.dhs.gov/products/x", Title: "Other report", Link: "https://www.oig.dhs.gov/products/x"},
			},
		},
		{
			name:  "the links selector picks the entry link in its row",
			links: "a.report",
			body:  `<table><tr><th>Title</th><th>Date</th></tr><tr><td><a href="/tag/uac">UAC</a> <a class="report" href="/reports/all/2024/x/">Report X</a></td><td>August 20, 2024</td></tr></table>`,
			want: []Entry{
				{Key: "url:https://www.oig.dhs.gov/reports/all/2024/x/", Title: "Report X", Year: "2024",
					Published: time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC), Link: "https://www.oig.dhs.gov/reports/all/2024/x/"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ListingEntries(pageURL, tc.selector, tc.links, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(Entry{}, "Hash")); d != "" {
				t.Errorf("entries (-want +got):\n%s", d)
			}
		})
	}
}

// TestListingMaxFollow: entries over max_follow wait for the next poll,
// oldest first, and the result says it is not complete meanwhile.
func TestListingMaxFollow(t *testing.T) {
	t.Parallel()
	f := &memFetcher{pages: map[string]memPage{}}
	var rows strings.Builder
	for _, n := range []string{"5", "4", "3", "2", "1"} {
		rows.WriteString(`<tr><td><a href="/r` + n + `">Report ` + n + `</a></td></tr>`)
		f.pages["https://example.gov/r"+n] = memPage{ctype: "text/html", body: `<html><body><main><p>Report ` + n + ` says 12,000 children were referred.</p></main></body></html>`}
	}
	listing := &fetch.Response{URL: "https://example.gov/list", Status: 200, Body: []byte(`<table><tr><th>Title</th></tr>` + rows.String() + `</table>`)}
	items := memItems{}
	spec := Spec{ID: "l", Kind: KindListing, URL: listing.URL, MaxFollow: 2}
	var order []string
	for poll, wantComplete := range []bool{false, false, true, true} {
		res, err := Documents(context.Background(), Env{Fetch: f, Items: items}, spec, listing)
		if err != nil {
			t.Fatal(err)
		}
		items.save(res.Items)
		for _, d := range res.Docs {
			order = append(order, d.Title)
		}
		if res.Complete != wantComplete {
			t.Errorf("poll %d: complete %t, want %t", poll+1, res.Complete, wantComplete)
		}
	}
	want := []string{"Report 1", "Report 2", "Report 3", "Report 4", "Report 5"}
	got := append([]string(nil), order...)
	// Within one poll the fetches run concurrently; order across polls.
	if len(got) != 5 || !cmp.Equal(sortedPairs(got[:2]), want[:2]) || !cmp.Equal(sortedPairs(got[2:4]), want[2:4]) || got[4] != want[4] {
		t.Errorf("documents read in order %q, want %q two per poll", got, want)
	}
	if len(f.got) != 5 {
		t.Errorf("%d fetches, want 5: %q", len(f.got), f.got)
	}
}

func sortedPairs(s []string) []string {
	if len(s) == 2 && s[0] > s[1] {
		return []string{s[1], s[0]}
	}
	return s
}

// TestListingEntryRevisit: a listing entry's PDF is fetched again on the
// revisit schedule, conditionally; a 304 only moves the schedule on, a
// changed file (a corrected report under the same URL) is read again as
// the same document.
func TestListingEntryRevisit(t *testing.T) {
	t.Parallel()
	if err := PDFToTextAvailable(); err != nil {
		t.Skip(err)
	}
	const pdfURL = "https://www.oig.dhs.gov/sites/default/files/assets/2025-03/OIG-25-21-Mar25.pdf"
	f := &memFetcher{pages: map[string]memPage{
		pdfURL: {ctype: "application/pdf", etag: `"1"`, body: string(pdftest.Minimal("More than 43,000 children failed to appear in court."))},
	}}
	listing := &fetch.Response{URL: "https://www.oig.dhs.gov/reports", Status: 200, ContentType: "text/html", Body: []byte(
		`<table><tr><th>Report Number</th><th>Title</th><th>Issue Date</th><th>Fiscal Year</th></tr>` +
			`<tr><td>OIG-25-21</td><td><a href="` + pdfURL + `">ICE Cannot Effectively Monitor</a></td><td>03/25/2025</td><td>2025</td></tr></table>`)}
	items := memItems{}
	now := time.Date(2025, 3, 25, 12, 0, 0, 0, time.UTC)
	spec := Spec{ID: "dhs-oig", Kind: KindListing, URL: listing.URL}
	poll := func(at time.Duration, resp *fetch.Response) Result {
		t.Helper()
		res, err := Documents(context.Background(), Env{Fetch: f, Items: items, Now: func() time.Time { return now.Add(at) }}, spec, resp)
		if err != nil {
			t.Fatal(err)
		}
		items.save(res.Items)
		return res
	}
	notModified := &fetch.Response{URL: listing.URL, Status: 304, NotModified: true}

	if res := poll(0, listing); len(res.Docs) != 1 || res.Docs[0].ID != "OIG-25-21/2025" {
		t.Fatalf("first poll: %+v", res.Docs)
	}
	if res := poll(30*time.Minute, notModified); len(res.Docs) != 0 || len(f.got) != 1 {
		t.Fatalf("nothing due at 30m, yet docs %+v after fetches %q", res.Docs, f.got)
	}
	if res := poll(time.Hour, notModified); len(res.Docs) != 0 || len(f.got) != 2 {
		t.Fatalf("at 1h: docs %+v, fetches %q (want one conditional revisit answered 304)", res.Docs, f.got)
	}
	f.mu.Lock()
	f.pages[pdfURL] = memPage{ctype: "application/pdf", etag: `"2"`, body: string(pdftest.Minimal("More than 45,000 children failed to appear in court."))}
	f.mu.Unlock()
	res := poll(6*time.Hour, notModified)
	if len(res.Docs) != 1 || res.Docs[0].ID != "OIG-25-21/2025" || !strings.Contains(res.Docs[0].Text, "45,000") || res.Docs[0].Title != "ICE Cannot Effectively Monitor" {
		t.Fatalf("at 6h: docs %+v, want the corrected report as the same document", res.Docs)
	}
	if it := items["OIG-25-21/2025"]; it.ETag != `"2"` || !it.NextVisit.Equal(now.Add(24*time.Hour)) {
		t.Errorf("item after the revisit: %+v, want ETag \"2\" and the next visit at 1d", it)
	}
}
