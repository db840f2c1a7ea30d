package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFetchStateCodecRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 12, 3, 44, 555164665, time.UTC)
	digest := strings.Repeat("c3", 32)
	for _, tc := range []struct {
		name string
		fs   FetchState
	}{
		{name: "never polled", fs: FetchState{Source: "s"}},
		{name: "warm feed", fs: FetchState{Source: "feed-00000", ETag: `"f0-v0"`, LastModified: "Sat, 01 Mar 2025 12:00:00 GMT", LastStatus: 304,
			LastPoll: at, LastSuccess: at, LastFetched: at.Add(-time.Hour), Polls: 6, ContentHash: digest}},
		{name: "every field", fs: FetchState{Source: "oig", ETag: `W/"x"`, LastModified: "Tue, 25 Mar 2025 14:00:00 GMT", LastStatus: 503,
			LastPoll: at, LastSuccess: at.Add(-48 * time.Hour), LastFetched: at.Add(-72 * time.Hour), LastError: "503 Service Unavailable: ünïcode",
			ConsecutiveFailures: 4, FailingSince: at.Add(-3 * time.Hour), Polls: 1 << 40, NextPoll: at.Add(time.Hour), FailingAlerted: true,
			NextRevisit: at.Add(24 * time.Hour), ContentHash: digest}},
		{name: "a digest in upper case stays as written", fs: FetchState{Source: "s", ContentHash: strings.ToUpper(digest)}},
		{name: "a digest of another length stays as written", fs: FetchState{Source: "s", ContentHash: "abc"}},
		{name: "times before 1970 and far ahead", fs: FetchState{Source: "s", LastPoll: time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC), NextPoll: time.Date(3000, 1, 1, 0, 0, 0, 999999999, time.UTC)}},
		{name: "only the failing flag", fs: FetchState{Source: "s", FailingAlerted: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := encodeFetchState(tc.fs)
			if err != nil {
				t.Fatal(err)
			}
			if raw[0] != fetchStateMarker {
				t.Errorf("record starts with %#x, want the marker", raw[0])
			}
			got, err := decodeFetchState([]byte(tc.fs.Source), raw)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.fs, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// Times in another zone read back as the same instant, in UTC.
func TestFetchStateCodecZone(t *testing.T) {
	t.Parallel()
	ny := time.FixedZone("EST", -5*3600)
	at := time.Date(2025, 3, 25, 9, 0, 0, 0, ny)
	raw, err := encodeFetchState(FetchState{Source: "s", LastPoll: at})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeFetchState([]byte("s"), raw)
	if err != nil || !got.LastPoll.Equal(at) || got.LastPoll.Location() != time.UTC {
		t.Errorf("LastPoll = %v (%v), want %v in UTC", got.LastPoll, err, at)
	}
}

// The form is what a warm cycle pays for: a typical state takes under a
// third of its JSON.
func TestFetchStateCodecSize(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 12, 3, 44, 555164665, time.UTC)
	fs := FetchState{Source: "feed-00000", ETag: `"f0-v0"`, LastModified: "Sat, 01 Mar 2025 12:00:00 GMT", LastStatus: 304,
		LastPoll: at, LastSuccess: at, LastFetched: at.Add(-time.Hour), Polls: 6, ContentHash: strings.Repeat("c3", 32)}
	raw, err := encodeFetchState(fs)
	if err != nil {
		t.Fatal(err)
	}
	js, err := encode(fs)
	if err != nil {
		t.Fatal(err)
	}
	if 3*len(raw) > len(js) {
		t.Errorf("binary state %d bytes, JSON %d: want under a third", len(raw), len(js))
	}
}

func TestFetchStateCodecRefuses(t *testing.T) {
	t.Parallel()
	good, err := encodeFetchState(FetchState{Source: "s", ETag: `"e"`, LastPoll: time.Unix(1, 0), Polls: 2, ContentHash: strings.Repeat("0", 64)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{name: "truncated", raw: good[:len(good)-1], want: "truncated"},
		{name: "trailing bytes", raw: append(append([]byte(nil), good...), 0), want: "after the last field"},
		{name: "marker alone", raw: []byte{fetchStateMarker}, want: "truncated"},
		{name: "a field of a later version", raw: []byte{fetchStateMarker, 0x80, 0x80, 0x04}, want: "unknown"},
		{name: "a string longer than the record", raw: []byte{fetchStateMarker, fsETag, 9, 'x'}, want: "truncated"},
		{name: "nanoseconds past a second", raw: []byte{fetchStateMarker, fsLastPoll, 2, 0x80, 0x94, 0xeb, 0xdc, 0x03}, want: "out of range"},
		{name: "neither binary nor JSON", raw: []byte("garbage"), want: "decode record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeFetchState([]byte("s"), tc.raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decode %x = %v, want an error with %q", tc.raw, err, tc.want)
			}
		})
	}
	if _, err := encodeFetchState(FetchState{Source: "s", Polls: -1}); err == nil {
		t.Error("a negative count was encoded")
	}
}

// A record of schema 3 (JSON, with the source inside) still reads.
func TestFetchStateCodecReadsJSON(t *testing.T) {
	t.Parallel()
	fs := FetchState{Source: "oig", ETag: `"abc"`, LastStatus: 200, LastPoll: time.Date(2025, 3, 25, 17, 0, 0, 0, time.UTC), Polls: 3}
	js, err := encode(fs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeFetchState([]byte("oig"), js)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fs, got); diff != "" {
		t.Errorf("JSON record (-want +got):\n%s", diff)
	}
}

func FuzzDecodeFetchState(f *testing.F) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, fs := range []FetchState{
		{Source: "s"},
		{Source: "s", ETag: `"e"`, LastModified: "x", LastStatus: 304, LastPoll: at, LastSuccess: at, LastFetched: at, Polls: 3, ContentHash: strings.Repeat("ab", 32)},
		{Source: "s", LastError: "boom", ConsecutiveFailures: 2, FailingSince: at, NextPoll: at, FailingAlerted: true, NextRevisit: at, ContentHash: "x"},
	} {
		raw, err := encodeFetchState(fs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"v":1,"source":"s","polls":1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fs, err := decodeFetchState([]byte("s"), raw)
		if err != nil || len(raw) == 0 || raw[0] != fetchStateMarker {
			return
		}
		// What decodes encodes back to a record that decodes the same.
		again, err := encodeFetchState(fs)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", fs, err)
		}
		fs2, err := decodeFetchState([]byte("s"), again)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if diff := cmp.Diff(fs, fs2); diff != "" {
			t.Errorf("second round trip (-first +second):\n%s", diff)
		}
		j1, _ := json.Marshal(fs)
		j2, _ := json.Marshal(fs2)
		if !bytes.Equal(j1, j2) {
			t.Errorf("second round trip changed %s into %s", j1, j2)
		}
	})
}
