package source

import (
	"strings"
	"testing"
)

// TestHTMLTableHeaders pins how tables in the shapes agencies publish read:
// each cell on a line with its column header and row label.
func TestHTMLTableHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{
			name: "two-row header with colspan and rowspan",
			in: `<table><thead>
				<tr><th rowspan="2">Sector</th><th colspan="2">FY2025</th></tr>
				<tr><th>October</th><th>November</th></tr></thead>
				<tbody><tr><th>Rio Grande Valley</th><td>1,234</td><td>2,345</td></tr>
				<tr><th>El Paso</th><td>987</td><td>1,001</td></tr></tbody></table>`,
			want: "FY2025 October | Rio Grande Valley | 1,234\nFY2025 November | Rio Grande Valley | 2,345\n" +
				"FY2025 October | El Paso | 987\nFY2025 November | El Paso | 1,001",
		},
		{
			name: "row label spanning rows applies to each",
			in: `<table><tr><th>Fiscal year</th><th>Month</th><th>Southwest border encounters</th></tr>
				<tr><th rowspan="2">FY2025</th><th>October 2024</th><td>106,321</td></tr>
				<tr><th>November 2024</th><td>94,190</td></tr></table>`,
			want: "Southwest border encounters | FY2025 October 2024 | 106,321\n" +
				"Southwest border encounters | FY2025 November 2024 | 94,190",
		},
		{
			name: "future months holding a dash are not figures",
			in: `<h3>Custody by sector</h3><table><tr><th>Sector</th><th>Oct-25</th><th>Nov-25</th><th>Dec-25</th></tr>
				<tr><td>Big Bend</td><td>12</td><td>-</td><td>–</td></tr>
				<tr><td>Tucson</td><td>31</td><td>28</td><td>-</td></tr></table>`,
			want: "Custody by sector\n\nOct-25 | Big Bend | 12\nOct-25 | Tucson | 31\nNov-25 | Tucson | 28",
		},
		{
			name: "responsive labels inside cells are read once",
			in: `<table><thead><tr><th>Date</th><th>Referrals</th><th>Discharges</th></tr></thead><tbody>
				<tr><td><span class="tablesaw-cell-label">Date</span> October 2024</td>
				<td><span class="tablesaw-cell-label">Referrals</span> <span>1,234</span></td>
				<td><b class="label">Discharges:</b> 1,100</td></tr></tbody></table>`,
			want: "Referrals | October 2024 | 1,234\nDischarges | October 2024 | 1,100",
		},
		{
			name: "a label written twice for two layouts reads once",
			in: `<table><tr><th>Month</th><th>Children in care</th></tr>
				<tr><td><span class="d-none d-md-inline">July 2024</span><span class="d-md-none">July 2024</span></td><td>7,034</td></tr></table>`,
			want: "Children in care | July 2024 | 7,034",
		},
		{
			name: "a table repeated for small screens is read once",
			in: `<div class="desktop"><table><tr><th>Month</th><th>Referrals</th></tr><tr><td>June</td><td>1,500</td></tr></table></div>
				<div class="mobile"><table><tr><th>Month</th><th>Referrals</th></tr><tr><td>June</td><td>1,500</td></tr></table></div>`,
			want: "Referrals | June | 1,500",
		},
		{
			name: "percent cells keep their sign",
			in:   `<table><tr><th>Month</th><th>Rate</th><th>Share</th></tr><tr><td>Sep</td><td>4.1%</td><td>12 %</td></tr></table>`,
			want: "Rate | Sep | 4.1%\nShare | Sep | 12 %",
		},
		{
			name: "a spanning body cell is read once",
			in:   `<table><tr><th>Month</th><th>Oct</th><th>Nov</th></tr><tr><td>Total</td><td colspan="2">5,000</td></tr></table>`,
			want: "Oct | Total | 5,000",
		},
		{
			name: "a table without header keeps its rows",
			in:   `<table><tr><td>Sep</td><td>4.1%</td></tr><tr><td>Oct</td><td>4.3%</td></tr></table>`,
			want: "Sep | 4.1%\nOct | 4.3%",
		},
		{
			name: "a header-only table is one row",
			in:   `<table><tr><th>Month</th><th>Rate</th></tr></table>`,
			want: "Month | Rate",
		},
		{
			name: "a table with headers inside a cell of another",
			in:   `<table><tr><td>Layout</td><td><table><tr><th>Month</th><th>Count</th></tr><tr><td>May</td><td>12,000</td></tr></table></td></tr></table>`,
			want: "Layout | Count | May | 12,000",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := HTMLText(tc.in); got != tc.want {
				t.Errorf("HTMLText\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestPageDocumentReadsRepeatedRegionsOnce: a selector that matches both
// copies of a responsive table reads its figures once.
func TestPageDocumentReadsRepeatedRegionsOnce(t *testing.T) {
	t.Parallel()
	table := `<table class="uc-data"><tr><th>Date</th><th>Referrals</th></tr><tr><td>July 1, 2024</td><td>308</td></tr></table>`
	page := `<html><head><title>Latest UC data</title></head><body><div class="visible-lg">` + table +
		`</div><div class="hidden-lg">` + table + `</div></body></html>`
	doc, err := PageDocument("hhs", "https://www.hhs.gov/uc", "table.uc-data", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(doc.Text, "308"); n != 1 {
		t.Errorf("308 appears %d times in:\n%s", n, doc.Text)
	}
}
