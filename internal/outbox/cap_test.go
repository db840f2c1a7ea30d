package outbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify/notifytest"
	"github.com/figwatch/watcher/internal/store"
)

// One poll queues at most MaxPerPoll alerts for sending; past it one
// summary says how many there were, and the rest are stored, not sent.
func TestEnqueuePollCapsAlertsPerPoll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		max        int
		events     int
		wantSent   int // new messages, the summary included
		wantStored int // suppressed
		summary    string
	}{
		{"under the cap", 3, 2, 2, 0, ""},
		{"at the cap", 3, 3, 3, 0, ""},
		{"over the cap", 3, 5, 4, 2, "produced 5 alerts in one poll; showing the first 3"},
		{"no cap", 0, 60, 60, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &notifytest.Recorder{Capabilities: slackLike}
			h := newHarness(t, rec, "")
			h.pol.MaxPerPoll = tc.max
			var events []diff.Event
			for i := range tc.events {
				ev := metricNew(fmt.Sprintf("m%02d", i), float64(i))
				ev.SourceName = "DHS OIG"
				events = append(events, ev)
			}
			var kinds []diff.Kind
			err := h.db.Update(context.Background(), func(tx *store.Tx) error {
				var err error
				kinds, err = h.o.EnqueuePoll(tx, events)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(kinds) != tc.wantSent {
				t.Errorf("EnqueuePoll reported %d queued, want %d", len(kinds), tc.wantSent)
			}
			h.drain()
			calls := rec.Calls()
			if len(calls) != tc.wantSent {
				t.Fatalf("%d messages, want %d", len(calls), tc.wantSent)
			}
			if tc.summary != "" {
				ev := calls[tc.max].Alert.Event
				if ev.Kind != KindAlertsCapped || ev.Title != tc.summary || ev.SourceName != "DHS OIG" {
					t.Errorf("message %d: %s %q from %q, want the summary %q", tc.max+1, ev.Kind, ev.Title, ev.SourceName, tc.summary)
				}
			}
			hasSummary := slices.Contains(kinds, KindAlertsCapped)
			if hasSummary != (tc.summary != "") {
				t.Errorf("summary queued %v, want %v", hasSummary, tc.summary != "")
			}
			p, s, f := h.outbox()
			if p != 0 || s != tc.wantSent || f != tc.wantStored {
				t.Errorf("outbox: %d pending, %d sent, %d failed; want 0, %d, %d", p, s, f, tc.wantSent, tc.wantStored)
			}
			for _, a := range h.alerts() {
				if a.Status == store.StatusFailed && (!strings.HasPrefix(a.LastError, suppressedPrefix) || a.Attempts != 0) {
					t.Errorf("alert %d stored as %q after %d attempts, want suppressed and never tried", a.ID, a.LastError, a.Attempts)
				}
			}
		})
	}
}
