package main

import (
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DBUsage is how a bbolt file's bytes are spent. The file grows in large
// steps and keeps freed pages, so its size overstates what the data needs.
type DBUsage struct {
	File    int64            // the file's size
	Used    int64            // bytes of the pages the buckets occupy; the rest of the file is free or unallocated
	Buckets map[string]int64 // bytes of data (keys, values, headers) per top-level bucket, nested buckets included
	Keys    map[string]int   // keys per top-level bucket, nested buckets' included
	// Open is how long bbolt took to open the file (read-only, page cache
	// warm from the cycle just run): the part of a start-up that grows
	// with the database rather than with the config.
	Open time.Duration
}

// ReadDBUsage opens a watcher database read-only (so only once watcher has
// exited: watcher holds an exclusive lock while it runs) and measures it.
func ReadDBUsage(path string) (DBUsage, error) {
	start := time.Now()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	opened := time.Since(start)
	if err != nil {
		return DBUsage{}, fmt.Errorf("open database %s: %w", path, err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		return DBUsage{}, fmt.Errorf("measure database: %w", err)
	}
	u := DBUsage{File: fi.Size(), Buckets: map[string]int64{}, Keys: map[string]int{}, Open: opened}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			s := b.Stats()
			u.Used += int64(s.LeafAlloc + s.BranchAlloc)
			// InlineBucketInuse is already counted in LeafInuse.
			u.Buckets[string(name)] = int64(s.LeafInuse + s.BranchInuse)
			u.Keys[string(name)] = s.KeyN
			return nil
		})
	})
	if err != nil {
		return DBUsage{}, fmt.Errorf("measure database %s: %w", path, err)
	}
	return u, nil
}
