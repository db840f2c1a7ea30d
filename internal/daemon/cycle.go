package daemon

import (
	"context"
	"fmt"
	"sync"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
)

// cycle is what Once keeps for its one pass over the sources: their fetch
// states, read in one transaction before the polls, and the states of the
// polls answered 304, written in one transaction after them.
//
// A warm cycle is a thousand 304s. Read one by one, each state cost a read
// transaction touching pages the previous commits had just moved (page
// faults were 15% of a warm once); written one by one, even batched, they
// cost a commit per ten polls. A 304 changes nothing but bookkeeping (when
// the source was last polled, its validators), so holding it until the
// cycle ends loses nothing a crash could not: the next start polls the
// source again, conditionally, as it would have anyway.
//
// A state is taken once, by its source's poll, which then writes (or
// hands to save) the next one; a source is never polled twice at once
// (slots), so what is taken is what is stored.
type cycle struct {
	mu     sync.Mutex
	states map[string]store.FetchState
	later  []notModified
}

// readCycle reads the stored fetch state of every source in srcs.
func readCycle(ctx context.Context, db *store.DB, srcs []config.Source) (*cycle, error) {
	// later is sized for a cycle of 304s, the usual warm cycle: grown by
	// appends, its copies of 10,000 states were 4% of a warm once.
	c := &cycle{states: make(map[string]store.FetchState, len(srcs)), later: make([]notModified, 0, len(srcs))}
	// A source never polled has the empty state fetchState would read
	// for it, so a cold cycle needs no read per source either.
	for _, src := range srcs {
		c.states[src.ID] = store.FetchState{Source: src.ID}
	}
	err := db.View(ctx, func(tx *store.Tx) error {
		return tx.EachSource(func(st store.FetchState) error {
			if _, ok := c.states[st.Source]; ok {
				c.states[st.Source] = st
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read fetch states: %w", err)
	}
	return c, nil
}

// state returns the state read for id (removing it), or reads it from db
// when none was read: outside Once (c is nil), or for a source the cycle
// did not plan.
func (c *cycle) state(ctx context.Context, db *store.DB, id string) (store.FetchState, error) {
	if c != nil {
		c.mu.Lock()
		st, ok := c.states[id]
		delete(c.states, id)
		c.mu.Unlock()
		if ok {
			return st, nil
		}
	}
	return fetchState(ctx, db, id)
}

// saveLater holds a poll answered 304 for save.
func (c *cycle) saveLater(p notModified) {
	c.mu.Lock()
	c.later = append(c.later, p)
	c.mu.Unlock()
}

// save writes the states of the polls held by saveLater in one
// transaction and returns those polls. It runs once the cycle's polls
// have ended; until it has, none of them is counted or logged as done.
func (c *cycle) save(ctx context.Context, db *store.DB) ([]notModified, error) {
	c.mu.Lock()
	later := c.later
	c.later = nil
	c.mu.Unlock()
	if len(later) == 0 {
		return nil, nil
	}
	err := db.Update(ctx, func(tx *store.Tx) error {
		for _, p := range later {
			if err := tx.PutFetchState(p.state); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return later, fmt.Errorf("save the fetch states of %d sources answered 304: %w", len(later), err)
	}
	return later, nil
}
