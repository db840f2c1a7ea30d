package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var t0 = time.Date(2025, 3, 7, 13, 30, 0, 0, time.UTC)

func fixedClock() time.Time { return t0 }

// openTemp opens a fresh database in a test directory, closed at cleanup.
func openTemp(t testing.TB, opts Options) *DB {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock
	}
	db, err := Open(filepath.Join(t.TempDir(), "state", "watcher.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func update(t testing.TB, db *DB, fn func(*Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t testing.TB, db *DB, fn func(*Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func sampleSnapshot(docID, hash string) Snapshot {
	return Snapshot{
		DocID: docID, Source: "bls", URL: "https://example.test/" + docID, Title: "Employment Situation",
		Published: t0.Add(-time.Hour), Hash: hash,
		Figures: []Figure{{
			Value: 291000, Unit: "jobs", Qualifier: "exact", Metric: "payrolls", Text: "291,000",
			Sentence: "Payrolls rose by 291,000 in February.", Start: 16, End: 23,
		}, {
			Value: 3.9, High: 4.1, Unit: "percent", Qualifier: "approx", QualifierText: "about",
			Text: "3.9 to 4.1", Sentence: "Unemployment was about 3.9 to 4.1 percent.", Start: 23, End: 33,
		}},
		LastSeen: t0,
	}
}

func sampleObservation(metric, authority string, observed time.Time, value float64) Observation {
	return Observation{
		Metric: metric, Value: value, Unit: "jobs", Qualifier: "exact", Text: fmt.Sprint(value),
		Quote: "Payrolls rose.", QuoteMark: [2]int{0, 8}, Source: authority + "-src", Authority: authority,
		DocID: "doc", URL: "https://example.test/doc", Title: "T", Published: observed.Add(-time.Minute), Observed: observed,
	}
}

// fillAll writes one record of every kind and returns what reads should
// give back.
type everything struct {
	Fetch    FetchState
	Snap     Snapshot
	Obs      Observation
	Alert    Alert
	ThreadTS string
}

func fillAll(t testing.TB, db *DB) everything {
	t.Helper()
	want := everything{
		Fetch: FetchState{
			Source: "bls", ETag: `"abc"`, LastModified: "Fri, 07 Mar 2025 13:30:00 GMT", LastStatus: 200,
			LastPoll: t0, LastSuccess: t0, ConsecutiveFailures: 0, Polls: 3,
		},
		Snap:     sampleSnapshot("doc-1", "h1"),
		Obs:      sampleObservation("payrolls", "official", t0, 291000),
		Alert:    Alert{Kind: "metric_new", Metric: "payrolls", Channel: "C123", Payload: json.RawMessage(`{"kind":"metric_new"}`)},
		ThreadTS: "1741354200.000100",
	}
	update(t, db, func(tx *Tx) error {
		if err := tx.PutFetchState(want.Fetch); err != nil {
			return err
		}
		if err := tx.PutSnapshot(want.Snap); err != nil {
			return err
		}
		if err := tx.AddObservation(want.Obs); err != nil {
			return err
		}
		if err := tx.Enqueue(&want.Alert); err != nil {
			return err
		}
		return tx.PutThread("payrolls", "C123", want.ThreadTS)
	})
	// What the store fills in.
	want.Snap.Revision, want.Snap.FirstSeen, want.Snap.LastChanged = 1, t0, t0
	return want
}

func readAll(t testing.TB, db *DB) everything {
	t.Helper()
	var got everything
	view(t, db, func(tx *Tx) error {
		var ok [5]bool
		var err error
		if got.Fetch, ok[0], err = tx.FetchState("bls"); err != nil {
			return err
		}
		if got.Snap, ok[1], err = tx.Snapshot("doc-1"); err != nil {
			return err
		}
		if got.Obs, ok[2], err = tx.LatestObservation("payrolls", ""); err != nil {
			return err
		}
		if got.Alert, ok[3], err = tx.Alert(1); err != nil {
			return err
		}
		if got.ThreadTS, ok[4], err = tx.Thread("payrolls", "C123"); err != nil {
			return err
		}
		for i, found := range ok {
			if !found {
				t.Errorf("record %d not found", i)
			}
		}
		return nil
	})
	return got
}

func TestOpenCloseReopenKeepsData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		readOnly bool
	}{
		{name: "read-write reopen", readOnly: false},
		{name: "read-only reopen", readOnly: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "a", "b", "watcher.db")
			db, err := Open(path, Options{Now: fixedClock})
			if err != nil {
				t.Fatal(err)
			}
			want := fillAll(t, db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = Open(path, Options{ReadOnly: tc.readOnly, Now: fixedClock})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer db.Close()
			if db.Path() != path {
				t.Errorf("Path() = %q, want %q", db.Path(), path)
			}
			if diff := cmp.Diff(want, readAll(t, db)); diff != "" {
				t.Errorf("data after reopen (-want +got):\n%s", diff)
			}
			err = db.Update(context.Background(), func(tx *Tx) error { return nil })
			if tc.readOnly != errors.Is(err, berrors.ErrDatabaseReadOnly) {
				t.Errorf("Update on read-only=%v database: %v", tc.readOnly, err)
			}
		})
	}
}

