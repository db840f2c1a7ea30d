package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// FetchState is what watcher remembers about polling one source.
type FetchState struct {
	Source       string `json:"source"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// LastStatus is the HTTP status of the last poll (0 when it never got
	// a response).
	LastStatus  int       `json:"last_status,omitempty"`
	LastPoll    time.Time `json:"last_poll,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastFetched is the last poll that got the whole body (not a 304):
	// every document still listed was seen then.
	LastFetched time.Time `json:"last_fetched,omitzero"`
	LastError   string    `json:"last_error,omitempty"`

	ConsecutiveFailures int `json:"consecutive_failures,omitempty"`
	// FailingSince is when the current run of failures began; zero while
	// healthy.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Polls counts successful polls; 0 means the next success is the first
	// poll, whose documents are a baseline rather than news.
	Polls int `json:"polls,omitempty"`
	// NextPoll, while failing, is the earliest time the source may be
	// polled again (exponential backoff, or the server's Retry-After):
	// scheduled runs before it are skipped.
	NextPoll time.Time `json:"next_poll,omitzero"`
	// FailingAlerted is set once a source_failing alert was queued for the
	// current run of failures, so it is raised once, and a
	// source_recovered follows it when the source comes back.
	FailingAlerted bool `json:"failing_alerted,omitempty"`
	// NextRevisit is no later than the earliest NextVisit of the source's
	// items, so a poll finds "nothing due" without reading them; zero when
	// none is scheduled.
	NextRevisit time.Time `json:"next_revisit,omitzero"`
	// ContentHash is the digest of the last body read whole (and of the
	// config and watcher version it was read with): a server that answers
	// 200 with the same bytes again is handled as if it had said 304.
	ContentHash string `json:"content_hash,omitempty"`
}

// Item is what watcher remembers of one feed item whose link it follows:
// the hash of the item as the feed states it and the document (the linked
// article) it led to. An item whose hash is unchanged is not refetched.
type Item struct {
	Source string    `json:"source"`
	Key    string    `json:"key"` // the item's GUID, else its link
	Hash   string    `json:"hash"`
	DocID  string    `json:"doc_id,omitempty"`
	Seen   time.Time `json:"seen,omitzero"`
	// What revisits need, absent from records written before revisits:
	// the document fetched for the item and its validators, when it was
	// first seen, the next revisit and the position in the schedule, and
	// the item's own title, date and outlet for the revisited document.
	URL          string    `json:"url,omitempty"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	FirstSeen    time.Time `json:"first_seen,omitzero"`
	NextVisit    time.Time `json:"next_visit,omitzero"`
	Visits       int       `json:"visits,omitempty"`
	Published    time.Time `json:"published,omitzero"`
	Title        string    `json:"title,omitempty"`
	Outlet       string    `json:"outlet,omitempty"`
}

// Figure is a figure as stored in a snapshot: a copy of the extractor's
// figure, so that store imports nothing of extract.
type Figure struct {
	Value         float64 `json:"value"`
	High          float64 `json:"high,omitempty"` // upper bound of a range, else 0
	Unit          string  `json:"unit,omitempty"`
	Qualifier     string  `json:"qualifier,omitempty"`
	QualifierText string  `json:"qualifier_text,omitempty"`
	Metric        string  `json:"metric,omitempty"`
	Text          string  `json:"text,omitempty"`
	Sentence      string  `json:"sentence,omitempty"`
	Start         int     `json:"start"`
	End           int     `json:"end"`
	// Page is the PDF page the figure is on, 0 for other documents.
	Page int `json:"page,omitempty"`
	// Period is the key of the period the figure is for (Period.Key), so
	// that a revision is compared period by period; empty in snapshots
	// written before periods were known.
	Period string `json:"period,omitempty"`
}

// Snapshot is the latest known state of one document.
type Snapshot struct {
	DocID     string    `json:"doc_id"`
	Source    string    `json:"source,omitempty"`
	URL       string    `json:"url,omitempty"`
	Title     string    `json:"title,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Hash      string    `json:"hash"`

	FirstSeen   time.Time `json:"first_seen,omitzero"`
	LastSeen    time.Time `json:"last_seen,omitzero"`
	LastChanged time.Time `json:"last_changed,omitzero"`
	// Revision is 1 for the first version stored and grows by one each
	// time Hash changes.
	Revision int `json:"revision"`

	// Figures come last in the record, so that SnapshotHash reads the
	// fields before them without scanning them.
	Figures []Figure `json:"figures,omitempty"`
}

// Period is the time an observation is for, as the period package parses
// it: a day, month, quarter, year, fiscal year, span or as-of date, Start
// inclusive and End exclusive.
type Period struct {
	Kind  string    `json:"kind"`
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Key names the period canonically ("2024-10", "FY2023", "@2025-01");
	// two observations are for the same period when their keys are equal.
	Key string `json:"key"`
	// Label is the period as a reporter writes it: "as of January 2025".
	Label string `json:"label,omitempty"`
	// From says where the figure's period was found: "frame" (the
	// extraction stage's period words for the figure), "sentence",
	// "paragraph", "heading", "table", "recap" (an older official figure
	// restated), or "document" (the document's own date).
	From string `json:"from,omitempty"`
}

