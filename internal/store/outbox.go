// The alert outbox, Slack thread anchors and claim records.

package store

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

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
	if err := tx.noteSequence(id); err != nil {
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
	raw := tx.getRaw(bucketOutbox, itob(id))
	if raw == nil {
		return Alert{}, false, nil
	}
	a, err := tx.db.codec.decodeAlert(raw)
	if err != nil {
		return Alert{}, false, fmt.Errorf("read alert %d: %w", id, err)
	}
	return a, true, nil
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

// outboxFill is how full the outbox's pages are packed when they split:
// room for a sent alert's few more fields (sent_at, sent_ts), no more.
const outboxFill = 0.9

// putAlert stores a and keeps the status indexes and counts in step with
// its status, in the same transaction, so that what the status page and
// /metrics read never needs every alert decoded.
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
	failed, err := tx.bucket(bucketFailed)
	if err != nil {
		return err
	}
	// Alerts are appended in ID order and rarely rewritten after they
	// are sent: pages split at bbolt's default half-full leave the outbox
	// half empty for good.
	outbox.FillPercent = outboxFill
	key := itob(a.ID)
	was := storedStatus(outbox, pending, failed, key)
	raw, err := tx.db.codec.encodeAlert(a)
	if err != nil {
		return err
	}
	if err := outbox.Put(key, raw); err != nil {
		return err
	}
	if err := setIndex(pending, key, a.Status == StatusPending); err != nil {
		return err
	}
	if err := setIndex(failed, key, a.Status == StatusFailed); err != nil {
		return err
	}
	if was == a.Status {
		return nil
	}
	if was != "" {
		if err := tx.addCount(was, -1); err != nil {
			return err
		}
	}
	return tx.addCount(a.Status, 1)
}

// storedStatus is the status of the alert stored under key, read from the
// indexes alone: pending or failed when indexed so, sent when stored but
// in neither, "" when there is no such alert.
func storedStatus(outbox, pending, failed *bolt.Bucket, key []byte) string {
	switch {
	case outbox.Get(key) == nil:
		return ""
	case pending.Get(key) != nil:
		return StatusPending
	case failed.Get(key) != nil:
		return StatusFailed
	}
	return StatusSent
}

// setIndex puts key in or takes it out of an index bucket.
func setIndex(b *bolt.Bucket, key []byte, in bool) error {
	if in {
		return b.Put(key, []byte{})
	}
	return b.Delete(key)
}

// unindexAlert keeps the indexes and counts in step with the deletion of
// the alert under key by retention, which deletes sent and failed alerts
// only: a failed one is on the failed index, a sent one on none.
func (tx *Tx) unindexAlert(key []byte) error {
	status := StatusSent
	if failed := tx.tx.Bucket(bucketFailed); failed != nil && failed.Get(key) != nil {
		status = StatusFailed
		if err := failed.Delete(key); err != nil {
			return fmt.Errorf("unindex alert %d: %w", btoi(key), err)
		}
	}
	if pending := tx.tx.Bucket(bucketPending); pending != nil && pending.Get(key) != nil {
		status = StatusPending // never pruned, but an index must not outlive its alert
		if err := pending.Delete(key); err != nil {
			return fmt.Errorf("unindex alert %d: %w", btoi(key), err)
		}
	}
	if err := tx.addCount(status, -1); err != nil {
		return fmt.Errorf("unindex alert %d: %w", btoi(key), err)
	}
	return nil
}

// PendingCount is the number of alerts waiting to be delivered, read from
// the outbox counts: a /metrics scrape must not decode every alert the
// outbox has kept.
func (tx *Tx) PendingCount() (int, error) {
	pending, _, _, err := tx.OutboxStats()
	return pending, err
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
		a, err := tx.db.codec.decodeAlert(raw)
		if err != nil {
			return nil, fmt.Errorf("read alert %d: %w", btoi(k), err)
		}
		if a.Status != StatusPending {
			continue
		}
		out = append(out, a)
	}
	return out, nil
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
		a, err := tx.db.codec.decodeAlert(raw)
		if err != nil {
			return nil, fmt.Errorf("read alert %d: %w", btoi(k), err)
		}
		out = append(out, a)
	}
	return out, nil
}

// OutboxStats counts the alerts in the outbox by status. It reads the
// counts kept with every change of an alert, so it costs the same whatever
// the outbox holds; only a read-only open of a file written before there
// were counts makes it read every alert.
func (tx *Tx) OutboxStats() (pending, sent, failed int, err error) {
	if counts := tx.tx.Bucket(bucketOutboxCounts); counts != nil {
		return int(count(counts, StatusPending)), int(count(counts, StatusSent)), int(count(counts, StatusFailed)), nil
	}
	c, err := scanOutbox(tx.tx.Bucket(bucketOutbox), nil, nil)
	return c.pending, c.sent, c.failed, err
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
