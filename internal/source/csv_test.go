package source

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/figwatch/watcher/internal/fetch"
)

const cbpHeader = "Fiscal Year,Month Grouping,Month (abbv),Component,Land Border Region,Area of Responsibility,AOR (Abbv),Demographic,Citizenship,Title of Authority,Encounter Type,Encounter Count\n"

// cbpRow is one row of CBP's southwest land border encounters file.
func cbpRow(fy, month, aor, demographic, count string) string {
	return fy + ",FYTD," + month + ",U.S. Border Patrol,Southwest Land Border," + aor + "," + aor[:3] + "," + demographic + ",MEXICO,Title 8,Apprehensions,\"" + count + "\"\n"
}

var cbpSpec = CSVSpec{
	Value:   "Encounter Count",
	Periods: []string{"Fiscal Year", "Month (abbv)"},
	Metrics: []CSVMetric{
		{ID: "swb_uc", Label: "Unaccompanied children encountered", Where: map[string][]string{"Demographic": {"UAC", "UC / Single Minors"}}},
		{ID: "swb_total", Label: "Southwest border encounters"},
	},
}

func TestCSVRecords(t *testing.T) {
	t.Parallel()
	file := cbpHeader +
		cbpRow("2025 (FYTD)", "OCT", "Rio Grande Valley Sector", "UAC", "1,200") +
		cbpRow("2025 (FYTD)", "OCT", "El Paso Sector", "UAC", "800") +
		cbpRow("2025 (FYTD)", "OCT", "El Paso Sector", "Single Adults", "50,000") +
		cbpRow("2025 (FYTD)", "JAN", "Tucson Sector", "uc / single minors", "300") +
		cbpRow("2024", "SEP", "Tucson Sector", "UAC", "900") +
		cbpRow("2025 (FYTD)", "FEB", "Tucson Sector", "UAC", "") // not yet reported
	got, err := CSVRecords([]byte("\ufeff"+file), cbpSpec)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Metric: "swb_total", Value: 900, Period: "2024-09", Label: "September 2024"},
		{Metric: "swb_total", Value: 52000, Period: "2024-10", Label: "October 2024"},
		{Metric: "swb_total", Value: 300, Period: "2025-01", Label: "January 2025"},
		{Metric: "swb_uc", Value: 900, Period: "2024-09", Label: "September 2024"},
		{Metric: "swb_uc", Value: 2000, Period: "2024-10", Label: "October 2024"},
		{Metric: "swb_uc", Value: 300, Period: "2025-01", Label: "January 2025"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}

	t.Run("a renamed column is an error naming it", func(t *testing.T) {
		_, err := CSVRecords([]byte(strings.Replace(file, "Encounter Count", "Encounters", 1)), cbpSpec)
		if err == nil || !strings.Contains(err.Error(), `"Encounter Count"`) {
			t.Errorf("err = %v, want one naming the missing column", err)
		}
	})
}

// TestCSVDiscoverNewestFile: the landing page links the newest file in a
// new folder every month; the source reads that one, conditionally, and a
// newer file that revises an earlier month changes the document.
func TestCSVDiscoverNewestFile(t *testing.T) {
	t.Parallel()
	const page = "https://www.cbp.gov/document/stats/southwest-land-border-encounters"
	landing := func(links ...string) *fetch.Response {
		var b strings.Builder
		b.WriteString(`<html><body><a href="/newsroom">Newsroom</a>`)
		for _, l := range links {
			b.WriteString(`<a href="` + l + `">Download</a>`)
		}
		b.WriteString(`</body></html>`)
		return &fetch.Response{URL: page, Status: 200, Body: []byte(b.String()), ContentType: "text/html"}
	}
	const (
		mar = "/sites/default/files/2026-04/sbo-encounters-fy23-fy26-mar.csv"
		apr = "/sites/default/files/2026-05/sbo-encounters-fy23-fy26-apr.csv"
	)
	f := &memFetcher{pages: map[string]memPage{
		"https://www.cbp.gov" + mar: {etag: `"m"`, body: cbpHeader + cbpRow("2026 (FYTD)", "FEB", "Tucson Sector", "UAC", "400") + cbpRow("2026 (FYTD)", "MAR", "Tucson Sector", "UAC", "450")},
		"https://www.cbp.gov" + apr: {etag: `"a"`, body: cbpHeader + cbpRow("2026 (FYTD)", "FEB", "Tucson Sector", "UAC", "410") + cbpRow("2026 (FYTD)", "MAR", "Tucson Sector", "UAC", "450") + cbpRow("2026 (FYTD)", "APR", "Tucson Sector", "UAC", "500")},
	}}
	spec := Spec{ID: "cbp", Kind: KindCSV, URL: page, CSV: &CSVSpec{
		Value: cbpSpec.Value, Periods: cbpSpec.Periods, Metrics: cbpSpec.Metrics[:1],
		Discover: regexp.MustCompile(`sbo-encounters-fy\d\d-fy\d\d(-[a-z]{3})?\.csv$`),
	}}
	items := memItems{}
	read := func(resp *fetch.Response) Result {
		t.Helper()
		res, err := Documents(context.Background(), Env{Fetch: f, Items: items}, spec, resp)
		if err != nil {
			t.Fatal(err)
		}
		items.save(res.Items)
		return res
	}

	res := read(landing(mar))
	if len(res.Docs) != 1 || res.Docs[0].Text != "Unaccompanied children encountered | February 2026 | 400\nUnaccompanied children encountered | March 2026 | 450" {
		t.Fatalf("first read: %+v", res.Docs)
	}
	first := res.Docs[0]

	// The page changed (a new banner) but links the same file: a 304.
	if res := read(landing(mar)); len(res.Docs) != 0 {
		t.Errorf("same file read again: %+v", res.Docs)
	}
	// April's file, in a newer folder, listed after the old one.
	res = read(landing(mar, apr))
	if len(res.Docs) != 1 {
		t.Fatalf("april: %+v", res.Docs)
	}
	doc := res.Docs[0]
	if doc.ID != first.ID || doc.URL != "https://www.cbp.gov"+apr {
		t.Errorf("april document %q at %q, want the same id %q at the new URL", doc.ID, doc.URL, first.ID)
	}
	if want := "Unaccompanied children encountered | February 2026 | 410\nUnaccompanied children encountered | March 2026 | 450\nUnaccompanied children encountered | April 2026 | 500"; doc.Text != want {
		t.Errorf("april text:\n%s\nwant:\n%s", doc.Text, want)
	}
}
