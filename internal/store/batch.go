package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxBatch bounds how many Batch calls share one transaction, so that a
// burst of large writes (a cold cycle's polls) does not become one
// transaction holding every page they touch.
const maxBatch = 256

// groupCommit gathers Batch calls into shared transactions: the calls that
// arrive while a commit is being written go into the next one, together.
//
// bbolt's own Batch waits a fixed delay for company and then commits, even
// while the previous batch still holds the writer lock; with polls
// finishing a few every millisecond it committed ~1.5 of a warm cycle's
// 304s per transaction (1,310 fdatasyncs for 1,000 polls, issue #16). Here
// a lone write commits at once (after yielding to the goroutines already
// runnable), and under load a batch is what arrived during the previous
// commit, so the number of commits follows the disk's speed instead of the
// clock: ~200-240 fdatasyncs for the same 1,000 304s on an idle disk.
type groupCommit struct {
	mu      sync.Mutex
	queue   []batchCall
	running bool // a goroutine is committing the queue
}

// gatherYields bounds how many times the committer yields for more calls
// before it commits what it has.
const gatherYields = 4

func (g *groupCommit) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

type batchCall struct {
	fn   func(*Tx) error
	done chan error
}

// errSolo tells a Batch caller that its function failed inside a shared
// transaction, which was rolled back for it, and must be run on its own to
// get its own error.
var errSolo = errors.New("batch function failed; run it alone")

// Batch is Update for small writes made by many goroutines at once (the
// fetch state of a 304, a poll's snapshots and alerts): concurrent calls
// share one transaction and one fsync. fn may run more than once (when
// another function in its batch fails, the batch is rolled back and run
// again without that one), so it must only write what it was given, never
// count or append. Batch returns once fn's writes are committed, or with
// the error of a transaction that was not.
func (db *DB) Batch(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, batchCall{fn: fn, done: done})
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go db.commitQueued()
	}
	if err := <-done; !errors.Is(err, errSolo) {
		return err
	}
	return db.Update(ctx, fn)
}

// commitQueued commits what the queue holds, batch after batch, until it
// is empty.
func (db *DB) commitQueued() {
	g := &db.group
	for {
		// Let the goroutines that are about to call Batch (their replies
		// are in, they are runnable) join this commit: yield while the
		// queue is still growing, a few times at most.
		for n, i := g.len(), 0; i < gatherYields; i++ {
			runtime.Gosched()
			m := g.len()
			if m == n || m >= maxBatch {
				break
			}
			n = m
		}
		g.mu.Lock()
		calls := g.queue
		if len(calls) > maxBatch {
			calls, g.queue = calls[:maxBatch], calls[maxBatch:]
		} else {
			g.queue = nil
		}
		if len(calls) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		db.commitBatch(calls)
	}
}

// commitBatch runs calls in one transaction. A call whose function fails
// (or panics) is taken out and told to run alone, and the transaction is
// run again without it: one source's bad write never costs the others
// theirs.
func (db *DB) commitBatch(calls []batchCall) {
	for len(calls) > 0 {
		failed := -1
		err := db.bolt.Update(func(btx *bolt.Tx) error {
			tx := &Tx{tx: btx, db: db}
			for i, c := range calls {
				if err := callSafely(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			calls[failed].done <- errSolo
			calls = append(calls[:failed], calls[failed+1:]...)
			continue
		}
		for _, c := range calls {
			c.done <- err
		}
		return
	}
}

// callSafely runs fn, turning a panic into an error so that it rolls the
// shared transaction back instead of killing the committing goroutine; the
// caller then runs fn alone, where the panic is its own again.
func callSafely(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("batch function panicked: %v", p)
		}
	}()
	return fn(tx)
}
