package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Tx is a read-write or read-only transaction, valid only inside the
// function given to DB.Update or DB.View. Reading prior state and writing a
// document's snapshot, observations and alerts in one Update makes them
// atomic. Values returned are copies: they stay valid after the transaction.
type Tx struct {
	tx *bolt.Tx
	db *DB
	// idx holds the index records this transaction wrote, see indexCache.
	idx *indexCache
}

// Writable reports whether tx is a read-write transaction.
func (tx *Tx) Writable() bool { return tx.tx.Writable() }

// bucket returns a top-level bucket for writing. Open creates every bucket,
// so nil means a read-only transaction or a damaged file.
func (tx *Tx) bucket(name []byte) (*bolt.Bucket, error) {
	if !tx.tx.Writable() {
		return nil, berrors.ErrTxNotWritable
	}
	b := tx.tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("bucket %s missing", name)
	}
	return b, nil
}

// get decodes the record under key in the top-level bucket name into v.
// A missing bucket reads as empty, so a read-only open of an older file
// works.
func (tx *Tx) get(name, key []byte, v any) (bool, error) {
	raw := tx.getRaw(name, key)
	if raw == nil {
		return false, nil
	}
	return true, decode(raw, v)
}

// getRaw is the record under key in the top-level bucket name as stored,
// nil when there is none (a missing bucket reads as empty). It is valid
// only for the transaction's life.
func (tx *Tx) getRaw(name, key []byte) []byte {
	if b := tx.tx.Bucket(name); b != nil {
		return b.Get(key)
	}
	return nil
}

// put encodes v under key in the top-level bucket name.
func (tx *Tx) put(name, key []byte, v any) error {
	raw, err := encode(v)
	if err != nil {
		return err
	}
	return tx.putRaw(name, key, raw)
}

// putObservation is put of an observation (see encodeObservation).
func (tx *Tx) putObservation(name, key []byte, o Observation) error {
	raw, err := encodeObservation(o)
	if err != nil {
		return err
	}
	return tx.putRaw(name, key, raw)
}

// putRaw stores an encoded record under key in the top-level bucket name.
func (tx *Tx) putRaw(name, key, raw []byte) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// validName checks an id used in a key.
func validName(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case strings.IndexByte(s, 0) >= 0:
		return errors.New("contains NUL")
	}
	return nil
}

// RetentionRan returns when retention last completed on this database, the
// zero time when it never has.
func (tx *Tx) RetentionRan() (time.Time, error) {
	meta := tx.tx.Bucket(bucketMeta)
	if meta == nil {
		return time.Time{}, nil
	}
	raw := meta.Get(keyRetentionRan)
	if raw == nil {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(raw))
	if err != nil {
		return time.Time{}, fmt.Errorf("read retention time %q: %w", raw, err)
	}
	return t, nil
}

// SetRetentionRan records that retention completed at t, so that short
// runs (`watcher once` from cron, restarts) do not repeat a full pass
// every time.
func (tx *Tx) SetRetentionRan(t time.Time) error {
	meta := tx.tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("write retention time: no %q bucket", bucketMeta)
	}
	if err := meta.Put(keyRetentionRan, []byte(t.UTC().Format(time.RFC3339Nano))); err != nil {
		return fmt.Errorf("write retention time: %w", err)
	}
	return nil
}

// Created returns when the database file was created (to the second), the
// zero time when it does not say.
func (tx *Tx) Created() (time.Time, error) {
	meta := tx.tx.Bucket(bucketMeta)
	if meta == nil || meta.Get(keyCreated) == nil {
		return time.Time{}, nil
	}
	raw := meta.Get(keyCreated)
	t, err := time.Parse(time.RFC3339, string(raw))
	if err != nil {
		return time.Time{}, fmt.Errorf("read creation time %q: %w", raw, err)
	}
	return t, nil
}
