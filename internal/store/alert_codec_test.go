package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// bigPayload is an event payload of about n bytes, as repetitive as a
// claim citing earlier figures is.
func bigPayload(n int) json.RawMessage {
	var figs []string
	for i := 0; len(strings.Join(figs, ",")) < n; i++ {
		figs = append(figs, fmt.Sprintf(`{"value":%d,"unit":"children","quote":"The audit found that over %d children were not served a notice to appear.","url":"https://oig.example/%d"}`, 152000+i*100, 152000+i*100, i))
	}
	return json.RawMessage(`{"event":{"kind":"claim_mismatch","figures":[` + strings.Join(figs, ",") + `]}}`)
}

// rawAlert is the record of alert id as stored.
func rawAlert(t *testing.T, db *DB, id uint64) []byte {
	t.Helper()
	var raw []byte
	view(t, db, func(tx *Tx) error {
		raw = bytes.Clone(tx.tx.Bucket(bucketOutbox).Get(itob(id)))
		return nil
	})
	return raw
}

// A payload worth deflating is stored deflated and reads back byte for
// byte; a small one is stored as JSON.
func TestAlertPayloadDeflatedWhenItPays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		payload json.RawMessage
		packed  bool
	}{
		{"small", json.RawMessage(`{"event":{"kind":"metric_new","metric":"m"}}`), false},
		{"large", bigPayload(4000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openTemp(t, Options{})
			a := &Alert{Kind: "claim_mismatch", Payload: tc.payload}
			update(t, db, func(tx *Tx) error { return tx.Enqueue(a) })
			raw := rawAlert(t, db, a.ID)
			if got := bytes.Contains(raw, []byte(`"payload_z":`)); got != tc.packed {
				t.Errorf("record %s: packed %v, want %v", raw, got, tc.packed)
			}
			if tc.packed && len(raw) > len(tc.payload)/2 {
				t.Errorf("record of %d bytes for a payload of %d", len(raw), len(tc.payload))
			}
			view(t, db, func(tx *Tx) error {
				for name, read := range map[string]func() (Alert, error){
					"Alert": func() (Alert, error) { got, _, err := tx.Alert(a.ID); return got, err },
					"PendingAlerts": func() (Alert, error) {
						got, err := tx.PendingAlerts(0)
						if len(got) != 1 {
							return Alert{}, fmt.Errorf("%d pending", len(got))
						}
						return got[0], err
					},
					"RecentAlerts": func() (Alert, error) {
						got, err := tx.RecentAlerts(1)
						if len(got) != 1 {
							return Alert{}, fmt.Errorf("%d recent", len(got))
						}
						return got[0], err
					},
				} {
					got, err := read()
					if err != nil || !bytes.Equal(got.Payload, tc.payload) || got.Kind != a.Kind || got.Status != StatusPending {
						t.Errorf("%s = %+v, %v; want the payload as queued", name, got, err)
					}
				}
				return nil
			})
		})
	}
}

// Records written before payloads were deflated (payload as JSON, large
// or not) read as they always did, and stay readable once rewritten.
func TestAlertPayloadOfOlderRecords(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	payload := bigPayload(3000)
	old := `{"v":1,"id":1,"kind":"claim_mismatch","payload":` + string(payload) + `,"created":"2025-03-07T13:30:00Z","status":"pending"}`
	update(t, db, func(tx *Tx) error {
		if _, err := tx.tx.Bucket(bucketOutbox).NextSequence(); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketOutbox).Put(itob(1), []byte(old))
	})
	update(t, db, func(tx *Tx) error {
		a, ok, err := tx.Alert(1)
		if err != nil || !ok || !bytes.Equal(a.Payload, payload) {
			t.Fatalf("old record read as %+v, %v, %v", a, ok, err)
		}
		a.Status = StatusSent
		return tx.PutAlert(a)
	})
	if raw := rawAlert(t, db, 1); !bytes.Contains(raw, []byte(`"payload_z":`)) {
		t.Errorf("rewritten record not deflated: %s", raw)
	}
	view(t, db, func(tx *Tx) error {
		if a, _, err := tx.Alert(1); err != nil || !bytes.Equal(a.Payload, payload) || a.Status != StatusSent {
			t.Errorf("rewritten record read as %+v, %v", a, err)
		}
		return nil
	})
}

