// Document snapshots and their bounded revision history.

package store

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// Snapshot returns the latest stored snapshot of docID, and whether there
// was one.
func (tx *Tx) Snapshot(docID string) (Snapshot, bool, error) {
	var s Snapshot
	ok, err := tx.get(bucketDocs, []byte(docID), &s)
	if err != nil {
		return Snapshot{}, false, fmt.Errorf("read snapshot %s: %w", docID, err)
	}
	return s, ok, nil
}

// SnapshotHash returns the hash and LastSeen of the stored snapshot of
// docID, and whether there is one, without decoding its figures: all a
// poll needs of the documents it finds unchanged, which are most of them
// (19 of a changed feed's 20 items).
func (tx *Tx) SnapshotHash(docID string) (hash string, lastSeen time.Time, ok bool, err error) {
	raw := tx.getRaw(bucketDocs, []byte(docID))
	if raw == nil {
		return "", time.Time{}, false, nil
	}
	if i := bytes.Index(raw, []byte(`,"figures":`)); i > 0 {
		if hash, seen, ok := scanSnapshotHead(raw[:i]); ok {
			return hash, seen, true, nil
		}
	}
	head, err := snapshotHead(raw)
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("read snapshot %s: %w", docID, err)
	}
	return head.Hash, head.LastSeen, true, nil
}

// snapshotHead decodes a snapshot record without its figures. The
// figures are the record's last field and its only nested one, and no
// string in JSON holds an unescaped quote: the first `,"figures":` is
// where they start. Records written before they came last have last_seen
// after them, and are decoded whole.
func snapshotHead(raw []byte) (Snapshot, error) {
	var head Snapshot
	if i := bytes.Index(raw, []byte(`,"figures":`)); i > 0 {
		if err := decode(append(raw[:i:i], '}'), &head); err == nil && !head.LastSeen.IsZero() {
			return head, nil
		}
		head = Snapshot{}
	}
	if err := decode(raw, &head); err != nil {
		return Snapshot{}, err
	}
	head.Figures = nil
	return head, nil
}

// scanSnapshotHead reads the hash and last_seen members of head, the
// part of a snapshot record before its figures, without a JSON decoder:
// a changed feed checks each of its items against its stored hash, and
// decoding the head was most of the cost. Every member of head is a
// string or a number (the figures, the only nested member, are cut off),
// and inside a JSON string a quote is always escaped, so `,"hash":"` is
// found only where the member is. Anything unusual (an escape in either
// value, a member missing, a time that does not parse) reports !ok, and
// the caller decodes the head properly.
func scanSnapshotHead(head []byte) (hash string, lastSeen time.Time, ok bool) {
	str := func(key string) (string, bool) {
		i := bytes.Index(head, []byte(key))
		if i < 0 {
			return "", false
		}
		v := head[i+len(key):]
		end := bytes.IndexByte(v, '"')
		if end < 0 || bytes.IndexByte(v[:end], '\\') >= 0 {
			return "", false
		}
		return string(v[:end]), true
	}
	if !bytes.HasPrefix(head, versionPrefix) {
		return "", time.Time{}, false
	}
	hash, ok = str(`,"hash":"`)
	if !ok {
		return "", time.Time{}, false
	}
	seen, ok := str(`,"last_seen":"`)
	if !ok {
		return "", time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, seen)
	if err != nil || t.IsZero() {
		return "", time.Time{}, false
	}
	return hash, t, true
}

// PutSnapshot stores s as the latest version of s.DocID. The store keeps the
// bookkeeping consistent whatever the caller passed: Revision is 1 for a new
// document and grows by one when Hash changes; FirstSeen is kept from the
// previous version; LastSeen defaults to now and LastChanged to LastSeen when
// the hash changed (else it is kept). When the hash changed, the previous
// version is appended to the document's revision history, which is trimmed
// to the DB's RevisionLimit, oldest first.
func (tx *Tx) PutSnapshot(s Snapshot) error {
	if s.DocID == "" {
		return errors.New("write snapshot: empty document id")
	}
	if err := tx.putSnapshot(s); err != nil {
		return fmt.Errorf("write snapshot %s: %w", s.DocID, err)
	}
	return nil
}

