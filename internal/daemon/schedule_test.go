package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/fetch"
)

// fetcherFunc adapts a function to Fetcher.
type fetcherFunc func(ctx context.Context, req fetch.Request) (*fetch.Response, error)

func (f fetcherFunc) Get(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
	return f(ctx, req)
}

func TestPanicInOnePollIsRecovered(t *testing.T) {
	h := newHarness(t, []sourceYAML{
		{id: "boom", path: "/boom.xml", authority: "press"},
		{id: "fine", path: "/fine.xml", authority: "official", firstPollAlerts: true},
	}, "")
	h.feeds.set("/fine.xml", feedResponse{body: rss("fine", [4]string{"r", "Report", aug2024, pubAug})})
	real := h.d.fetcher
	h.d.fetcher = fetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
		if req.Source == "boom" {
			panic("parser exploded")
		}
		return real.Get(ctx, req)
	})
	err := h.once()
	if err == nil || !strings.Contains(err.Error(), "poll boom: panic: parser exploded") {
		t.Fatalf("once: %v, want the panic reported as boom's error", err)
	}
	if len(h.slack.Posts()) == 0 {
		t.Error("the healthy source's alerts were not delivered")
	}
	if !strings.Contains(h.log(), "poll panicked") || !strings.Contains(h.log(), "stack=") {
		t.Error("panic not logged with its stack")
	}
}

func TestSourceNeverPollsTwiceAtOnce(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "slow", path: "/slow.xml", authority: "press"}}, "")
	release := make(chan struct{})
	fetching := make(chan struct{}, 1)
	var inFlight, most atomic.Int32
	h.d.fetcher = fetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
		n := inFlight.Add(1)
		select {
		case fetching <- struct{}{}:
		default:
		}
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		return nil, errors.New("done")
	})
	src := h.d.conf().EnabledSources()[0]
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- h.d.slots.run(ctx, src, h.d.pollHeld) }()
	<-fetching // the first poll is in its fetch
	if err := h.d.slots.run(ctx, src, h.d.pollHeld); !errors.Is(err, errSkipped) {
		t.Errorf("second concurrent poll: %v, want errSkipped", err)
	}
	close(release)
	<-first
	if most.Load() != 1 {
		t.Errorf("%d polls of one source ran at once", most.Load())
	}
	// Once the first poll is over the source can be polled again.
	if err := h.d.slots.run(ctx, src, h.d.pollHeld); errors.Is(err, errSkipped) {
		t.Error("source stayed marked as running after its poll ended")
	}
}

func TestJitterIsStableAndBounded(t *testing.T) {
	d := &Daemon{opts: Options{MaxJitter: 3 * time.Second}}
	seen := map[time.Duration]bool{}
	for _, id := range []string{"a", "b", "gao-reports", "dhs-oig"} {
		j := jitter(id, d.opts.MaxJitter)
		if j < 0 || j >= 3*time.Second || j != jitter(id, d.opts.MaxJitter) {
			t.Errorf("jitter(%s) = %s: not stable or out of [0,3s)", id, j)
		}
		seen[j] = true
	}
	if len(seen) < 2 {
		t.Error("every source got the same jitter")
	}
}

func TestHealthyReportsASilentLoop(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "a", path: "/a.xml", authority: "press"}}, "")
	if err := h.d.Healthy(); err != nil {
		t.Errorf("before the loops start: %v, want healthy", err)
	}
	h.d.schedBeat.Store(h.clock.Now().UnixNano())
	if _, err := h.d.outbox.Deliver(context.Background()); err != nil { // a pass is the outbox's beat
		t.Fatal(err)
	}
	if err := h.d.Healthy(); err != nil {
		t.Errorf("fresh beats: %v", err)
	}
	h.clock.Add(2 * time.Minute)
	if err := h.d.Healthy(); err == nil || !strings.Contains(err.Error(), "scheduler silent") {
		t.Errorf("a scheduler silent for 2m: %v", err)
	}
	h.d.schedBeat.Store(h.clock.Now().UnixNano())
	h.clock.Add(5 * time.Minute)
	h.d.schedBeat.Store(h.clock.Now().UnixNano())
	if err := h.d.Healthy(); err == nil || !strings.Contains(err.Error(), "outbox loop silent") {
		t.Errorf("an outbox loop silent for 7m: %v", err)
	}
}

