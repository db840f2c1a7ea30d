// The fetch state's record: a compact binary form.

package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"time"
)

// A fetch state is read for every source at the start of each cycle and
// written again after every poll, 304s included: at 10,000 sources its
// pages are what a warm `watcher once` touches most, and each page first
// touched maps 64 KB of the file around it. As JSON a state took ~380
// bytes (field names, RFC 3339 times, a hex digest); in this form it takes
// ~110, so the states of 10,000 sources fit in ~330 pages instead of
// ~1,100, and decoding one no longer goes through encoding/json.
//
// The layout: the marker byte, a uvarint of flags saying which fields are
// present, then each present field in flag order. Strings are a uvarint
// length and the bytes; counts are uvarints; times are the Unix second
// (zig-zag varint) and the nanosecond (uvarint), read back in UTC. The
// source id is the record's key and is not repeated. A field added later
// takes the next flag; a reader that meets a flag it does not know
// refuses the record rather than drop what it cannot read.
const fetchStateMarker = 0xF5 // never '{', the first byte of a JSON record

const (
	fsETag = 1 << iota
	fsLastModified
	fsLastStatus
	fsLastPoll
	fsLastSuccess
	fsLastFetched
	fsLastError
	fsConsecutiveFailures
	fsFailingSince
	fsPolls
	fsNextPoll
	fsFailingAlerted
	fsNextRevisit
	fsContentHash    // as the string it is
	fsContentHashHex // a lowercase hex SHA-256, stored as its 32 bytes
	fsKnown          = fsContentHashHex<<1 - 1
)

// encodeFetchState returns the record of fs, without its source id.
func encodeFetchState(fs FetchState) ([]byte, error) {
	if fs.LastStatus < 0 || fs.ConsecutiveFailures < 0 || fs.Polls < 0 {
		return nil, fmt.Errorf("encode fetch state of %s: negative count", fs.Source)
	}
	// Each field sets its flag as it is written: what is present is what
	// the flags say, with no second list to keep in step.
	var flags uint64
	body := make([]byte, 0, 48+len(fs.ETag)+len(fs.LastModified)+len(fs.LastError)+len(fs.ContentHash))
	str := func(bit uint64, s string) {
		if s != "" {
			flags |= bit
			body = binary.AppendUvarint(body, uint64(len(s)))
			body = append(body, s...)
		}
	}
	count := func(bit uint64, n int) {
		if n != 0 {
			flags |= bit
			body = binary.AppendUvarint(body, uint64(n))
		}
	}
	when := func(bit uint64, t time.Time) {
		if !t.IsZero() {
			flags |= bit
			body = binary.AppendVarint(body, t.Unix())
			body = binary.AppendUvarint(body, uint64(t.Nanosecond()))
		}
	}
	str(fsETag, fs.ETag)
	str(fsLastModified, fs.LastModified)
	count(fsLastStatus, fs.LastStatus)
	when(fsLastPoll, fs.LastPoll)
	when(fsLastSuccess, fs.LastSuccess)
	when(fsLastFetched, fs.LastFetched)
	str(fsLastError, fs.LastError)
	count(fsConsecutiveFailures, fs.ConsecutiveFailures)
	when(fsFailingSince, fs.FailingSince)
	count(fsPolls, fs.Polls)
	when(fsNextPoll, fs.NextPoll)
	if fs.FailingAlerted {
		flags |= fsFailingAlerted // the flag is the whole field
	}
	when(fsNextRevisit, fs.NextRevisit)
	if isLowerHexDigest(fs.ContentHash) {
		flags |= fsContentHashHex
		body, _ = hex.AppendDecode(body, []byte(fs.ContentHash)) // checked: lowercase hex
	} else {
		str(fsContentHash, fs.ContentHash)
	}

	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(body))
	out = append(out, fetchStateMarker)
	out = binary.AppendUvarint(out, flags)
	return append(out, body...), nil
}

// decodeFetchState reads the record of source's fetch state: the binary
// form, or the JSON of schema 3 and before.
func decodeFetchState(source, raw []byte) (FetchState, error) {
	if len(raw) == 0 || raw[0] != fetchStateMarker {
		var fs FetchState
		if err := decode(raw, &fs); err != nil {
			return FetchState{}, err
		}
		if fs.Source == "" {
			fs.Source = string(source)
		}
		return fs, nil
	}
	d := fsReader{b: raw[1:]}
	flags := d.uvarint()
	if d.err == nil && flags&^fsKnown != 0 {
		return FetchState{}, fmt.Errorf("decode fetch state: fields %#x unknown to this watcher (written by a later version?)", flags&^uint64(fsKnown))
	}
	fs := FetchState{Source: string(source)}
	fs.ETag = d.str(flags, fsETag)
	fs.LastModified = d.str(flags, fsLastModified)
	fs.LastStatus = d.count(flags, fsLastStatus)
	fs.LastPoll = d.when(flags, fsLastPoll)
	fs.LastSuccess = d.when(flags, fsLastSuccess)
	fs.LastFetched = d.when(flags, fsLastFetched)
	fs.LastError = d.str(flags, fsLastError)
	fs.ConsecutiveFailures = d.count(flags, fsConsecutiveFailures)
	fs.FailingSince = d.when(flags, fsFailingSince)
	fs.Polls = d.count(flags, fsPolls)
	fs.NextPoll = d.when(flags, fsNextPoll)
	fs.FailingAlerted = flags&fsFailingAlerted != 0
	fs.NextRevisit = d.when(flags, fsNextRevisit)
	fs.ContentHash = d.str(flags, fsContentHash)
	if flags&fsContentHashHex != 0 {
		fs.ContentHash = hex.EncodeToString(d.bytes(32))
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the last field", len(d.b))
	}
	if d.err != nil {
		return FetchState{}, fmt.Errorf("decode fetch state: %w", d.err)
	}
	return fs, nil
}

// fsReader reads the fields of a binary fetch state, keeping the first
// error: after it every read returns the zero value.
type fsReader struct {
	b   []byte
	err error
}

var errTruncated = errors.New("record truncated")

func (d *fsReader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *fsReader) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.err = errTruncated
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *fsReader) str(flags, bit uint64) string {
	if flags&bit == 0 {
		return ""
	}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = errTruncated
		}
		return ""
	}
	return string(d.bytes(int(n)))
}

func (d *fsReader) count(flags, bit uint64) int {
	if flags&bit == 0 {
		return 0
	}
	v := d.uvarint()
	if bits.Len64(v) > 62 && d.err == nil {
		d.err = fmt.Errorf("count %d out of range", v)
		return 0
	}
	return int(v)
}

func (d *fsReader) when(flags, bit uint64) time.Time {
	if flags&bit == 0 || d.err != nil {
		return time.Time{}
	}
	sec, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errTruncated
		return time.Time{}
	}
	d.b = d.b[n:]
	nsec := d.uvarint()
	if nsec >= uint64(time.Second) && d.err == nil {
		d.err = fmt.Errorf("nanoseconds %d out of range", nsec)
	}
	if d.err != nil {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// isLowerHexDigest reports whether s is a SHA-256 digest in lowercase hex,
// which is stored as its 32 bytes (any other string is kept as it is, so
// that it reads back the same).
func isLowerHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
