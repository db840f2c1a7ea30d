package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
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
	b := tx.tx.Bucket(name)
	if b == nil {
		return false, nil
	}
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	return true, decode(raw, v)
}

// put encodes v under key in the top-level bucket name.
func (tx *Tx) put(name, key []byte, v any) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	raw, err := encode(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// FetchState returns the stored fetch state of source, and whether there was
// one.
func (tx *Tx) FetchState(source string) (FetchState, bool, error) {
	var fs FetchState
	ok, err := tx.get(bucketSources, []byte(source), &fs)
	if err != nil {
		return FetchState{}, false, fmt.Errorf("read fetch state of %s: %w", source, err)
	}
	return fs, ok, nil
}

// PutFetchState stores fs under fs.Source, replacing what was there.
func (tx *Tx) PutFetchState(fs FetchState) error {
	if fs.Source == "" {
		return errors.New("write fetch state: empty source id")
	}
	if err := tx.put(bucketSources, []byte(fs.Source), fs); err != nil {
		return fmt.Errorf("write fetch state of %s: %w", fs.Source, err)
	}
	return nil
}

// Sources returns the fetch state of every source ever polled, ordered by
// source id.
func (tx *Tx) Sources() ([]FetchState, error) {
	b := tx.tx.Bucket(bucketSources)
	if b == nil {
		return nil, nil
	}
	var out []FetchState
	err := b.ForEach(func(k, v []byte) error {
		var fs FetchState
		if err := decode(v, &fs); err != nil {
			return fmt.Errorf("read fetch state of %s: %w", k, err)
		}
		out = append(out, fs)
		return nil
	})
	return out, err
}

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

	var prev Snapshot
	if err := decode(prevRaw, &prev); err != nil {
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

// AddObservation appends o to its metric's history. Observed defaults to
// now; observations sort by Observed, then by insertion.
func (tx *Tx) AddObservation(o Observation) error {
	if err := validName(o.Metric); err != nil {
		return fmt.Errorf("add observation: metric: %w", err)
	}
	if o.Observed.IsZero() {
		o.Observed = tx.db.now()
	}
	if o.Observed.Before(time.Unix(0, 0)) || o.Observed.After(time.Unix(0, 1<<63-1)) {
		return fmt.Errorf("add observation of %s: observed time %s out of range", o.Metric, o.Observed)
	}
	metrics, err := tx.bucket(bucketMetrics)
	if err != nil {
		return fmt.Errorf("add observation of %s: %w", o.Metric, err)
	}
	b, err := metrics.CreateBucketIfNotExists([]byte(o.Metric))
	if err != nil {
		return fmt.Errorf("add observation of %s: create bucket: %w", o.Metric, err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("add observation of %s: %w", o.Metric, err)
	}
	raw, err := encode(o)
	if err != nil {
		return fmt.Errorf("add observation of %s: %w", o.Metric, err)
	}
	if err := b.Put(observationKey(o.Observed, seq), raw); err != nil {
		return fmt.Errorf("add observation of %s: %w", o.Metric, err)
	}
	return tx.indexObservation(o)
}

// indexObservation keeps the latest-by-authority and official-values
// indexes in step with a new observation.
func (tx *Tx) indexObservation(o Observation) error {
	lk := []byte(o.Metric + "\x00" + o.Authority)
	var cur Observation
	ok, err := tx.get(bucketLatest, lk, &cur)
	if err != nil {
		return fmt.Errorf("add observation of %s: read index: %w", o.Metric, err)
	}
	if !ok || !o.Observed.Before(cur.Observed) {
		if err := tx.put(bucketLatest, lk, o); err != nil {
			return fmt.Errorf("add observation of %s: index: %w", o.Metric, err)
		}
	}
	if o.Authority != "official" {
		return nil
	}
	vk := append([]byte(o.Metric+"\x00"), sortableFloat(o.Value)...)
	vk = append(vk, sortableFloat(o.High)...)
	vk = append(vk, o.Unit...)
	if b := tx.tx.Bucket(bucketValues); b != nil && b.Get(vk) != nil {
		return nil
	}
	if err := tx.put(bucketValues, vk, o); err != nil {
		return fmt.Errorf("add observation of %s: index value: %w", o.Metric, err)
	}
	return nil
}

// OfficialValuesNear returns the first official observation of each
// distinct official value of metric within a relative tol of value (0.005
// is half a percent), oldest first. It seeks rather than scans: a claim
// check costs the same however long the metric's history.
func (tx *Tx) OfficialValuesNear(metric string, value, tol float64) ([]Observation, error) {
	b := tx.tx.Bucket(bucketValues)
	if b == nil {
		return nil, nil
	}
	lo, hi := value*(1-tol), value*(1+tol)
	if lo > hi {
		lo, hi = hi, lo
	}
	prefix := []byte(metric + "\x00")
	from := append(bytes.Clone(prefix), sortableFloat(lo)...)
	until := append(bytes.Clone(prefix), sortableFloat(hi)...)
	var out []Observation
	c := b.Cursor()
	for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k[:len(until)], until) <= 0; k, v = c.Next() {
		var o Observation
		if err := decode(v, &o); err != nil {
			return nil, fmt.Errorf("read official values of %s: %w", metric, err)
		}
		out = append(out, o)
	}
	slices.SortStableFunc(out, func(a, b Observation) int { return a.Observed.Compare(b.Observed) })
	return out, nil
}

// sortableFloat encodes f so that byte order is numeric order (IEEE 754
// bits, sign-flipped), for range seeks over values.
func sortableFloat(f float64) []byte {
	u := math.Float64bits(f)
	if u>>63 == 1 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(nil, u)
}

// metricBucket is the nested bucket of metric's observations, or nil.
func (tx *Tx) metricBucket(metric string) *bolt.Bucket {
	metrics := tx.tx.Bucket(bucketMetrics)
	if metrics == nil || metric == "" {
		return nil
	}
	return metrics.Bucket([]byte(metric))
}

// LatestObservation returns the most recently observed value of metric from
// sources of the given authority ("" for any), and whether there is one.
func (tx *Tx) LatestObservation(metric, authority string) (Observation, bool, error) {
	if authority != "" {
		var o Observation
		ok, err := tx.get(bucketLatest, []byte(metric+"\x00"+authority), &o)
		if err != nil {
			return o, false, fmt.Errorf("read latest %s observation of %s: %w", authority, metric, err)
		}
		if ok {
			return o, true, nil
		}
		// Not indexed (a file written before the index existed): scan.
	}
	b := tx.metricBucket(metric)
	if b == nil {
		return Observation{}, false, nil
	}
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var o Observation
		if err := decode(v, &o); err != nil {
			return Observation{}, false, fmt.Errorf("read observation %s/%x: %w", metric, k, err)
		}
		if authority == "" || o.Authority == authority {
			return o, true, nil
		}
	}
	return Observation{}, false, nil
}

// Observations returns metric's history, oldest first.
func (tx *Tx) Observations(metric string) ([]Observation, error) {
	b := tx.metricBucket(metric)
	if b == nil {
		return nil, nil
	}
	var out []Observation
	err := b.ForEach(func(k, v []byte) error {
		var o Observation
		if err := decode(v, &o); err != nil {
			return fmt.Errorf("read observation %s/%x: %w", metric, k, err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// Metrics returns the ids of every metric with observations, sorted.
func (tx *Tx) Metrics() ([]string, error) {
	metrics := tx.tx.Bucket(bucketMetrics)
	if metrics == nil {
		return nil, nil
	}
	var out []string
	err := metrics.ForEachBucket(func(k []byte) error {
		out = append(out, string(k))
		return nil
	})
	return out, err
}

// Enqueue queues a: it assigns a.ID (increasing in enqueue order), sets
// Status to pending, defaults Created to now and NextAttempt to Created, and
// stores it. a is updated only when the alert was stored.
func (tx *Tx) Enqueue(a *Alert) error {
	if a == nil {
		return errors.New("enqueue alert: nil alert")
	}
	if a.Kind == "" {
		return errors.New("enqueue alert: empty kind")
	}
	outbox, err := tx.bucket(bucketOutbox)
	if err != nil {
		return fmt.Errorf("enqueue %s alert: %w", a.Kind, err)
	}
	id, err := outbox.NextSequence()
	if err != nil {
		return fmt.Errorf("enqueue %s alert: %w", a.Kind, err)
	}
	q := *a
	q.ID = id
	q.Status = StatusPending
	if q.Created.IsZero() {
		q.Created = tx.db.now()
	}
	if q.NextAttempt.IsZero() {
		q.NextAttempt = q.Created
	}
	if err := tx.putAlert(outbox, q); err != nil {
		return fmt.Errorf("enqueue %s alert: %w", a.Kind, err)
	}
	*a = q
	return nil
}

// Alert returns the alert with the given ID, and whether there is one.
func (tx *Tx) Alert(id uint64) (Alert, bool, error) {
	var a Alert
	ok, err := tx.get(bucketOutbox, itob(id), &a)
	if err != nil {
		return Alert{}, false, fmt.Errorf("read alert %d: %w", id, err)
	}
	return a, ok, nil
}

// PutAlert replaces the stored alert a.ID with a (status, attempts, next
// attempt, error, Slack ts). The alert must exist: an unknown ID is an error
// wrapping ErrNotFound.
func (tx *Tx) PutAlert(a Alert) error {
	outbox, err := tx.bucket(bucketOutbox)
	if err != nil {
		return fmt.Errorf("write alert %d: %w", a.ID, err)
	}
	if outbox.Get(itob(a.ID)) == nil {
		return fmt.Errorf("write alert %d: %w", a.ID, ErrNotFound)
	}
	if err := tx.putAlert(outbox, a); err != nil {
		return fmt.Errorf("write alert %d: %w", a.ID, err)
	}
	return nil
}

// putAlert stores a and keeps the pending index in step with its status.
func (tx *Tx) putAlert(outbox *bolt.Bucket, a Alert) error {
	switch a.Status {
	case StatusPending, StatusSent, StatusFailed:
	default:
		return fmt.Errorf("unknown status %q", a.Status)
	}
	pending, err := tx.bucket(bucketPending)
	if err != nil {
		return err
	}
	raw, err := encode(a)
	if err != nil {
		return err
	}
	key := itob(a.ID)
	if err := outbox.Put(key, raw); err != nil {
		return err
	}
	if a.Status == StatusPending {
		return pending.Put(key, []byte{})
	}
	return pending.Delete(key)
}

// PendingAlerts returns up to limit pending alerts (all when limit <= 0) in
// ID order, whether or not their NextAttempt has come.
func (tx *Tx) PendingAlerts(limit int) ([]Alert, error) {
	pending := tx.tx.Bucket(bucketPending)
	outbox := tx.tx.Bucket(bucketOutbox)
	if pending == nil || outbox == nil {
		return nil, nil
	}
	var out []Alert
	c := pending.Cursor()
	for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
		raw := outbox.Get(k)
		if raw == nil {
			continue // index entry of a pruned alert; harmless
		}
		var a Alert
		if err := decode(raw, &a); err != nil {
			return nil, fmt.Errorf("read alert %d: %w", btoi(k), err)
		}
		if a.Status != StatusPending {
			continue
		}
		out = append(out, a)
	}
	return out, nil
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

// RecentAlerts returns up to limit alerts of any status, newest first.
func (tx *Tx) RecentAlerts(limit int) ([]Alert, error) {
	outbox := tx.tx.Bucket(bucketOutbox)
	if outbox == nil {
		return nil, nil
	}
	var out []Alert
	c := outbox.Cursor()
	for k, raw := c.Last(); k != nil && len(out) < limit; k, raw = c.Prev() {
		var a Alert
		if err := decode(raw, &a); err != nil {
			return nil, fmt.Errorf("read alert %d: %w", btoi(k), err)
		}
		out = append(out, a)
	}
	return out, nil
}

// OutboxStats counts the alerts in the outbox by status. It reads every
// retained alert: call it for reports, not in a hot loop.
func (tx *Tx) OutboxStats() (pending, sent, failed int, err error) {
	outbox := tx.tx.Bucket(bucketOutbox)
	if outbox == nil {
		return 0, 0, 0, nil
	}
	err = outbox.ForEach(func(k, v []byte) error {
		var a struct {
			Status string `json:"status"`
		}
		if err := decode(v, &a); err != nil {
			return fmt.Errorf("read alert %d: %w", btoi(k), err)
		}
		switch a.Status {
		case StatusPending:
			pending++
		case StatusSent:
			sent++
		case StatusFailed:
			failed++
		}
		return nil
	})
	return pending, sent, failed, err
}

// Thread returns the ts of the Slack message that anchors metric's thread in
// channel, and whether there is one.
func (tx *Tx) Thread(metric, channel string) (string, bool, error) {
	var th thread
	ok, err := tx.get(bucketThreads, threadKey(metric, channel), &th)
	if err != nil {
		return "", false, fmt.Errorf("read thread of %s in %s: %w", metric, channel, err)
	}
	return th.TS, ok, nil
}

// PutThread records ts as the anchor of metric's thread in channel.
func (tx *Tx) PutThread(metric, channel, ts string) error {
	if err := validName(metric); err != nil {
		return fmt.Errorf("write thread: metric: %w", err)
	}
	if strings.IndexByte(channel, 0) >= 0 {
		return fmt.Errorf("write thread of %s: channel contains NUL", metric)
	}
	if ts == "" {
		return fmt.Errorf("write thread of %s in %s: empty ts", metric, channel)
	}
	th := thread{Metric: metric, Channel: channel, TS: ts, Updated: tx.db.now()}
	if err := tx.put(bucketThreads, threadKey(metric, channel), th); err != nil {
		return fmt.Errorf("write thread of %s in %s: %w", metric, channel, err)
	}
	return nil
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

// Claim returns the claim record of metric at value, and whether there is
// one.
func (tx *Tx) Claim(metric string, value float64) (Claim, bool, error) {
	var c Claim
	ok, err := tx.get(bucketClaims, claimKey(metric, value), &c)
	if err != nil {
		return c, false, fmt.Errorf("read claim %s=%g: %w", metric, value, err)
	}
	return c, ok, nil
}

// PutClaim stores a claim record.
func (tx *Tx) PutClaim(c Claim) error {
	if err := validName(c.Metric); err != nil {
		return fmt.Errorf("write claim: metric: %w", err)
	}
	if err := tx.put(bucketClaims, claimKey(c.Metric, c.Value), c); err != nil {
		return fmt.Errorf("write claim %s=%g: %w", c.Metric, c.Value, err)
	}
	return nil
}

func claimKey(metric string, value float64) []byte {
	return []byte(metric + "\x00" + strconv.FormatFloat(value, 'g', -1, 64))
}

func itemKey(source, key string) []byte { return []byte(source + "\x00" + key) }

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
