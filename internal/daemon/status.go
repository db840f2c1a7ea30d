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

// statusCache keeps what a status page asked for every few seconds would
// otherwise work out again each time.
//
// The histories: what the last status read of each metric's history,
// with the history's version, so that a metric's newest observations
// are decoded again only when they changed (decoding them was most of a
// page's cost). The slices are shared by the statuses that carry them
// and must not be modified.
//
// The descriptions of the newest alerts (headline and link), by alert
// and payload: describing one decodes its payload and builds its
// message, and the newest twenty were a fifth of a page.
type statusCache struct {
	mu   sync.Mutex
	m    map[string]history
	desc map[describeKey][2]string
}

// describeKey is what an alert's description depends on.
type describeKey struct {
	id               uint64
	channel, payload string
	loc              *time.Location
}

// describe is outbox.Describe through the cache. h may be nil: no cache.
func (h *statusCache) describe(a store.Alert, loc *time.Location) (headline, link string) {
	if h == nil {
		return outbox.Describe(a, loc)
	}
	k := describeKey{a.ID, a.Channel, string(a.Payload), loc}
	h.mu.Lock()
	d, ok := h.desc[k]
	h.mu.Unlock()
	if ok {
		return d[0], d[1]
	}
	headline, link = outbox.Describe(a, loc)
	h.mu.Lock()
	if h.desc == nil || len(h.desc) >= 4*statusAlerts {
		h.desc = make(map[describeKey][2]string, statusAlerts)
	}
	h.desc[k] = [2]string{headline, link}
	h.mu.Unlock()
	return headline, link
}

// statusAlerts is how many of the newest alerts a status shows.
const statusAlerts = 20

type history struct {
	version uint64
	obs     []store.Observation
}

// read returns metric's newest statusHistory observations, from the
// cache when its version is current. h may be nil: no cache.
//
// The version it returns (0 without a cache) tells the page whether the
// history changed since it last drew it.
func (h *statusCache) read(tx *store.Tx, metric string) ([]store.Observation, uint64, error) {
	if h == nil {
		obs, err := tx.RecentObservations(metric, statusHistory)
		return obs, 0, err
	}
	v := tx.HistoryVersion(metric)
	h.mu.Lock()
	c, ok := h.m[metric]
	h.mu.Unlock()
	if ok && c.version == v {
		return c.obs, v, nil
	}
	obs, err := tx.RecentObservations(metric, statusHistory)
	if err != nil {
		return nil, 0, err
	}
	h.mu.Lock()
	if h.m == nil {
		h.m = map[string]history{}
	}
	h.m[metric] = history{version: v, obs: obs}
	h.mu.Unlock()
	return obs, v, nil
}

// Status is the daemon's web.StatusProvider.
func (d *Daemon) Status(ctx context.Context) (web.Status, error) {
	st, err := readStatus(ctx, d.db, d.conf(), d.now(), &d.statusCache)
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

func readStatus(ctx context.Context, db *store.DB, cfg *config.Config, now time.Time, hs *statusCache) (web.Status, error) {
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
			hist, version, err := hs.read(tx, m.ID)
			if err != nil {
				return err
			}
			ms.History, ms.HistoryVersion = hist, version
			out.Metrics = append(out.Metrics, ms)
		}
		var err error
		if out.Outbox.Pending, out.Outbox.Sent, out.Outbox.Failed, err = tx.OutboxStats(); err != nil {
			return err
		}
		recent, err := tx.RecentAlerts(statusAlerts)
		if err != nil {
			return err
		}
		for _, a := range recent {
			headline, link := hs.describe(a, cfg.Location)
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