// IsZero reports an unset period. (A period with only From set is the
// compact record of a document's date, filled in on reading.)
func (p Period) IsZero() bool { return p.Key == "" && p.From == "" }

// Observation is a figure that reports a metric, with its provenance and
// the period it is for.
type Observation struct {
	Metric        string  `json:"metric"`
	Value         float64 `json:"value"`
	High          float64 `json:"high,omitempty"`
	Unit          string  `json:"unit,omitempty"`
	Qualifier     string  `json:"qualifier,omitempty"`
	QualifierText string  `json:"qualifier_text,omitempty"`
	Text          string  `json:"text,omitempty"`
	// Quote is the sentence stating the figure; QuoteMark is the byte range
	// of Text within it.
	Quote     string `json:"quote,omitempty"`
	QuoteMark [2]int `json:"quote_mark,omitzero"`
	// Page is the PDF page of the quote, 0 for other documents.
	Page int `json:"page,omitempty"`

	Source     string `json:"source,omitempty"`
	SourceName string `json:"source_name,omitempty"`
	// Outlet is a press figure's publisher when its document names one (an
	// aggregator feed carries many outlets under one source).
	Outlet    string    `json:"outlet,omitempty"`
	Authority string    `json:"authority,omitempty"` // "official" or "press"
	DocID     string    `json:"doc_id,omitempty"`
	URL       string    `json:"url,omitempty"`
	Title     string    `json:"title,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Observed  time.Time `json:"observed"`

	// Period is what the figure is for. AsOf is the instant the value is
	// current at (the end of its period), which orders a metric's official
	// values: the current one has the latest AsOf.
	Period Period    `json:"period,omitzero"`
	AsOf   time.Time `json:"as_of,omitzero"`
	// Conflict is set when the same official document states another
	// value for the same metric and period.
	Conflict bool `json:"conflict,omitempty"`
}

// ForDate is the date the figure is for, which history and charts sort
// by: its as-of date (the end of its period), else (a record from before
// periods) the document's publication, else when it was observed.
func (o Observation) ForDate() time.Time { return o.asOf() }

// asOf is when o's value is current: AsOf, else (a record from before
// periods) the document's publication, else when it was observed.
func (o Observation) asOf() time.Time {
	switch {
	case !o.AsOf.IsZero():
		return o.AsOf
	case !o.Published.IsZero():
		return o.Published
	}
	return o.Observed
}

// supersedes reports whether o replaces cur as an official value (of a
// period, or the current one): a later as-of date when byAsOf, else the
// same one from a newer document, or from the same document seen later.
// On a full tie (one document stating two values for one period, written
// in one transaction) the first stated stays: it is the one the event
// reports, with the other as a conflict.
func (o Observation) supersedes(cur Observation, byAsOf bool) bool {
	if byAsOf {
		if c := o.asOf().Compare(cur.asOf()); c != 0 {
			return c > 0
		}
	}
	if c := o.Published.Compare(cur.Published); c != 0 && !o.Published.IsZero() && !cur.Published.IsZero() {
		return c > 0
	}
	return o.Observed.After(cur.Observed)
}

// MetricSummary is the small per-metric record kept in step with every
// observation, so that status pages and counters read one record per
// metric instead of its history.
type MetricSummary struct {
	Metric string `json:"metric"`
	// Observations counts the retained observations, Official those from
	// official sources.
	Observations int       `json:"observations"`
	Official     int       `json:"official,omitempty"`
	First        time.Time `json:"first,omitzero"`
	Last         time.Time `json:"last,omitzero"`
	// Current is the current official value (latest as-of date), nil when
	// no official source has stated the metric. It is read from the
	// current-value index, not stored in the summary record.
	Current *Observation `json:"current,omitempty"`
	// Conflict is set while the current value's document states another
	// value for the same period.
	Conflict bool `json:"conflict,omitempty"`
}

// Alert statuses.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed" // permanently: it will not be retried
)

// Alert is an event queued for one destination.
type Alert struct {
	// ID is assigned by Enqueue, in enqueue order.
	ID      uint64 `json:"id"`
	Kind    string `json:"kind"`
	Metric  string `json:"metric,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Payload is the event, encoded by the caller; it must be valid JSON.
	Payload json.RawMessage `json:"payload,omitempty"`
	Created time.Time       `json:"created"`

	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// Status is StatusPending, StatusSent or StatusFailed.
	Status string    `json:"status"`
	SentAt time.Time `json:"sent_at,omitzero"`
	// SentTS is the Slack message ts once sent.
	SentTS string `json:"sent_ts,omitempty"`
	// SentChannel is the channel Slack reports the message in (an ID).
	SentChannel string `json:"sent_channel,omitempty"`

	// Severity is low, normal or high, from the routing config.
	Severity string `json:"severity,omitempty"`
	// Digest marks an alert held during quiet hours: it is not sent on its
	// own but listed in the digest sent at NextAttempt.
	Digest bool `json:"digest,omitempty"`
	// UpdateOf, when set, makes this alert an edit of the message already
	// posted for that alert (chat.update) rather than a new message.
	UpdateOf uint64 `json:"update_of,omitempty"`
	// Tried is set just before the first send attempt, so that after a
	// crash between Slack's reply and the outbox update the next attempt
	// knows to look for the message before posting it again.
	Tried bool `json:"tried,omitempty"`
}

