package daemon

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify"
)

// faultNotifier cancels the run's context at a chosen point of a delivery,
// the way a SIGKILL would end the process there.
type faultNotifier struct {
	notify.Notifier
	cancel context.CancelFunc
	before bool // cancel before the message reaches Slack
	after  bool // cancel after Slack took it, before the caller hears back
}

func (f *faultNotifier) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	if f.before {
		f.cancel()
		return notify.Receipt{}, context.Canceled
	}
	r, err := f.Notifier.Send(ctx, a)
	if f.after && err == nil {
		f.cancel()
		return notify.Receipt{}, errors.New("connection reset: the reply was lost")
	}
	return r, err
}

// TestCrashAtEveryStepDeliversExactlyOnce ends a cycle at each step, from
// the fetch to the outbox update, restarts, and checks that every alert of
// the fault-free run reaches Slack exactly once.
func TestCrashAtEveryStepDeliversExactlyOnce(t *testing.T) {
	faults := []string{"after fetch, before store", "after store, before delivery", "before send", "after send, reply lost", "between two deliveries"}
	for _, fault := range faults {
		t.Run(fault, func(t *testing.T) {
			h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
			h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
			if err := h.once(); err != nil {
				t.Fatal(err)
			}
			h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG",
				[4]string{"OIG-25-21", "Audit", mar2025, pubMar}, [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
			h.clock.Add(time.Hour)

			ctx, cancel := context.WithCancel(context.Background())
			real := h.d.fetcher
			sent := 0
			switch fault {
			case "after fetch, before store":
				h.d.fetcher = fetcherFunc(func(c context.Context, req fetch.Request) (*fetch.Response, error) {
					r, err := real.Get(c, req)
					cancel()
					return r, err
				})
			case "after store, before delivery":
				h.slack.SetMode("reset") // the poll commits; no delivery gets through
			case "before send":
				h.d.rt.Load().notifier = &faultNotifier{Notifier: h.d.rt.Load().notifier, cancel: cancel, before: true}
			case "after send, reply lost":
				h.d.rt.Load().notifier = &faultNotifier{Notifier: h.d.rt.Load().notifier, cancel: cancel, after: true}
			case "between two deliveries":
				n := h.d.rt.Load().notifier
				h.d.rt.Load().notifier = &countingNotifier{Notifier: n, after: 1, cancel: cancel, sent: &sent}
			}
			_ = h.d.Once(ctx)
			cancel()

			// Restart: a new process on the same database, Slack healthy.
			h.slack.SetMode("ok")
			h.restart()
			h.clock.Add(time.Hour)
			if err := h.once(); err != nil {
				t.Fatalf("after restart: %v", err)
			}
			posts := h.slack.Posts()
			var got []string
			seen := map[string]bool{}
			for _, p := range posts {
				if seen[p.Metadata] {
					t.Errorf("alert posted twice: %s", p.Metadata)
				}
				seen[p.Metadata] = true
				got = append(got, firstLine(p.Text))
			}
			sort.Strings(got)
			if len(got) != 3 {
				t.Fatalf("%d messages, want 3 (two metric_changed and the new_report):\n%s", len(got), dumpPosts(posts))
			}
			if h.pending() != 0 {
				t.Errorf("%d alerts still pending", h.pending())
			}
		})
	}
}

// countingNotifier cancels after `after` successful sends.
type countingNotifier struct {
	notify.Notifier
	after  int
	sent   *int
	cancel context.CancelFunc
}

func (c *countingNotifier) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	if *c.sent >= c.after {
		c.cancel()
		return notify.Receipt{}, context.Canceled
	}
	r, err := c.Notifier.Send(ctx, a)
	if err == nil {
		*c.sent++
	}
	return r, err
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
