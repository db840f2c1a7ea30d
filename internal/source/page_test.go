package source

import (
	"strings"
	"testing"
)

func TestPageDocument(t *testing.T) {
	t.Parallel()
	const page = `<!DOCTYPE html><html><head><title>UC data</title></head><body>
<nav>Home | About</nav>
<div id="figures"><table><tr><th>Measure</th><th>Count</th></tr>
<tr><td>Unaccompanied children referred</td><td>12,345</td></tr></table></div>
<footer>Contact us</footer></body></html>`
	tests := []struct {
		name, selector string
		want, notWant  []string
		wantErr        string
	}{
		{name: "no selector reads the main content", want: []string{"UC data", "Unaccompanied children referred | 12,345"}, notWant: []string{"Home", "Contact"}},
		{name: "selector keeps the row's label with its number", selector: "#figures table",
			want: []string{"UC data", "Unaccompanied children referred | 12,345"}, notWant: []string{"Home", "Contact"}},
		{name: "selector that matches nothing", selector: "#gone", wantErr: `selector "#gone" matches nothing (title "UC data")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := PageDocument("hhs", "https://example.org/data", tc.selector, []byte(page))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != "hhs:https://example.org/data" || d.Title != "UC data" || len(d.Hash) != 64 {
				t.Errorf("doc = %+v", d)
			}
			for _, w := range tc.want {
				if !strings.Contains(d.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, d.Text)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(d.Text, w) {
					t.Errorf("text has %q:\n%s", w, d.Text)
				}
			}
		})
	}
}

func TestPageDocumentReadsNestedMatchesOnce(t *testing.T) {
	t.Parallel()
	const page = `<html><head><title>Key figures</title></head><body>
<div class="box"><p>Referred: 12,345</p><div class="box"><p>Released: 6,789</p></div></div>
<div class="box"><p>Pending: 42</p></div></body></html>`
	d, err := PageDocument("hhs", "https://example.org/k", "div.box", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	want := "Key figures\n\nReferred: 12,345\n\nReleased: 6,789\n\nPending: 42"
	if d.Text != want {
		t.Errorf("text = %q, want %q", d.Text, want)
	}
}
