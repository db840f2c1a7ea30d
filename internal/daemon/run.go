package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
)

// Once polls every enabled source once (concurrently; the fetcher bounds
// how many requests are in flight), then delivers the outbox. It returns an
// error naming every source that failed.
func (d *Daemon) Once(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, src := range d.Sources() {
		wg.Go(func() {
			if err := d.runSource(ctx, src); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	st, err := d.drain(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("deliver: %w", err))
	}
	if st.Deferred > 0 {
		d.log.Warn("alerts left in the outbox for the next run", "pending", st.Deferred)
	}
	return errors.Join(errs...)
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

	c := cron.New(cron.WithLocation(d.cfg.Location), cron.WithLogger(cronLogger{d.log}))
	var polls sync.WaitGroup
	type scheduled struct {
		source string
		id     cron.EntryID
	}
	var entries []scheduled
	due, err := d.dueAtStart(ctx)
	if err != nil {
		return err
	}
	for _, src := range d.Sources() {
		spec := src.Schedule
		id, err := c.AddFunc(spec, func() {
			polls.Add(1)
			defer polls.Done()
			if !sleepCtx(work, d.jitter(src.ID)) || ctx.Err() != nil {
				return
			}
			_ = d.runSource(work, src) // logged inside
		})
		if err != nil {
			return fmt.Errorf("schedule source %s (%q): %w", src.ID, spec, err)
		}
		entries = append(entries, scheduled{src.ID, id})
	}
	if _, err := c.AddFunc("@every 10s", func() { d.schedBeat.Store(d.now().UnixNano()) }); err != nil {
		return fmt.Errorf("schedule heartbeat: %w", err)
	}
	d.schedBeat.Store(d.now().UnixNano())
	c.Start()
	for _, e := range entries {
		d.log.Info("scheduled", "source", e.source, "next", c.Entry(e.id).Next.Format(time.RFC3339))
	}
	d.log.Info("watcher started", "sources", len(d.Sources()), "metrics", len(d.cfg.Metrics),
		"notifier", d.notifier.Name(), "db", d.db.Path(), "timezone", d.cfg.Location.String(), "due_now", len(due))

	for _, src := range due {
		polls.Add(1)
		go func() {
			defer polls.Done()
			if sleepCtx(work, d.jitter(src.ID)) && ctx.Err() == nil {
				_ = d.runSource(work, src)
			}
		}()
	}

	var loops sync.WaitGroup
	loops.Go(func() { d.outboxLoop(ctx) })
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
	cronStopped := c.Stop()
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
	if _, err := d.drain(dctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		d.log.Error("final delivery", "err", err)
	}
	d.log.Info("watcher stopped")
	return nil
}

// dueAtStart lists the sources never polled or whose next scheduled run
// after their last poll is already past.
func (d *Daemon) dueAtStart(ctx context.Context) ([]config.Source, error) {
	now := d.now()
	var due []config.Source
	err := d.db.View(ctx, func(tx *store.Tx) error {
		for _, src := range d.Sources() {
			st, ok, err := tx.FetchState(src.ID)
			if err != nil {
				return err
			}
			if !ok || st.LastPoll.IsZero() {
				due = append(due, src)
				continue
			}
			sched, err := cron.ParseStandard(src.Schedule)
			if err != nil {
				return fmt.Errorf("source %s: schedule %q: %w", src.ID, src.Schedule, err)
			}
			if !sched.Next(st.LastPoll.In(d.cfg.Location)).After(now) {
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

// outboxLoop delivers on a timer and whenever a poll queued alerts.
func (d *Daemon) outboxLoop(ctx context.Context) {
	interval := time.Duration(d.cfg.Delivery.Interval)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := d.drain(ctx); err != nil && ctx.Err() == nil {
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

// Healthy reports whether the scheduler and the outbox loop have run
// recently.
func (d *Daemon) Healthy() error {
	now := d.now()
	if age := now.Sub(time.Unix(0, d.schedBeat.Load())); age > time.Minute {
		return fmt.Errorf("scheduler silent for %s", age.Round(time.Second))
	}
	limit := 2*time.Duration(d.cfg.Delivery.Interval) + 2*time.Minute
	if age := now.Sub(time.Unix(0, d.outboxBeat.Load())); age > limit {
		return fmt.Errorf("outbox loop silent for %s", age.Round(time.Second))
	}
	return nil
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