// manySources is n feed sources s000, s001, … in that order.
func manySources(n int) []sourceYAML {
	srcs := make([]sourceYAML, n)
	for i := range srcs {
		srcs[i] = sourceYAML{id: fmt.Sprintf("s%03d", i), path: fmt.Sprintf("/s%03d.xml", i), authority: "press"}
	}
	return srcs
}

// A cycle over many sources starts a poll's goroutine only when a slot is
// free: while every slot is held by a stalled fetch, the goroutines alive
// are about the slots, not the sources.
func TestOnceStartsNoGoroutinePerWaitingSource(t *testing.T) {
	const n, slots = 120, 4
	h := newHarness(t, manySources(n), "")
	h.d.slots.ch = make(chan struct{}, slots)
	release := make(chan struct{})
	inFetch := make(chan struct{}, n)
	h.d.fetcher = fetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
		inFetch <- struct{}{}
		<-release
		return nil, errors.New("stalled")
	})
	base := goruntime.NumGoroutine()
	done := make(chan error, 1)
	go func() { done <- h.once() }()
	for range slots {
		<-inFetch
	}
	extra := goruntime.NumGoroutine() - base
	close(release)
	if err := <-done; err == nil {
		t.Error("once reported no error though every fetch failed")
	}
	// The Once goroutine, one per slot and a few of bbolt's and the
	// runtime's; 120 if every source had its own.
	if extra > 2*slots+4 {
		t.Errorf("%d goroutines alive with %d sources waiting for %d slots; want about the slots", extra, n-slots, slots)
	}
	if got := len(inFetch) + slots; got != n {
		t.Errorf("%d sources fetched, want %d", got, n)
	}
}

// Sources are handed to the slots in the order of the config.
func TestOncePollsInConfigOrder(t *testing.T) {
	const n = 30
	h := newHarness(t, manySources(n), "")
	h.d.slots.ch = make(chan struct{}, 1)
	var order []string
	h.d.fetcher = fetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
		order = append(order, req.Source) // one slot: never concurrent
		return nil, errors.New("offline")
	})
	_ = h.once()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("s%03d", i)
	}
	if !slices.Equal(order, want) {
		t.Errorf("fetch order %v, want %v", order, want)
	}
}

// The catch-up at start polls every due source once, handing them to the
// slots in the order their jitter ends.
func TestCatchUpPollsEachDueSourceInJitterOrder(t *testing.T) {
	const n = 40
	h := newHarness(t, manySources(n), "")
	h.d.slots.ch = make(chan struct{}, 1)
	h.d.opts.MaxJitter = 20 * time.Millisecond
	var (
		mu    sync.Mutex
		order []string
	)
	h.d.fetcher = fetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
		mu.Lock()
		order = append(order, req.Source)
		mu.Unlock()
		return nil, errors.New("offline")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	waitFor(t, "every source polled", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == n })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("s%03d", i)
	}
	slices.SortStableFunc(want, func(a, b string) int {
		return cmp.Compare(jitter(a, h.d.opts.MaxJitter), jitter(b, h.d.opts.MaxJitter))
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, want) {
		t.Errorf("catch-up order %v, want by jitter %v", order, want)
	}
}

