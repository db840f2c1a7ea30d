package store

import (
	"encoding/json"
	"time"
)

// Observation records are the bulk of the file (one per figure stated),
// so their period is written compactly: dates as "2006-01-02" when they
// are midnights UTC (every period the period package makes), the as-of
// time left out when it is the period's end, as it nearly always is, and
// the period left out when it is the document's date.

type periodWire struct {
	Kind  string `json:"kind"`
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	Key   string `json:"key"`
	Label string `json:"label,omitempty"`
	From  string `json:"from,omitempty"`
}

// MarshalJSON writes p with day-precision dates where they are exact; a
// period known only to be its document's date is the string "document".
func (p Period) MarshalJSON() ([]byte, error) {
	if p.Key == "" && p.From == "document" {
		return []byte(`"document"`), nil
	}
	return json.Marshal(periodWire{Kind: p.Kind, Start: wireDate(p.Start), End: wireDate(p.End), Key: p.Key, Label: p.Label, From: p.From})
}

// UnmarshalJSON reads what MarshalJSON writes, and RFC 3339 times.
func (p *Period) UnmarshalJSON(b []byte) error {
	if string(b) == `"document"` {
		*p = Period{From: "document"} // Observation.UnmarshalJSON fills it
		return nil
	}
	var w periodWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	start, err := parseWireDate(w.Start)
	if err != nil {
		return err
	}
	end, err := parseWireDate(w.End)
	if err != nil {
		return err
	}
	*p = Period{Kind: w.Kind, Start: start, End: end, Key: w.Key, Label: w.Label, From: w.From}
	return nil
}

func wireDate(t time.Time) string {
	switch {
	case t.IsZero():
		return ""
	case t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0:
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}

func parseWireDate(s string) (time.Time, error) {
	switch {
	case s == "":
		return time.Time{}, nil
	case len(s) == len(time.DateOnly):
		return time.Parse(time.DateOnly, s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// observationJSON has Observation's fields without its methods.
type observationJSON Observation

// compactObservation is the form an observation is stored in: AsOf left
// out when it is the end of the period, and the period itself when it is
// the document's date (a figure whose text states no period, the
// commonest case). Only the records are compact: an Observation marshals
// in full (for `watcher export`), and UnmarshalJSON reads both.
func compactObservation(o Observation) observationJSON {
	w := observationJSON(o)
	if !w.Period.IsZero() && w.AsOf.Equal(periodAsOf(w.Period)) {
		w.AsOf = time.Time{}
	}
	// (DocumentPeriod formats two strings: compared only when it can be.)
	if day := documentDay(o); !day.IsZero() && w.Period.From == "document" && w.Period == DocumentPeriod(day) {
		w.Period = Period{From: "document"} // written as "period":"document"
	}
	return w
}

// UnmarshalJSON restores what MarshalJSON left out.
func (o *Observation) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*observationJSON)(o)); err != nil {
		return err
	}
	o.restoreCompact()
	return nil
}

// restoreCompact fills in what compactObservation leaves out of a record:
// the document's date as period, the period's end as as-of date.
func (o *Observation) restoreCompact() {
	if day := documentDay(*o); o.Period.Key == "" && o.Period.From == "document" && !day.IsZero() {
		o.Period = DocumentPeriod(day)
	}
	if o.AsOf.IsZero() && !o.Period.IsZero() {
		o.AsOf = periodAsOf(o.Period)
	}
}

// documentDay is the date of o's document: published, else observed.
func documentDay(o Observation) time.Time {
	if !o.Published.IsZero() {
		return o.Published
	}
	return o.Observed
}

// periodAsOf is when a value for p is current: its end, its start when
// it is open.
func periodAsOf(p Period) time.Time {
	if p.End.IsZero() {
		return p.Start
	}
	return p.End
}

// indexCache keeps, for one write transaction, the index records it has
// written (a metric's current value, a period's official value, the
// metric's summary) as values, so that the next observation of the same
// metric compares with them without decoding the record it just encoded:
// a poll adds dozens of observations of a few metrics, and those decodes
// were the largest part of storing them (issue #16's cold cycle). Only
// reindex and summarise use it; every other write to those buckets
// forgets it (forgetIndexes).
type indexCache struct {
	times map[string]Observation   // bucket name, NUL, key → times
	sums  map[string]MetricSummary // metric → summary
}

// forgetIndexes drops what the transaction remembers of the index
// records, before a write to them that does not go through reindex and
// summarise.
func (tx *Tx) forgetIndexes() { tx.idx = nil }

func (tx *Tx) cache() *indexCache {
	if tx.idx == nil {
		tx.idx = &indexCache{times: map[string]Observation{}, sums: map[string]MetricSummary{}}
	}
	return tx.idx
}

// putTimes writes o under key in the index bucket name, and remembers its
// times as getTimes would read them back.
func (tx *Tx) putTimes(name, key []byte, o Observation) error {
	if err := tx.putObservation(name, key, o); err != nil {
		tx.forgetIndexes()
		return err
	}
	// As getTimes would read it back: no monotonic clock, and what the
	// compact record leaves out restored.
	t := timesOf(Observation{Published: o.Published.Round(0), Observed: o.Observed.Round(0), AsOf: o.AsOf.Round(0), Period: o.Period})
	t.restoreCompact()
	tx.cache().times[string(name)+"\x00"+string(key)] = t
	return nil
}

// getTimes reads the times of the observation stored under key in the
// top-level bucket name, as an Observation holding only them.
func (tx *Tx) getTimes(name, key []byte) (Observation, bool, error) {
	if tx.idx != nil {
		if o, ok := tx.idx.times[string(name)+"\x00"+string(key)]; ok {
			return o, true, nil
		}
	}
	o, ok, err := tx.getObservation(name, key) // decoded and restored
	if err != nil || !ok {
		return Observation{}, ok, err
	}
	return timesOf(o), true, nil
}

// timesOf is o as getTimes returns it: its times and period only, the
// same whether read from the record or from what the transaction wrote.
func timesOf(o Observation) Observation {
	return Observation{Published: o.Published, Observed: o.Observed, AsOf: o.AsOf, Period: o.Period}
}