func TestOpenCreatesDirectoryAndFilePrivately(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state")
	db, err := Open(filepath.Join(dir, "watcher.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name string
		path string
		want os.FileMode
	}{
		{name: "directory", path: dir, want: 0o750},
		{name: "file", path: db.Path(), want: 0o600},
	} {
		info, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		// The umask may only remove bits.
		if perm := info.Mode().Perm(); perm&^tc.want != 0 {
			t.Errorf("%s mode %v, want at most %v", tc.name, perm, tc.want)
		}
	}
}

func TestOpenSchemaVersion(t *testing.T) {
	t.Parallel()
	// prepare builds a bbolt file by hand, as another program or a newer
	// watcher would leave it.
	rawFile := func(t *testing.T, fn func(*bolt.Tx) error) string {
		path := filepath.Join(t.TempDir(), "watcher.db")
		bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := bdb.Update(fn); err != nil {
			t.Fatal(err)
		}
		if err := bdb.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	withMeta := func(version string) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket(bucketMeta)
			if err != nil || version == "" {
				return err
			}
			return b.Put(keySchemaVersion, []byte(version))
		}
	}
	for _, tc := range []struct {
		name    string
		prepare func(*bolt.Tx) error // nil: Open creates the file
		wantErr error
	}{
		{name: "new file gets current version"},
		{name: "older version migrated", prepare: withMeta("1")},
		{name: "current version accepted", prepare: withMeta(strconv.Itoa(SchemaVersion))},
		{name: "newer version refused", prepare: withMeta(strconv.Itoa(SchemaVersion + 1)), wantErr: ErrUnknownSchema},
		{name: "garbled version refused", prepare: withMeta("one"), wantErr: ErrUnknownSchema},
		{name: "meta without version refused", prepare: withMeta(""), wantErr: ErrNotWatcherDB},
		{name: "foreign bbolt file refused", prepare: func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("users"))
			return err
		}, wantErr: ErrNotWatcherDB},
		{name: "empty bbolt file initialised", prepare: func(*bolt.Tx) error { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "watcher.db")
			if tc.prepare != nil {
				path = rawFile(t, tc.prepare)
			}
			db, err := Open(path, Options{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("Open = %v, want %v naming %s", err, tc.wantErr, path)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			err = db.bolt.View(func(tx *bolt.Tx) error {
				if got := string(tx.Bucket(bucketMeta).Get(keySchemaVersion)); got != strconv.Itoa(SchemaVersion) {
					t.Errorf("schema version %q, want %d", got, SchemaVersion)
				}
				for _, name := range allBuckets {
					if tx.Bucket(name) == nil {
						t.Errorf("bucket %s missing", name)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOpenRefusesFilesThatAreNotDatabases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		content  []byte // nil: no file; "dir": a directory
		dir      bool
		readOnly bool
		wantErr  error
	}{
		{name: "YAML config", content: []byte("sources:\n  - id: bls\n"), wantErr: ErrNotWatcherDB},
		{name: "one page of text", content: bytes.Repeat([]byte("x"), 4096), wantErr: ErrNotWatcherDB},
		{name: "large garbage", content: bytes.Repeat([]byte{0xA5}, 64<<10), wantErr: ErrNotWatcherDB},
		{name: "empty file read-only", content: []byte{}, readOnly: true, wantErr: ErrNotWatcherDB},
		{name: "missing file read-only", readOnly: true, wantErr: os.ErrNotExist},
		{name: "directory", dir: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "watcher.db")
			switch {
			case tc.dir:
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			case tc.content != nil:
				if err := os.WriteFile(path, tc.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			db, err := Open(path, Options{ReadOnly: tc.readOnly})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Open = %v, want %v", err, tc.wantErr)
			}
			if tc.content != nil {
				// Refusing must not have written to the file.
				got, _ := os.ReadFile(path)
				if !bytes.Equal(got, tc.content) {
					t.Error("file was modified")
				}
			}
		})
	}
}

func TestSecondOpenGetsErrLockedWithinTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		readOnly bool
	}{
		{name: "second read-write open", readOnly: false},
		// A shared lock still waits for the daemon's exclusive one.
		{name: "read-only open while daemon runs", readOnly: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first := openTemp(t, Options{})
			const timeout = 200 * time.Millisecond
			start := time.Now()
			db, err := Open(first.Path(), Options{Timeout: timeout, ReadOnly: tc.readOnly})
			elapsed := time.Since(start)
			if err == nil {
				db.Close()
				t.Fatal("second Open succeeded while the first holds the lock")
			}
			if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), first.Path()) {
				t.Errorf("Open = %v, want ErrLocked naming the path", err)
			}
			if elapsed < timeout/2 || elapsed > timeout+time.Second {
				t.Errorf("gave up after %v, want about %v", elapsed, timeout)
			}

			// Once the holder closes, the lock is free.
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = Open(first.Path(), Options{Timeout: timeout, ReadOnly: tc.readOnly})
			if err != nil {
				t.Fatalf("Open after Close: %v", err)
			}
			db.Close()
		})
	}
}

