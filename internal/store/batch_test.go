package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// waitUntil yields until cond holds, or fails the test with what when
// ctx (the test's deadline) ends first.
func waitUntil(ctx context.Context, t *testing.T, cond func() bool, what func() string) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatal(what())
		}
		runtime.Gosched()
	}
}

// waitQueued waits until n calls wait in the queue.
func waitQueued(ctx context.Context, t *testing.T, db *DB, n int) {
	t.Helper()
	waitUntil(ctx, t, func() bool { return db.group.len() >= n },
		func() string { return fmt.Sprintf("%d calls queued, want %d", db.group.len(), n) })
}

// holdWriter starts a writer that holds the lock until release is
// closed, as a slow commit would, and one Batch call whose committer has
// taken it and waits for the lock: the calls made next all queue.
func holdWriter(ctx context.Context, t *testing.T, db *DB, wg *sync.WaitGroup) (release chan struct{}) {
	t.Helper()
	release = make(chan struct{})
	holding := make(chan struct{})
	go func() {
		_ = db.Update(ctx, func(*Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	wg.Go(func() {
		if err := db.Batch(ctx, func(tx *Tx) error { return tx.PutFetchState(FetchState{Source: "first"}) }); err != nil {
			t.Errorf("first call: %v", err)
		}
	})
	waitUntil(ctx, t, func() bool {
		db.group.mu.Lock()
		defer db.group.mu.Unlock()
		return db.group.running && len(db.group.queue) == 0
	}, func() string { return "the first Batch call was never taken by a committer" })
	return release
}

// TestBatchSharesCommits is the point of Batch: calls that arrive while a
// commit is under way are written together in the next one, not one
// transaction each.
func TestBatchSharesCommits(t *testing.T) {
	db := openTemp(t, Options{})
	ctx := t.Context()
	const n = 40

	var (
		mu  sync.Mutex
		txs = map[int]int{} // transaction id → calls it carried
		wg  sync.WaitGroup
	)
	release := holdWriter(ctx, t, db, &wg)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.Batch(ctx, func(tx *Tx) error {
				mu.Lock()
				txs[tx.tx.ID()]++
				mu.Unlock()
				return tx.PutFetchState(FetchState{Source: fmt.Sprintf("s%02d", i), ETag: fmt.Sprint(i)})
			})
		})
	}
	waitQueued(ctx, t, db, n)
	close(release)
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if len(txs) != 1 {
		t.Errorf("%d calls queued together committed in %d transactions (%v), want 1", n, len(txs), txs)
	}
	for i := range n {
		var st FetchState
		view(t, db, func(tx *Tx) error {
			var err error
			st, _, err = tx.FetchState(fmt.Sprintf("s%02d", i))
			return err
		})
		if st.ETag != fmt.Sprint(i) {
			t.Errorf("s%02d: etag %q, want %q: a batched write was lost", i, st.ETag, fmt.Sprint(i))
		}
	}
}

// TestBatchFailureIsTheCallersOwn: a function that fails or panics gets
// its own error (run alone), and the writes of the calls that shared its
// transaction are committed all the same.
func TestBatchFailureIsTheCallersOwn(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		fn      func(*Tx) error
		wantErr error
		panics  bool
	}{
		{name: "error", fn: func(*Tx) error { return boom }, wantErr: boom},
		{name: "invalid write", fn: func(tx *Tx) error { return tx.PutFetchState(FetchState{}) }},
		{name: "panic", fn: func(*Tx) error { panic("boom") }, panics: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t, Options{})
			ctx := t.Context()
			const good = 5
			var wg sync.WaitGroup
			errs := make([]error, good)
			var badErr error
			var badPanic any
			// The failing call and the good ones share a transaction.
			release := holdWriter(ctx, t, db, &wg)
			for i := range good {
				wg.Go(func() {
					errs[i] = db.Batch(ctx, func(tx *Tx) error {
						return tx.PutFetchState(FetchState{Source: fmt.Sprintf("g%d", i), ETag: "ok"})
					})
				})
			}
			wg.Go(func() {
				defer func() { badPanic = recover() }()
				badErr = db.Batch(ctx, tc.fn)
			})
			waitQueued(ctx, t, db, good+1)
			close(release)
			wg.Wait()

			if tc.panics {
				if badPanic == nil {
					t.Errorf("the panicking function's caller did not panic (err %v)", badErr)
				}
			} else if badErr == nil || (tc.wantErr != nil && !errors.Is(badErr, tc.wantErr)) {
				t.Errorf("failing call: err %v, want %v", badErr, tc.wantErr)
			}
			for i, err := range errs {
				if err != nil {
					t.Errorf("good call %d: %v", i, err)
				}
				var st FetchState
				view(t, db, func(tx *Tx) error {
					var err error
					st, _, err = tx.FetchState(fmt.Sprintf("g%d", i))
					return err
				})
				if st.ETag != "ok" {
					t.Errorf("good call %d's write was not committed", i)
				}
			}
		})
	}
}

// TestBatchBounded: more calls than maxBatch queued at once are all
// committed, in transactions of at most maxBatch calls.
func TestBatchBounded(t *testing.T) {
	db := openTemp(t, Options{})
	ctx := t.Context()
	n := 2*maxBatch + 10
	var (
		mu  sync.Mutex
		txs = map[int]int{}
		wg  sync.WaitGroup
	)
	release := holdWriter(ctx, t, db, &wg)
	var failed sync.Map
	for i := range n {
		wg.Go(func() {
			err := db.Batch(ctx, func(tx *Tx) error {
				mu.Lock()
				txs[tx.tx.ID()]++
				mu.Unlock()
				return tx.PutFetchState(FetchState{Source: fmt.Sprintf("s%04d", i)})
			})
			if err != nil {
				failed.Store(i, err)
			}
		})
	}
	waitQueued(ctx, t, db, n)
	close(release)
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("call %v: %v", k, v); return true })
	total := 0
	for id, calls := range txs {
		total += calls
		if calls > maxBatch {
			t.Errorf("transaction %d carried %d calls, more than %d", id, calls, maxBatch)
		}
	}
	if total != n {
		t.Errorf("%d calls ran, want %d", total, n)
	}
}

func TestBatchCancelled(t *testing.T) {
	db := openTemp(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	err := db.Batch(ctx, func(*Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Batch on a cancelled context: err %v, ran %v; want context.Canceled without running", err, ran)
	}
}
