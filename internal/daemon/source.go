package daemon

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// sourceSpec is what internal/source needs to know of a configured source.
func sourceSpec(cfg *config.Config, src config.Source) (source.Spec, error) {
	spec := source.Spec{
		ID: src.ID, Kind: src.Kind, URL: src.URL, Selector: src.Selector,
		FollowLinks: src.FollowLinks, Headers: src.Headers, Links: src.Links,
		MaxFollow: cfg.Fetch.MaxFollow, MaxItems: cfg.Fetch.MaxItems,
		NoRevisit: len(src.Revisit) == 0,
	}
	for _, r := range src.Revisit {
		spec.Revisit = append(spec.Revisit, time.Duration(r))
	}
	var discover *regexp.Regexp
	if src.Discover != "" {
		// Checked when the config was loaded; an error here is a bug.
		re, err := regexp.Compile(src.Discover)
		if err != nil {
			return spec, fmt.Errorf("discover: %w", err)
		}
		discover = re
	}
	metricLabels := func() map[string]string { // only CSV and JSON sources show them
		out := make(map[string]string, len(cfg.Metrics))
		for _, m := range cfg.Metrics {
			out[m.ID] = m.Label
		}
		return out
	}
	switch src.Kind {
	case config.KindCSV:
		if src.CSV == nil {
			return spec, fmt.Errorf("csv source without csv:")
		}
		cs := &source.CSVSpec{Value: src.CSV.Value, Discover: discover}
		labels := metricLabels()
		p := src.CSV.Period
		for _, col := range []string{p.FiscalYear, p.Year, p.Month, p.Date} {
			if col != "" {
				cs.Periods = append(cs.Periods, col)
			}
		}
		for _, r := range src.CSV.Rows {
			m := source.CSVMetric{ID: r.Metric, Label: labels[r.Metric], Where: map[string][]string{}}
			for col, vals := range r.Where {
				m.Where[col] = vals
			}
			cs.Metrics = append(cs.Metrics, m)
		}
		spec.CSV = cs
	case config.KindJSON:
		code, err := source.CompileJQ(src.JQ)
		if err != nil {
			return spec, err
		}
		spec.JQ, spec.Labels = code, metricLabels()
	}
	return spec, nil
}

// compiledSpec reports whether src's spec holds something compiled from
// the config (a CSV mapping, a jq or discover expression), which the
// runtime builds once; any other source's spec is built when needed.
func compiledSpec(src config.Source) bool {
	return src.Kind == config.KindCSV || src.Kind == config.KindJSON || src.Discover != ""
}

// sourceFetcher counts the fetches made while reading a source (articles,
// listing entries, revisits) as the source's own.
//
// The source's own allow list (allow_private) goes with every one of them.
// A dry run (Check) does not count its fetches: count is false.
type sourceFetcher struct {
	d     *Daemon
	src   config.Source
	count bool
}

func (f sourceFetcher) Get(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
	req.Header = f.d.withSecrets(f.src, req.Header, req.URL)
	if len(f.src.AllowPrivate) > 0 {
		req.AllowPrivate = append(req.AllowPrivate[:len(req.AllowPrivate):len(req.AllowPrivate)], f.src.AllowPrivate...)
	}
	resp, err := f.d.fetcher.Get(ctx, req)
	if err == nil && f.count {
		f.d.stats.fetched(f.src, resp)
	}
	return resp, err
}

// itemState is source.ItemState over the store's item records of one
// source. Each lookup is its own short read: none is held across a fetch.
//
// Due reads the source's items only when its fetch state says a revisit
// may be due (NextRevisit), so a warm poll costs no item reads; when it
// does read them, it keeps their schedule to work out the next
// NextRevisit with what the poll writes (nextRevisit).
type itemState struct {
	d    *Daemon
	id   string
	prev time.Time // the fetch state's NextRevisit

	scanned map[string]time.Time // key → NextVisit, when Due read them
}

func (s *itemState) Item(ctx context.Context, key string) (source.Item, bool, error) {
	var (
		it store.Item
		ok bool
	)
	err := s.d.db.View(ctx, func(tx *store.Tx) error {
		var err error
		it, ok, err = tx.Item(s.id, key)
		return err
	})
	return fromStoreItem(it), ok, err
}

func (s *itemState) Due(ctx context.Context, now time.Time) ([]source.Item, error) {
	if s.prev.IsZero() || s.prev.After(now) {
		return nil, nil
	}
	var out []source.Item
	s.scanned = map[string]time.Time{}
	err := s.d.db.View(ctx, func(tx *store.Tx) error {
		return tx.ForEachItemOf(s.id, func(it store.Item) error {
			if it.NextVisit.IsZero() {
				return nil
			}
			s.scanned[it.Key] = it.NextVisit
			if !it.NextVisit.After(now) {
				out = append(out, fromStoreItem(it))
			}
			return nil
		})
	})
	return out, err
}

// nextRevisit is the source's NextRevisit after a poll that writes items:
// the earliest next visit of what it wrote and of the items it did not
// write, which, unless Due read them, are no earlier than the previous
// NextRevisit. An early answer costs one needless read of the items; a
// late one would delay a revisit, so when in doubt it is early.
func (s *itemState) nextRevisit(written []store.Item) time.Time {
	next := map[string]time.Time{}
	var earliest time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (earliest.IsZero() || t.Before(earliest)) {
			earliest = t
		}
	}
	if s.scanned == nil {
		consider(s.prev)
	}
	for k, t := range s.scanned {
		next[k] = t
	}
	for _, it := range written {
		if s.scanned == nil {
			consider(it.NextVisit)
			continue
		}
		next[it.Key] = it.NextVisit
	}
	for _, t := range next {
		consider(t)
	}
	return earliest
}

func fromStoreItem(it store.Item) source.Item {
	if it.URL == "" && !it.NextVisit.IsZero() {
		it.URL = it.Key // see toStoreItem
	}
	return source.Item{
		Key: it.Key, Hash: it.Hash, DocID: it.DocID, Seen: it.Seen, Published: it.Published,
		Title: it.Title, Outlet: it.Outlet, URL: it.URL, ETag: it.ETag, LastModified: it.LastModified,
		FirstSeen: it.FirstSeen, NextVisit: it.NextVisit, Visits: it.Visits,
	}
}

// toStoreItem leaves out the document's URL when it is the item's key (a
// feed item keyed by its link, most are): item records are many.
func toStoreItem(id string, it source.Item) store.Item {
	if it.URL == it.Key {
		it.URL = ""
	}
	return store.Item{
		Source: id, Key: it.Key, Hash: it.Hash, DocID: it.DocID, Seen: it.Seen, Published: it.Published,
		Title: it.Title, Outlet: it.Outlet, URL: it.URL, ETag: it.ETag, LastModified: it.LastModified,
		FirstSeen: it.FirstSeen, NextVisit: it.NextVisit, Visits: it.Visits,
	}
}

// withSecrets is header plus, only when rawURL is on the source URL's own
// host, the source's secret headers: an API key for the data host must
// not go to every article a feed links.
func (d *Daemon) withSecrets(src config.Source, header map[string]string, rawURL string) map[string]string {
	secrets := d.rt.Load().secrets[src.ID]
	if len(secrets) == 0 || !sameHost(src.URL, rawURL) {
		return header
	}
	h := make(map[string]string, len(header)+len(secrets))
	maps.Copy(h, header)
	for name, v := range secrets {
		h[name] = v.Reveal()
	}
	return h
}

// sameHost reports whether two URLs name the same scheme and host.
func sameHost(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil {
		return false
	}
	return ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host)
}
