// Metric observations and the indexes that keep their reads short.

package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

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