// Claim records a press figure already alerted as a claim_mismatch, so the
// same figure from further outlets within the dedupe window updates that
// alert instead of raising a new one.
type Claim struct {
	Metric  string    `json:"metric"`
	Value   float64   `json:"value"`
	AlertID uint64    `json:"alert_id"`
	First   time.Time `json:"first"`
	// Docs are the documents stating the figure, in the order seen.
	Docs []string `json:"docs,omitempty"`
}

// thread is the record behind Thread and PutThread.
type thread struct {
	Metric  string    `json:"metric"`
	Channel string    `json:"channel"`
	TS      string    `json:"ts"`
	Updated time.Time `json:"updated,omitzero"`
}

// recordVersion is the "v" every record carries. A change to a record's
// meaning bumps it, and readers refuse versions they do not know rather
// than misread them.
const recordVersion = 1

// versionPrefix opens every record this package writes; decode checks it
// without a second JSON pass.
var versionPrefix = []byte(`{"v":1`)

// encode marshals v (a struct) as JSON with "v" as its first member.
func encode(v any) ([]byte, error) {
	if o, ok := v.(Observation); ok {
		return encodeObservation(o)
	}
	return encodeJSON(v)
}

// encodeObservation is encode of an observation, without boxing it in an
// interface (a copy of 400 bytes per figure stored).
func encodeObservation(o Observation) ([]byte, error) {
	// Sized for the record: its strings, and ~450 bytes of keys, numbers,
	// times and period, so that it is built without growing.
	n := 448 + len(o.Metric) + len(o.Unit) + len(o.Qualifier) + len(o.QualifierText) + len(o.Text) + len(o.Quote) + len(o.Source) +
		len(o.SourceName) + len(o.Outlet) + len(o.Authority) + len(o.DocID) + len(o.URL) + len(o.Title) + len(o.Period.Label) + len(o.Period.Key)
	return appendObservation(make([]byte, 0, n), compactObservation(o))
}

// encodeJSON is encode through encoding/json.
func encodeJSON(v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("encode %T: not a JSON object", v)
	}
	out := make([]byte, 0, len(versionPrefix)+len(body)+1)
	out = append(out, versionPrefix...)
	if len(body) > 2 {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// decode unmarshals a record into v after checking its version.
func decode(data []byte, v any) error {
	if !bytes.HasPrefix(data, versionPrefix) || (len(data) > len(versionPrefix) && data[len(versionPrefix)] != ',' && data[len(versionPrefix)] != '}') {
		// Written by something else (an import tool, a later version):
		// read the version properly before trusting the rest.
		var hdr struct {
			V *int `json:"v"`
		}
		if err := json.Unmarshal(data, &hdr); err != nil {
			return fmt.Errorf("decode record: %w", err)
		}
		if hdr.V == nil {
			return fmt.Errorf("decode record: no record version")
		}
		if *hdr.V != recordVersion {
			return fmt.Errorf("decode record: record version %d unknown (this watcher reads %d)", *hdr.V, recordVersion)
		}
	}
	// An Observation decodes itself (UnmarshalJSON); called through
	// json.Unmarshal, the record would be scanned twice more before its
	// own decoding, which reading a metric's history does thousands of
	// times.
	var err error
	if o, ok := v.(*Observation); ok {
		err = o.UnmarshalJSON(data)
	} else {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}

// itob encodes n big-endian so that keys sort in numeric order.
func itob(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// btoi decodes an itob key; 0 for a key of the wrong size.
func btoi(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// observationKey orders a metric's observations by time observed, then by
// insertion for equal times.
func observationKey(observed time.Time, seq uint64) []byte {
	k := make([]byte, 0, 16)
	k = binary.BigEndian.AppendUint64(k, uint64(observed.UnixNano()))
	return binary.BigEndian.AppendUint64(k, seq)
}

// threadKey joins metric and channel with a NUL, which neither may contain.
func threadKey(metric, channel string) []byte {
	k := make([]byte, 0, len(metric)+1+len(channel))
	k = append(k, metric...)
	k = append(k, 0)
	return append(k, channel...)
}
