// A cache of decoded index records, keyed by their bytes.

package store

import "sync"

// obsCache keeps the decoded form of the observation records of the
// index buckets (a metric's current value, a period's official value, the
// first statement of each official value). Every figure a poll stores
// reads some of them, and the diff of every document reads more; they
// change far less often than they are read, yet each read decoded a whole
// observation (quote, title, URL) with encoding/json: 5% of a cold cycle
// with follow_links (issue #16).
//
// The key is the record's bytes, not its bucket and key: a record
// rewritten is a new entry, so nothing can go stale and no write has to
// invalidate anything, in any transaction, committed or rolled back. An
// Observation holds no slice or map, so a copy handed out shares nothing.
type obsCache struct {
	mu sync.Mutex
	m  map[string]Observation
}

// obsCacheMax bounds the entries: index records are a few hundred bytes,
// and a cycle reads a few hundred distinct ones (metrics × authorities,
// the periods of series metrics, values near a claim). Full, the cache is
// emptied rather than managed: the next reads refill it.
const obsCacheMax = 4096

// observation decodes raw, a stored observation record, or returns what
// an earlier decode of the same bytes gave.
func (c *obsCache) observation(raw []byte) (Observation, error) {
	c.mu.Lock()
	o, ok := c.m[string(raw)]
	c.mu.Unlock()
	if ok {
		return o, nil
	}
	if err := decode(raw, &o); err != nil {
		return Observation{}, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= obsCacheMax {
		c.m = make(map[string]Observation, 64)
	}
	c.m[string(raw)] = o
	c.mu.Unlock()
	return o, nil
}

// getObservation reads the observation stored under key in the top-level
// bucket name through the cache.
func (tx *Tx) getObservation(name, key []byte) (Observation, bool, error) {
	raw := tx.getRaw(name, key)
	if raw == nil {
		return Observation{}, false, nil
	}
	o, err := tx.db.obs.observation(raw)
	if err != nil {
		return Observation{}, false, err
	}
	return o, true, nil
}
