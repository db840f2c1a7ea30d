// Fetch state of each source and the feed items whose links are followed.

package store

import (
	"bytes"
	"errors"
	"fmt"
)

// FetchState returns the stored fetch state of source, and whether there was
// one.
func (tx *Tx) FetchState(source string) (FetchState, bool, error) {
	raw := tx.getRaw(bucketSources, []byte(source))
	if raw == nil {
		return FetchState{}, false, nil
	}
	fs, err := decodeFetchState([]byte(source), raw)
	if err != nil {
		return FetchState{}, false, fmt.Errorf("read fetch state of %s: %w", source, err)
	}
	return fs, true, nil
}

// PutFetchState stores fs under fs.Source, replacing what was there.
func (tx *Tx) PutFetchState(fs FetchState) error {
	if fs.Source == "" {
		return errors.New("write fetch state: empty source id")
	}
	b, err := tx.bucket(bucketSources)
	if err != nil {
		return fmt.Errorf("write fetch state of %s: %w", fs.Source, err)
	}
	// A cycle reads every source's state, each leaf page a page fault (and
	// 64 KB of mapped file around it): packed 90% full when they split,
	// rather than bbolt's half, the states of 10,000 sources take ~330
	// pages instead of ~600. A state keeps its size from poll to poll, so
	// full pages seldom split again.
	b.FillPercent = sourcesFill
	raw, err := encodeFetchState(fs)
	if err == nil {
		err = b.Put([]byte(fs.Source), raw)
	}
	if err != nil {
		return fmt.Errorf("write fetch state of %s: %w", fs.Source, err)
	}
	return nil
}

// sourcesFill is how full the fetch states' pages are packed when they
// split.
const sourcesFill = 0.9

// Sources returns the fetch state of every source ever polled, ordered by
// source id.
func (tx *Tx) Sources() ([]FetchState, error) {
	var out []FetchState
	err := tx.EachSource(func(fs FetchState) error {
		out = append(out, fs)
		return nil
	})
	return out, err
}

// EachSource calls fn with the fetch state of every source ever polled,
// in source id order, without holding them all; an error from fn stops
// the walk and is returned.
func (tx *Tx) EachSource(fn func(FetchState) error) error {
	b := tx.tx.Bucket(bucketSources)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		fs, err := decodeFetchState(k, v)
		if err != nil {
			return fmt.Errorf("read fetch state of %s: %w", k, err)
		}
		return fn(fs)
	})
}

// Item returns the stored feed item key of source, and whether there is one.
func (tx *Tx) Item(source, key string) (Item, bool, error) {
	var it Item
	ok, err := tx.get(bucketItems, itemKey(source, key), &it)
	if err != nil {
		return it, false, fmt.Errorf("read item %s of %s: %w", key, source, err)
	}
	return it, ok, nil
}

// PutItem stores a followed feed item.
func (tx *Tx) PutItem(it Item) error {
	if err := validName(it.Source); err != nil {
		return fmt.Errorf("write item: source: %w", err)
	}
	if err := validName(it.Key); err != nil {
		return fmt.Errorf("write item of %s: key: %w", it.Source, err)
	}
	if err := tx.put(bucketItems, itemKey(it.Source, it.Key), it); err != nil {
		return fmt.Errorf("write item %s of %s: %w", it.Key, it.Source, err)
	}
	return nil
}

// ForEachItem calls fn with every followed feed item, stopping at fn's
// first error.
func (tx *Tx) ForEachItem(fn func(Item) error) error {
	b := tx.tx.Bucket(bucketItems)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		var it Item
		if err := decode(v, &it); err != nil {
			return fmt.Errorf("read item %q: %w", k, err)
		}
		return fn(it)
	})
}

// ForEachItemOf calls fn with every followed item of one source, in key
// order, stopping at fn's first error. It reads only that source's items.
func (tx *Tx) ForEachItemOf(source string, fn func(Item) error) error {
	b := tx.tx.Bucket(bucketItems)
	if b == nil {
		return nil
	}
	prefix := itemKey(source, "")
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var it Item
		if err := decode(v, &it); err != nil {
			return fmt.Errorf("read item %q: %w", k, err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func itemKey(source, key string) []byte { return []byte(source + "\x00" + key) }
