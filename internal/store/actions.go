package store

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"time"
)

// The Slack app's buckets: what people did from the channel. Open creates
// them when missing, so a file of schema 1 gains them without a migration.
var (
	// bucketActions is the log of every action (seq → Action);
	// bucketActionKeys indexes it by idempotency key, so a redelivered
	// envelope or a double click is recorded once.
	bucketActions    = []byte("app_actions")
	bucketActionKeys = []byte("app_action_keys")
	// bucketMutes holds the mutes in force (scope NUL name → Mute).
	bucketMutes = []byte("app_mutes")
	// bucketAcks holds the acknowledged alerts (alert id → Ack).
	bucketAcks = []byte("app_acks")
	// bucketCorrections holds corrections of a figure's metric (doc id NUL
	// old metric NUL text NUL sentence hash → Correction).
	bucketCorrections = []byte("app_corrections")
	// bucketNotes holds what the app added to an alert's message (alert
	// id → []Note), so that a rewrite of the message keeps it.
	bucketNotes = []byte("app_notes")

	appBuckets = [][]byte{bucketActions, bucketActionKeys, bucketMutes, bucketAcks, bucketCorrections, bucketNotes}
)

// Action is one thing a person did through the Slack app, as the audit log
// keeps it.
type Action struct {
	Seq  uint64    `json:"seq"`
	At   time.Time `json:"at"`
	User string    `json:"user"` // Slack user id
	// Kind is ack, mute, unmute, correct or refused.
	Kind string `json:"kind"`
	// What says what changed, in words ("muted outlet dailyglobe until …").
	What string `json:"what"`
	// Key makes the action idempotent: a second action with the same key
	// is not recorded (an envelope id, an action ts).
	Key string `json:"key,omitempty"`
}

