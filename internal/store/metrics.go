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
	// Keys grow with time (observed, then sequence), so pages are filled
	// before they split, not left half empty as for random keys: with
	// records of several hundred bytes the default half fill left a
	// metric's history at 40% of its pages.
	b.FillPercent = appendFill
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("add observation of %s: %w", o.Metric, err)
	}
	raw, err := encodeObservation(o)
	if err != nil {
		return fmt.Errorf("add observation of %s: %w", o.Metric, err)
	}
	if err := b.Put(observationKey(o.Observed, seq), raw); err != nil {
		return fmt.Errorf("add observation of %s: %w", o.Metric, err)
	}
	return tx.indexObservation(o)
}

// appendFill is the fill of pages of buckets whose keys are appended in
// order.
const appendFill = 0.9

// indexObservation keeps the indexes in step with a new observation: the
// current value of each metric by authority (official: latest as-of date),
// the first official observation of each distinct official value, the
// official value of each period, and the metric's summary.
func (tx *Tx) indexObservation(o Observation) error {
	if err := tx.reindex(o); err != nil {
		return fmt.Errorf("add observation of %s: index: %w", o.Metric, err)
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
	if err := tx.putObservation(bucketValues, vk, o); err != nil {
		return fmt.Errorf("add observation of %s: index value: %w", o.Metric, err)
	}
	return nil
}

// summarise counts o in its metric's summary, and makes it the current
// official value when current.
func (tx *Tx) summarise(o Observation, current bool) error {
	sum, cached := MetricSummary{}, false
	if tx.idx != nil {
		sum, cached = tx.idx.sums[o.Metric]
	}
	if !cached {
		if _, err := tx.get(bucketSummary, []byte(o.Metric), &sum); err != nil {
			return err
		}
	}
	sum.Metric = o.Metric
	sum.Observations++
	if o.Authority == "official" {
		sum.Official++
	}
	if sum.First.IsZero() || o.Observed.Before(sum.First) {
		sum.First = o.Observed
	}
	if o.Observed.After(sum.Last) {
		sum.Last = o.Observed
	}
	if current {
		sum.Conflict = o.Conflict
	}
	// The current value itself is the metrics_latest record: the summary
	// stays a few dozen bytes, rewritten at every observation.
	sum.Current = nil
	if err := tx.put(bucketSummary, []byte(o.Metric), sum); err != nil {
		tx.forgetIndexes()
		return err
	}
	sum.First, sum.Last = sum.First.Round(0), sum.Last.Round(0) // as read back
	tx.cache().sums[o.Metric] = sum
	return nil
}

// periodKey orders a metric's periods of one kind by time: metric, NUL,
// kind, NUL, start and end seconds (offset so that years before 1970 sort
// too).
func periodKey(metric string, p Period) []byte {
	k := make([]byte, 0, len(metric)+len(p.Kind)+18)
	k = append(k, metric...)
	k = append(k, 0)
	k = append(k, p.Kind...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(p.Start.Unix()+1<<62))
	return binary.BigEndian.AppendUint64(k, uint64(p.End.Unix()+1<<62))
}

// OfficialForPeriod returns the official value of metric for period p (the
// statement of the newest document stating it), and whether there is one.
// One indexed read, however long the history.
func (tx *Tx) OfficialForPeriod(metric string, p Period) (Observation, bool, error) {
	if p.IsZero() {
		return Observation{}, false, nil
	}
	o, ok, err := tx.getObservation(bucketPeriods, periodKey(metric, p))
	if err != nil {
		return o, false, fmt.Errorf("read official %s for %s: %w", metric, p.Key, err)
	}
	return o, ok, nil
}

// OfficialBefore returns the official value of metric for the latest
// period of p's kind that starts before p (June for July), and whether
// there is one: the base of a series' change from one period to the next.
func (tx *Tx) OfficialBefore(metric string, p Period) (Observation, bool, error) {
	b := tx.tx.Bucket(bucketPeriods)
	if b == nil || p.IsZero() {
		return Observation{}, false, nil
	}
	prefix := append(append(append([]byte(metric), 0), p.Kind...), 0)
	c := b.Cursor()
	k, v := c.Seek(periodKey(metric, p))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		o, err := tx.db.obs.observation(v)
		if err != nil {
			return o, false, fmt.Errorf("read official %s before %s: %w", metric, p.Key, err)
		}
		if o.Period.Start.Before(p.Start) {
			return o, true, nil
		}
	}
	return Observation{}, false, nil
}

// MetricSummary returns metric's summary record, and whether it has one.
func (tx *Tx) MetricSummary(metric string) (MetricSummary, bool, error) {
	var sum MetricSummary
	ok, err := tx.get(bucketSummary, []byte(metric), &sum)
	if err != nil {
		return sum, false, fmt.Errorf("read summary of %s: %w", metric, err)
	}
	if !ok {
		return sum, false, nil
	}
	cur, found, err := tx.getObservation(bucketLatest, []byte(metric+"\x00official"))
	if err != nil {
		return sum, false, fmt.Errorf("read summary of %s: %w", metric, err)
	}
	if found {
		sum.Current = &cur
	}
	return sum, true, nil
}

// RecentObservations returns up to n of metric's latest observations (by
// time observed), oldest first: what a status page shows, read from the
// end of the history rather than all of it.
func (tx *Tx) RecentObservations(metric string, n int) ([]Observation, error) {
	b := tx.metricBucket(metric)
	if b == nil || n <= 0 {
		return nil, nil
	}
	out := make([]Observation, 0, n)
	c := b.Cursor()
	for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
		var o Observation
		if err := decode(v, &o); err != nil {
			return nil, fmt.Errorf("read observation %s/%x: %w", metric, k, err)
		}
		out = append(out, o)
	}
	slices.Reverse(out)
	return out, nil
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
		o, err := tx.db.obs.observation(v)
		if err != nil {
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

// HistoryVersion changes whenever metric's history does: an observation
// added (whose key takes the bucket's next sequence number), or removed
// (retention, a correction moving it to another metric, which take one
// too). 0 for a metric without history. A reader may keep what it read
// of a history for as long as the version stays the same.
func (tx *Tx) HistoryVersion(metric string) uint64 {
	if b := tx.metricBucket(metric); b != nil {
		return b.Sequence()
	}
	return 0
}

// metricBucket is the nested bucket of metric's observations, or nil.
func (tx *Tx) metricBucket(metric string) *bolt.Bucket {
	metrics := tx.tx.Bucket(bucketMetrics)
	if metrics == nil || metric == "" {
		return nil
	}
	return metrics.Bucket([]byte(metric))
}

// LatestObservation returns the current value of metric from sources of
// the given authority ("" for any), and whether there is one: for official
// sources the observation with the latest as-of date (ties: the newer
// document), for others the most recently observed.
func (tx *Tx) LatestObservation(metric, authority string) (Observation, bool, error) {
	if authority != "" {
		o, ok, err := tx.getObservation(bucketLatest, []byte(metric+"\x00"+authority))
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