func TestPutSnapshotKeepsBookkeepingAndBoundedHistory(t *testing.T) {
	t.Parallel()
	type put struct {
		hash     string
		lastSeen time.Time
	}
	for _, tc := range []struct {
		name          string
		limit         int
		puts          []put
		wantRevision  int
		wantFirstSeen time.Time
		wantChanged   time.Time
		wantHistory   []string // hashes of Revisions, oldest first
		wantHistRevs  []int
	}{
		{
			name:         "new document",
			puts:         []put{{"h1", t0}},
			wantRevision: 1, wantFirstSeen: t0, wantChanged: t0,
		},
		{
			name:         "same hash keeps revision and adds no history",
			puts:         []put{{"h1", t0}, {"h1", t0.Add(time.Hour)}, {"h1", t0.Add(2 * time.Hour)}},
			wantRevision: 1, wantFirstSeen: t0, wantChanged: t0,
		},
		{
			name:         "changed hash bumps revision and keeps previous",
			puts:         []put{{"h1", t0}, {"h1", t0.Add(time.Hour)}, {"h2", t0.Add(2 * time.Hour)}},
			wantRevision: 2, wantFirstSeen: t0, wantChanged: t0.Add(2 * time.Hour),
			wantHistory: []string{"h1"}, wantHistRevs: []int{1},
		},
		{
			name:  "history bounded to limit, oldest dropped",
			limit: 3,
			puts: []put{
				{"h1", t0}, {"h2", t0.Add(1 * time.Hour)}, {"h3", t0.Add(2 * time.Hour)},
				{"h4", t0.Add(3 * time.Hour)}, {"h5", t0.Add(4 * time.Hour)}, {"h6", t0.Add(5 * time.Hour)},
			},
			wantRevision: 6, wantFirstSeen: t0, wantChanged: t0.Add(5 * time.Hour),
			wantHistory: []string{"h3", "h4", "h5"}, wantHistRevs: []int{3, 4, 5},
		},
		{
			name:         "negative limit keeps no history",
			limit:        -1,
			puts:         []put{{"h1", t0}, {"h2", t0.Add(time.Hour)}},
			wantRevision: 2, wantFirstSeen: t0, wantChanged: t0.Add(time.Hour),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openTemp(t, Options{RevisionLimit: tc.limit})
			var last Snapshot
			for _, p := range tc.puts {
				last = sampleSnapshot("doc", p.hash)
				last.LastSeen = p.lastSeen
				// Callers may pass stale bookkeeping; the store corrects it.
				last.Revision, last.FirstSeen = 99, p.lastSeen
				update(t, db, func(tx *Tx) error { return tx.PutSnapshot(last) })
			}
			var got Snapshot
			var revs []Snapshot
			view(t, db, func(tx *Tx) error {
				var ok bool
				var err error
				if got, ok, err = tx.Snapshot("doc"); err != nil || !ok {
					return fmt.Errorf("Snapshot = %v, %v", ok, err)
				}
				revs, err = tx.Revisions("doc")
				return err
			})
			want := last
			want.Revision, want.FirstSeen, want.LastChanged = tc.wantRevision, tc.wantFirstSeen, tc.wantChanged
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
			var hashes []string
			var revNums []int
			for _, r := range revs {
				hashes = append(hashes, r.Hash)
				revNums = append(revNums, r.Revision)
			}
			if diff := cmp.Diff(tc.wantHistory, hashes); diff != "" {
				t.Errorf("history hashes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantHistRevs, revNums); diff != "" {
				t.Errorf("history revisions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPutSnapshotRejectsEmptyID(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	err := db.Update(context.Background(), func(tx *Tx) error { return tx.PutSnapshot(Snapshot{Hash: "h"}) })
	if err == nil {
		t.Fatal("PutSnapshot with empty DocID succeeded")
	}
}

func TestObservationsOrderedAndLatestByAuthority(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	// Inserted out of time order; two share a timestamp.
	adds := []Observation{
		sampleObservation("payrolls", "official", t0.Add(2*time.Hour), 3),
		sampleObservation("payrolls", "press", t0.Add(3*time.Hour), 4),
		sampleObservation("payrolls", "official", t0, 1),
		sampleObservation("payrolls", "press", t0.Add(time.Hour), 2),
		sampleObservation("payrolls", "press", t0.Add(time.Hour), 2.5),
		sampleObservation("cpi", "official", t0, 3.1),
	}
	update(t, db, func(tx *Tx) error {
		for _, o := range adds {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		return nil
	})

	var values []float64
	view(t, db, func(tx *Tx) error {
		obs, err := tx.Observations("payrolls")
		for _, o := range obs {
			values = append(values, o.Value)
		}
		return err
	})
	if diff := cmp.Diff([]float64{1, 2, 2.5, 3, 4}, values); diff != "" {
		t.Errorf("Observations order (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name      string
		metric    string
		authority string
		wantOK    bool
		want      float64
	}{
		{name: "any authority is the newest", metric: "payrolls", authority: "", wantOK: true, want: 4},
		{name: "official skips newer press", metric: "payrolls", authority: "official", wantOK: true, want: 3},
		{name: "press", metric: "payrolls", authority: "press", wantOK: true, want: 4},
		{name: "other metric", metric: "cpi", authority: "official", wantOK: true, want: 3.1},
		{name: "authority never seen", metric: "cpi", authority: "press"},
		{name: "unknown metric", metric: "gdp"},
		{name: "empty metric", metric: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, ok, err := db.LatestObservation(context.Background(), tc.metric, tc.authority)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.wantOK || o.Value != tc.want {
				t.Errorf("LatestObservation = %v (ok %v), want %v (ok %v)", o.Value, ok, tc.want, tc.wantOK)
			}
			if ok && tc.authority != "" && o.Authority != tc.authority {
				t.Errorf("authority %q, want %q", o.Authority, tc.authority)
			}
		})
	}

	metrics, err := db.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"cpi", "payrolls"}, metrics); diff != "" {
		t.Errorf("Metrics (-want +got):\n%s", diff)
	}
}

func TestAddObservationDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		obs     Observation
		wantErr bool
	}{
		{name: "observed defaults to now", obs: Observation{Metric: "m", Value: 1}},
		{name: "empty metric", obs: Observation{Value: 1}, wantErr: true},
		{name: "NUL in metric", obs: Observation{Metric: "a\x00b"}, wantErr: true},
		{name: "before 1970", obs: Observation{Metric: "m", Observed: time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC)}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openTemp(t, Options{})
			err := db.Update(context.Background(), func(tx *Tx) error { return tx.AddObservation(tc.obs) })
			if (err != nil) != tc.wantErr {
				t.Fatalf("AddObservation = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			o, ok, err := db.LatestObservation(context.Background(), tc.obs.Metric, "")
			if err != nil || !ok || !o.Observed.Equal(t0) {
				t.Errorf("LatestObservation = %+v, %v, %v; want Observed %v", o, ok, err, t0)
			}
		})
	}
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})

	var ids []uint64
	for i, kind := range []string{"metric_new", "metric_changed", "claim_mismatch", "new_report"} {
		a := &Alert{Kind: kind, Metric: "payrolls", Channel: "C1", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
		if err := db.Enqueue(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.Status != StatusPending || !a.Created.Equal(t0) || !a.NextAttempt.Equal(t0) {
			t.Errorf("enqueued alert %+v: want pending, created and due at %v", a, t0)
		}
		ids = append(ids, a.ID)
	}
	if diff := cmp.Diff([]uint64{1, 2, 3, 4}, ids); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}

	// Alert 1 sent, 3 failed for good, 2 retried later.
	sentAt := t0.Add(time.Minute)
	update(t, db, func(tx *Tx) error {
		a1, _, err := tx.Alert(1)
		if err != nil {
			return err
		}
		a1.Status, a1.SentAt, a1.SentTS, a1.Attempts = StatusSent, sentAt, "1741354260.000200", 1
		if err := tx.PutAlert(a1); err != nil {
			return err
		}
		a3, _, err := tx.Alert(3)
		if err != nil {
			return err
		}
		a3.Status, a3.LastError, a3.Attempts = StatusFailed, "channel_not_found", 1
		if err := tx.PutAlert(a3); err != nil {
			return err
		}
		a2, _, err := tx.Alert(2)
		if err != nil {
			return err
		}
		a2.Attempts, a2.LastError, a2.NextAttempt = 1, "connection reset", t0.Add(30*time.Second)
		return tx.PutAlert(a2)
	})

	for _, tc := range []struct {
		name  string
		limit int
		want  []uint64
	}{
		{name: "all pending skip sent and failed", limit: 0, want: []uint64{2, 4}},
		{name: "limit", limit: 1, want: []uint64{2}},
		{name: "limit above count", limit: 10, want: []uint64{2, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pending, err := db.PendingAlerts(ctx, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, a := range pending {
				got = append(got, a.ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PendingAlerts (-want +got):\n%s", diff)
			}
		})
	}

	a2, ok, err := db.Alert(ctx, 2)
	if err != nil || !ok {
		t.Fatalf("Alert(2) = %v, %v", ok, err)
	}
	want2 := Alert{
		ID: 2, Kind: "metric_changed", Metric: "payrolls", Channel: "C1", Payload: json.RawMessage(`{"n":1}`),
		Created: t0, Attempts: 1, NextAttempt: t0.Add(30 * time.Second), LastError: "connection reset", Status: StatusPending,
	}
	if diff := cmp.Diff(want2, a2); diff != "" {
		t.Errorf("updated alert (-want +got):\n%s", diff)
	}
	a1, _, _ := db.Alert(ctx, 1)
	if a1.Status != StatusSent || a1.SentTS != "1741354260.000200" || !a1.SentAt.Equal(sentAt) {
		t.Errorf("sent alert = %+v", a1)
	}

	pending, sent, failed, err := db.OutboxStats(ctx)
	if err != nil || pending != 2 || sent != 1 || failed != 1 {
		t.Errorf("OutboxStats = %d, %d, %d, %v; want 2, 1, 1", pending, sent, failed, err)
	}
}

func TestPutAlertRejectsBadUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	a := &Alert{Kind: "metric_new"}
	if err := db.Enqueue(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		alert   Alert
		wantErr error
	}{
		{name: "unknown id", alert: Alert{ID: 42, Kind: "x", Status: StatusSent}, wantErr: ErrNotFound},
		{name: "zero id", alert: Alert{Kind: "x", Status: StatusSent}, wantErr: ErrNotFound},
		{name: "unknown status", alert: Alert{ID: a.ID, Kind: "x", Status: "delivered"}},
		{name: "invalid payload", alert: Alert{ID: a.ID, Kind: "x", Status: StatusSent, Payload: json.RawMessage(`{`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := db.PutAlert(ctx, tc.alert)
			if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Errorf("PutAlert = %v, want error %v", err, tc.wantErr)
			}
		})
	}
	// None of them touched the stored alert.
	got, _, err := db.Alert(ctx, a.ID)
	if err != nil || got.Status != StatusPending {
		t.Errorf("alert after rejected updates = %+v, %v", got, err)
	}
}

func TestEnqueueRejectsBadAlerts(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	for _, tc := range []struct {
		name  string
		alert *Alert
	}{
		{name: "nil", alert: nil},
		{name: "no kind", alert: &Alert{}},
		{name: "invalid payload", alert: &Alert{Kind: "k", Payload: json.RawMessage(`nope`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := db.Enqueue(context.Background(), tc.alert)
			if err == nil {
				t.Fatal("Enqueue succeeded")
			}
			if tc.alert != nil && tc.alert.ID != 0 {
				t.Errorf("failed Enqueue assigned ID %d", tc.alert.ID)
			}
		})
	}
}

func TestFailedUpdateWritesNothing(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	writeAll := func(tx *Tx) error {
		if err := tx.PutSnapshot(sampleSnapshot("doc-1", "h1")); err != nil {
			return err
		}
		if err := tx.AddObservation(sampleObservation("payrolls", "official", t0, 1)); err != nil {
			return err
		}
		if err := tx.Enqueue(&Alert{Kind: "metric_new", Metric: "payrolls"}); err != nil {
			return err
		}
		if err := tx.PutThread("payrolls", "C1", "1.2"); err != nil {
			return err
		}
		return tx.PutFetchState(FetchState{Source: "bls", Polls: 1})
	}
	for _, tc := range []struct {
		name    string
		ctx     func() context.Context
		fn      func(*Tx) error
		wantErr error
	}{
		{name: "function returns error", fn: func(tx *Tx) error {
			if err := writeAll(tx); err != nil {
				return err
			}
			return errBoom
		}, wantErr: errBoom},
		{name: "function panics", fn: func(tx *Tx) error {
			if err := writeAll(tx); err != nil {
				return err
			}
			panic(errBoom)
		}, wantErr: errBoom},
		{name: "context already cancelled", ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, fn: func(tx *Tx) error {
			if err := writeAll(tx); err != nil {
				return err
			}
			return errors.New("fn ran despite cancelled context")
		}, wantErr: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openTemp(t, Options{})
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx()
			}
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err = r.(error)
					}
				}()
				return db.Update(ctx, tc.fn)
			}()
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Update = %v, want %v", err, tc.wantErr)
			}
			view(t, db, func(tx *Tx) error {
				_, okSnap, _ := tx.Snapshot("doc-1")
				obs, _ := tx.Observations("payrolls")
				metrics, _ := tx.Metrics()
				pending, _ := tx.PendingAlerts(0)
				_, okAlert, _ := tx.Alert(1)
				_, okThread, _ := tx.Thread("payrolls", "C1")
				_, okFetch, _ := tx.FetchState("bls")
				if okSnap || len(obs) > 0 || len(metrics) > 0 || len(pending) > 0 || okAlert || okThread || okFetch {
					t.Errorf("rolled-back update left data: snapshot %v, observations %d, metrics %v, pending %d, alert %v, thread %v, fetch %v",
						okSnap, len(obs), metrics, len(pending), okAlert, okThread, okFetch)
				}
				return nil
			})
			// The outbox sequence rolled back too: the next alert is 1.
			a := &Alert{Kind: "k"}
			if err := db.Enqueue(context.Background(), a); err != nil || a.ID != 1 {
				t.Errorf("Enqueue after rollback: ID %d, %v; want 1", a.ID, err)
			}
		})
	}
}