// Mute silences alerts: of an outlet's claims, a source's or a metric's.
type Mute struct {
	Scope string    `json:"scope"` // outlet, source or metric
	Name  string    `json:"name"`
	Until time.Time `json:"until"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// Ack records who took an alert, and when.
type Ack struct {
	AlertID uint64    `json:"alert_id"`
	User    string    `json:"user"`
	At      time.Time `json:"at"`
}

// Correction says that a figure of a document does not report the metric
// it was attributed to: it reports NewMetric, or nothing when NewMetric is
// empty. Later polls of the document apply it before diffing.
type Correction struct {
	DocID     string    `json:"doc_id"`
	Start     int       `json:"start"`
	End       int       `json:"end"`
	Text      string    `json:"text"`
	Sentence  string    `json:"sentence,omitempty"`
	OldMetric string    `json:"old_metric"`
	NewMetric string    `json:"new_metric,omitempty"`
	AlertID   uint64    `json:"alert_id,omitempty"`
	User      string    `json:"user"`
	At        time.Time `json:"at"`
}

// RecordAction appends a to the action log unless an action with the same
// non-empty Key is already there; it reports whether a was recorded (and
// sets a.Seq).
func (tx *Tx) RecordAction(a *Action) (bool, error) {
	if a.Key != "" {
		if b := tx.tx.Bucket(bucketActionKeys); b != nil && b.Get([]byte(a.Key)) != nil {
			return false, nil
		}
	}
	b, err := tx.bucket(bucketActions)
	if err != nil {
		return false, fmt.Errorf("record action: %w", err)
	}
	if a.Seq, err = b.NextSequence(); err != nil {
		return false, fmt.Errorf("record action: %w", err)
	}
	if a.At.IsZero() {
		a.At = tx.db.now()
	}
	if err := tx.put(bucketActions, itob(a.Seq), a); err != nil {
		return false, fmt.Errorf("record action: %w", err)
	}
	if a.Key != "" {
		keys, err := tx.bucket(bucketActionKeys)
		if err != nil {
			return false, fmt.Errorf("record action: %w", err)
		}
		if err := keys.Put([]byte(a.Key), itob(a.Seq)); err != nil {
			return false, fmt.Errorf("record action: %w", err)
		}
	}
	return true, nil
}

// HasAction reports whether an action with key was recorded.
func (tx *Tx) HasAction(key string) bool {
	b := tx.tx.Bucket(bucketActionKeys)
	return b != nil && key != "" && b.Get([]byte(key)) != nil
}

// RecentActions returns up to limit actions, newest first.
func (tx *Tx) RecentActions(limit int) ([]Action, error) {
	b := tx.tx.Bucket(bucketActions)
	if b == nil {
		return nil, nil
	}
	var out []Action
	c := b.Cursor()
	for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
		var a Action
		if err := decode(v, &a); err != nil {
			return nil, fmt.Errorf("read action %d: %w", btoi(k), err)
		}
		out = append(out, a)
	}
	return out, nil
}

func muteKey(scope, name string) []byte { return []byte(scope + "\x00" + name) }

// PutMute sets (or replaces) the mute of scope and name.
func (tx *Tx) PutMute(m Mute) error {
	if err := tx.put(bucketMutes, muteKey(m.Scope, m.Name), m); err != nil {
		return fmt.Errorf("mute %s %s: %w", m.Scope, m.Name, err)
	}
	return nil
}

// DeleteMute lifts the mute of scope and name, reporting whether there was
// one.
func (tx *Tx) DeleteMute(scope, name string) (bool, error) {
	b, err := tx.bucket(bucketMutes)
	if err != nil {
		return false, fmt.Errorf("unmute %s %s: %w", scope, name, err)
	}
	k := muteKey(scope, name)
	if b.Get(k) == nil {
		return false, nil
	}
	return true, b.Delete(k)
}

// Mutes returns the mutes still in force at now, by scope and name.
func (tx *Tx) Mutes(now time.Time) ([]Mute, error) {
	b := tx.tx.Bucket(bucketMutes)
	if b == nil {
		return nil, nil
	}
	var out []Mute
	err := b.ForEach(func(k, v []byte) error {
		var m Mute
		if err := decode(v, &m); err != nil {
			return fmt.Errorf("read mute %q: %w", k, err)
		}
		if m.Until.After(now) {
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// Muted returns the mute of scope and name in force at now, if any.
func (tx *Tx) Muted(scope, name string, now time.Time) (Mute, bool, error) {
	var m Mute
	ok, err := tx.get(bucketMutes, muteKey(scope, name), &m)
	if err != nil || !ok {
		return Mute{}, false, err
	}
	return m, m.Until.After(now), nil
}

// PutAck records that an alert was acknowledged, unless it already was:
// the first acknowledgement stands, and it is returned with whether this
// call created it.
func (tx *Tx) PutAck(a Ack) (Ack, bool, error) {
	var cur Ack
	ok, err := tx.get(bucketAcks, itob(a.AlertID), &cur)
	if err != nil {
		return Ack{}, false, fmt.Errorf("acknowledge alert %d: %w", a.AlertID, err)
	}
	if ok {
		return cur, false, nil
	}
	if err := tx.put(bucketAcks, itob(a.AlertID), a); err != nil {
		return Ack{}, false, fmt.Errorf("acknowledge alert %d: %w", a.AlertID, err)
	}
	return a, true, nil
}

// AckOf returns the acknowledgement of an alert, if any.
func (tx *Tx) AckOf(alertID uint64) (Ack, bool, error) {
	var a Ack
	ok, err := tx.get(bucketAcks, itob(alertID), &a)
	return a, ok, err
}

// Acks returns up to limit acknowledgements, newest alert first.
func (tx *Tx) Acks(limit int) ([]Ack, error) {
	b := tx.tx.Bucket(bucketAcks)
	if b == nil {
		return nil, nil
	}
	var out []Ack
	c := b.Cursor()
	for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
		var a Ack
		if err := decode(v, &a); err != nil {
			return nil, fmt.Errorf("read ack %d: %w", btoi(k), err)
		}
		out = append(out, a)
	}
	return out, nil
}

func correctionKey(c Correction) []byte {
	// A figure is named by its text and sentence: a correction made from
	// an alert knows no byte offsets, and two figures of one document
	// differ in one or the other. The sentence is hashed to keep keys
	// short.
	h := sha256.Sum256([]byte(c.Sentence))
	k := append([]byte(c.DocID), 0)
	k = append(k, c.OldMetric...)
	k = append(k, 0)
	k = append(k, c.Text...)
	k = append(k, 0)
	return append(k, h[:8]...)
}

// PutCorrection records c unless the same figure's metric was already
// corrected; it reports whether c was new.
func (tx *Tx) PutCorrection(c Correction) (bool, error) {
	k := correctionKey(c)
	if b := tx.tx.Bucket(bucketCorrections); b != nil && b.Get(k) != nil {
		return false, nil
	}
	if err := tx.put(bucketCorrections, k, c); err != nil {
		return false, fmt.Errorf("record correction of %s in %s: %w", c.OldMetric, c.DocID, err)
	}
	return true, nil
}

// Corrections returns the corrections of one document, or of every
// document when docID is empty.
func (tx *Tx) Corrections(docID string) ([]Correction, error) {
	b := tx.tx.Bucket(bucketCorrections)
	if b == nil {
		return nil, nil
	}
	var prefix []byte
	if docID != "" {
		prefix = append([]byte(docID), 0)
	}
	var out []Correction
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var cr Correction
		if err := decode(v, &cr); err != nil {
			return nil, fmt.Errorf("read correction %q: %w", k, err)
		}
		out = append(out, cr)
	}
	return out, nil
}

// Reattribute moves the observations of oldMetric stated by document docID
// as text in sentence to newMetric, or drops them when newMetric is empty,
// and keeps the latest and official-value indexes of oldMetric true. It
// returns how many observations it moved.
func (tx *Tx) Reattribute(docID, oldMetric, text, sentence, newMetric string) (int, error) {
	b := tx.metricBucket(oldMetric)
	if b == nil {
		return 0, nil
	}
	if !tx.tx.Writable() {
		return 0, fmt.Errorf("reattribute %s: read-only transaction", oldMetric)
	}
	var (
		keys  [][]byte
		moved []Observation
	)
	err := b.ForEach(func(k, v []byte) error {
		var o Observation
		if err := decode(v, &o); err != nil {
			return fmt.Errorf("read observation %s/%x: %w", oldMetric, k, err)
		}
		if o.DocID == docID && o.Text == text && (sentence == "" || o.Quote == sentence) {
			keys = append(keys, bytes.Clone(k))
			moved = append(moved, o)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reattribute %s: %w", oldMetric, err)
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("reattribute %s: %w", oldMetric, err)
		}
	}
	if len(moved) == 0 {
		return 0, nil
	}
	if _, err := b.NextSequence(); err != nil { // see HistoryVersion
		return 0, fmt.Errorf("reattribute %s: %w", oldMetric, err)
	}
	if err := tx.reindexMetric(oldMetric, moved); err != nil {
		return 0, fmt.Errorf("reattribute %s: %w", oldMetric, err)
	}
	if newMetric != "" {
		for _, o := range moved {
			o.Metric = newMetric
			if err := tx.AddObservation(o); err != nil {
				return 0, fmt.Errorf("reattribute %s to %s: %w", oldMetric, newMetric, err)
			}
		}
	}
	return len(moved), nil
}

// reindexMetric rebuilds metric's latest-by-authority entries after
// observations were removed, and drops the official-value entries that
// pointed at removed ones.
func (tx *Tx) reindexMetric(metric string, removed []Observation) error {
	tx.forgetIndexes()
	latest, err := tx.bucket(bucketLatest)
	if err != nil {
		return err
	}
	values, err := tx.bucket(bucketValues)
	if err != nil {
		return err
	}
	var auths []string
	for _, o := range removed {
		if !slices.Contains(auths, o.Authority) {
			auths = append(auths, o.Authority)
		}
		if o.Authority == "official" {
			vk := append([]byte(metric+"\x00"), sortableFloat(o.Value)...)
			vk = append(vk, sortableFloat(o.High)...)
			vk = append(vk, o.Unit...)
			var cur Observation
			if raw := values.Get(vk); raw != nil && decode(raw, &cur) == nil && cur.DocID == o.DocID {
				if err := values.Delete(vk); err != nil {
					return err
				}
			}
		}
	}
	for _, auth := range auths {
		if err := latest.Delete([]byte(metric + "\x00" + auth)); err != nil {
			return err
		}
		o, ok, err := tx.latestScan(metric, auth)
		if err != nil {
			return err
		}
		if ok {
			if err := tx.putObservation(bucketLatest, []byte(metric+"\x00"+auth), o); err != nil {
				return err
			}
		}
	}
	return nil
}

// latestScan finds the newest observation of metric by authority by
// reading its history backwards.
func (tx *Tx) latestScan(metric, authority string) (Observation, bool, error) {
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
		if o.Authority == authority {
			return o, true, nil
		}
	}
	return Observation{}, false, nil
}

// CorrectSnapshot gives the figures of docID's stored snapshot that match
// a correction (text, sentence when given, oldMetric) the corrected
// metric, in place: the document did not change, so no revision is
// added, and the next poll compares its corrected figures with corrected
// ones rather than reporting a figure's metric as revised. It reports how
// many figures changed.
func (tx *Tx) CorrectSnapshot(docID, oldMetric, text, sentence, newMetric string) (int, error) {
	s, ok, err := tx.Snapshot(docID)
	if err != nil || !ok {
		return 0, err
	}
	n := 0
	for i, f := range s.Figures {
		if f.Metric == oldMetric && f.Text == text && (sentence == "" || f.Sentence == sentence) {
			s.Figures[i].Metric = newMetric
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	if err := tx.put(bucketDocs, []byte(docID), s); err != nil {
		return 0, fmt.Errorf("correct snapshot %s: %w", docID, err)
	}
	return n, nil
}

// Note is a line the Slack app added to an alert's message, and the
// control whose use it records (left out of the message from then on).
type Note struct {
	Text string    `json:"text"`
	Used string    `json:"used,omitempty"`
	At   time.Time `json:"at"`
}

type notes struct {
	Notes []Note `json:"notes"`
}

// AddNote appends n to the notes of alert id.
func (tx *Tx) AddNote(id uint64, n Note) error {
	var cur notes
	if _, err := tx.get(bucketNotes, itob(id), &cur); err != nil {
		return fmt.Errorf("read notes of alert %d: %w", id, err)
	}
	cur.Notes = append(cur.Notes, n)
	if err := tx.put(bucketNotes, itob(id), cur); err != nil {
		return fmt.Errorf("add note to alert %d: %w", id, err)
	}
	return nil
}

// Notes returns the notes of alert id, oldest first.
func (tx *Tx) Notes(id uint64) ([]Note, error) {
	var cur notes
	if _, err := tx.get(bucketNotes, itob(id), &cur); err != nil {
		return nil, fmt.Errorf("read notes of alert %d: %w", id, err)
	}
	return cur.Notes, nil
}
