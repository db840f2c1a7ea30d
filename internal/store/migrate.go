package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// backupOld copies a file of an older schema to "<file>.bak-v<N>" before
// Open migrates it, so that a migration gone wrong, or a return to the
// previous watcher, can start from the file as it was.
func (db *DB) backupOld() error {
	v := 0
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil // new, or foreign: initSchema decides
		}
		var err error
		if raw := meta.Get(keySchemaVersion); raw != nil {
			v, err = strconv.Atoi(string(raw))
			if err != nil {
				v = 0 // checkSchema reports it
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v < 1 || v >= SchemaVersion {
		return nil
	}
	path := db.path + ".bak-v" + strconv.Itoa(v)
	n, err := db.BackupFile(context.Background(), path)
	if err != nil {
		return fmt.Errorf("back up schema %d before migrating: %w", v, err)
	}
	db.log.Info("database backed up before migration", "path", path, "bytes", n, "from", v, "to", SchemaVersion)
	return nil
}

// migrate brings a file of schema from up to SchemaVersion inside the
// opening transaction: all of it or, on any error, none of it.
func (db *DB) migrate(btx *bolt.Tx, from int) error {
	tx := &Tx{tx: btx, db: db}
	if from < 2 {
		n, err := tx.migratePeriods()
		if err != nil {
			return fmt.Errorf("migrate schema %d to 2: %w", from, err)
		}
		db.log.Info("database migrated", "from", from, "to", 2, "observations", n)
	}
	if from < 3 {
		// Schema 2 records read as they are; the outbox's counts and its
		// failed index are made by initOutboxCounts, which runs after.
		// The version is what changes: a watcher of schema 2 must refuse a
		// file whose new alerts it would read without their payload.
		db.log.Info("database migrated", "from", max(from, 2), "to", 3)
	}
	if from < 4 {
		n, err := tx.migrateFetchStates()
		if err != nil {
			return fmt.Errorf("migrate schema %d to 4: %w", max(from, 3), err)
		}
		db.log.Info("database migrated", "from", max(from, 3), "to", 4, "fetch_states", n)
	}
	meta := btx.Bucket(bucketMeta)
	if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion))); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return nil
}

// migrateFetchStates rewrites every fetch state in its binary form
// (fetchstate_codec.go). The bucket is made anew, the states put in key
// order with the fill PutFetchState uses, so that they start out on as
// few pages as they need rather than on the JSON's pages a third full.
func (tx *Tx) migrateFetchStates() (int, error) {
	if tx.tx.Bucket(bucketSources) == nil {
		return 0, nil
	}
	states, err := tx.Sources() // read whole: the bucket is about to go
	if err != nil {
		return 0, err
	}
	if err := tx.tx.DeleteBucket(bucketSources); err != nil {
		return 0, fmt.Errorf("reset %s: %w", bucketSources, err)
	}
	if _, err := tx.tx.CreateBucket(bucketSources); err != nil {
		return 0, fmt.Errorf("reset %s: %w", bucketSources, err)
	}
	for _, fs := range states { // in key order, as Sources reads them
		if err := tx.PutFetchState(fs); err != nil {
			return 0, err
		}
	}
	return len(states), nil
}

// DocumentPeriod is the period of a figure that states none: an as-of date
// on the day of its document (published, else first observed). Schema 1
// observations get it on migration; diff gives it to figures without a
// period, so both read the same.
func DocumentPeriod(day time.Time) Period {
	d := day.UTC()
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return Period{
		Kind: "as_of", Start: start, End: start.AddDate(0, 0, 1),
		Key: "@" + start.Format("2006-01-02"), Label: "as of " + start.Format("2 January 2006"), From: "document",
	}
}