func TestReadOnlyTransactionRefusesWrites(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	for _, tc := range []struct {
		name  string
		write func(*Tx) error
	}{
		{name: "PutFetchState", write: func(tx *Tx) error { return tx.PutFetchState(FetchState{Source: "s"}) }},
		{name: "PutSnapshot", write: func(tx *Tx) error { return tx.PutSnapshot(sampleSnapshot("d", "h")) }},
		{name: "AddObservation", write: func(tx *Tx) error { return tx.AddObservation(Observation{Metric: "m"}) }},
		{name: "Enqueue", write: func(tx *Tx) error { return tx.Enqueue(&Alert{Kind: "k"}) }},
		{name: "PutThread", write: func(tx *Tx) error { return tx.PutThread("m", "c", "1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := db.View(context.Background(), tc.write)
			if !errors.Is(err, berrors.ErrTxNotWritable) {
				t.Errorf("write in View = %v, want ErrTxNotWritable", err)
			}
		})
	}
}

func TestBackupOpensWithSameData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		backup func(ctx context.Context, db *DB, path string) (int64, error)
	}{
		{name: "Backup to writer", backup: func(ctx context.Context, db *DB, path string) (int64, error) {
			var buf bytes.Buffer
			n, err := db.Backup(ctx, &buf)
			if err != nil {
				return n, err
			}
			if int64(buf.Len()) != n {
				return n, fmt.Errorf("reported %d bytes, wrote %d", n, buf.Len())
			}
			return n, os.WriteFile(path, buf.Bytes(), 0o600)
		}},
		{name: "BackupFile", backup: func(ctx context.Context, db *DB, path string) (int64, error) {
			return db.BackupFile(ctx, path)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openTemp(t, Options{})
			want := fillAll(t, db)
			path := filepath.Join(t.TempDir(), "backup.db")
			// The source stays open (and locked) during the backup.
			n, err := tc.backup(context.Background(), db, path)
			if err != nil {
				t.Fatalf("backup: %v", err)
			}
			if n == 0 {
				t.Error("backup wrote 0 bytes")
			}
			copyDB, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("open backup: %v", err)
			}
			defer copyDB.Close()
			if diff := cmp.Diff(want, readAll(t, copyDB)); diff != "" {
				t.Errorf("backup data (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackupFailures(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{name: "cancelled context", run: func() error {
			_, err := db.Backup(cancelled, &bytes.Buffer{})
			return err
		}},
		{name: "onto the database itself", run: func() error {
			_, err := db.BackupFile(context.Background(), db.Path())
			return err
		}},
		{name: "missing directory", run: func() error {
			_, err := db.BackupFile(context.Background(), filepath.Join(t.TempDir(), "no", "such", "b.db"))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.run(); err == nil {
				t.Error("succeeded")
			}
		})
	}
	// The database itself is unharmed.
	if _, _, err := db.FetchState(context.Background(), "x"); err != nil {
		t.Error(err)
	}
}

func TestThreads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	for _, p := range [][3]string{
		{"payrolls", "C1", "100.1"},
		{"payrolls", "C2", "200.1"},
		{"payrolls", "C1", "100.2"}, // a new anchor replaces the old
		{"payrolls\x00x", "C1", "bad"},
		{"cpi", "C1", ""},
	} {
		_ = db.PutThread(ctx, p[0], p[1], p[2]) // the last two are refused, checked below
	}
	for _, tc := range []struct {
		name, metric, channel string
		wantOK                bool
		want                  string
	}{
		{name: "replaced anchor", metric: "payrolls", channel: "C1", wantOK: true, want: "100.2"},
		{name: "per channel", metric: "payrolls", channel: "C2", wantOK: true, want: "200.1"},
		{name: "empty ts refused", metric: "cpi", channel: "C1"},
		{name: "NUL metric refused", metric: "payrolls\x00x", channel: "C1"},
		{name: "no anchor", metric: "gdp", channel: "C1"},
		{name: "metric prefix is not a match", metric: "payroll", channel: "C1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, ok, err := db.Thread(ctx, tc.metric, tc.channel)
			if err != nil || ok != tc.wantOK || ts != tc.want {
				t.Errorf("Thread = %q, %v, %v; want %q, %v", ts, ok, err, tc.want, tc.wantOK)
			}
		})
	}
}

func TestSourcesListsFetchStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	for _, fs := range []FetchState{
		{Source: "ons", Polls: 2},
		{Source: "bls", LastStatus: 503, ConsecutiveFailures: 3, FailingSince: t0, LastError: "503 Service Unavailable"},
		{Source: "ons", Polls: 3}, // replaces
	} {
		if err := db.PutFetchState(ctx, fs); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutFetchState(ctx, FetchState{}); err == nil {
		t.Error("PutFetchState without a source succeeded")
	}
	got, err := db.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []FetchState{
		{Source: "bls", LastStatus: 503, ConsecutiveFailures: 3, FailingSince: t0, LastError: "503 Service Unavailable"},
		{Source: "ons", Polls: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
}

// JSON records start with their record version, and a record of another
// version (or none) is refused rather than half read. The fetch state has
// its own binary form (fetchstate_codec_test.go); an item stands for the
// JSON records here.
func TestRecordsCarryVersion(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	put := func() {
		t.Helper()
		update(t, db, func(tx *Tx) error { return tx.PutItem(Item{Source: "bls", Key: "k1", Hash: "h3"}) })
	}
	put()
	for _, tc := range []struct {
		name     string
		stored   string // replaces the record of item k1 of "bls"
		wantErr  bool
		wantHash string
	}{
		{name: "as written", wantHash: "h3"},
		{name: "version not first", stored: `{"source":"bls","key":"k1","hash":"h7","v":1}`, wantHash: "h7"},
		{name: "newer record version", stored: `{"v":2,"source":"bls","key":"k1"}`, wantErr: true},
		{name: "version 10 is not 1", stored: `{"v":10,"source":"bls","key":"k1"}`, wantErr: true},
		{name: "no version", stored: `{"source":"bls","key":"k1"}`, wantErr: true},
		{name: "not JSON", stored: `garbage`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Sequential: the cases share the record.
			err := db.bolt.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucketItems)
				raw := b.Get(itemKey("bls", "k1"))
				if !bytes.HasPrefix(raw, []byte(`{"v":1,`)) {
					t.Errorf("stored record %s does not start with the version", raw)
				}
				if tc.stored == "" {
					return nil
				}
				return b.Put(itemKey("bls", "k1"), []byte(tc.stored))
			})
			if err != nil {
				t.Fatal(err)
			}
			var it Item
			var ok bool
			err = db.View(context.Background(), func(tx *Tx) error {
				var err error
				it, ok, err = tx.Item("bls", "k1")
				return err
			})
			if (err != nil) != tc.wantErr || (err == nil && (!ok || it.Hash != tc.wantHash)) {
				t.Errorf("Item = %+v %v, %v; want hash %q, error %v", it, ok, err, tc.wantHash, tc.wantErr)
			}
			put() // back as the store writes it
		})
	}
}

func TestPruneSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	day := 24 * time.Hour
	// id: status, created, sent
	alerts := []struct {
		status  string
		created time.Time
		sentAt  time.Time
	}{
		{StatusSent, t0.Add(-40 * day), t0.Add(-40 * day)}, // 1: old, pruned
		{StatusFailed, t0.Add(-40 * day), time.Time{}},     // 2: old failure, pruned
		{StatusPending, t0.Add(-40 * day), time.Time{}},    // 3: pending, kept however old
		{StatusSent, t0.Add(-40 * day), t0.Add(-1 * day)},  // 4: sent recently after a long outage, kept
		{StatusSent, t0.Add(-1 * day), t0.Add(-1 * day)},   // 5: recent, kept
		{StatusFailed, t0.Add(-1 * day), time.Time{}},      // 6: recent failure, kept
		{StatusSent, t0.Add(-31 * day), t0.Add(-31 * day)}, // 7: old, pruned
	}
	for _, a := range alerts {
		al := &Alert{Kind: "k", Created: a.created}
		if err := db.Enqueue(ctx, al); err != nil {
			t.Fatal(err)
		}
		al.Status, al.SentAt = a.status, a.sentAt
		if err := db.PutAlert(ctx, *al); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.PruneSent(ctx, t0.Add(-30*day))
	if err != nil || n != 3 {
		t.Fatalf("PruneSent = %d, %v; want 3", n, err)
	}
	var left []uint64
	view(t, db, func(tx *Tx) error {
		for id := uint64(1); id <= uint64(len(alerts)); id++ {
			if _, ok, err := tx.Alert(id); err != nil {
				return err
			} else if ok {
				left = append(left, id)
			}
		}
		return nil
	})
	if diff := cmp.Diff([]uint64{3, 4, 5, 6}, left); diff != "" {
		t.Errorf("alerts left (-want +got):\n%s", diff)
	}
	if p, _ := db.PendingAlerts(ctx, 0); len(p) != 1 || p[0].ID != 3 {
		t.Errorf("pending after prune = %+v, want alert 3", p)
	}
	// IDs keep growing after a prune: order is never reused.
	a := &Alert{Kind: "k"}
	if err := db.Enqueue(ctx, a); err != nil || a.ID != 8 {
		t.Errorf("Enqueue after prune: ID %d, %v; want 8", a.ID, err)
	}
}

func TestPruneSentWorksInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	const total = pruneBatch*2 + 17
	update(t, db, func(tx *Tx) error {
		for range total {
			a := &Alert{Kind: "k", Created: t0.Add(-time.Hour)}
			if err := tx.Enqueue(a); err != nil {
				return err
			}
			a.Status = StatusSent
			if err := tx.PutAlert(*a); err != nil {
				return err
			}
		}
		return nil
	})
	n, err := db.PruneSent(ctx, t0)
	if err != nil || n != total {
		t.Fatalf("PruneSent = %d, %v; want %d", n, err, total)
	}
	if p, s, f, err := db.OutboxStats(ctx); p+s+f != 0 || err != nil {
		t.Errorf("OutboxStats after prune = %d, %d, %d, %v", p, s, f, err)
	}
}

func TestDropDocuments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	update(t, db, func(tx *Tx) error {
		for _, p := range []struct {
			id, hash string
			seen     time.Time
		}{
			{"old", "h1", t0.Add(-10 * 24 * time.Hour)},
			{"old", "h2", t0.Add(-9 * 24 * time.Hour)}, // a revision history to drop too
			{"spared", "h1", t0.Add(-9 * 24 * time.Hour)},
			{"seen-again", "h1", t0}, // named by the caller, but a poll saw it since
			{"not-named", "h1", t0.Add(-9 * 24 * time.Hour)},
		} {
			s := sampleSnapshot(p.id, p.hash)
			s.LastSeen = p.seen
			if err := tx.PutSnapshot(s); err != nil {
				return err
			}
		}
		return nil
	})
	n, err := db.DropDocuments(ctx, []string{"old", "spared", "seen-again", "unknown"}, t0.Add(-24*time.Hour),
		func(s Snapshot) bool { return s.DocID == "spared" })
	if err != nil || n != 1 {
		t.Fatalf("DropDocuments = %d, %v; want 1", n, err)
	}
	view(t, db, func(tx *Tx) error {
		for id, want := range map[string]bool{"old": false, "spared": true, "seen-again": true, "not-named": true} {
			if _, ok, err := tx.Snapshot(id); ok != want || err != nil {
				t.Errorf("%s: present %v (%v), want %v", id, ok, err, want)
			}
		}
		if revs, err := tx.Revisions("old"); len(revs) != 0 || err != nil {
			t.Errorf("old: %d revisions left (%v)", len(revs), err)
		}
		return nil
	})
}

