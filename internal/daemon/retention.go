package daemon

import (
	"context"
	"errors"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/store"
)

// retentionLoop enforces the retention settings in the background, first a
// minute after start (not in the start-up rush), then every
// retention.interval, so the database stops growing once sources stop
// changing.
func (d *Daemon) retentionLoop(ctx context.Context) {
	wait := time.Minute
	for {
		if !sleepCtx(ctx, wait) {
			return
		}
		if err := d.Retain(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("retention", "err", err)
		}
		wait = time.Duration(d.conf().Retention.Interval)
		if wait <= 0 {
			wait = time.Hour
		}
	}
}

// Retain drops what the retention settings say is old: sent and failed
// alerts, metric observations (the newest per metric and authority always
// stays), documents not seen for long, and followed items and claim
// records. A document is kept while its source still lists it: one last
// seen long ago but whose source has answered only 304s since was in the
// last full fetch, and dropping it would make it come back as new.
func (d *Daemon) Retain(ctx context.Context) error {
	r := d.conf().Retention
	now := d.now()
	var errs []error
	count := func(what string, n int, err error) {
		if err != nil {
			errs = append(errs, err)
		} else if n > 0 {
			d.log.Info("retention", "dropped", what, "count", n)
		}
	}
	if r.Alerts > 0 {
		n, err := d.db.PruneSent(ctx, now.Add(-time.Duration(r.Alerts)))
		count("alerts", n, err)
	}
	if r.Observations > 0 {
		n, err := d.db.PruneObservations(ctx, now.Add(-time.Duration(r.Observations)))
		count("observations", n, err)
		n, err = d.db.PruneOfficialValues(ctx, now.Add(-time.Duration(r.Observations)))
		count("official values", n, err)
	}
	if r.Documents > 0 {
		horizon := now.Add(-time.Duration(r.Documents))
		fetched := map[string]time.Time{}
		err := d.db.View(ctx, func(tx *store.Tx) error {
			states, err := tx.Sources()
			for _, st := range states {
				fetched[st.Source] = st.LastFetched
			}
			return err
		})
		if err != nil {
			errs = append(errs, err)
		} else {
			n, err := d.db.PruneDocuments(ctx, horizon, func(s store.Snapshot) bool {
				// Seen within a day of the source's last full fetch: it
				// was in that fetch (LastSeen is refreshed daily).
				last, ok := fetched[s.Source]
				return ok && !s.LastSeen.Before(last.Add(-2*d.touchInterval()))
			})
			count("documents", n, err)
			n, err = d.db.PruneItems(ctx, horizon)
			count("items and claims", n, err)
		}
	}
	return errors.Join(errs...)
}

// touchInterval is how stale a document's LastSeen (or a followed item's
// Seen) may get before a poll that sees it again refreshes it: daily, or a
// quarter of retention.documents when that is shorter, so that what a
// source still lists is never older than the retention horizon.
func (d *Daemon) touchInterval() time.Duration {
	t := diff.DefaultTouchInterval
	if h := time.Duration(d.conf().Retention.Documents); h > 0 {
		t = min(t, max(time.Minute, h/4))
	}
	return t
}
