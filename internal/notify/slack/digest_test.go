package slack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

// sampleNow fixes the samples' clock so their golden files are stable.
var sampleNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestSampleBlocksMatchGoldenAndLimits(t *testing.T) {
	t.Parallel()
	for _, ev := range notify.Samples(sampleNow) {
		t.Run(string(ev.Kind), func(t *testing.T) {
			t.Parallel()
			blocks := AlertBlocks(notify.Alert{Event: ev})
			checkLimits(t, blocks)
			notifytest.Golden(t, *update, "sample_"+string(ev.Kind), marshalBlocks(t, blocks))
		})
	}
}

func TestClaimWithOtherOutletsBlocks(t *testing.T) {
	t.Parallel()
	a := notifytest.Alert(t, "claim_mismatch_also")
	blocks := AlertBlocks(a)
	notifytest.Golden(t, *update, "claim_mismatch_also", marshalBlocks(t, blocks))
	var texts []string
	for _, b := range checkLimits(t, blocks) {
		texts = append(texts, b.text())
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{
		"*Note*\nThe claim matches the August 2024 figure, since revised: more than 32,000\n_reported 20 Aug 2024_",
		"*Note: *<https://www.oig.dhs.gov/sites/default/files/assets/2024-08/OIG-24-46-Aug24.pdf|OIG-24-46: ",
		"*Also reported by: *<https://ledger.example.net/news/children-court|Report: 32,000 migrant children skipped court> (evening-ledger), ",
		// Rich text is shown as it is: the outlet's title stays text.
		"<https://wire.example.org/a/8841|Watchdog <!channel> & the 32,000 <https://evil.example|children>> (metro-wire), ",
		"(valley-post)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("blocks lack %q:\n%s", want, all)
		}
	}
	// Without Also, the alert renders as its event does.
	a.Also = nil
	if got, want := marshalBlocks(t, AlertBlocks(a)), marshalBlocks(t, AlertBlocks(notify.Alert{Event: a.Event})); string(got) != string(want) {
		t.Errorf("AlertBlocks without Also differs from Blocks")
	}
}

var alsoItem = regexp.MustCompile(`\((outlet-\d+)\)`)

func TestAlsoSectionStaysWithinLimits(t *testing.T) {
	t.Parallel()
	base := notifytest.Alert(t, "claim_mismatch_also")
	tests := []struct {
		name       string
		n          int
		urlLen     int
		titleLen   int
		wantListed int
	}{
		{name: "ten listed, the rest counted", n: 25, urlLen: 40, titleLen: 60, wantListed: notify.AlsoShown},
		{name: "long titles are cut", n: 12, urlLen: 40, titleLen: 1000, wantListed: notify.AlsoShown},
		{name: "long links are named, not linked", n: 12, urlLen: 2900, titleLen: 60, wantListed: notify.AlsoShown},
		{name: "few outlets", n: 2, urlLen: 40, titleLen: 60, wantListed: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := base
			a.Also = nil
			for i := range tc.n {
				a.Also = append(a.Also, diff.Stated{
					Source: fmt.Sprintf("outlet-%d", i),
					URL:    fmt.Sprintf("https://o%d.example.com/", i) + strings.Repeat("a", tc.urlLen),
					Title:  strings.Repeat("t ", tc.titleLen/2) + "& <b>",
				})
			}
			var also string
			for _, b := range checkLimits(t, AlertBlocks(a)) {
				if strings.HasPrefix(b.text(), "*Also reported by: *") {
					also = b.text()
				}
			}
			if also == "" {
				t.Fatal("no Also section")
			}
			listed := len(alsoItem.FindAllString(also, -1))
			if listed != tc.wantListed {
				t.Errorf("%d outlets listed, want %d", listed, tc.wantListed)
			}
			if more := tc.n - listed; more > 0 && !strings.HasSuffix(also, fmt.Sprintf("_…and %d more_", more)) {
				t.Errorf("the %d outlets left out are not counted: …%s", more, also[max(0, len(also)-80):])
			}
			if tc.n == listed && strings.Contains(also, "more_") {
				t.Errorf("counts more outlets than there are: %s", also)
			}
		})
	}
}

