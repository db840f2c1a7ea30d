package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/store"
)

// typicalEvents is a changed cycle's alerts with follow_links as issue #16
// measured them (5% of 1,000 feeds changed, ~190 alerts): about 64%
// metric_changed, 21% new_report, 15% claim_mismatch, the claims citing
// the five earlier official figures they repeat. Each is one of the
// notify samples, given its own document and value so that no claim folds
// into another.
func typicalEvents(now time.Time, n int) []diff.Event {
	byKind := map[diff.Kind]diff.Event{}
	for _, ev := range notify.Samples(now) {
		byKind[ev.Kind] = ev
	}
	mix := []diff.Kind{}
	for range 13 {
		mix = append(mix, diff.MetricChanged)
	}
	for range 4 {
		mix = append(mix, diff.NewReport)
	}
	for range 3 {
		mix = append(mix, diff.ClaimMismatch)
	}
	out := make([]diff.Event, n)
	for i := range out {
		ev := byKind[mix[i%len(mix)]]
		ev.DocID, ev.URL = fmt.Sprintf("%s-%d", ev.DocID, i), fmt.Sprintf("%s?n=%d", ev.URL, i)
		if ev.New != nil {
			s := *ev.New
			s.Value += float64(i)
			s.DocID, s.URL = ev.DocID, ev.URL
			ev.New = &s
		}
		if ev.Kind == diff.ClaimMismatch && ev.Old != nil {
			ev.Figures = nil
			for j := range 5 {
				f := *ev.Old
				f.Value += float64(100 * j)
				f.DocID, f.URL = fmt.Sprintf("%s-%d", f.DocID, j), fmt.Sprintf("%s?n=%d", f.URL, j)
				ev.Figures = append(ev.Figures, f)
			}
		}
		out[i] = ev
	}
	return out
}

// A cycle's alerts take at most about 2 KB each in the file, index
// entries and page slack included (issue #16, target 5: alerts were
// ~4 KB each, 0.72 MB of a changed cycle's 1.26 MB), and each reads back
// as it was queued.
func TestAlertsAreStoredSmall(t *testing.T) {
	t.Parallel()
	const n = 600 // about three cycles: enough pages that page slack averages out
	h := newHarness(t, console.New(io.Discard), "")
	ctx := context.Background()
	events := typicalEvents(h.clock.Now(), n)
	before, err := h.db.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jsonBytes := 0
	for chunk := range slices.Chunk(events, 20) { // a poll's transaction
		if err := h.db.Update(ctx, func(tx *store.Tx) error {
			for _, ev := range chunk {
				queued, err := h.o.Enqueue(tx, ev)
				if err != nil || !queued {
					return fmt.Errorf("enqueue %s: queued %v, %w", ev.Kind, queued, err)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	after, err := h.db.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = h.db.View(ctx, func(tx *store.Tx) error {
		for i, ev := range events {
			a, ok, err := tx.Alert(uint64(i + 1))
			if err != nil || !ok {
				return fmt.Errorf("alert %d: %v %w", i+1, ok, err)
			}
			jsonBytes += len(a.Payload)
			var pl payload
			if err := json.Unmarshal(a.Payload, &pl); err != nil {
				return err
			}
			if diff := cmp.Diff(ev, pl.Event); diff != "" {
				t.Errorf("alert %d reads back otherwise (-queued +read):\n%s", i+1, diff)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	perAlert := float64(after-before) / n
	t.Logf("%d alerts: %.0f B each in the file, payload JSON %d B each", n, perAlert, jsonBytes/n)
	logged := map[diff.Kind]bool{}
	for _, ev := range events {
		if raw, err := encodePayload(payload{Event: ev}); err == nil && !logged[ev.Kind] {
			logged[ev.Kind] = true
			t.Logf("  %s: payload JSON %d B, %d figures", ev.Kind, len(raw), len(ev.Figures))
		}
	}
	if perAlert > 2048 {
		t.Errorf("%.0f bytes per alert in the file, want at most 2 KB", perAlert)
	}
}