// A payload that is not JSON is refused, large or small, as it was when
// every payload went through json.Marshal; a damaged deflated one is an
// error when read, never a wrong event.
func TestAlertPayloadErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTemp(t, Options{})
	for _, p := range []json.RawMessage{json.RawMessage(`{"event":`), append(bigPayload(1000), '}')} {
		if err := db.Update(ctx, func(tx *Tx) error { return tx.Enqueue(&Alert{Kind: "k", Payload: p}) }); err == nil {
			t.Errorf("Enqueue of a %d-byte payload that is not JSON succeeded", len(p))
		}
	}
	a := &Alert{Kind: "k", Payload: bigPayload(2000)}
	update(t, db, func(tx *Tx) error { return tx.Enqueue(a) })
	var rec storedAlert
	if err := decode(rawAlert(t, db, a.ID), &rec); err != nil || len(rec.Packed) == 0 {
		t.Fatalf("record: %v, %d packed bytes", err, len(rec.Packed))
	}
	for name, damage := range map[string]func([]byte) []byte{
		"truncated":   func(p []byte) []byte { return p[:len(p)/2] },
		"not deflate": func(p []byte) []byte { return bytes.Repeat([]byte{0xff}, len(p)) },
	} {
		rec.Packed = damage(bytes.Clone(rec.Packed))
		raw, err := encode(rec)
		if err != nil {
			t.Fatal(err)
		}
		update(t, db, func(tx *Tx) error { return tx.tx.Bucket(bucketOutbox).Put(itob(a.ID), raw) })
		if err := db.View(ctx, func(tx *Tx) error { _, _, err := tx.Alert(a.ID); return err }); err == nil {
			t.Errorf("%s payload read without error", name)
		}
	}
}

// Readers share the database's compressors safely (run with -race).
func TestAlertPayloadConcurrentReads(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	payloads := make([]json.RawMessage, 8)
	update(t, db, func(tx *Tx) error {
		for i := range payloads {
			payloads[i] = bigPayload(1000 + 300*i)
			if err := tx.Enqueue(&Alert{Kind: "k", Payload: payloads[i]}); err != nil {
				return err
			}
		}
		return nil
	})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				err := db.View(context.Background(), func(tx *Tx) error {
					got, err := tx.RecentAlerts(len(payloads))
					for i, a := range got {
						if want := payloads[len(payloads)-1-i]; !bytes.Equal(a.Payload, want) {
							return fmt.Errorf("alert %d: payload of %d bytes, want %d", a.ID, len(a.Payload), len(want))
						}
					}
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkAlertCodec is what storing and reading an alert's record
// costs with its payload deflated (2.5 KB of JSON, a typical follow_links
// alert) and, for comparison, stored as JSON.
func BenchmarkAlertCodec(b *testing.B) {
	var c alertCodec
	a := Alert{ID: 42, Kind: "claim_mismatch", Metric: "uc_no_nta", Channel: "#figures", Payload: bigPayload(2500), Created: t0, Status: StatusSent}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.encodeAlert(a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encode(a); err != nil {
				b.Fatal(err)
			}
		}
	})
	packed, _ := c.encodeAlert(a)
	plain, _ := encode(a)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.decodeAlert(packed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.decodeAlert(plain); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// An alert written again with the same payload (marked sent, retried)
// reuses the bytes deflated the first time, and never another payload's.
func TestAlertPayloadPackedOnce(t *testing.T) {
	t.Parallel()
	var c alertCodec
	a := Alert{ID: 1, Kind: "metric_changed", Payload: bigPayload(2500), Created: t0}
	b := Alert{ID: 2, Kind: "metric_changed", Payload: bigPayload(4000), Created: t0}
	first, err := c.encodeAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	a.Status, a.SentTS = StatusSent, "1700000000.000100"
	again, err := c.encodeAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.encodeAlert(b)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.recent); n != 2 {
		t.Errorf("%d payloads deflated for 3 writes of 2 payloads, want 2", n)
	}
	for _, tc := range []struct {
		raw  []byte
		want Alert
	}{{first, Alert{ID: 1, Payload: a.Payload}}, {again, a}, {other, b}} {
		got, err := c.decodeAlert(tc.raw)
		if err != nil || string(got.Payload) != string(tc.want.Payload) || got.ID != tc.want.ID || got.Status != tc.want.Status {
			t.Errorf("alert %d read back as %d %q (%v), payload %d bytes, want %d", tc.want.ID, got.ID, got.Status, err, len(got.Payload), len(tc.want.Payload))
		}
	}
	// Read twice, a payload is inflated once, and what a reader does to
	// its copy is not what the next reader gets.
	one, err := c.decodeAlert(other)
	if err != nil {
		t.Fatal(err)
	}
	one.Payload[0] = 'X'
	two, err := c.decodeAlert(other)
	if err != nil || string(two.Payload) != string(b.Payload) {
		t.Errorf("second read of alert 2: %.40q (%v), want its payload", two.Payload, err)
	}
	if n := len(c.read); n != 2 {
		t.Errorf("%d payloads inflated for 4 reads of 2 records, want 2", n)
	}
	for i := range packRecent + 5 {
		if _, err := c.pack(json.RawMessage(fmt.Sprintf(`{"event":{"n":%d,"pad":%q}}`, i, strings.Repeat("figures ", 40)))); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.recent); n > packRecent {
		t.Errorf("%d payloads kept, want at most %d", n, packRecent)
	}
}
