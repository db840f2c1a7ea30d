package outbox

import (
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

func TestDescribeTellsWhatTheAlertSaid(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	now := time.Date(2026, 12, 1, 21, 50, 0, 0, time.UTC)
	byKind := map[diff.Kind]diff.Event{}
	for _, ev := range notify.Samples(now) {
		byKind[ev.Kind] = ev
	}
	alert := func(ev diff.Event) store.Alert {
		raw, err := encodePayload(payload{Event: ev})
		if err != nil {
			t.Fatal(err)
		}
		return store.Alert{ID: 7, Kind: string(ev.Kind), Payload: raw}
	}
	cases := []struct {
		name                   string
		a                      store.Alert
		wantHeadline, wantLink string
	}{
		{"claim: the headline with its note, the claim's link", alert(byKind[diff.ClaimMismatch]),
			"Children who failed to appear in immigration court: The Example Courier (sample outlet) claims 32,000, official figure is more than 43,000 (−11,000, −25.6%); matches the August 2024 figure, since revised",
			"https://news.example.com/immigration/children-missed-court"},
		{"source failing: the source's link", alert(byKind[diff.SourceFailing]),
			notify.BuildIn(notify.Alert{Event: byKind[diff.SourceFailing]}, ny).FullHeadline(),
			byKind[diff.SourceFailing].URL},
		{"unreadable payload", store.Alert{ID: 8, Payload: []byte(`{"event":`)}, "", ""},
		{"no payload", store.Alert{ID: 9}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, l := Describe(tc.a, ny)
			if h != tc.wantHeadline || l != tc.wantLink {
				t.Errorf("Describe = %q, %q; want %q, %q", h, l, tc.wantHeadline, tc.wantLink)
			}
		})
	}
}