func (tx *Tx) putSnapshot(s Snapshot) error {
	docs, err := tx.bucket(bucketDocs)
	if err != nil {
		return err
	}
	key := []byte(s.DocID)
	if s.LastSeen.IsZero() {
		s.LastSeen = tx.db.now()
	}
	prevRaw := docs.Get(key)
	if prevRaw == nil {
		s.Revision = 1
		if s.FirstSeen.IsZero() {
			s.FirstSeen = s.LastSeen
		}
		if s.LastChanged.IsZero() {
			s.LastChanged = s.FirstSeen
		}
		return tx.put(bucketDocs, key, s)
	}

	// Its bookkeeping only: the previous figures go to the revisions as
	// the record they are.
	prev, err := snapshotHead(prevRaw)
	if err != nil {
		return fmt.Errorf("read previous version: %w", err)
	}
	if !prev.FirstSeen.IsZero() {
		s.FirstSeen = prev.FirstSeen
	}
	if s.Hash == prev.Hash {
		s.Revision = prev.Revision
		s.LastChanged = prev.LastChanged
		return tx.put(bucketDocs, key, s)
	}
	s.Revision = prev.Revision + 1
	if s.LastChanged.IsZero() || !s.LastChanged.After(prev.LastChanged) {
		s.LastChanged = s.LastSeen
	}
	// The history is written before docs changes: prevRaw belongs to the
	// transaction's pages.
	if err := tx.appendRevision(key, prevRaw); err != nil {
		return err
	}
	return tx.put(bucketDocs, key, s)
}

// appendRevision adds a stored snapshot record to key's revision history and
// drops the oldest entries beyond the limit.
func (tx *Tx) appendRevision(key, raw []byte) error {
	limit := tx.db.RevisionLimit()
	if limit == 0 {
		return nil
	}
	raw = bytes.Clone(raw) // a Get result may not outlive later writes
	revs, err := tx.bucket(bucketRevisions)
	if err != nil {
		return err
	}
	b, err := revs.CreateBucketIfNotExists(key)
	if err != nil {
		return fmt.Errorf("create revision bucket: %w", err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("next revision sequence: %w", err)
	}
	if err := b.Put(itob(seq), raw); err != nil {
		return fmt.Errorf("append revision: %w", err)
	}
	// Newest first: everything after the first limit keys is surplus.
	var surplus [][]byte
	n := 0
	c := b.Cursor()
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		if n++; n > limit {
			surplus = append(surplus, bytes.Clone(k))
		}
	}
	for _, k := range surplus {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("trim revisions: %w", err)
		}
	}
	return nil
}

// Revisions returns the previous versions of docID kept in its history,
// oldest first; the current version is Snapshot's.
func (tx *Tx) Revisions(docID string) ([]Snapshot, error) {
	revs := tx.tx.Bucket(bucketRevisions)
	if revs == nil {
		return nil, nil
	}
	b := revs.Bucket([]byte(docID))
	if b == nil {
		return nil, nil
	}
	var out []Snapshot
	err := b.ForEach(func(k, v []byte) error {
		var s Snapshot
		if err := decode(v, &s); err != nil {
			return fmt.Errorf("read revision %s/%d: %w", docID, btoi(k), err)
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// ForEachSnapshot calls fn with every stored document's latest snapshot,
// in document id order, stopping at fn's first error.
func (tx *Tx) ForEachSnapshot(fn func(Snapshot) error) error {
	b := tx.tx.Bucket(bucketDocs)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		var s Snapshot
		if err := decode(v, &s); err != nil {
			return fmt.Errorf("read snapshot %s: %w", k, err)
		}
		return fn(s)
	})
}