// Scheduled polls wait in the schedule's queue, not in goroutines: with
// every slot held by a stalled fetch, 120 queued sources cost about the
// slots' goroutines; a source queued twice before its turn is polled once;
// every source is polled once the fetches return.
func TestScheduledPollsWaitInAQueueNotInGoroutines(t *testing.T) {
	const n, slots = 120, 4
	h := newHarness(t, manySources(n), "")
	h.d.slots.ch = make(chan struct{}, slots)
	release := make(chan struct{})
	var (
		mu      sync.Mutex
		fetched = map[string]int{}
	)
	inFetch := make(chan struct{}, n)
	h.d.fetcher = fetcherFunc(func(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
		mu.Lock()
		fetched[req.Source]++
		mu.Unlock()
		inFetch <- struct{}{}
		<-release
		return nil, errors.New("stalled")
	})
	ctx, cancel := context.WithCancel(context.Background())
	var polls sync.WaitGroup
	s := &schedule{d: h.d, work: context.Background(), stop: ctx, polls: &polls, queue: pollQueue{wake: make(chan struct{}, 1)}}
	base := goruntime.NumGoroutine()
	polls.Go(s.dispatch)
	srcs := h.d.conf().EnabledSources()
	s.pollNow(srcs)
	for range slots {
		<-inFetch
	}
	// Fired again while waiting (the dispatcher now holds the next source,
	// waiting for a slot; the rest are queued): no second poll.
	s.pollNow(srcs[slots+1:])
	extra := goruntime.NumGoroutine() - base
	close(release)
	waitFor(t, "every source polled", func() bool { mu.Lock(); defer mu.Unlock(); return len(fetched) == n })
	cancel()
	polls.Wait()
	if extra > 2*slots+4 {
		t.Errorf("%d goroutines alive with %d sources queued for %d slots; want about the slots", extra, n-slots, slots)
	}
	for id, k := range fetched {
		if k != 1 {
			t.Errorf("source %s polled %d times, want once", id, k)
		}
	}
}

// A warm cycle reads the sources' fetch states in one transaction, not one
// each: the read transactions of a `once` of 304s do not grow with the
// sources.
func TestOnceReadsFetchStatesTogether(t *testing.T) {
	readTxs := func(n int) (cold, warm int) {
		h := newHarness(t, manySources(n), "")
		for i := range n {
			h.feeds.set(fmt.Sprintf("/s%03d.xml", i), feedResponse{etag: `"v1"`, body: rss("Feed")})
		}
		before := h.db.ReadTransactions()
		if err := h.once(); err != nil { // the first poll, writing the validators
			t.Fatalf("first once with %d sources: %v", n, err)
		}
		cold = h.db.ReadTransactions() - before
		before = h.db.ReadTransactions()
		if err := h.once(); err != nil {
			t.Fatalf("warm once with %d sources: %v", n, err)
		}
		warm = h.db.ReadTransactions() - before
		for i := range n {
			id := fmt.Sprintf("s%03d", i)
			if got := h.feeds.count("/" + id + ".xml"); got != 2 {
				t.Fatalf("source %d fetched %d times, want 2", i, got)
			}
			// Held until the cycle ended, every 304 was saved.
			st, err := fetchState(t.Context(), h.db, id)
			if err != nil || st.Polls != 2 || st.LastStatus != 304 || st.ETag != `"v1"` {
				t.Errorf("%s after a warm once: %+v (%v); want 2 polls, the last a 304, and the etag", id, st, err)
			}
		}
		if got := strings.Count(h.log(), "msg=poll source="); got != 2*n {
			t.Errorf("%d polls logged, want %d (a cold and a warm cycle)", got, 2*n)
		}
		return cold, warm
	}
	smallCold, small := readTxs(5)
	largeCold, large := readTxs(40)
	if large-small > 5 {
		t.Errorf("a warm once began %d read transactions for 5 sources and %d for 40: one a source, not one a cycle", small, large)
	}
	if largeCold-smallCold > 5 {
		t.Errorf("a cold once began %d read transactions for 5 sources and %d for 40: one a new source, not one a cycle", smallCold, largeCold)
	}
}
