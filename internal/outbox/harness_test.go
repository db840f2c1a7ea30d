package outbox

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// baseYAML is the config the outbox tests run under: quick retries, a
// default channel, and whatever a test adds.
const baseYAML = `
slack: {channel: "#figures"}
delivery: {retry_min: 1s, retry_max: 1m, max_age: 72h}
sources:
  - {id: oig, url: "https://www.oig.dhs.gov/rss.xml", authority: official}
  - {id: press, url: "https://example.org/feed.xml", authority: press}
metrics:
  - {id: uc_no_nta, label: Children not served a notice to appear, any: [notice to appear]}
  - {id: uc_failed_to_appear, label: Children who failed to appear in court, any: [failed to appear]}
  - {id: uc_transferred_hhs, label: Children transferred to HHS, any: [transferred]}
`

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is an Outbox on a real bbolt file in a temporary directory, a
// settable clock and a notifier the test may swap.
type harness struct {
	t       testing.TB
	path    string
	db      *store.DB
	o       *Outbox
	clock   *clock
	metrics *Metrics
	logs    *syncBuilder

	mu  sync.Mutex
	pol *Policy
	n   notify.Notifier
}

func newHarness(t testing.TB, n notify.Notifier, extraYAML string) *harness {
	t.Helper()
	cfg, err := config.Parse("w.yaml", []byte(baseYAML+extraYAML))
	if err != nil {
		t.Fatalf("parse test config: %v", err)
	}
	h := &harness{
		t: t, path: filepath.Join(t.TempDir(), "watcher.db"),
		clock:   &clock{t: time.Date(2025, 3, 26, 9, 0, 0, 0, time.UTC)},
		metrics: NewMetrics(nil), logs: &syncBuilder{},
		pol: NewPolicy(cfg), n: n,
	}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) setNotifier(n notify.Notifier) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n = n
}

// start opens the database and builds the outbox, as a process start does.
func (h *harness) start() {
	h.t.Helper()
	db, err := store.Open(h.path, store.Options{Timeout: time.Second, Now: h.clock.Now})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.db = db
	o, err := New(Options{
		DB: db,
		Setup: func() Setup {
			h.mu.Lock()
			defer h.mu.Unlock()
			return Setup{Policy: h.pol, Notifier: h.n}
		},
		Now:     h.clock.Now,
		Logger:  slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: h.metrics,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.o = o
}

func (h *harness) stop() {
	if h.db != nil {
		h.db.Close()
		h.db = nil
	}
}

// restart simulates a process restart: a new database handle and outbox.
func (h *harness) restart() {
	h.stop()
	h.start()
}

// enqueue queues events through Enqueue, in one transaction as a poll
// would, and returns how many were queued as new alerts.
func (h *harness) enqueue(events ...diff.Event) int {
	h.t.Helper()
	n := 0
	err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		n = 0
		for _, ev := range events {
			ok, err := h.o.Enqueue(tx, ev)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// enqueueSamples queues one alert per sample event to #figures, in order,
// bypassing routing.
func (h *harness) enqueueSamples(n int) []store.Alert {
	h.t.Helper()
	events := notify.Samples(h.clock.Now())
	if len(events) < n {
		h.t.Fatalf("only %d sample events, want %d", len(events), n)
	}
	var out []store.Alert
	err := h.db.Update(context.Background(), func(tx *store.Tx) error {
		for _, ev := range events[:n] {
			raw, err := encodePayload(payload{Event: ev})
			if err != nil {
				return err
			}
			a := &store.Alert{Kind: string(ev.Kind), Metric: ev.Metric, Channel: "#figures", Payload: raw, Created: h.clock.Now(), NextAttempt: h.clock.Now()}
			if err := tx.Enqueue(a); err != nil {
				return err
			}
			out = append(out, *a)
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// alerts returns every alert in the outbox, in queue order.
func (h *harness) alerts() []store.Alert {
	h.t.Helper()
	var out []store.Alert
	err := h.db.View(context.Background(), func(tx *store.Tx) error {
		for id := uint64(1); ; id++ {
			a, ok, err := tx.Alert(id)
			if err != nil || !ok {
				return err
			}
			out = append(out, a)
		}
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// outbox counts the alerts in the outbox by status.
func (h *harness) outbox() (pending, sent, failed int) {
	h.t.Helper()
	err := h.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		pending, sent, failed, err = tx.OutboxStats()
		return err
	})
	if err != nil {
		h.t.Fatalf("read outbox: %v", err)
	}
	return pending, sent, failed
}

func (h *harness) drain() Stats {
	h.t.Helper()
	st, err := h.o.Drain(context.Background())
	if err != nil {
		h.t.Fatalf("Drain: %v\n%s", err, h.logs.String())
	}
	return st
}

// syncBuilder is a strings.Builder safe for the logger's concurrent use.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
