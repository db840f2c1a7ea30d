package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// sourceSpec is what internal/source needs to know of a configured source.
func sourceSpec(src config.Source) source.Spec {
	return source.Spec{
		ID: src.ID, Kind: src.Kind, URL: src.URL, Selector: src.Selector,
		FollowLinks: src.FollowLinks, Headers: src.Headers, Links: src.Links,
		MaxFollow: src.MaxFollow, MaxItems: src.MaxItems, Revisit: src.Revisit, NoRevisit: src.NoRevisit,
	}
}

// sourceFetcher counts the fetches made while reading a source (articles,
// listing entries, revisits) as the source's own.
type sourceFetcher struct {
	d  *Daemon
	id string
}

func (f sourceFetcher) Get(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
	resp, err := f.d.fetcher.Get(ctx, req)
	if err == nil {
		f.d.stats.fetched(f.id, resp)
	}
	return resp, err
}

// itemState is source.ItemState over the store's item records of one
// source. Each lookup is its own short read: none is held across a fetch.
type itemState struct {
	d  *Daemon
	id string
}

func (s itemState) Item(ctx context.Context, key string) (source.Item, bool, error) {
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

func (s itemState) Due(ctx context.Context, now time.Time) ([]source.Item, error) {
	keys, err := s.d.revisits.due(ctx, s.d.db, s.id, now)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	var out []source.Item
	err = s.d.db.View(ctx, func(tx *store.Tx) error {
		for _, k := range keys {
			it, ok, err := tx.Item(s.id, k)
			if err != nil {
				return err
			}
			switch {
			case !ok:
				// Pruned by retention since the index was loaded.
				s.d.revisits.update([]store.Item{{Source: s.id, Key: k}})
			case !it.NextVisit.IsZero() && !it.NextVisit.After(now):
				out = append(out, fromStoreItem(it))
			default:
				s.d.revisits.update([]store.Item{it})
			}
		}
		return nil
	})
	return out, err
}

func fromStoreItem(it store.Item) source.Item {
	return source.Item{
		Key: it.Key, Hash: it.Hash, DocID: it.DocID, Seen: it.Seen, Published: it.Published,
		Title: it.Title, Outlet: it.Outlet, URL: it.URL, ETag: it.ETag, LastModified: it.LastModified,
		FirstSeen: it.FirstSeen, NextVisit: it.NextVisit, Visits: it.Visits,
	}
}

func toStoreItem(id string, it source.Item) store.Item {
	return store.Item{
		Source: id, Key: it.Key, Hash: it.Hash, DocID: it.DocID, Seen: it.Seen, Published: it.Published,
		Title: it.Title, Outlet: it.Outlet, URL: it.URL, ETag: it.ETag, LastModified: it.LastModified,
		FirstSeen: it.FirstSeen, NextVisit: it.NextVisit, Visits: it.Visits,
	}
}

// revisitIndex keeps in memory when each followed item is next due, so
// that a warm poll finds "nothing due" without reading every item record
// of every source. It is loaded by one scan of the items at first use and
// kept up to date with every item a poll writes; an entry whose record
// retention deleted is dropped when it comes due.
type revisitIndex struct {
	mu     sync.Mutex
	loaded bool
	next   map[string]map[string]time.Time // source → item key → next visit
}

func (x *revisitIndex) due(ctx context.Context, db *store.DB, id string, now time.Time) ([]string, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		x.next = map[string]map[string]time.Time{}
		err := db.View(ctx, func(tx *store.Tx) error {
			return tx.ForEachItem(func(it store.Item) error {
				x.setLocked(it)
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("load revisit schedule: %w", err)
		}
		x.loaded = true
	}
	var keys []string
	for k, at := range x.next[id] {
		if !at.After(now) {
			// Stays due until a poll writes the item back (update): one
			// that fails or waits for max_follow is offered again.
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// update records the items a poll wrote.
func (x *revisitIndex) update(items []store.Item) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		return // the first load reads them from the store
	}
	for _, it := range items {
		x.setLocked(it)
	}
}

func (x *revisitIndex) setLocked(it store.Item) {
	m := x.next[it.Source]
	if it.NextVisit.IsZero() {
		delete(m, it.Key)
		return
	}
	if m == nil {
		m = map[string]time.Time{}
		x.next[it.Source] = m
	}
	m[it.Key] = it.NextVisit
}
