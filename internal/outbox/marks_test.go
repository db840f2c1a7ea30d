package outbox

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/store"
)

// pendingAtSend wraps a notifier and records, at each send, how many
// alerts the outbox still holds as pending: what a crash at that moment
// would leave to send again.
type pendingAtSend struct {
	notify.Notifier
	h       *harness
	pending []int
}

func (p *pendingAtSend) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	var n int
	p.h.db.View(ctx, func(tx *store.Tx) error {
		as, err := tx.PendingAlerts(1000)
		n = len(as)
		return err
	})
	p.pending = append(p.pending, n)
	return p.Notifier.Send(ctx, a)
}

// durablePendingAtSend is pendingAtSend declaring the console durable, as
// a notifier that posts where people read would.
type durablePendingAtSend struct{ *pendingAtSend }

func (durablePendingAtSend) Caps() notify.Caps { return notify.Caps{Update: true, Digest: true} }

// The console's deliveries are recorded once per pass: a cycle's hundreds
// of alerts cost one outbox write, not one fsync each. Every other
// notifier's delivery is recorded before the next send, so a crash repeats
// at most the message in flight.
func TestEphemeralDeliveriesAreRecordedOncePerPass(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		ephemeral bool
		want      []int // pending alerts at each send
	}{
		{"console (ephemeral)", true, []int{4, 4, 4, 4}},
		{"not ephemeral", false, []int{4, 3, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			h := newHarness(t, nil, "")
			p := &pendingAtSend{Notifier: console.New(&out), h: h}
			var n notify.Notifier = p
			if !tc.ephemeral {
				n = durablePendingAtSend{p}
			}
			h.setNotifier(n)
			h.enqueueSamples(4)

			st, err := h.o.Deliver(context.Background())
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
	t.Parallel()
	var out strings.Builder
	h := newHarness(t, console.New(&out), "")
	first := h.enqueueSamples(1)[0]
	err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		upd := first
		upd.ID, upd.UpdateOf = 0, first.ID
		return tx.Enqueue(&upd)
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.o.Deliver(context.Background())
	if err != nil || st.Sent != 1 || st.Updated != 1 || st.Deferred != 0 {
		t.Fatalf("Deliver = %+v, %v; want one sent and its update in one pass", st, err)
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

// A crash after the console printed a pass's alerts but before the pass
// was recorded prints them again at the next start; none is lost.
func TestEphemeralCrashRepeatsThePassLosesNothing(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	h := newHarness(t, nil, "")
	h.setNotifier(&closeAfterSends{Notifier: console.New(&out), db: h.db, n: 3})
	h.enqueueSamples(3)
	if _, err := h.o.Deliver(context.Background()); err == nil {
		t.Fatal("Deliver reported success though its records could not be written")
	}
	h.restart()
	h.setNotifier(console.New(&out))
	h.clock.Add(time.Minute)
	h.drain()
	if pending, sent, _ := h.outbox(); pending != 0 || sent != 3 {
		t.Errorf("after restart: %d pending, %d sent; want 0, 3", pending, sent)
	}
	if got := strings.Count(out.String(), "─\n"); got != 6 {
		t.Errorf("%d console messages, want 6 (the unrecorded pass printed again)", got)
	}
}
