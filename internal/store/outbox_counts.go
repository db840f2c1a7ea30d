// The outbox's counts by status and its index of failed alerts, kept in
// the transaction of every change so that the status page, `watcher
// status` and /metrics read a few keys instead of decoding every alert the
// outbox has kept (issue #16: a status page's cost grew with each cycle's
// alerts).

package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var (
	// bucketFailed indexes the IDs of failed alerts, as bucketPending does
	// the pending ones: what is on neither is sent. Retention, which deletes
	// by key, learns from it which count an alert leaves.
	bucketFailed = []byte("outbox_failed")
	// bucketOutboxCounts holds the number of alerts of each status (keys
	// are the statuses) and the outbox's sequence when they were last
	// made right (keyCountedSeq).
	bucketOutboxCounts = []byte("outbox_counts")
	keyCountedSeq      = []byte("seq")
)

// count reads one count, 0 when absent.
func count(counts *bolt.Bucket, status string) uint64 {
	raw := counts.Get([]byte(status))
	if len(raw) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(raw)
}

// addCount adds delta to the count of status, never below zero.
func (tx *Tx) addCount(status string, delta int64) error {
	counts, err := tx.bucket(bucketOutboxCounts)
	if err != nil {
		return err
	}
	n := int64(count(counts, status)) + delta
	return counts.Put([]byte(status), binary.BigEndian.AppendUint64(nil, uint64(max(n, 0))))
}

// noteSequence records the outbox's sequence next to the counts. Open
// compares it with the outbox's: a watcher from before the counts that
// queued alerts in this file leaves them differing, and the counts are
// made again.
func (tx *Tx) noteSequence(seq uint64) error {
	counts, err := tx.bucket(bucketOutboxCounts)
	if err != nil {
		return err
	}
	return counts.Put(keyCountedSeq, itob(seq))
}

// outboxCount is what one pass over the outbox finds.
type outboxCount struct{ pending, sent, failed int }

// scanOutbox decodes the status of every alert in outbox (nil: none) and
// calls each, when not nil, with its key and status. An alert it cannot
// decode is an error, unless skip is set: then it is left out, counted
// under no status and on no index.
func scanOutbox(outbox *bolt.Bucket, skip func(k []byte, err error), each func(k []byte, status string) error) (outboxCount, error) {
	var c outboxCount
	if outbox == nil {
		return c, nil
	}
	err := outbox.ForEach(func(k, v []byte) error {
		var a struct {
			Status string `json:"status"`
		}
		if err := decode(v, &a); err != nil {
			if skip == nil {
				return fmt.Errorf("read alert %d: %w", btoi(k), err)
			}
			skip(k, err)
			return nil
		}
		switch a.Status {
		case StatusPending:
			c.pending++
		case StatusSent:
			c.sent++
		case StatusFailed:
			c.failed++
		}
		if each != nil {
			return each(k, a.Status)
		}
		return nil
	})
	return c, err
}

// initOutboxCounts makes the counts and the failed index at open when the
// file has none (written before them) or when they no longer match the
// outbox (a schema-2 watcher wrote to the file after a schema-3 one had
// counted it; from schema 3 on an older watcher refuses the file): one
// pass over the outbox, in the opening transaction. Otherwise it reads a few keys and
// the two indexes.
func (db *DB) initOutboxCounts(btx *bolt.Tx) error {
	tx := &Tx{tx: btx, db: db}
	outbox, pending := btx.Bucket(bucketOutbox), btx.Bucket(bucketPending)
	if counts := btx.Bucket(bucketOutboxCounts); counts != nil && btx.Bucket(bucketFailed) != nil {
		ok, err := countsMatch(counts, outbox, pending, btx.Bucket(bucketFailed))
		if err != nil || ok {
			return err
		}
		db.log.Warn("outbox counts out of step with the outbox (an older watcher used this file); counting again")
	}
	for _, name := range [][]byte{bucketOutboxCounts, bucketFailed} {
		if btx.Bucket(name) != nil {
			if err := btx.DeleteBucket(name); err != nil {
				return fmt.Errorf("count outbox: %w", err)
			}
		}
		if _, err := btx.CreateBucket(name); err != nil {
			return fmt.Errorf("count outbox: %w", err)
		}
	}
	failed := btx.Bucket(bucketFailed)
	// An unreadable alert must not stop the daemon from starting: the
	// delivery loop reports it when it reaches it. Its index entry stays
	// as it was, and counts: a pending one is still pending.
	unreadable := 0
	skip := func(k []byte, err error) {
		db.log.Error("alert unreadable", "alert", btoi(k), "err", err)
		if pending.Get(k) != nil {
			unreadable++
		}
	}
	c, err := scanOutbox(outbox, skip, func(k []byte, status string) error {
		if err := setIndex(pending, k, status == StatusPending); err != nil {
			return err
		}
		return setIndex(failed, k, status == StatusFailed)
	})
	if err != nil {
		return fmt.Errorf("count outbox: %w", err)
	}
	c.pending += unreadable
	// Index entries of alerts no longer stored (pruned by an older
	// watcher) go too.
	var stale [][]byte
	if err := pending.ForEach(func(k, _ []byte) error {
		if outbox.Get(k) == nil {
			stale = append(stale, k)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("count outbox: %w", err)
	}
	for _, k := range stale {
		if err := pending.Delete(k); err != nil {
			return fmt.Errorf("count outbox: %w", err)
		}
	}
	for status, n := range map[string]int{StatusPending: c.pending, StatusSent: c.sent, StatusFailed: c.failed} {
		if err := tx.addCount(status, int64(n)); err != nil {
			return fmt.Errorf("count outbox: %w", err)
		}
	}
	if err := tx.noteSequence(outbox.Sequence()); err != nil {
		return fmt.Errorf("count outbox: %w", err)
	}
	if outbox.Sequence() > 0 { // not a new file
		db.log.Info("outbox counted", "pending", c.pending, "sent", c.sent, "failed", c.failed)
	}
	return nil
}

// countsMatch checks the counts against what is cheap to check: the
// outbox's sequence (an older watcher queued alerts) and the pending and
// failed indexes, entry by entry (it delivered or gave up on some). A
// watcher from before the counts that only pruned sent alerts goes
// unnoticed: the sent count then stays too high until the next prune of
// as many.
func countsMatch(counts, outbox, pending, failed *bolt.Bucket) (bool, error) {
	if raw := counts.Get(keyCountedSeq); btoi(raw) != outbox.Sequence() {
		return false, nil
	}
	for _, idx := range []struct {
		b      *bolt.Bucket
		status string
	}{{pending, StatusPending}, {failed, StatusFailed}} {
		n := uint64(0)
		err := idx.b.ForEach(func(k, _ []byte) error {
			if outbox.Get(k) == nil {
				return errStop
			}
			n++
			return nil
		})
		switch {
		case errors.Is(err, errStop):
			return false, nil
		case err != nil:
			return false, err
		case n != count(counts, idx.status):
			return false, nil
		}
	}
	return true, nil
}
