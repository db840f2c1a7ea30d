package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/figwatch/watcher/internal/backoff"
	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/period"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// backoffBase is the first wait after a failed poll; it doubles with each
// further failure up to fetch.backoff_max.
const backoffBase = time.Minute

// Poll runs one cycle of one source: fetch (conditionally), parse, follow
// item links, extract, then diff and store in one transaction that also
// queues the alerts and saves the new validators. On any failure the
// source's snapshots and validators are left as they were; only its health
// (last error, consecutive failures, backoff) is recorded.
func (d *Daemon) Poll(ctx context.Context, src config.Source) error {
	start := d.now()
	prev, err := d.cycle.Load().state(ctx, d.db, src.ID)
	if err != nil {
		err = fmt.Errorf("poll %s: read fetch state: %w", src.ID, err)
		d.log.Error("poll failed", "source", src.ID, "err", err)
		return err
	}

	f := sourceFetcher{d: d, src: src, count: true}
	resp, err := f.Get(ctx, sourceRequest(src, prev))
	if err != nil {
		return d.failed(ctx, src, prev, 0, fmt.Errorf("poll %s: %w", src.ID, err))
	}
	// The same bytes as last read whole are read as a 304 (unchanged.go).
	digest := contentHash(d.rt.Load(), src, resp)
	if digest != "" && digest == prev.ContentHash {
		resp = asNotModified(resp)
	}
	r, err := d.read(ctx, src, prev, f, resp)
	if err != nil {
		return d.failed(ctx, src, prev, resp.Status, fmt.Errorf("poll %s: %w", src.ID, err))
	}
	read, items, in, docs := r.read, r.items, r.in, r.read.Docs
	if resp.NotModified && len(read.Docs) == 0 && len(read.Items) == 0 {
		// In a cycle of Once, the 304's state is saved with the others
		// when the cycle ends (cycle.save); a failing source's recovery
		// queues an alert, which is written now, once.
		done := notModified{id: src.ID, kind: src.Kind, authority: src.Authority, status: resp.Status, bytes: resp.Bytes}
		if c := d.cycle.Load(); c != nil && !prev.FailingAlerted {
			done.state, done.dur = successState(prev, resp, true, d.now()), d.now().Sub(start)
			c.saveLater(done)
			return nil
		}
		if err := d.commitNotModified(ctx, src, prev, resp); err != nil {
			return d.storeFailed(ctx, src, prev, resp.Status, err)
		}
		d.writes.written(d.log)
		done.dur = d.now().Sub(start)
		done.report(d.stats, d.log)
		return nil
	}
	written := make([]store.Item, 0, len(read.Items))
	for _, it := range read.Items {
		written = append(written, toStoreItem(src.ID, it))
	}
	complete := read.Complete
	figures := r.figures
	if err := checkLostFigures(ctx, d.db, src, in.Docs); err != nil {
		return d.failed(ctx, src, prev, resp.Status, fmt.Errorf("poll %s: %w", src.ID, err))
	}
	d.stats.figures(src, figures)

	// Saved with the items only: a poll that fails from here keeps the
	// old schedule, whose due items were not written.
	next := prev
	next.NextRevisit = items.nextRevisit(written)
	if !resp.NotModified {
		next.ContentHash = digest // kept by successState only if complete
	}
	res, err := d.commitPoll(ctx, src, next, resp, in, written, complete)
	if err != nil {
		return d.storeFailed(ctx, src, prev, resp.Status, err)
	}
	d.writes.written(d.log)
	d.stats.poll(src, pollOK)
	d.log.Info("poll", "source", src.ID, "status", resp.Status, "bytes", resp.Bytes,
		"docs", len(docs), "changed", len(res.Snapshots), "figures", figures,
		"events", len(res.Events), "first_poll", in.Source.FirstPoll,
		"dur", d.now().Sub(start).Round(time.Millisecond))
	return nil
}