// migratePeriods gives every observation of a schema-1 file its document's
// date as period and as-of date, then rebuilds the current-value index
// (now by as-of date), the period index and the summaries from the
// history. The index of past official values is kept as it is: retention
// may have pruned the history it was built from.
func (tx *Tx) migratePeriods() (int, error) {
	metrics, err := tx.Metrics()
	if err != nil {
		return 0, err
	}
	tx.forgetIndexes()
	for _, name := range [][]byte{bucketLatest, bucketPeriods, bucketSummary} {
		if err := tx.tx.DeleteBucket(name); err != nil {
			return 0, fmt.Errorf("reset %s: %w", name, err)
		}
		if _, err := tx.tx.CreateBucket(name); err != nil {
			return 0, fmt.Errorf("reset %s: %w", name, err)
		}
	}
	// The past official values keep their entries (retention may have
	// pruned the history they came from) and gain a period, so that a
	// recap of one is recognised.
	values := tx.tx.Bucket(bucketValues)
	type entry struct {
		k []byte
		o Observation
	}
	var entries []entry
	if err := values.ForEach(func(k, v []byte) error {
		var o Observation
		if err := decode(v, &o); err != nil {
			return fmt.Errorf("read official value %x: %w", k, err)
		}
		entries = append(entries, entry{append([]byte(nil), k...), o})
		return nil
	}); err != nil {
		return 0, err
	}
	for _, e := range entries {
		if err := tx.putObservation(bucketValues, e.k, withDocumentPeriod(e.o)); err != nil {
			return 0, fmt.Errorf("rewrite official value %x: %w", e.k, err)
		}
	}
	total := 0
	for _, metric := range metrics {
		b := tx.metricBucket(metric)
		type rec struct {
			k []byte
			o Observation
		}
		var recs []rec
		if err := b.ForEach(func(k, v []byte) error {
			var o Observation
			if err := decode(v, &o); err != nil {
				return fmt.Errorf("read observation %s/%x: %w", metric, k, err)
			}
			recs = append(recs, rec{append([]byte(nil), k...), o})
			return nil
		}); err != nil {
			return total, err
		}
		for _, r := range recs {
			o := withDocumentPeriod(r.o)
			raw, err := encodeObservation(o)
			if err != nil {
				return total, fmt.Errorf("encode observation %s/%x: %w", metric, r.k, err)
			}
			if err := b.Put(r.k, raw); err != nil {
				return total, fmt.Errorf("rewrite observation %s/%x: %w", metric, r.k, err)
			}
			if err := tx.reindex(o); err != nil {
				return total, err
			}
			total++
		}
	}
	return total, nil
}

// withDocumentPeriod gives a schema-1 observation its document's date as
// period and as-of date.
func withDocumentPeriod(o Observation) Observation {
	if o.Period.IsZero() {
		day := o.Published
		if day.IsZero() {
			day = o.Observed
		}
		o.Period = DocumentPeriod(day)
	}
	if o.AsOf.IsZero() {
		o.AsOf = o.Period.End
	}
	return o
}

// reindex keeps the current-value and period indexes and the summary in
// step with o: indexObservation without the distinct-values index.
func (tx *Tx) reindex(o Observation) error {
	lk := []byte(o.Metric + "\x00" + o.Authority)
	cur, ok, err := tx.getTimes(bucketLatest, lk)
	if err != nil {
		return err
	}
	official := o.Authority == "official"
	// Press: the most recently observed (the last written on a tie).
	current := !ok || !o.Observed.Before(cur.Observed)
	if official {
		current = !ok || o.supersedes(cur, true)
	}
	if current {
		if err := tx.putTimes(bucketLatest, lk, o); err != nil {
			return err
		}
	}
	if err := tx.summarise(o, official && current); err != nil {
		return err
	}
	if !official {
		return nil
	}
	if o.Period.IsZero() {
		return nil
	}
	pk := periodKey(o.Metric, o.Period)
	prev, ok, err := tx.getTimes(bucketPeriods, pk)
	if err != nil {
		return err
	}
	if !ok || o.supersedes(prev, false) {
		return tx.putTimes(bucketPeriods, pk, o)
	}
	return nil
}
