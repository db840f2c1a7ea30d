package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/figwatch/watcher/internal/config"
)

// errSkipped reports a poll not started because the source's previous poll
// is still running.
var errSkipped = errors.New("previous poll still running")

// slots bounds how many sources are polled at once and guards each source
// against overlapping polls. The fetcher bounds requests, but a poll holds
// its documents' text until it commits, so a thousand sources started
// together would hold a thousand feeds' articles in memory at once; the
// daemon sizes it at 4 per fetch slot (a source waiting on a slow server
// must not idle the fetcher), at least 16.
type slots struct {
	ch      chan struct{}
	running sync.Map // source id → *atomic.Bool
	log     *slog.Logger
}

func newSlots(n int, log *slog.Logger) *slots {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &slots{ch: make(chan struct{}, n), log: log}
}

// claim marks src as being polled; ok is false (and the skip logged) if
// it already is.
func (s *slots) claim(src config.Source) (release func(), ok bool) {
	v, _ := s.running.LoadOrStore(src.ID, new(atomic.Bool))
	busy := v.(*atomic.Bool)
	if !busy.CompareAndSwap(false, true) {
		s.log.Warn("poll skipped", "source", src.ID, "reason", errSkipped)
		return nil, false
	}
	return func() { busy.Store(false) }, true
}

// take waits for a slot; free gives it back.
func (s *slots) take(ctx context.Context) error {
	select {
	case s.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *slots) free() { <-s.ch }

// run polls one source unless it is already being polled, holding a slot.
func (s *slots) run(ctx context.Context, src config.Source, poll func(context.Context, config.Source) error) error {
	release, ok := s.claim(src)
	if !ok {
		return errSkipped
	}
	defer release()
	if err := s.take(ctx); err != nil {
		return err
	}
	defer s.free()
	return poll(ctx, src)
}

// each polls srcs in their order, each once its source is claimed and
// holds a slot: a cycle over 10,000 sources has at most cap(ch) polls
// alive at a time, not 10,000 goroutines parked on the slots (each one a
// stack, ~11 KB a source). The polls run on at most cap(ch) workers, each
// polling source after source: a goroutine per poll would grow a new
// stack through the HTTP client and bbolt every time (3.6% of a warm
// cycle's CPU). poll runs with the claim and the slot held; done gets
// each source's result (errSkipped for one already being polled, ctx's
// error for those never started) and may be nil. each returns when every
// poll it started has ended. (The schedule's dispatch does the same
// claim-then-slot for the sources cron and the catch-up queue start,
// with a goroutine per poll.)
func (s *slots) each(ctx context.Context, srcs []config.Source,
	poll func(context.Context, config.Source) error, done func(config.Source, error)) {
	report := func(src config.Source, err error) {
		if done != nil {
			done(src, err)
		}
	}
	var wg sync.WaitGroup
	jobs := make(chan func())
	defer wg.Wait()
	defer close(jobs)
	workers := 0
	for i, src := range srcs {
		release, ok := s.claim(src)
		if !ok {
			report(src, errSkipped)
			continue
		}
		if err := s.take(ctx); err != nil {
			release()
			for _, rest := range srcs[i:] {
				report(rest, err)
			}
			return
		}
		job := func() {
			defer release()
			defer s.free()
			report(src, poll(ctx, src))
		}
		if workers == cap(s.ch) {
			jobs <- job // every job holds a slot: a worker is finishing
			continue
		}
		select {
		case jobs <- job: // an idle worker took it
		default:
			workers++
			wg.Go(func() {
				job()
				for job := range jobs {
					job()
				}
			})
		}
	}
}