func TestDigestBlocksMatchGolden(t *testing.T) {
	t.Parallel()
	blocks := DigestBlocks(notify.Samples(sampleNow), sampleNow.Add(-11*time.Hour), sampleNow)
	checkLimits(t, blocks)
	notifytest.Golden(t, *update, "digest", marshalBlocks(t, blocks))
	empty := checkLimits(t, DigestBlocks(nil, sampleNow.Add(-11*time.Hour), sampleNow))
	if len(empty) != 3 || empty[2].text() != "_No alerts were held._" {
		t.Errorf("empty digest = %+v", empty)
	}
}

var (
	digestItem = regexp.MustCompile(`(?m)^• \*`)
	digestMore = regexp.MustCompile(`^_…and (\d+) more alerts?_$`)
)

func TestDigestBlocksStayWithinLimits(t *testing.T) {
	t.Parallel()
	samples := notify.Samples(sampleNow)
	many := func(n int, mutate func(i int, ev *diff.Event)) []diff.Event {
		out := make([]diff.Event, n)
		for i := range out {
			out[i] = samples[i%len(samples)]
			if mutate != nil {
				mutate(i, &out[i])
			}
		}
		return out
	}
	tests := []struct {
		name      string
		events    []diff.Event
		wantAll   bool
		wantMore  bool
		minListed int
	}{
		{name: "a quiet night", events: many(5, nil), wantAll: true},
		{name: "a busy night", events: many(60, nil), wantMore: true, minListed: 30},
		{name: "hundreds of alerts", events: many(500, nil), wantMore: true, minListed: 30},
		{
			name: "hostile, very long headlines and links",
			events: many(80, func(i int, ev *diff.Event) {
				ev.SourceName = strings.Repeat("<!channel> & ", 400)
				ev.Title = strings.Repeat("<https://evil|x> ", 300)
				ev.URL = "https://x.example/" + strings.Repeat("b", 2900)
			}),
			wantMore:  true,
			minListed: 10,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			blocks := checkLimits(t, DigestBlocks(tc.events, sampleNow.Add(-9*time.Hour), sampleNow))
			listed, counted := 0, 0
			for _, b := range blocks {
				if b.Type != "rich_text" {
					continue
				}
				listed += len(digestItem.FindAllString(b.text(), -1))
				if m := digestMore.FindStringSubmatch(b.text()); m != nil {
					counted, _ = strconv.Atoi(m[1])
				}
			}
			if listed+counted != len(tc.events) {
				t.Errorf("%d listed + %d counted, want %d", listed, counted, len(tc.events))
			}
			if tc.wantAll && counted != 0 {
				t.Errorf("%d alerts left out of a short digest", counted)
			}
			if tc.wantMore && counted == 0 {
				t.Errorf("no alert counted as left out")
			}
			if listed < tc.minListed {
				t.Errorf("only %d alerts listed", listed)
			}
			if h := blocks[0].Text.Text; h != fmt.Sprintf("Digest: %d alerts held", len(tc.events)) {
				t.Errorf("header = %q", h)
			}
		})
	}
	// Lines are cut, never split across sections.
	for _, b := range checkLimits(t, DigestBlocks(many(60, nil), time.Time{}, time.Time{})) {
		if s := b.text(); b.Type == "rich_text" && !strings.HasPrefix(s, "• ") && !strings.HasPrefix(s, "_…and") {
			t.Errorf("block does not start with an alert: %.80q", s)
		}
	}
}

func BenchmarkDigestBlocks(b *testing.B) {
	samples := notify.Samples(sampleNow)
	events := make([]diff.Event, 200)
	for i := range events {
		events[i] = samples[i%len(samples)]
	}
	b.ReportAllocs()
	for b.Loop() {
		DigestBlocks(events, sampleNow.Add(-9*time.Hour), sampleNow)
	}
}

func BenchmarkAlertBlocksWithOtherOutlets(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "alerts", "claim_mismatch_also.json"))
	if err != nil {
		b.Fatal(err)
	}
	var a notify.Alert
	if err := json.Unmarshal(raw, &a); err != nil {
		b.Fatal(err)
	}
	for len(a.Also) < 25 {
		s := a.Also[len(a.Also)%3]
		s.URL += fmt.Sprintf("?v=%d", len(a.Also))
		a.Also = append(a.Also, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		AlertBlocks(a)
	}
}
