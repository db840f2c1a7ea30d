package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// wantCounts compares the kept counts with a decoding pass over every
// alert, and both with want.
func wantCounts(t *testing.T, db *DB, step string, want outboxCount) {
	t.Helper()
	view(t, db, func(tx *Tx) error {
		p, s, f, err := tx.OutboxStats()
		if err != nil {
			return err
		}
		scanned, err := scanOutbox(tx.tx.Bucket(bucketOutbox), nil, nil)
		if err != nil {
			return err
		}
		if got := (outboxCount{p, s, f}); got != want || scanned != want {
			t.Errorf("%s: counts %+v, alerts decoded %+v, want %+v", step, got, scanned, want)
		}
		if n, err := tx.PendingCount(); err != nil || n != want.pending {
			t.Errorf("%s: PendingCount = %d, %v; want %d", step, n, err, want.pending)
		}
		return nil
	})
}

// Every change of an alert's status moves the counts with it, in its own
// transaction: enqueue, delivery, failure, retry, an edit, a prune.
func TestOutboxCountsFollowEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	put := func(id uint64, change func(*Alert)) func(tx *Tx) error {
		return func(tx *Tx) error {
			a, ok, err := tx.Alert(id)
			if err != nil || !ok {
				t.Fatalf("alert %d: %v %v", id, ok, err)
			}
			change(&a)
			return tx.PutAlert(a)
		}
	}
	steps := []struct {
		name string
		do   func(tx *Tx) error
		want outboxCount
	}{
		{"enqueue three", func(tx *Tx) error {
			for i := range 3 {
				if err := tx.Enqueue(&Alert{Kind: "metric_new", Created: t0.Add(time.Duration(i-48) * time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		}, outboxCount{pending: 3}},
		{"one sent", put(1, func(a *Alert) { a.Status, a.SentAt = StatusSent, t0.Add(-47*time.Hour) }), outboxCount{pending: 2, sent: 1}},
		{"sent again (an edit of its message)", put(1, func(a *Alert) { a.SentTS = "1.2" }), outboxCount{pending: 2, sent: 1}},
		{"one failed", put(2, func(a *Alert) { a.Status, a.LastError = StatusFailed, "channel_not_found" }), outboxCount{pending: 1, sent: 1, failed: 1}},
		{"a retry stays pending", put(3, func(a *Alert) { a.Attempts++ }), outboxCount{pending: 1, sent: 1, failed: 1}},
		{"failed retried by hand", put(2, func(a *Alert) { a.Status = StatusPending }), outboxCount{pending: 2, sent: 1}},
		{"failed for good", put(2, func(a *Alert) { a.Status = StatusFailed }), outboxCount{pending: 1, sent: 1, failed: 1}},
		{"a bad status changes nothing", func(tx *Tx) error {
			a, _, _ := tx.Alert(3)
			a.Status = "lost"
			if err := tx.PutAlert(a); err == nil {
				t.Error("PutAlert with an unknown status succeeded")
			}
			return nil
		}, outboxCount{pending: 1, sent: 1, failed: 1}},
	}
	for _, st := range steps {
		update(t, db, st.do)
		wantCounts(t, db, st.name, st.want)
	}
	// A rolled-back transaction leaves the counts as they were.
	_ = db.Update(ctx, func(tx *Tx) error {
		_ = tx.Enqueue(&Alert{Kind: "metric_new"})
		return context.Canceled
	})
	wantCounts(t, db, "rolled back", outboxCount{pending: 1, sent: 1, failed: 1})

	// Retention takes the old sent and failed alerts, never the pending.
	if n, err := db.PruneSent(ctx, t0); err != nil || n != 2 {
		t.Fatalf("PruneSent = %d, %v; want 2", n, err)
	}
	wantCounts(t, db, "pruned", outboxCount{pending: 1})
	view(t, db, func(tx *Tx) error {
		if n := tx.tx.Bucket(bucketFailed).Stats().KeyN; n != 0 {
			t.Errorf("failed index holds %d entries after its alert was pruned", n)
		}
		return nil
	})
}

// OutboxStats reads the counts, not the alerts: an alert it could not
// decode does not disturb it.
func TestOutboxStatsDecodesNoAlert(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	update(t, db, func(tx *Tx) error {
		for range 3 {
			if err := tx.Enqueue(&Alert{Kind: "metric_new"}); err != nil {
				return err
			}
		}
		// Not a record at all: decoding it fails.
		return tx.tx.Bucket(bucketOutbox).Put(itob(2), []byte("garbage"))
	})
	view(t, db, func(tx *Tx) error {
		if p, s, f, err := tx.OutboxStats(); err != nil || p != 3 || s+f != 0 {
			t.Errorf("OutboxStats = %d %d %d %v, want 3 0 0 without decoding", p, s, f, err)
		}
		return nil
	})
}

// A file written before the counts (the schema-1 fixture, 2 pending, 1
// sent, 1 failed) is counted once when opened for writing; read-only, the
// alerts are counted by reading them.
func TestOutboxCountsMadeAtOpenOfAnOlderFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := copyFixture(t)
	want := outboxCount{pending: 2, sent: 1, failed: 1}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if p, s, f, err := ro.OutboxStats(ctx); err != nil || (outboxCount{p, s, f}) != want {
		t.Errorf("read-only OutboxStats = %d %d %d %v, want %+v", p, s, f, err, want)
	}
	ro.Close()

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	view(t, db, func(tx *Tx) error {
		if tx.tx.Bucket(bucketOutboxCounts) == nil {
			t.Error("no counts after a read-write open")
		}
		return nil
	})
	wantCounts(t, db, "opened", want)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// A watcher from before the counts that ran on a counted file (a
// downgrade, then an upgrade) leaves them out of step; the next open
// counts again.
func TestOutboxCountsRemadeAfterAnOlderWatcher(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		older func(t *testing.T, outbox, pending *bolt.Bucket)
		want  outboxCount
	}{
		{"it queued an alert", func(t *testing.T, outbox, pending *bolt.Bucket) {
			id, _ := outbox.NextSequence()
			mustPut(t, outbox, itob(id), `{"v":1,"id":`+strconv.FormatUint(id, 10)+`,"kind":"metric_new","created":"2025-03-07T13:30:00Z","status":"pending"}`)
			mustPut(t, pending, itob(id), "")
		}, outboxCount{pending: 3}},
		{"it sent one", func(t *testing.T, outbox, pending *bolt.Bucket) {
			mustPut(t, outbox, itob(1), `{"v":1,"id":1,"kind":"metric_new","created":"2025-03-07T13:30:00Z","status":"sent"}`)
			if err := pending.Delete(itob(1)); err != nil {
				t.Fatal(err)
			}
		}, outboxCount{pending: 1, sent: 1}},
		{"it pruned a failed one", func(t *testing.T, outbox, pending *bolt.Bucket) {
			mustPut(t, outbox, itob(1), `{"v":1,"id":1,"kind":"metric_new","created":"2025-03-07T13:30:00Z","status":"failed"}`)
			if err := pending.Delete(itob(1)); err != nil {
				t.Fatal(err)
			}
		}, outboxCount{pending: 1, failed: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "watcher.db")
			db := openWithAlerts(t, path, 2)
			db.Close()

			raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.Update(func(btx *bolt.Tx) error {
				tc.older(t, btx.Bucket(bucketOutbox), btx.Bucket(bucketPending))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			raw.Close()

			db, err = Open(path, Options{Now: fixedClock})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			wantCounts(t, db, tc.name, tc.want)
		})
	}
}

// openWithAlerts opens a new database at path holding n pending alerts.
func openWithAlerts(t *testing.T, path string, n int) *DB {
	t.Helper()
	db, err := Open(path, Options{Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *Tx) error {
		for range n {
			if err := tx.Enqueue(&Alert{Kind: "metric_new"}); err != nil {
				return err
			}
		}
		return nil
	})
	return db
}

func mustPut(t *testing.T, b *bolt.Bucket, k []byte, v string) {
	t.Helper()
	if err := b.Put(k, []byte(v)); err != nil {
		t.Fatal(err)
	}
}

// An alert that cannot be decoded does not stop the open that counts the
// outbox; pending, it stays pending, and the next open finds the counts
// in step.
func TestOutboxCountsWithAnUnreadableAlert(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "watcher.db")
	db := openWithAlerts(t, path, 2)
	update(t, db, func(tx *Tx) error {
		// A file from before the counts, with alert 2 damaged.
		if err := tx.tx.DeleteBucket(bucketOutboxCounts); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketOutbox).Put(itob(2), []byte("garbage"))
	})
	db.Close()
	for _, open := range []string{"first", "second"} {
		var logs strings.Builder
		db, err := Open(path, Options{Now: fixedClock, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatalf("%s open: %v", open, err)
		}
		view(t, db, func(tx *Tx) error {
			if p, s, f, err := tx.OutboxStats(); err != nil || p != 2 || s+f != 0 {
				t.Errorf("%s open: OutboxStats = %d %d %d %v, want 2 pending", open, p, s, f, err)
			}
			return nil
		})
		db.Close()
		counted := strings.Contains(logs.String(), "alert unreadable")
		if counted != (open == "first") {
			t.Errorf("%s open: counted the outbox %v, want only at the first; logs:\n%s", open, counted, logs.String())
		}
	}
}
