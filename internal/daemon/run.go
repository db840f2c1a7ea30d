package daemon

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// Once polls every enabled source once (concurrently; the fetcher bounds
// how many requests are in flight), then delivers the outbox and enforces
// retention. It returns an error naming every source that failed. It is
// the whole of `watcher once` (and the demo): it holds the cycle's fetch
// states (see cycle), so it does not run alongside Run on one Daemon.
func (d *Daemon) Once(ctx context.Context) error {
	var (
		mu   sync.Mutex
		errs []error
	)
	srcs := d.conf().EnabledSources()
	c, err := readCycle(ctx, d.db, srcs)
	if err != nil {
		return err
	}
	d.cycle.Store(c)
	d.slots.each(ctx, srcs, d.pollHeld, func(_ config.Source, err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	d.cycle.Store(nil)
	// Saved even when the run is being stopped: those polls were made.
	saved, err := c.save(context.WithoutCancel(ctx), d.db)
	switch {
	case err != nil:
		for range saved { // each a poll lost, as a poll's failed commit is
			d.stats.storeFailed()
			d.writes.failed(err, d.now())
		}
		d.log.Error("polls answered 304 not saved", "sources", len(saved), "err", err)
		errs = append(errs, err)
	case len(saved) > 0:
		d.writes.written(d.log)
		for _, p := range saved {
			p.report(d.stats, d.log)
		}
	}
	st, err := d.outbox.Drain(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("deliver: %w", err))
	}
	if st.Deferred > 0 {
		d.log.Warn("alerts left in the outbox for the next run", "pending", st.Deferred)
	}
	// `once` run from cron is a deployment too: it enforces retention as
	// the daemon's background loop would, every retention.interval.
	if err := d.retain.ifDue(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("retention", "err", err)
	}
	return errors.Join(errs...)
}

// schedule is the running cron schedule.
type schedule struct {
	d       *Daemon
	c       *cron.Cron
	entries map[string]cron.EntryID // source id → its cron entry
	// work is the context polls run in: it outlives the run's context by
	// the shutdown grace period. stop is the run's own context.
	work, stop context.Context
	polls      *sync.WaitGroup
	// queue holds the sources a cron entry or the catch-up asked to poll,
	// until their jitter has passed and a poll slot is free (dispatch).
	queue pollQueue
}

// pollQueue is the sources waiting for their poll, earliest first: a
// record each, not a goroutine each, so 10,000 sources on one schedule
// cost 10,000 small records every quarter hour rather than 10,000 stacks.
type pollQueue struct {
	mu      sync.Mutex
	waiting queuedHeap
	queued  map[string]bool // source ids in waiting
	seq     uint64
	wake    chan struct{} // cap 1: something was added
}

type queued struct {
	at  time.Time
	seq uint64 // arrival order, for sources due at the same time
	src *config.Source
}

// queuedHeap is a container/heap of queued, earliest (then first queued)
// on top.
type queuedHeap []queued

func (h queuedHeap) Len() int { return len(h) }
func (h queuedHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h queuedHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *queuedHeap) Push(x any)   { *h = append(*h, x.(queued)) }
func (h *queuedHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// add queues src to be polled at at, unless it is already waiting (a cron
// entry firing again before its source's turn came).
func (q *pollQueue) add(src config.Source, at time.Time) {
	q.mu.Lock()
	if q.queued == nil {
		q.queued = map[string]bool{}
	}
	if !q.queued[src.ID] {
		q.queued[src.ID] = true
		q.seq++
		heap.Push(&q.waiting, queued{at: at, seq: q.seq, src: &src})
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// next is the earliest waiting source, removed from the queue if its time
// has come; otherwise how long until it has (0, false: nothing waits).
func (q *pollQueue) next(now time.Time) (config.Source, time.Duration, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) == 0 {
		return config.Source{}, 0, false
	}
	if wait := q.waiting[0].at.Sub(now); wait > 0 {
		return config.Source{}, wait, false
	}
	e := heap.Pop(&q.waiting).(queued)
	delete(q.queued, e.src.ID)
	return *e.src, 0, true
}

// dispatch hands queued sources to the poll slots as their time comes,
// until the run stops: a poll's goroutine starts only once its source is
// claimed and holds a slot. A source backing off after failures is
// skipped, as cron's poll would have skipped it. Sources still waiting at
// the stop are not polled.
func (s *schedule) dispatch() {
	d := s.d
	for {
		src, wait, ok := s.queue.next(time.Now())
		if !ok {
			if !s.idle(wait) {
				return
			}
			continue
		}
		release, ok := d.slots.claim(src)
		if !ok {
			continue
		}
		if err := d.slots.take(s.work); err != nil || s.stop.Err() != nil {
			if err == nil {
				d.slots.free()
			}
			release()
			return
		}
		s.polls.Go(func() {
			defer release()
			defer d.slots.free()
			if !d.backingOff(s.work, src) {
				_ = d.pollHeld(s.work, src) // every failure is logged by Poll
			}
		})
	}
}

// Run is the daemon: it schedules every enabled source, polls at start the
// sources whose last poll is older than their schedule (cron never catches
// up on runs missed while the daemon was down), delivers the outbox, and on
// cancellation of ctx stops taking new work, waits (bounded) for in-flight
// polls, makes a last delivery pass and returns.
func (d *Daemon) Run(ctx context.Context) error {
	// Polls run on a context that outlives ctx by ShutdownTimeout, so a
	// poll that is writing when SIGTERM arrives can finish.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	var polls sync.WaitGroup
	s := &schedule{
		d:       d,
		c:       cron.New(cron.WithLogger(cronLogger{d.log})),
		entries: map[string]cron.EntryID{},
		work:    work, stop: ctx, polls: &polls,
		queue: pollQueue{wake: make(chan struct{}, 1)},
	}
	due, err := dueSources(ctx, d.db, d.conf(), d.conf().EnabledSources(), d.now())
	if err != nil {
		return err
	}
	if err := s.set(d.conf()); err != nil {
		return err
	}
	if _, err := s.c.AddFunc("@every 10s", func() { d.schedBeat.Store(d.now().UnixNano()) }); err != nil {
		return fmt.Errorf("schedule heartbeat: %w", err)
	}
	d.schedBeat.Store(d.now().UnixNano())
	d.schedMu.Lock()
	d.sched = s
	d.schedMu.Unlock()
	polls.Go(s.dispatch)
	s.c.Start()
	s.logEntries()
	d.log.Info("watcher started", "sources", len(d.conf().EnabledSources()), "metrics", len(d.conf().Metrics),
		"notifier", d.rt.Load().notifier.Name(), "db", d.db.Path(), "timezone", d.conf().Location.String(), "due_now", len(due))
	s.pollNow(due)

	var loops sync.WaitGroup
	loops.Go(func() { d.outboxLoop(ctx) })
	loops.Go(func() { d.retain.loop(ctx) })
	if d.opts.App != nil {
		loops.Go(func() { d.runApp(ctx, d.opts.App) })
	}
	if d.opts.Reload != nil && d.opts.Loader != nil {
		loops.Go(func() { d.reloadLoop(ctx, d.opts.Reload, d.opts.Loader) })
	}
	if d.opts.SdNotify != nil {
		d.opts.SdNotify("READY=1")
		if d.opts.WatchdogInterval > 0 {
			loops.Go(func() { d.watchdog(ctx) })
		}
	}

	<-ctx.Done()
	d.log.Info("stopping: waiting for in-flight polls", "timeout", d.opts.ShutdownTimeout)
	if d.opts.SdNotify != nil {
		d.opts.SdNotify("STOPPING=1")
	}
	d.schedMu.Lock()
	d.sched = nil
	d.schedMu.Unlock()
	cronStopped := s.c.Stop()
	loops.Wait()
	done := make(chan struct{})
	go func() {
		<-cronStopped.Done()
		polls.Wait()
		close(done)
	}()
	timer := time.NewTimer(d.opts.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		d.log.Warn("shutdown timeout: cancelling in-flight polls")
		cancelWork()
		<-done
	}
	// A last pass so that what the final polls queued goes out now rather
	// than at the next start; bounded by what is left of the grace period.
	dctx, cancel := context.WithTimeout(work, 10*time.Second)
	defer cancel()
	if _, err := d.outbox.Drain(dctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		d.log.Error("final delivery", "err", err)
	}
	d.log.Info("watcher stopped")
	return nil
}

// set replaces the schedule's source entries by cfg's. Each entry carries
// the config's time zone, so a reload can change it.
func (s *schedule) set(cfg *config.Config) error {
	d := s.d
	for id, e := range s.entries {
		s.c.Remove(e)
		delete(s.entries, id)
	}
	for _, src := range cfg.Sources {
		if !src.Enabled {
			continue
		}
		spec := "CRON_TZ=" + cfg.Location.String() + " " + src.Schedule
		id, err := s.c.AddFunc(spec, func() { s.queue.add(src, time.Now().Add(jitter(src.ID, d.opts.MaxJitter))) })
		if err != nil {
			return fmt.Errorf("schedule source %s (%q): %w", src.ID, src.Schedule, err)
		}
		s.entries[src.ID] = id
	}
	return nil
}

func (s *schedule) logEntries() {
	d := s.d
	for _, id := range slices.Sorted(maps.Keys(s.entries)) {
		d.log.Info("scheduled", "source", id, "next", s.c.Entry(s.entries[id]).Next.Format(time.RFC3339))
	}
}

// idle waits for wait (forever if 0) or for a source to be queued; false
// when the run stops.
func (s *schedule) idle(wait time.Duration) bool {
	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-s.stop.Done():
		return false
	case <-s.queue.wake:
	case <-timer:
	}
	return true
}

// pollNow queues srcs to be polled now, each after its jitter.
func (s *schedule) pollNow(srcs []config.Source) {
	now := time.Now()
	for _, src := range srcs {
		s.queue.add(src, now.Add(jitter(src.ID, s.d.opts.MaxJitter)))
	}
}

// Reload swaps in a new config (already loaded and validated by the
// caller) and its notifier: metric rules, routes, destinations and the
// schedule change at once; polls in flight finish under the config they
// started with, and the outbox is untouched. Sources added by the new
// config that were never polled are polled now. On error the old config
// stays in force.
func (d *Daemon) Reload(cfg *config.Config, n notify.Notifier) error {
	rt, err := newRuntime(cfg, n, d.opts.Getenv, d.log)
	if err != nil {
		return fmt.Errorf("reload %s: %w", cfg.Path, err)
	}
	old := d.conf()
	if cfg.Storage.Path != old.Storage.Path {
		d.log.Warn("storage.path changed: takes effect at the next restart", "in_use", old.Storage.Path, "new", cfg.Storage.Path)
	}
	if cfg.HTTP.Listen != old.HTTP.Listen {
		d.log.Warn("http.listen changed: takes effect at the next restart", "in_use", old.HTTP.Listen, "new", cfg.HTTP.Listen)
	}
	d.schedMu.Lock()
	defer d.schedMu.Unlock()
	oldRT := d.rt.Swap(rt)
	if d.sched == nil {
		return nil
	}
	if err := d.sched.set(cfg); err != nil {
		// Config validation checks every spec, so this is not expected;
		// still, never leave the daemon with half a schedule.
		d.rt.Store(oldRT)
		if rerr := d.sched.set(old); rerr != nil {
			d.log.Error("restore the previous schedule", "err", rerr)
		}
		return fmt.Errorf("reload %s: %w", cfg.Path, err)
	}
	var added []config.Source
	have := map[string]bool{}
	for _, s := range old.Sources {
		have[s.ID] = s.Enabled
	}
	for _, s := range cfg.Sources {
		if s.Enabled && !have[s.ID] {
			added = append(added, s)
		}
	}
	due, err := dueSources(d.sched.stop, d.db, d.conf(), added, d.now())
	if err != nil {
		d.log.Error("reload: read fetch state", "err", err)
	}
	d.sched.pollNow(due)
	d.sched.logEntries()
	d.log.Info("config reloaded", "config", cfg.Path, "sources", len(d.conf().EnabledSources()), "metrics", len(cfg.Metrics),
		"notifier", n.Name(), "polled_now", len(due))
	return nil
}

// backingOff says (and logs) whether src's next poll (a scheduled one:
// `once` polls regardless) is held back by failures or a server's
// Retry-After; the schedule's dispatch asks it. A source whose state
// cannot be read is not polled either.
func (d *Daemon) backingOff(ctx context.Context, src config.Source) bool {
	st, err := fetchState(ctx, d.db, src.ID)
	if err != nil {
		d.log.Error("read fetch state", "source", src.ID, "err", err)
		return true
	}
	if now := d.now(); st.NextPoll.After(now) {
		d.log.Info("poll skipped: backing off after failures", "source", src.ID,
			"failures", st.ConsecutiveFailures, "until", st.NextPoll.Format(time.RFC3339))
		return true
	}
	return false
}

// dueSources lists the sources of srcs never polled, or whose next
// scheduled run (in cfg's zone) after their last poll is already past.
func dueSources(ctx context.Context, db *store.DB, cfg *config.Config, srcs []config.Source, now time.Time) ([]config.Source, error) {
	var due []config.Source
	err := db.View(ctx, func(tx *store.Tx) error {
		for _, src := range srcs {
			st, ok, err := tx.FetchState(src.ID)
			if err != nil {
				return err
			}
			if !ok || st.LastPoll.IsZero() {
				due = append(due, src)
				continue
			}
			sched, err := config.ParseSchedule(src.Schedule)
			if err != nil {
				return fmt.Errorf("source %s: schedule %q: %w", src.ID, src.Schedule, err)
			}
			if !sched.Next(st.LastPoll.In(cfg.Location)).After(now) {
				due = append(due, src)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read fetch state: %w", err)
	}
	return due, nil
}

// NextRun is when src is next polled under cfg: its next scheduled run
// after now, or the first one after its backoff ends.
func NextRun(cfg *config.Config, src config.Source, st store.FetchState, now time.Time) time.Time {
	if !src.Enabled {
		return time.Time{}
	}
	sched, err := config.ParseSchedule(src.Schedule)
	if err != nil {
		return time.Time{}
	}
	next := sched.Next(now.In(cfg.Location))
	for i := 0; i < 10000 && !st.NextPoll.IsZero() && next.Before(st.NextPoll); i++ {
		next = sched.Next(next)
	}
	return next
}

// outboxLoop delivers on a timer and whenever a poll queued alerts.
func (d *Daemon) outboxLoop(ctx context.Context) {
	interval := time.Duration(d.conf().Delivery.Interval)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := d.outbox.Drain(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("deliver", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// watchdog pings systemd only while the scheduler and the outbox loop show
// signs of life, so a wedged daemon is restarted rather than kept alive by
// a goroutine that still runs.
func (d *Daemon) watchdog(ctx context.Context) {
	t := time.NewTicker(d.opts.WatchdogInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.Healthy(); err != nil {
				d.log.Error("unhealthy: withholding watchdog ping", "err", err)
				continue
			}
			d.opts.SdNotify("WATCHDOG=1")
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
