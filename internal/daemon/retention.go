package daemon

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/store"
)

// retainer enforces the retention settings in force (it reads the config
// at each pass, so a reload changes them).
type retainer struct {
	db   *store.DB
	log  *slog.Logger
	now  func() time.Time
	conf func() *config.Config
}

// loop enforces the retention settings in the background, every
// retention.interval, so the database stops growing once sources stop
// changing. The first pass comes when the last one recorded in the
// database is an interval old, and never sooner than a minute after start
// (not in the start-up rush): a daemon restarted often does not rescan
// the whole database each time.
func (r *retainer) loop(ctx context.Context) {
	wait := max(time.Minute, r.due(ctx))
	for {
		if !sleepCtx(ctx, wait) {
			return
		}
		if err := r.run(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("retention", "err", err)
		}
		wait = r.interval()
	}
}

func (r *retainer) interval() time.Duration {
	if every := time.Duration(r.conf().Retention.Interval); every > 0 {
		return every
	}
	return time.Hour
}

// due returns how long until retention is due: zero when it has
// never run or its last run is an interval old.
func (r *retainer) due(ctx context.Context) time.Duration {
	var last time.Time
	if err := r.db.View(ctx, func(tx *store.Tx) error {
		var err error
		last, err = tx.RetentionRan()
		return err
	}); err != nil {
		r.log.Warn("retention: cannot read when it last ran; running it now", "err", err)
		return 0
	}
	if last.IsZero() {
		return 0
	}
	return max(0, last.Add(r.interval()).Sub(r.now()))
}

// ifDue runs a pass when retention.interval has passed since its
// last run: `watcher once` calls it after every cycle, and a cycle every
// few minutes must not pay for a scan of every stored document.
func (r *retainer) ifDue(ctx context.Context) error {
	if wait := r.due(ctx); wait > 0 {
		r.log.Debug("retention not due", "in", wait.Round(time.Second))
		return nil
	}
	return r.run(ctx)
}

// run drops what the retention settings say is old: sent and failed
// alerts, metric observations (the newest per metric and authority always
// stays), documents not seen for long, and followed items and claim
// records. A document is kept while its source still lists it: one last
// seen long ago but whose source has answered only 304s since was in the
// last full fetch, and dropping it would make it come back as new.
func (r *retainer) run(ctx context.Context) error {
	ret := r.conf().Retention
	now := r.now()
	// Nothing in a database younger than a horizon can be older than it:
	// such a pass is skipped rather than made to read every record (the
	// first `watcher once` would otherwise scan all it just stored).
	var created time.Time
	if err := r.db.View(ctx, func(tx *store.Tx) error {
		var err error
		created, err = tx.Created()
		return err
	}); err != nil {
		r.log.Warn("retention: cannot read when the database was created", "err", err)
	}
	due := func(age config.Duration) bool {
		return age > 0 && !now.Add(-time.Duration(age)).Before(created)
	}
	var errs []error
	count := func(what string, n int, err error) {
		if err != nil {
			errs = append(errs, err)
		} else if n > 0 {
			r.log.Info("retention", "dropped", what, "count", n)
		}
	}
	if due(ret.Alerts) {
		n, err := r.db.PruneSent(ctx, now.Add(-time.Duration(ret.Alerts)))
		count("alerts", n, err)
	}
	if due(ret.Observations) {
		n, err := r.db.PruneObservations(ctx, now.Add(-time.Duration(ret.Observations)))
		count("observations", n, err)
		n, err = r.db.PruneOfficialValues(ctx, now.Add(-time.Duration(ret.Observations)))
		count("official values", n, err)
	}
	if due(ret.Documents) {
		if err := r.documents(ctx, now.Add(-time.Duration(ret.Documents)), count); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		// A pass that failed is not recorded, so the next run tries again.
		errs = append(errs, r.db.Update(ctx, func(tx *store.Tx) error { return tx.SetRetentionRan(now) }))
	}
	return errors.Join(errs...)
}

// documents drops documents and followed items that their sources no
// longer list. What a source still lists was seen in its last full fetch
// (LastSeen and Seen are refreshed within touchInterval of it), however
// long ago that was: a source answering 304 for months still lists it. An
// article document is kept while a kept item leads to it, since unchanged
// items are never refetched and their articles never touched.
func (r *retainer) documents(ctx context.Context, horizon time.Time, count func(string, int, error)) error {
	slack := 2 * touchInterval(r.conf())
	fetched := map[string]time.Time{}
	err := r.db.View(ctx, func(tx *store.Tx) error {
		return tx.EachSource(func(st store.FetchState) error {
			fetched[st.Source] = st.LastFetched
			return nil
		})
	})
	if err != nil {
		return err
	}
	listed := func(source string, seen time.Time) bool {
		last, ok := fetched[source]
		return ok && !seen.Before(last.Add(-slack))
	}
	n, err := r.db.PruneItems(ctx, horizon, func(it store.Item) bool { return listed(it.Source, it.Seen) })
	count("items and claims", n, err)
	if err != nil {
		return err
	}
	// The documents to drop are found first and the items read only to
	// spare the ones an item still leads to, so the pass holds a set as
	// large as what it drops (usually nothing), not one entry per item.
	drop := map[string]bool{}
	if err := r.db.View(ctx, func(tx *store.Tx) error {
		return tx.ForEachSnapshot(func(s store.Snapshot) error {
			if s.LastSeen.Before(horizon) && !listed(s.Source, s.LastSeen) {
				drop[s.DocID] = true
			}
			return nil
		})
	}); err != nil {
		return err
	}
	if len(drop) == 0 {
		return nil
	}
	if err := r.db.View(ctx, func(tx *store.Tx) error {
		return tx.ForEachItem(func(it store.Item) error {
			delete(drop, it.DocID)
			return nil
		})
	}); err != nil {
		return err
	}
	if len(drop) == 0 {
		return nil
	}
	// An item that came to link one of these since was fetched with it,
	// which refreshed its LastSeen: DropDocuments checks that again.
	ids := slices.Sorted(maps.Keys(drop))
	n, err = r.db.DropDocuments(ctx, ids, horizon, func(s store.Snapshot) bool {
		return listed(s.Source, s.LastSeen)
	})
	count("documents", n, err)
	return err
}

// touchInterval is how stale a document's LastSeen (or a followed item's
// Seen) may get before a poll that sees it again refreshes it: daily, or a
// quarter of retention.documents when that is shorter, so that what a
// source still lists is never older than the retention horizon.
func touchInterval(cfg *config.Config) time.Duration {
	t := diff.DefaultTouchInterval
	if h := time.Duration(cfg.Retention.Documents); h > 0 {
		t = min(t, max(time.Minute, h/4))
	}
	return t
}
