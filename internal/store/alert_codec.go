// How an alert's payload is stored: deflated when that makes it smaller.

package store

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// packMin is the smallest payload worth deflating: below it the base64
// of the compressed bytes is no shorter than the JSON.
const packMin = 256

// payloadDict primes the compressor with what an alert's payload (an
// event, as the outbox encodes it) keeps repeating, so that even the
// first occurrence of a key costs a back-reference. It is part of the
// file format: records written with it can only be read with it, so it
// never changes; a different one would need another field than
// payload_z.
const payloadDict = `"changes":[{"metric":"","before":{"after":{"also":[{"conflicts":[{"error":"","failing_since":"","first_seen":"","note":"",` +
	`source_failing","source_recovered","document_revised","period_new","metric_new","new_report","claim_mismatch","metric_changed",` +
	`"period_from":"document","period_from":"heading","period_from":"sentence","qualifier":"exact","qualifier":"over","qualifier":"approx",` +
	`"figures":[{"value":"old":{"value":"new":{"value":,"unit":"","qualifier":"","wording":"","text":"","quote":"","mark":[],"page":` +
	`,"period":"as of ","period_key":"@","period_from":"","as_of":"T00:00:00Z","metric":"","source":"","source_name":"","outlet":"",` +
	`"authority":"press","authority":"official","doc_id":"url:https://","url":"https://www.","title":"","published":"T00:00:00Z","seen":"` +
	`{"event":{"kind":"","at":"","metric":"","metric_label":"","source":"","source_name":"","authority":"official","doc_id":"","url":"https://","title":"","published":"`

// storedAlert is the record of an Alert: its payload, when deflating it
// pays, goes in Packed (base64 in the JSON) instead of Payload. A record
// written before there was Packed has Payload and reads as it always did.
type storedAlert struct {
	Alert
	Packed []byte `json:"payload_z,omitempty"`
}

// alertCodec deflates and inflates payloads with reused compressors: a
// new flate writer allocates about 800 KB, more than a cycle's alerts
// hold. Its zero value is ready to use.
type alertCodec struct {
	// One writer, kept for the life of the DB: alerts are written in
	// write transactions, one at a time, and a sync.Pool would drop the
	// writer at every collection (a `once` collects a dozen times, and
	// each new writer cost more than the alert it packed).
	mu     sync.Mutex
	writer *flate.Writer
	// recent holds the deflated bytes of the payloads packed last, by
	// payload: an alert's record is written when it is queued and again,
	// with the same payload, when it is marked sent (or retried), and
	// deflating it the second time was half of what storing alerts cost.
	// Keyed by the payload's bytes, it cannot hand out another payload's.
	recent map[string][]byte
	// read holds the payloads inflated last, by their deflated bytes:
	// the status page shows the newest alerts at every request, and
	// inflating them again (with checking their JSON) was a tenth of
	// the page. Guarded by mu; handed out as copies.
	read    map[string]json.RawMessage
	readers sync.Pool // io.ReadCloser that is a flate.Resetter
}

// packRecent bounds codec.recent: more than a cycle's alerts pending
// delivery at once. Full, it is emptied rather than managed.
const packRecent = 512

// packLevel trades a little size for speed: on alert payloads primed with
// payloadDict, level 4 packs within a few percent of the default level 6.
const packLevel = 4

// encodeAlert is the record of a.
func (c *alertCodec) encodeAlert(a Alert) ([]byte, error) {
	rec := storedAlert{Alert: a}
	if len(a.Payload) >= packMin {
		// Checked here because a packed payload no longer passes through
		// json.Marshal, which refused invalid JSON.
		if !json.Valid(a.Payload) {
			return nil, fmt.Errorf("payload of %d bytes is not JSON", len(a.Payload))
		}
		packed, err := c.pack(a.Payload)
		if err != nil {
			return nil, fmt.Errorf("deflate payload: %w", err)
		}
		// base64 grows the bytes by a third in the JSON.
		if len(packed)/3*4+4 < len(a.Payload) {
			rec.Alert.Payload, rec.Packed = nil, packed
		}
	}
	return encode(rec)
}

// decodeAlert reads a record of either form.
func (c *alertCodec) decodeAlert(raw []byte) (Alert, error) {
	var rec storedAlert
	if err := decode(raw, &rec); err != nil {
		return Alert{}, err
	}
	if rec.Packed != nil {
		payload, err := c.unpack(rec.Packed)
		if err != nil {
			return Alert{}, fmt.Errorf("inflate payload: %w", err)
		}
		rec.Alert.Payload = payload
	}
	return rec.Alert, nil
}

func (c *alertCodec) pack(payload []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if packed, ok := c.recent[string(payload)]; ok {
		return packed, nil // only ever read: encode copies it out as base64
	}
	var buf bytes.Buffer
	buf.Grow(len(payload) / 3)
	w := c.writer
	if w == nil {
		var err error
		if w, err = flate.NewWriterDict(&buf, packLevel, []byte(payloadDict)); err != nil {
			return nil, err
		}
		c.writer = w
	} else {
		w.Reset(&buf)
	}
	if _, err := w.Write(payload); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if c.recent == nil || len(c.recent) >= packRecent {
		c.recent = make(map[string][]byte, 64)
	}
	c.recent[string(payload)] = buf.Bytes()
	return buf.Bytes(), nil
}

func (c *alertCodec) unpack(packed []byte) (json.RawMessage, error) {
	c.mu.Lock()
	payload, ok := c.read[string(packed)]
	c.mu.Unlock()
	if ok {
		return bytes.Clone(payload), nil
	}
	payload, err := c.inflate(packed)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.read == nil || len(c.read) >= packRecent {
		c.read = make(map[string]json.RawMessage, 64)
	}
	c.read[string(packed)] = bytes.Clone(payload)
	c.mu.Unlock()
	return payload, nil
}

// inflate is unpack without the cache.
func (c *alertCodec) inflate(packed []byte) (json.RawMessage, error) {
	src := bytes.NewReader(packed)
	r, _ := c.readers.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReaderDict(src, []byte(payloadDict))
	} else if err := r.(flate.Resetter).Reset(src, []byte(payloadDict)); err != nil {
		return nil, err
	}
	defer c.readers.Put(r)
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if !json.Valid(out) {
		return nil, fmt.Errorf("payload of %d bytes is not JSON", len(out))
	}
	return out, nil
}
