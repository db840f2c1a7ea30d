package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/figwatch/watcher/internal/buildinfo"
	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/outbox"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// statusHistory bounds the observations per metric a status carries: the
// chart and `watcher history` want the story, not every poll of it
// (`watcher export` has them all). Decoding them is most of what a status
// page costs: 6 metrics × 500 were 94% of its CPU (issue #16).
const statusHistory = 250

// histories keeps what the last status read of each metric's history,
// with the history's version: a status page asked for every few seconds
// decodes a metric's newest observations again only when they changed
// (decoding them was most of a page's cost). The slices are shared by
// the statuses that carry them and must not be modified.
type histories struct {
	mu sync.Mutex
	m  map[string]history
}

type history struct {
	version uint64
	obs     []store.Observation
}

// read returns metric's newest statusHistory observations, from the
// cache when its version is current. h may be nil: no cache.
func (h *histories) read(tx *store.Tx, metric string) ([]store.Observation, error) {
	if h == nil {
		return tx.RecentObservations(metric, statusHistory)
	}
	v := tx.HistoryVersion(metric)
	h.mu.Lock()
	c, ok := h.m[metric]
	h.mu.Unlock()
	if ok && c.version == v {
		return c.obs, nil
	}
	obs, err := tx.RecentObservations(metric, statusHistory)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.m == nil {
		h.m = map[string]history{}
	}
	h.m[metric] = history{version: v, obs: obs}
	h.mu.Unlock()
	return obs, nil
}

// Status is the daemon's web.StatusProvider.
func (d *Daemon) Status(ctx context.Context) (web.Status, error) {
	st, err := readStatus(ctx, d.db, d.conf(), d.now(), &d.histories)
	st.Started = d.started
	st.Store = d.writes.status()
	if herr := d.Healthy(); herr != nil {
		st.Unhealthy = herr.Error()
	}
	return st, err
}

// ReadStatus reads what the status page, /metrics and `watcher status`
// show: each configured source with its health and next run, each metric
// with its current official value and history, the outbox, the file size.
// It works on a database opened read-only too (a backup, or the file of a
// stopped daemon).
func ReadStatus(ctx context.Context, db *store.DB, cfg *config.Config, now time.Time) (web.Status, error) {
	return readStatus(ctx, db, cfg, now, nil)
}

func readStatus(ctx context.Context, db *store.DB, cfg *config.Config, now time.Time, hs *histories) (web.Status, error) {
	out := web.Status{Now: now.In(cfg.Location), Version: buildinfo.Version()}
	err := db.View(ctx, func(tx *store.Tx) error {
		for _, src := range cfg.Sources {
			fs, _, err := tx.FetchState(src.ID)
			if err != nil {
				return err
			}
			fs.Source = src.ID
			out.Sources = append(out.Sources, web.SourceStatus{
				ID: src.ID, Name: src.Name, Kind: src.Kind, URL: fetch.RedactURL(src.URL), Authority: src.Authority,
				Enabled: src.Enabled, State: fs, NextRun: NextRun(cfg, src, fs, now),
			})
		}
		for _, m := range cfg.Metrics {
			ms := web.MetricStatus{ID: m.ID, Label: m.Label}
			if cur, ok, err := tx.LatestObservation(m.ID, "official"); err != nil {
				return err
			} else if ok {
				ms.Current = &cur
			}
			// The newest few, read backwards from the end of the metric's
			// bucket: a scrape costs the same after a year of history as
			// after a day.
			hist, err := hs.read(tx, m.ID)
			if err != nil {
				return err
			}
			ms.History = hist
			out.Metrics = append(out.Metrics, ms)
		}
		var err error
		if out.Outbox.Pending, out.Outbox.Sent, out.Outbox.Failed, err = tx.OutboxStats(); err != nil {
			return err
		}
		recent, err := tx.RecentAlerts(20)
		if err != nil {
			return err
		}
		for _, a := range recent {
			headline, link := outbox.Describe(a, cfg.Location)
			out.Outbox.Recent = append(out.Outbox.Recent, web.AlertStatus{Alert: a, Headline: headline, Link: link})
		}
		if err := readSlackStatus(tx, &out, now); err != nil {
			return err
		}
		out.RetentionRan, err = tx.RetentionRan()
		return err
	})
	if err != nil {
		return out, fmt.Errorf("read status: %w", err)
	}
	if out.DBSize, err = db.Size(ctx); err != nil {
		return out, fmt.Errorf("read status: %w", err)
	}
	return out, nil
}
