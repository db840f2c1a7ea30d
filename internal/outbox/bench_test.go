package outbox

import (
	"context"
	"io"
	"testing"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/store"
)

// plainNotifier declares none of the capabilities of the notifier it
// wraps (ephemeral, update, ...), as the most cautious notifier.
type plainNotifier struct{ notify.Notifier }

func (plainNotifier) Caps() notify.Caps { return notify.Caps{} }

// BenchmarkDeliver delivers a pass of 100 alerts to the console: recorded
// together (the console is ephemeral) and, for comparison, one fsync'd
// record per alert (what a notifier without the mark gets).
func BenchmarkDeliver(b *testing.B) {
	const perPass = 100
	for _, tc := range []struct {
		name string
		n    notify.Notifier
	}{
		{"console", console.New(io.Discard)},
		{"one-record-per-alert", plainNotifier{console.New(io.Discard)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHarness(b, tc.n, "")
			events := notify.Samples(h.clock.Now())
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				err := h.db.Update(ctx, func(tx *store.Tx) error {
					for i := range perPass {
						ev := events[i%len(events)]
						raw, err := encodePayload(payload{Event: ev})
						if err != nil {
							return err
						}
						if err := tx.Enqueue(&store.Alert{Kind: string(ev.Kind), Metric: ev.Metric, Channel: "#figures", Payload: raw, Created: h.clock.Now()}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				st, err := h.o.Deliver(ctx)
				if err != nil || st.Sent != perPass {
					b.Fatalf("Deliver = %+v, %v; want %d sent", st, err, perPass)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*perPass), "µs/alert")
		})
	}
}