// notModified is a poll answered 304, once its state is saved.
//
// A cycle of 10,000 sources holds 10,000 of them until it ends, so it
// keeps of the source only what the count and the log line need.
type notModified struct {
	id, kind, authority string
	state               store.FetchState // the state to save, when saved later
	status              int
	bytes               int64
	dur                 time.Duration
}

// report counts and logs a poll answered 304 whose state was saved.
func (p notModified) report(stats *Metrics, log *slog.Logger) {
	stats.poll(config.Source{Kind: p.kind, Authority: p.authority}, pollNotModified)
	log.Info("poll", "source", p.id, "status", p.status, "not_modified", true,
		"bytes", p.bytes, "dur", p.dur.Round(time.Millisecond))
}

// polled is a poll of one source up to its commit: what `watcher check`
// shows and a real poll writes.
type polled struct {
	resp    *fetch.Response // nil when the fetch failed
	read    source.Result
	items   *itemState
	in      diff.Input
	figures int
}

// sourceRequest is the conditional request for src's own URL, with the
// validators of its last poll.
func sourceRequest(src config.Source, prev store.FetchState) fetch.Request {
	return fetch.Request{
		URL: src.URL, ETag: prev.ETag, LastModified: prev.LastModified,
		Header: src.Headers, Source: src.ID,
	}
}

// read reads the documents of resp, src's response (articles, listing
// entries and revisits are fetched through f), and extracts their figures
// into the input of diff. It reads the store only in short read transactions and writes
// nothing: a real poll and a dry run (Check) share it, so what check
// shows is what a poll would diff.
func (d *Daemon) read(ctx context.Context, src config.Source, prev store.FetchState, f Fetcher, resp *fetch.Response) (polled, error) {
	var p polled
	p.resp = resp
	rt := d.rt.Load()
	spec, ok := rt.specs[src.ID]
	if !ok { // nothing compiled (compiledSpec), or a source the config lacks (a test's)
		var err error
		if spec, err = sourceSpec(rt.cfg, src); err != nil {
			return p, err
		}
	}
	p.items = &itemState{d: d, id: src.ID, prev: prev.NextRevisit}
	var err error
	p.read, err = source.Documents(ctx, source.Env{
		Fetch: f, Items: p.items,
		Now: d.now, Log: d.log, Touch: touchInterval(d.conf()), Workers: rt.cfg.Fetch.Concurrency,
	}, spec, resp)
	if err != nil {
		return p, err
	}
	p.in = diff.Input{
		Source: diff.SourceInfo{
			ID: src.ID, Name: src.Name, Authority: src.Authority,
			FirstPoll: prev.Polls == 0, AlertOnFirstPoll: src.AlertOnFirstPoll,
		},
		Now:           d.now(),
		Metrics:       rt.metrics,
		TouchInterval: touchInterval(d.conf()),
		Periods:       period.Parser{FiscalStart: rt.cfg.FiscalYearStart},
	}
	for _, doc := range p.read.Docs {
		figs := rt.ext.Extract(doc.Text)
		p.figures += len(figs)
		p.in.Docs = append(p.in.Docs, diff.Doc{Document: doc, Figures: figs})
	}
	// Corrections made in Slack ("wrong metric") apply before the diff,
	// for a dry run as for a poll.
	if err := d.applyCorrections(ctx, p.in.Docs); err != nil {
		return p, err
	}
	return p, nil
}

func fetchState(ctx context.Context, db *store.DB, id string) (store.FetchState, error) {
	var st store.FetchState
	err := db.View(ctx, func(tx *store.Tx) error {
		var err error
		st, _, err = tx.FetchState(id)
		return err
	})
	st.Source = id
	return st, err
}

