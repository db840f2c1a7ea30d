package store

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// A cached decode never outlives its record: the current value read after
// a newer one is written is the newer one, in the same transaction and
// after it.
func TestObsCacheFollowsRewrites(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	add := func(tx *Tx, v float64, d int) error {
		return tx.AddObservation(Observation{Metric: "m", Value: v, Source: "oig", Authority: "official", DocID: fmt.Sprint("d", d),
			Published: day(d), Observed: day(d)})
	}
	current := func(tx *Tx) float64 {
		t.Helper()
		o, ok, err := tx.LatestObservation("m", "official")
		if err != nil || !ok {
			t.Fatalf("LatestObservation = %v %v", ok, err)
		}
		return o.Value
	}
	update(t, db, func(tx *Tx) error {
		if err := add(tx, 100, 1); err != nil {
			return err
		}
		if got := current(tx); got != 100 {
			t.Errorf("current = %v, want 100", got)
		}
		if err := add(tx, 200, 2); err != nil {
			return err
		}
		if got := current(tx); got != 200 {
			t.Errorf("current after a newer report in the same transaction = %v, want 200", got)
		}
		return nil
	})
	update(t, db, func(tx *Tx) error {
		if got := current(tx); got != 200 {
			t.Errorf("current in the next transaction = %v, want 200", got)
		}
		return add(tx, 300, 3)
	})
	view(t, db, func(tx *Tx) error {
		if got := current(tx); got != 300 {
			t.Errorf("current after a third report = %v, want 300", got)
		}
		near, err := tx.OfficialValuesNear("m", 200, 0.01)
		if err != nil || len(near) != 1 || near[0].Value != 200 {
			t.Errorf("OfficialValuesNear(200) = %+v, %v; want the 200", near, err)
		}
		return nil
	})
	// A rolled-back write leaves nothing behind either.
	_ = db.Update(t.Context(), func(tx *Tx) error {
		if err := add(tx, 400, 4); err != nil {
			return err
		}
		if got := current(tx); got != 400 {
			t.Errorf("current inside the failing transaction = %v, want 400", got)
		}
		return fmt.Errorf("roll back")
	})
	view(t, db, func(tx *Tx) error {
		if got := current(tx); got != 300 {
			t.Errorf("current after a rollback = %v, want 300", got)
		}
		return nil
	})
}

// The cache is bounded, and safe to use from concurrent readers.
func TestObsCacheBoundAndConcurrency(t *testing.T) {
	t.Parallel()
	var c obsCache
	records := make([][]byte, obsCacheMax+10)
	for i := range records {
		raw, err := encode(Observation{Metric: "m", Value: float64(i), Observed: time.Unix(int64(i), 0).UTC()})
		if err != nil {
			t.Fatal(err)
		}
		records[i] = raw
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(records); i += 4 {
				o, err := c.observation(records[i])
				if err != nil || o.Value != float64(i) {
					t.Errorf("record %d decoded as %v, %v", i, o.Value, err)
					return
				}
			}
		})
	}
	wg.Wait()
	c.mu.Lock()
	n := len(c.m)
	c.mu.Unlock()
	if n == 0 || n > obsCacheMax {
		t.Errorf("%d entries after %d records, want 1..%d", n, len(records), obsCacheMax)
	}
	if _, err := c.observation([]byte("garbage")); err == nil {
		t.Error("a bad record decoded")
	}
}