// A retention pass with nothing old must not take the writer or fsync:
// `watcher once` and the daemon run it over every stored document.
func TestPruneFindingNothingWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	update(t, db, func(tx *Tx) error {
		for i := range 50 {
			if err := tx.PutItem(Item{Source: "feed", Key: fmt.Sprintf("item%d", i), Hash: "h", Seen: t0}); err != nil {
				return err
			}
			a := &Alert{Kind: "k", Created: t0}
			if err := tx.Enqueue(a); err != nil {
				return err
			}
		}
		return nil
	})
	writes := func() int64 { st := db.bolt.Stats(); return st.TxStats.GetWrite() }
	before := writes()
	if n, err := db.PruneItems(ctx, t0.Add(-time.Hour), nil); n != 0 || err != nil {
		t.Fatalf("PruneItems = %d, %v; want 0, nil", n, err)
	}
	if n, err := db.PruneSent(ctx, t0.Add(time.Hour)); n != 0 || err != nil {
		t.Fatalf("PruneSent = %d, %v; want 0, nil (every alert pending)", n, err)
	}
	if got := writes() - before; got != 0 {
		t.Errorf("a prune that found nothing wrote %d pages", got)
	}
}

// An item seen again between the read that found it old and the write
// that deletes it survives: the decision is made again under the writer.
func TestPruneChecksAgainBeforeDeleting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	update(t, db, func(tx *Tx) error {
		for _, key := range []string{"refreshed", "stale"} {
			if err := tx.PutItem(Item{Source: "feed", Key: key, Hash: "h", Seen: t0.Add(-48 * time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	asked := map[string]int{}
	n, err := db.PruneItems(ctx, t0.Add(-24*time.Hour), func(it Item) bool {
		asked[it.Key]++
		// "refreshed" is seen again by a poll after the first look.
		return it.Key == "refreshed" && asked[it.Key] > 1
	})
	if err != nil || n != 1 {
		t.Fatalf("PruneItems = %d, %v; want 1", n, err)
	}
	view(t, db, func(tx *Tx) error {
		if _, ok, _ := tx.Item("feed", "refreshed"); !ok {
			t.Error("an item seen again before the delete was pruned")
		}
		if _, ok, _ := tx.Item("feed", "stale"); ok {
			t.Error("the stale item survived")
		}
		return nil
	})
}

func TestRetentionRanRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	view(t, db, func(tx *Tx) error {
		if got, err := tx.RetentionRan(); !got.IsZero() || err != nil {
			t.Errorf("RetentionRan on a new file = %v, %v; want zero", got, err)
		}
		return nil
	})
	at := t0.Add(90 * time.Minute)
	if err := db.Update(ctx, func(tx *Tx) error { return tx.SetRetentionRan(at) }); err != nil {
		t.Fatal(err)
	}
	view(t, db, func(tx *Tx) error {
		if got, err := tx.RetentionRan(); !got.Equal(at) || err != nil {
			t.Errorf("RetentionRan = %v, %v; want %v", got, err, at)
		}
		return nil
	})
}

func TestPruneObservationsKeepsLatestPerAuthority(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	day := 24 * time.Hour
	update(t, db, func(tx *Tx) error {
		for _, o := range []Observation{
			sampleObservation("payrolls", "official", t0.Add(-400*day), 1),
			sampleObservation("payrolls", "official", t0.Add(-300*day), 2), // latest official: kept
			sampleObservation("payrolls", "press", t0.Add(-500*day), 3),
			sampleObservation("payrolls", "press", t0.Add(-10*day), 4),
			sampleObservation("payrolls", "press", t0.Add(-5*day), 5),
			sampleObservation("cpi", "official", t0.Add(-400*day), 6), // only one: kept
		} {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		return nil
	})
	n, err := db.PruneObservations(ctx, t0.Add(-365*day))
	if err != nil || n != 2 {
		t.Fatalf("PruneObservations = %d, %v; want 2", n, err)
	}
	var values []float64
	for _, m := range []string{"cpi", "payrolls"} {
		obs, err := db.Observations(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range obs {
			values = append(values, o.Value)
		}
	}
	if diff := cmp.Diff([]float64{6, 2, 4, 5}, values); diff != "" {
		t.Errorf("observations left (-want +got):\n%s", diff)
	}
}

func TestUpdateAndViewAfterClose(t *testing.T) {
	t.Parallel()
	db, err := Open(filepath.Join(t.TempDir(), "w.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.View(context.Background(), func(*Tx) error { return nil }); !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		t.Errorf("View after Close = %v, want ErrDatabaseNotOpen", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestItemsAndClaimsRoundTrip(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	ctx := context.Background()
	seen := time.Date(2025, 3, 26, 9, 0, 0, 0, time.UTC)
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.PutItem(Item{Source: "press", Key: "guid-1", Hash: "h1", DocID: "url:https://example.org/a", Seen: seen}); err != nil {
			return err
		}
		return tx.PutClaim(Claim{Metric: "uc_no_nta", Value: 320000, AlertID: 7, First: seen, Docs: []string{"a"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx *Tx) error {
		it, ok, err := tx.Item("press", "guid-1")
		if err != nil || !ok || it.Hash != "h1" || it.DocID != "url:https://example.org/a" || !it.Seen.Equal(seen) {
			t.Errorf("item = %+v, %t, %v", it, ok, err)
		}
		if _, ok, _ := tx.Item("other", "guid-1"); ok {
			t.Error("items of another source must not be found")
		}
		c, ok, err := tx.Claim("uc_no_nta", 320000)
		if err != nil || !ok || c.AlertID != 7 || len(c.Docs) != 1 {
			t.Errorf("claim = %+v, %t, %v", c, ok, err)
		}
		if _, ok, _ := tx.Claim("uc_no_nta", 320001); ok {
			t.Error("a different value must be a different claim")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *Tx) error { return tx.PutItem(Item{Source: "press"}) }); err == nil {
		t.Error("an item without a key was stored")
	}
}

func TestRecentAlertsNewestFirst(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	ctx := context.Background()
	db.Update(ctx, func(tx *Tx) error {
		for i := range 5 {
			if err := tx.Enqueue(&Alert{Kind: fmt.Sprintf("k%d", i), Payload: []byte(`{}`), Created: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	db.View(ctx, func(tx *Tx) error {
		got, err := tx.RecentAlerts(3)
		if err != nil || len(got) != 3 || got[0].Kind != "k4" || got[2].Kind != "k2" {
			t.Errorf("recent = %+v, %v; want k4, k3, k2", got, err)
		}
		return nil
	})
}

func TestCompactShrinksAndKeepsData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := Open(path, Options{InitialMmapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	big := strings.Repeat("x", 4000)
	for i := range 300 {
		if err := db.Update(ctx, func(tx *Tx) error {
			return tx.PutSnapshot(Snapshot{DocID: fmt.Sprintf("d%d", i), Hash: "h", Title: big})
		}); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]string, 300)
	for i := range ids {
		ids[i] = fmt.Sprintf("d%d", i)
	}
	if n, err := db.DropDocuments(ctx, ids, time.Now().Add(time.Hour), func(s Snapshot) bool { return s.DocID == "d7" }); err != nil || n != 299 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	db.Close()
	before, after, err := Compact(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Errorf("compact: %d → %d bytes, want smaller", before, after)
	}
	db, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(ctx, func(tx *Tx) error {
		if _, ok, _ := tx.Snapshot("d7"); !ok {
			t.Error("kept document lost by compaction")
		}
		return nil
	})
}

func TestOfficialValuesNearAreDistinctAndOldestFirst(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	ctx := context.Background()
	t0 := time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC)
	obs := []Observation{
		{Metric: "m", Value: 291000, Authority: "official", Observed: t0, DocID: "a"},
		{Metric: "m", Value: 300000, Authority: "press", Observed: t0.Add(time.Hour)},
		{Metric: "m", Value: 291000, Authority: "official", Observed: t0.Add(2 * time.Hour), DocID: "b"},
		{Metric: "m", Value: 233000, Authority: "official", Observed: t0.Add(3 * time.Hour), DocID: "c"},
		{Metric: "m", Value: 320000, Authority: "press", Observed: t0.Add(4 * time.Hour)},
	}
	db.Update(ctx, func(tx *Tx) error {
		for _, o := range obs {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		return nil
	})
	db.View(ctx, func(tx *Tx) error {
		vals, err := tx.OfficialValuesNear("m", 291500, 0.005)
		if err != nil || len(vals) != 1 || vals[0].DocID != "a" {
			t.Errorf("official values near 291,500 = %+v, %v; want 291,000 first stated in a", vals, err)
		}
		if vals, _ := tx.OfficialValuesNear("m", 250000, 0.3); len(vals) != 2 || vals[0].DocID != "a" || vals[1].DocID != "c" {
			t.Errorf("official values near 250,000±30%% = %+v; want 291,000 then 233,000, oldest first", vals)
		}
		if vals, _ := tx.OfficialValuesNear("m", 300000, 0.005); len(vals) != 0 {
			t.Errorf("press values must not count: %+v", vals)
		}
		if o, ok, _ := tx.LatestObservation("m", "official"); !ok || o.Value != 233000 {
			t.Errorf("latest official = %+v", o)
		}
		if o, ok, _ := tx.LatestObservation("m", "press"); !ok || o.Value != 320000 {
			t.Errorf("latest press = %+v", o)
		}
		return nil
	})
}

func TestPruneOfficialValues(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	ctx := context.Background()
	t0 := time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC)
	db.Update(ctx, func(tx *Tx) error {
		tx.AddObservation(Observation{Metric: "m", Value: 291000, Authority: "official", Observed: t0})
		return tx.AddObservation(Observation{Metric: "m", Value: 233000, Authority: "official", Observed: t0.AddDate(1, 0, 0)})
	})
	if n, err := db.PruneOfficialValues(ctx, t0.AddDate(0, 6, 0)); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the 2024 value only", n, err)
	}
	db.View(ctx, func(tx *Tx) error {
		if v, _ := tx.OfficialValuesNear("m", 250000, 0.5); len(v) != 1 || v[0].Value != 233000 {
			t.Errorf("left %+v, want 233,000", v)
		}
		return nil
	})
}

// The daemon opens without freelist sync and `once` with it, on the same
// file, in either order: each must read what the other wrote and reuse its
// free pages.
func TestFreelistSyncModesShareAFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	big := strings.Repeat("x", 3000)
	for round, nosync := range []bool{true, false, true, false} {
		db, err := Open(path, Options{NoFreelistSync: nosync, InitialMmapSize: 1 << 20})
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		if db.bolt.NoFreelistSync != nosync {
			t.Fatalf("round %d: NoFreelistSync = %v, want %v", round, db.bolt.NoFreelistSync, nosync)
		}
		// Churn: write documents, drop the previous round's.
		var old []string
		update(t, db, func(tx *Tx) error {
			for i := range 200 {
				if err := tx.PutSnapshot(Snapshot{DocID: fmt.Sprintf("r%d-d%d", round, i), Hash: "h", Title: big, LastSeen: t0}); err != nil {
					return err
				}
				old = append(old, fmt.Sprintf("r%d-d%d", round-1, i))
			}
			return nil
		})
		if round > 0 {
			if n, err := db.DropDocuments(ctx, old, t0.Add(time.Hour), nil); err != nil || n != 200 {
				t.Fatalf("round %d: dropped %d, %v", round, n, err)
			}
		}
		view(t, db, func(tx *Tx) error {
			n := 0
			err := tx.ForEachSnapshot(func(Snapshot) error { n++; return nil })
			if err != nil || n != 200 {
				t.Errorf("round %d: %d documents (%v), want 200", round, n, err)
			}
			return nil
		})
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// PendingCount counts what OutboxStats counts as pending, from the index.
func TestPendingCountMatchesOutboxStats(t *testing.T) {
	db := openTemp(t, Options{})
	ctx := context.Background()
	err := db.Update(ctx, func(tx *Tx) error {
		for i, st := range []string{StatusPending, StatusSent, StatusPending, StatusFailed, StatusPending} {
			a := &Alert{Kind: "metric_changed", Channel: "#c", Created: time.Unix(int64(i), 0)}
			if err := tx.Enqueue(a); err != nil {
				return err
			}
			a.Status = st // delivered or given up on: off the pending index
			if err := tx.PutAlert(*a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx *Tx) error {
		n, err := tx.PendingCount()
		if err != nil {
			return err
		}
		pending, _, _, err := tx.OutboxStats()
		if err != nil {
			return err
		}
		if n != 3 || pending != 3 {
			t.Errorf("PendingCount = %d, OutboxStats pending = %d; want 3 and 3", n, pending)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// SnapshotHash reads what Snapshot reads of the hash and LastSeen, and
// reports a missing document as missing.
func TestSnapshotHash(t *testing.T) {
	db := openTemp(t, Options{Now: fixedClock})
	s := sampleSnapshot("doc-1", "sha256:abc")
	update(t, db, func(tx *Tx) error { return tx.PutSnapshot(s) })
	view(t, db, func(tx *Tx) error {
		whole, ok, err := tx.Snapshot("doc-1")
		if err != nil || !ok {
			t.Fatalf("Snapshot: %v, %v", ok, err)
		}
		hash, seen, ok, err := tx.SnapshotHash("doc-1")
		if err != nil || !ok || hash != whole.Hash || !seen.Equal(whole.LastSeen) || hash != "sha256:abc" {
			t.Errorf("SnapshotHash = %q, %v, %v, %v; want %q, %v, true", hash, seen, ok, err, whole.Hash, whole.LastSeen)
		}
		// A record as the store writes it takes the scan, not the decoder.
		raw := tx.tx.Bucket(bucketDocs).Get([]byte("doc-1"))
		if h, _, ok := scanSnapshotHead(raw[:bytes.Index(raw, []byte(`,"figures":`))]); !ok || h != "sha256:abc" {
			t.Errorf("scanSnapshotHead of a plain record = %q, %v; want the hash", h, ok)
		}
		if _, _, ok, err := tx.SnapshotHash("doc-2"); ok || err != nil {
			t.Errorf("SnapshotHash of a missing document: ok %v, err %v", ok, err)
		}
		return nil
	})

	// Records written before the figures came last, and a title that
	// quotes the key, read the same.
	seen := "2025-03-26T09:00:00Z"
	for id, raw := range map[string]string{
		"old-order": `{"v":1,"doc_id":"old-order","hash":"h1","figures":[{"value":1,"text":"1"}],"last_seen":"` + seen + `","revision":1}`,
		"quoting":   `{"v":1,"doc_id":"quoting","title":"a ,\"figures\": b","hash":"h1","last_seen":"` + seen + `","revision":1,"figures":[{"value":1}]}`,
	} {
		update(t, db, func(tx *Tx) error { return tx.tx.Bucket(bucketDocs).Put([]byte(id), []byte(raw)) })
		view(t, db, func(tx *Tx) error {
			hash, last, ok, err := tx.SnapshotHash(id)
			if err != nil || !ok || hash != "h1" || last.Format(time.RFC3339) != seen {
				t.Errorf("%s: SnapshotHash = %q, %v, %v, %v; want h1, %s", id, hash, last, ok, err, seen)
			}
			return nil
		})
	}
}

// HistoryVersion moves with every change to a metric's history, and
// only then: a status may keep what it read while it stays the same.
func TestHistoryVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	day := 24 * time.Hour
	version := func() uint64 {
		var v uint64
		view(t, db, func(tx *Tx) error { v = tx.HistoryVersion("payrolls"); return nil })
		return v
	}
	if v := version(); v != 0 {
		t.Fatalf("version of a metric without history = %d, want 0", v)
	}
	add := func(o Observation) {
		update(t, db, func(tx *Tx) error { return tx.AddObservation(o) })
	}
	old := sampleObservation("payrolls", "press", t0.Add(-500*day), 1)
	old.DocID, old.Text = "wire:1", "1"
	add(old)
	add(sampleObservation("payrolls", "press", t0.Add(-5*day), 2))
	add(sampleObservation("payrolls", "official", t0.Add(-4*day), 3))
	steps := []struct {
		name   string
		change func()
		moves  bool
	}{
		{"reading", func() {
			view(t, db, func(tx *Tx) error { _, err := tx.RecentObservations("payrolls", 10); return err })
		}, false},
		{"adding", func() { add(sampleObservation("payrolls", "press", t0.Add(-day), 4)) }, true},
		{"another metric", func() { add(sampleObservation("cpi", "official", t0, 5)) }, false},
		{"retention", func() {
			if n, err := db.PruneObservations(ctx, t0.Add(-365*day)); err != nil || n != 1 {
				t.Fatalf("PruneObservations = %d, %v; want 1", n, err)
			}
		}, true},
		{"adding the one to correct", func() {
			add(sampleObservation("payrolls", "press", t0, 6))
		}, true},
		{"a correction", func() {
			update(t, db, func(tx *Tx) error {
				obs, err := tx.RecentObservations("payrolls", 1)
				if err != nil || len(obs) != 1 {
					return fmt.Errorf("newest: %v, %v", obs, err)
				}
				n, err := tx.Reattribute(obs[0].DocID, "payrolls", obs[0].Text, obs[0].Quote, "cpi")
				if n != 1 {
					return fmt.Errorf("reattributed %d, want 1 (%v)", n, err)
				}
				return err
			})
		}, true},
	}
	for _, s := range steps {
		before := version()
		s.change()
		if moved := version() != before; moved != s.moves {
			t.Errorf("%s: version moved %v, want %v", s.name, moved, s.moves)
		}
	}
}

// Adding a poll's observations in one transaction, where the indexes are
// compared with what the transaction itself wrote, leaves the same index
// records as adding each in a transaction of its own.
func TestIndexesOfOneTransactionMatchOnePerObservation(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 16))
	day := 24 * time.Hour
	var obs []Observation
	for i := range 300 {
		metric := []string{"payrolls", "cpi"}[rng.IntN(2)]
		auth := []string{"official", "press"}[rng.IntN(2)]
		// Observed times repeat and go backwards, as figures of one poll
		// and recaps of older documents do.
		o := sampleObservation(metric, auth, t0.Add(time.Duration(rng.IntN(40))*time.Hour), float64(rng.IntN(5)))
		if rng.IntN(3) > 0 {
			start := time.Date(2024+rng.IntN(2), time.Month(1+rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
			o.Period = Period{Kind: "month", Start: start, End: start.AddDate(0, 1, 0), Key: start.Format("2006-01")}
			o.AsOf = o.Period.End
		}
		if rng.IntN(4) == 0 {
			o.Published = time.Time{}
		} else {
			o.Published = t0.Add(-time.Duration(rng.IntN(30)) * day)
		}
		o.DocID = fmt.Sprintf("doc-%d", i)
		obs = append(obs, o)
	}
	together, apart := openTemp(t, Options{}), openTemp(t, Options{})
	update(t, together, func(tx *Tx) error {
		for _, o := range obs {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		return nil
	})
	for _, o := range obs {
		update(t, apart, func(tx *Tx) error { return tx.AddObservation(o) })
	}
	dump := func(db *DB) map[string]string {
		out := map[string]string{}
		view(t, db, func(tx *Tx) error {
			for _, name := range [][]byte{bucketLatest, bucketPeriods, bucketSummary, bucketValues} {
				if err := tx.tx.Bucket(name).ForEach(func(k, v []byte) error {
					out[string(name)+"/"+string(k)] = string(v)
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		})
		return out
	}
	a, b := dump(together), dump(apart)
	if len(a) < 10 {
		t.Fatalf("only %d index records: the test adds too little", len(a))
	}
	if diff := cmp.Diff(b, a); diff != "" {
		t.Errorf("index records (-one transaction per observation +one for all):\n%s", diff)
	}
}

// scanSnapshotHead reads what decoding the head reads, or declines.
func FuzzScanSnapshotHead(f *testing.F) {
	f.Add("OIG-24-46", "A title", "sha256:abc", int64(1742893200), 5)
	f.Add("x", `a ,"hash":"evil", \"b\"`, `h"q`, int64(0), 0)
	f.Add("id", `,"last_seen":"2020-01-01T00:00:00Z"`, "h\\u0041", int64(-5), 999)
	f.Fuzz(func(t *testing.T, id, title, hash string, sec int64, nsec int) {
		s := Snapshot{DocID: id, Title: title, Hash: hash, LastSeen: time.Unix(sec, int64(nsec)%1e9).UTC(), Revision: 1,
			Figures: []Figure{{Value: 1, Text: `1 ,"hash":"no"`}}}
		raw, err := encode(s)
		if err != nil {
			return
		}
		i := bytes.Index(raw, []byte(`,"figures":`))
		if i < 0 {
			t.Fatalf("no figures in %s", raw)
		}
		h, seen, ok := scanSnapshotHead(raw[:i])
		if !ok {
			return // declined: the caller decodes
		}
		var want Snapshot
		if err := decode(raw, &want); err != nil {
			t.Fatalf("record does not decode: %v", err)
		}
		if h != want.Hash || !seen.Equal(want.LastSeen) {
			t.Errorf("scan of %s = %q %v, decode = %q %v", raw[:i], h, seen, want.Hash, want.LastSeen)
		}
	})
}
