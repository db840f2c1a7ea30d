package daemon

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/store"
)

// pendingAtSend wraps a notifier and records, at each send, how many
// alerts the outbox still holds as pending: what a crash at that moment
// would leave to send again.
type pendingAtSend struct {
	notify.Notifier
	db      *store.DB
	pending []int
}

func (p *pendingAtSend) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	var n int
	p.db.View(ctx, func(tx *store.Tx) error {
		as, err := tx.PendingAlerts(1000)
		n = len(as)
		return err
	})
	p.pending = append(p.pending, n)
	return p.Notifier.Send(ctx, a)
}

// ephemeralPendingAtSend is pendingAtSend that keeps the console's
// Ephemeral mark (embedding alone would hide it).
type ephemeralPendingAtSend struct{ *pendingAtSend }

func (ephemeralPendingAtSend) Ephemeral() {}

// enqueueSamples queues one alert per sample event, in order.
func enqueueSamples(t testing.TB, h *harness, n int) []store.Alert {
	t.Helper()
	events := notify.Samples(h.clock.Now())
	if len(events) < n {
		t.Fatalf("only %d sample events, want %d", len(events), n)
	}
	var out []store.Alert
	err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		for _, ev := range events[:n] {
			raw, err := encodePayload(payload{Event: ev})
			if err != nil {
				return err
			}
			a := &store.Alert{Kind: string(ev.Kind), Metric: ev.Metric, Channel: "#figures", Payload: raw, Created: h.clock.Now()}
			if err := tx.Enqueue(a); err != nil {
				return err
			}
			out = append(out, *a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The console's deliveries are recorded once per pass: a cycle's hundreds
// of alerts cost one outbox write, not one fsync each. Every other
// notifier's delivery is recorded before the next send, so a crash repeats
// at most the message in flight.
func TestEphemeralDeliveriesAreRecordedOncePerPass(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ephemeral bool
		want      []int // pending alerts at each send
	}{
		{"console (ephemeral)", true, []int{4, 4, 4, 4}},
		{"not ephemeral", false, []int{4, 3, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
			var out strings.Builder
			p := &pendingAtSend{Notifier: console.New(&out), db: h.db}
			var n notify.Notifier = p
			if tc.ephemeral {
				n = ephemeralPendingAtSend{p}
			}
			h.d.rt.Load().notifier = n
			enqueueSamples(t, h, 4)

			st, err := h.d.Deliver(context.Background())
			if err != nil || st.Sent != 4 {
				t.Fatalf("Deliver = %+v, %v; want 4 sent", st, err)
			}
			if got := p.pending; !slices.Equal(got, tc.want) {
				t.Errorf("pending alerts at each send = %v, want %v", got, tc.want)
			}
			if pending, sent, _ := h.outbox(); pending != 0 || sent != 4 {
				t.Errorf("after the pass: %d pending, %d sent; want 0, 4", pending, sent)
			}
			if got := strings.Count(out.String(), "─\n"); got != 4 {
				t.Errorf("%d console messages, want 4", got)
			}
		})
	}
}

// An edit of a message delivered earlier in the same pass must not wait
// for the next pass because that delivery is not written yet: the pass
// writes what it holds first.
func TestEphemeralUpdateOfAlertSentInTheSamePass(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	var out strings.Builder
	h.d.rt.Load().notifier = console.New(&out)
	first := enqueueSamples(t, h, 1)[0]
	err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		upd := first
		upd.ID, upd.UpdateOf = 0, first.ID
		return tx.Enqueue(&upd)
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.d.Deliver(context.Background())
	if err != nil || st.Sent != 2 || st.Deferred != 0 {
		t.Fatalf("Deliver = %+v, %v; want both sent in one pass", st, err)
	}
	if !strings.Contains(out.String(), "updated") {
		t.Errorf("no update printed:\n%s", out.String())
	}
}

// closeAfterSends closes the database after its n-th send, as a process
// killed there would never write what followed.
type closeAfterSends struct {
	notify.Notifier
	db   *store.DB
	n    int
	sent int
}

func (c *closeAfterSends) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	r, err := c.Notifier.Send(ctx, a)
	if c.sent++; c.sent == c.n {
		c.db.Close()
	}
	return r, err
}

func (closeAfterSends) Ephemeral() {}

// A crash after the console printed a pass's alerts but before the pass
// was recorded prints them again at the next start; none is lost.
func TestEphemeralCrashRepeatsThePassLosesNothing(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	var out strings.Builder
	h.d.rt.Load().notifier = &closeAfterSends{Notifier: console.New(&out), db: h.db, n: 3}
	enqueueSamples(t, h, 3)
	if _, err := h.d.Deliver(context.Background()); err == nil {
		t.Fatal("Deliver reported success though its records could not be written")
	}
	h.restart()
	h.d.rt.Load().notifier = console.New(&out)
	h.clock.Add(time.Minute)
	if _, err := h.d.drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pending, sent, _ := h.outbox(); pending != 0 || sent != 3 {
		t.Errorf("after restart: %d pending, %d sent; want 0, 3", pending, sent)
	}
	if got := strings.Count(out.String(), "─\n"); got != 6 {
		t.Errorf("%d console messages, want 6 (the unrecorded pass printed again)", got)
	}
}

// Polls that change something commit through Batch, which bbolt may run
// again; what they count in /metrics must still match what the outbox
// holds, with many sources committing at once.
func TestConcurrentPollsCountEachQueuedAlertOnce(t *testing.T) {
	var srcs []sourceYAML
	for i := range 12 {
		auth := "official"
		if i%2 == 1 {
			auth = "press"
		}
		srcs = append(srcs, sourceYAML{id: fmt.Sprintf("s%02d", i), path: fmt.Sprintf("/s%02d.xml", i), authority: auth, firstPollAlerts: true})
	}
	h := newHarness(t, srcs, "")
	reg := prometheus.NewRegistry()
	h.d.stats = NewMetrics(reg)
	for i, s := range srcs {
		text := aug2024
		if i%2 == 1 {
			text = "Officials said nearly 300,000 children were never served a notice to appear."
		}
		h.feeds.set(s.path, feedResponse{body: rss(s.id, [4]string{fmt.Sprintf("item-%d", i), "Report", text, pubAug})})
	}
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	p, s, f := h.outbox()
	alerts := p + s + f
	if alerts == 0 {
		t.Fatal("no alerts queued")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var queued float64
	for _, mf := range families {
		if mf.GetName() == "watcher_alerts_queued_total" {
			for _, s := range mf.GetMetric() {
				queued += s.GetCounter().GetValue()
			}
		}
	}
	if int(queued) != alerts {
		t.Errorf("watcher_alerts_queued_total = %v, outbox holds %d alerts", queued, alerts)
	}
}