// commitPoll diffs the poll against stored state and writes everything it
// produced in one transaction.
func (d *Daemon) commitPoll(ctx context.Context, src config.Source, prev store.FetchState, resp *fetch.Response,
	in diff.Input, items []store.Item, complete bool) (diff.Result, error) {
	// Polls that change something commit together (Batch: one fsync for
	// the polls finishing within a millisecond of each other), unless the
	// source is recovering, whose alert must be queued exactly once. The
	// function may run again if bbolt retries the batch, so it only
	// collects what to count and log after the commit.
	write := d.db.Batch
	if prev.FailingAlerted {
		write = d.db.Update
	}
	var res diff.Result
	var queued []diff.Kind
	err := write(ctx, func(tx *store.Tx) error {
		queued = queued[:0]
		var err error
		if res, err = diff.Compare(tx, in); err != nil {
			return err
		}
		for _, s := range res.Snapshots {
			if err := tx.PutSnapshot(s); err != nil {
				return err
			}
		}
		for _, o := range res.Observations {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		for _, it := range items {
			if err := tx.PutItem(it); err != nil {
				return err
			}
		}
		kinds, err := d.outbox.EnqueuePoll(tx, res.Events)
		if err != nil {
			return err
		}
		queued = append(queued, kinds...)
		return d.putSuccess(tx, src, prev, resp, complete)
	})
	if err != nil {
		// A storage failure is not the source's fault, but nothing of this
		// poll was kept, validators included, so the next poll fetches it
		// all again.
		return res, fmt.Errorf("poll %s: store: %w", src.ID, err)
	}
	for _, k := range queued {
		d.stats.queued(k)
	}
	for _, ev := range res.Events {
		d.stats.event(ev.Kind)
		d.log.Info("event", "source", src.ID, "kind", ev.Kind, "metric", ev.Metric, "doc", ev.DocID)
	}
	if len(res.Events) > 0 {
		kick(d.wake)
	}
	return res, nil
}

// commitNotModified saves a poll answered 304.
//
// A warm cycle is mostly 304s, one per source: they are written with
// Batch so that a thousand of them cost a few transactions and fsyncs, not
// a thousand. A source that was failing (its recovery queues an alert,
// which must happen once) is written on its own.
func (d *Daemon) commitNotModified(ctx context.Context, src config.Source, prev store.FetchState, resp *fetch.Response) error {
	write := d.db.Batch
	if prev.FailingAlerted {
		write = d.db.Update
	}
	if err := write(ctx, func(tx *store.Tx) error {
		return d.putSuccess(tx, src, prev, resp, true)
	}); err != nil {
		return fmt.Errorf("poll %s: save fetch state: %w", src.ID, err)
	}
	return nil
}

// putSuccess records a successful poll in the source's state, and queues a
// source_recovered alert when a source_failing one was sent for it. The
// validators are kept only when the poll read everything it needed
// (complete): an item whose article could not be fetched this time must
// not be hidden behind a 304 next time.
func (d *Daemon) putSuccess(tx *store.Tx, src config.Source, prev store.FetchState, resp *fetch.Response, complete bool) error {
	now := d.now()
	st := successState(prev, resp, complete, now)
	if prev.FailingAlerted {
		// Never in a Batch (the callers use Update for a failing source),
		// so the counting and logging here happen once.
		if _, err := d.outbox.Enqueue(tx, diff.Event{
			Kind: diff.SourceRecovered, At: now, Source: src.ID, SourceName: src.Name,
			Authority: src.Authority, URL: src.URL, FailingSince: prev.FailingSince,
			Error: prev.LastError,
		}); err != nil {
			return err
		}
		d.stats.queued(diff.SourceRecovered)
		d.log.Info("source recovered", "source", src.ID, "failing_since", prev.FailingSince)
		kick(d.wake)
	}
	return tx.PutFetchState(st)
}

// successState is prev after a successful poll at now.
func successState(prev store.FetchState, resp *fetch.Response, complete bool, now time.Time) store.FetchState {
	st := prev
	if complete {
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
	} else {
		st.ETag, st.LastModified, st.ContentHash = "", "", ""
	}
	st.LastStatus = resp.Status
	st.LastPoll, st.LastSuccess = now, now
	if !resp.NotModified {
		st.LastFetched = now
	}
	st.LastError = ""
	// A first poll that left entries for later (a listing's backlog over
	// max_follow) is not counted, so that the next one is still the first
	// and sets the baseline silently: old reports read late are not news.
	if complete || prev.Polls > 0 {
		st.Polls++
	}
	st.ConsecutiveFailures = 0
	st.FailingSince = time.Time{}
	st.FailingAlerted = false
	st.NextPoll = time.Time{}
	return st
}

// checkLostFigures fails a page or PDF poll whose document states no figure
// where its stored version did: a bot wall answering 200 with a challenge
// page, or a redesign that moved the table, must read as a failing source,
// never as "the figures were removed".
func checkLostFigures(ctx context.Context, db *store.DB, src config.Source, docs []diff.Doc) error {
	if src.Kind == config.KindFeed {
		return nil
	}
	return db.View(ctx, func(tx *store.Tx) error {
		for _, doc := range docs {
			if len(doc.Figures) > 0 {
				continue
			}
			prev, ok, err := tx.Snapshot(doc.Document.ID)
			if err != nil {
				return err
			}
			if ok && len(prev.Figures) > 0 {
				return fmt.Errorf("%s now states no figures where it stated %d (bot wall or redesign?); keeping the stored version",
					doc.Document.URL, len(prev.Figures))
			}
		}
		return nil
	})
}

// failed records a failed poll in the source's health and returns err: the
// failure count, a backoff before the next scheduled poll (or the server's
// Retry-After, if longer), and one source_failing alert once the source has
// been failing for longer than its alert_after. The validators and
// snapshots stay as they were, so the next successful poll compares
// against the last good state.
func (d *Daemon) failed(ctx context.Context, src config.Source, prev store.FetchState, status int, err error) error {
	st := prev
	now := d.now()
	st.LastPoll = now
	st.LastStatus = status
	var se *fetch.StatusError
	if errors.As(err, &se) {
		st.LastStatus = se.Status
	}
	st.LastError = err.Error()
	st.ConsecutiveFailures++
	if st.FailingSince.IsZero() {
		st.FailingSince = now
	}
	wait := sourceBackoff(st.ConsecutiveFailures, time.Duration(d.conf().Fetch.BackoffMax))
	if se != nil && se.RetryAfter > wait {
		wait = se.RetryAfter
	}
	st.NextPoll = now.Add(wait)
	d.stats.poll(src, pollError)
	d.log.Error("poll failed", "source", src.ID, "status", st.LastStatus,
		"failures", st.ConsecutiveFailures, "retry_after", wait.Round(time.Second), "err", err)

	alertAfter := time.Duration(src.AlertAfter)
	raise := alertAfter > 0 && !st.FailingAlerted && now.Sub(st.FailingSince) >= alertAfter
	// Record health even if the poll's context ran out (a timeout is the
	// commonest failure), but not beyond a short grace period.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	write := d.db.Batch // many sources failing together (a host down) share commits
	if raise {
		write = d.db.Update
	}
	werr := write(wctx, func(tx *store.Tx) error {
		if raise {
			if _, err := d.outbox.Enqueue(tx, diff.Event{
				Kind: diff.SourceFailing, At: now, Source: src.ID, SourceName: src.Name,
				Authority: src.Authority, URL: src.URL, Error: st.LastError, FailingSince: st.FailingSince,
			}); err != nil {
				return err
			}
			st.FailingAlerted = true
		}
		return tx.PutFetchState(st)
	})
	if werr != nil {
		d.log.Error("save fetch state", "source", src.ID, "err", werr)
	} else if raise {
		d.stats.queued(diff.SourceFailing)
		d.log.Warn("source failing", "source", src.ID, "since", st.FailingSince, "failures", st.ConsecutiveFailures)
		kick(d.wake)
	}
	return err
}

// sourceBackoff is backoffBase doubled per consecutive failure, capped at
// fetch.backoff_max, with ±20% jitter so that sources that failed together
// (one host down) do not all come back in the same second.
func sourceBackoff(failures int, hi time.Duration) time.Duration {
	wait := backoff.Exponential(backoffBase, hi, failures)
	return time.Duration(float64(wait) * (0.8 + 0.4*rand.Float64()))
}
