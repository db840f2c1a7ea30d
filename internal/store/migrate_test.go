package store

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// copyFixture copies testdata/v1.db, written by the schema-1 code, into a
// temporary directory.
func copyFixture(t *testing.T) string {
	t.Helper()
	return copyFixtureFile(t, "v1.db")
}

// copyFixtureFile copies testdata/name into a temporary directory.
func copyFixtureFile(t *testing.T, name string) string {
	t.Helper()
	src, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "watcher.db")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// rawRecords reads every record of a top-level bucket (nested buckets
// included, by path) as stored, without this package's decoding; but a
// fetch state ("sources/...") is given as the JSON of what it decodes to,
// since schema 4 changed its form and not its content.
func rawRecords(t *testing.T, path string, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		var walk func(prefix string, b *bolt.Bucket) error
		walk = func(prefix string, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					return walk(prefix+string(k)+"/", b.Bucket(k))
				}
				if prefix == "sources/" {
					fs, err := decodeFetchState(k, v)
					if err != nil {
						return err
					}
					j, err := json.Marshal(fs)
					if err != nil {
						return err
					}
					v = j
				}
				out[prefix+string(k)] = string(v)
				return nil
			})
		}
		for _, n := range names {
			if b := tx.Bucket([]byte(n)); b != nil {
				if err := walk(n+"/", b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateSchema1Fixture(t *testing.T) {
	t.Parallel()
	path := copyFixture(t)
	before := rawRecords(t, path, "outbox", "outbox_pending", "threads", "claims", "items", "sources", "docs", "revisions")
	ctx := context.Background()

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a schema-1 file: %v", err)
	}
	defer db.Close()

	// The backup is the file as it was.
	bak, err := Open(path+".bak-v1", Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	var bakObs []Observation
	if err := bak.View(ctx, func(tx *Tx) error {
		bakObs, err = tx.Observations("uc_no_nta")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bak.Close()
	if len(bakObs) != 3 || !bakObs[0].Period.IsZero() {
		t.Errorf("backup holds %d observations of uc_no_nta (period %+v), want 3 without periods", len(bakObs), bakObs)
	}

	if err := db.View(ctx, func(tx *Tx) error {
		// Every observation survived, each with its document's date as
		// period and as-of date.
		want := map[string][]float64{"uc_no_nta": {291000, 300000, 233000}, "uc_failed_to_appear": {32000}}
		for metric, values := range want {
			obs, err := tx.Observations(metric)
			if err != nil {
				return err
			}
			if len(obs) != len(values) {
				t.Fatalf("%s: %d observations, want %d", metric, len(obs), len(values))
			}
			for i, o := range obs {
				if o.Value != values[i] || o.Quote == "" {
					t.Errorf("%s[%d] = %v %q, want %v with its quote", metric, i, o.Value, o.Quote, values[i])
				}
				day := o.Published.UTC().Truncate(24 * time.Hour)
				if o.Period.Kind != "as_of" || !o.Period.Start.Equal(day) || !o.AsOf.Equal(day.AddDate(0, 0, 1)) || o.Period.From != "document" {
					t.Errorf("%s[%d] period %+v as of %s, want the day of %s", metric, i, o.Period, o.AsOf, o.Published)
				}
			}
		}
		// The current official value is the one with the latest as-of date.
		cur, ok, err := tx.LatestObservation("uc_no_nta", "official")
		if err != nil || !ok || cur.Value != 233000 {
			t.Errorf("current official = %v %v %v, want 233,000", cur.Value, ok, err)
		}
		sum, ok, err := tx.MetricSummary("uc_no_nta")
		if err != nil || !ok || sum.Observations != 3 || sum.Official != 2 || sum.Current == nil || sum.Current.Value != 233000 {
			t.Errorf("summary %+v %v %v", sum, ok, err)
		}
		p := DocumentPeriod(time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC))
		if o, ok, err := tx.OfficialForPeriod("uc_no_nta", p); err != nil || !ok || o.Value != 291000 {
			t.Errorf("official for %s = %v %v %v, want 291,000", p.Key, o.Value, ok, err)
		}
		// Past official values still answer "since revised".
		near, err := tx.OfficialValuesNear("uc_no_nta", 291000, 0.005)
		if err != nil || len(near) != 1 || near[0].Period.Key != "@2024-08-20" {
			t.Errorf("official values near 291,000 = %+v %v, want one, with its document's date", near, err)
		}
		pending, err := tx.PendingAlerts(0)
		if err != nil || len(pending) != 2 {
			t.Errorf("pending alerts %d %v, want 2", len(pending), err)
		}
		p1, s1, f1, err := tx.OutboxStats()
		if err != nil || p1 != 2 || s1 != 1 || f1 != 1 {
			t.Errorf("outbox %d pending %d sent %d failed (%v), want 2 1 1", p1, s1, f1, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Everything but the metrics is byte for byte as it was.
	after := rawRecords(t, path, "outbox", "outbox_pending", "threads", "claims", "items", "sources", "docs", "revisions")
	if len(after) != len(before) {
		t.Errorf("%d records outside metrics after migration, %d before", len(after), len(before))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("record %q changed by the migration:\n%s\n%s", k, v, after[k])
		}
	}
	// A second open finds nothing to migrate and writes no second backup.
	if err := os.Remove(path + ".bak-v1"); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
	if _, err := os.Stat(path + ".bak-v1"); !os.IsNotExist(err) {
		t.Errorf("a migrated file was backed up again: %v", err)
	}
}

func TestReadOnlyOpenOfSchema1(t *testing.T) {
	t.Parallel()
	path := copyFixture(t)
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a schema-1 file: %v", err)
	}
	defer db.Close()
	o, ok, err := db.LatestObservation(context.Background(), "uc_no_nta", "official")
	if err != nil || !ok || o.Value != 233000 {
		t.Errorf("latest official %v %v %v", o.Value, ok, err)
	}
	if _, err := os.Stat(path + ".bak-v1"); !os.IsNotExist(err) {
		t.Errorf("a read-only open wrote a backup: %v", err)
	}
}

func TestCurrentValueByAsOf(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{})
	ctx := context.Background()
	month := func(y int, m time.Month) Period {
		s := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return Period{Kind: "month", Start: s, End: s.AddDate(0, 1, 0), Key: s.Format("2006-01")}
	}
	pub := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	obs := []Observation{
		{Metric: "m", Value: 233000, Authority: "official", DocID: "new", Published: pub(25), Period: month(2025, 1), AsOf: month(2025, 1).End},
		// A recap in a later document of an older period: history, not current.
		{Metric: "m", Value: 291000, Authority: "official", DocID: "recap", Published: pub(26), Period: month(2024, 5), AsOf: month(2024, 5).End},
		// The same period restated by a newer document replaces it.
		{Metric: "m", Value: 290500, Authority: "official", DocID: "fix", Published: pub(27), Period: month(2024, 5), AsOf: month(2024, 5).End},
		{Metric: "m", Value: 999, Authority: "press", DocID: "story", Published: pub(27), Period: month(2025, 2), AsOf: month(2025, 2).End},
	}
	for _, o := range obs {
		if err := db.Update(ctx, func(tx *Tx) error { return tx.AddObservation(o) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.View(ctx, func(tx *Tx) error {
		cases := []struct {
			name string
			get  func() (Observation, bool, error)
			want float64
		}{
			{"current official is the latest as-of", func() (Observation, bool, error) { return tx.LatestObservation("m", "official") }, 233000},
			{"period value from the newest document", func() (Observation, bool, error) { return tx.OfficialForPeriod("m", month(2024, 5)) }, 290500},
			{"period before January 2025", func() (Observation, bool, error) { return tx.OfficialBefore("m", month(2025, 1)) }, 290500},
			{"period before a month not stored", func() (Observation, bool, error) { return tx.OfficialBefore("m", month(2025, 6)) }, 233000},
		}
		for _, tc := range cases {
			o, ok, err := tc.get()
			if err != nil || !ok || o.Value != tc.want {
				t.Errorf("%s: %v %v %v, want %v", tc.name, o.Value, ok, err, tc.want)
			}
		}
		if _, ok, _ := tx.OfficialBefore("m", month(2024, 5)); ok {
			t.Error("a period before the first one was found")
		}
		sum, _, err := tx.MetricSummary("m")
		if err != nil || sum.Observations != 4 || sum.Official != 3 || sum.Current.Value != 233000 {
			t.Errorf("summary %+v %v", sum, err)
		}
		recent, err := tx.RecentObservations("m", 2)
		if err != nil || len(recent) != 2 || recent[1].Value != 999 {
			t.Errorf("recent %+v %v", recent, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestObservationPeriodRoundTrip(t *testing.T) {
	t.Parallel()
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	period := Period{Kind: "as_of", Start: jan, End: jan.AddDate(0, 1, 0), Key: "@2025-01", Label: "as of January 2025", From: "sentence"}
	cases := []struct {
		name     string
		o        Observation
		wantAsOf time.Time
		absent   string // text the record must not hold
	}{
		{name: "as-of at the period's end is left out", o: Observation{Metric: "m", Value: 1, Period: period, AsOf: period.End},
			wantAsOf: period.End, absent: `"as_of":`},
		{name: "dates at day precision", o: Observation{Metric: "m", Value: 1, Period: period, AsOf: period.End},
			wantAsOf: period.End, absent: "2025-01-01T"},
		{name: "a recap's as-of is kept", o: Observation{Metric: "m", Value: 1, Period: period, AsOf: jan.AddDate(0, 6, 0)},
			wantAsOf: jan.AddDate(0, 6, 0)},
		{name: "no period, no as-of", o: Observation{Metric: "m", Value: 1}, absent: `"period"`},
		{name: "the document's date is left out", o: Observation{Metric: "m", Value: 1, Published: jan.Add(15 * time.Hour),
			Period: DocumentPeriod(jan), AsOf: jan.AddDate(0, 0, 1)}, wantAsOf: jan.AddDate(0, 0, 1), absent: `"key"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := encode(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if tc.absent != "" && strings.Contains(string(raw), tc.absent) {
				t.Errorf("record holds %s: %s", tc.absent, raw)
			}
			var got Observation
			if err := decode(raw, &got); err != nil {
				t.Fatal(err)
			}
			if !got.AsOf.Equal(tc.wantAsOf) || got.Period != tc.o.Period {
				t.Errorf("round trip: period %+v as of %s, want %+v as of %s", got.Period, got.AsOf, tc.o.Period, tc.wantAsOf)
			}
		})
	}
}

// A file of schema 2 (testdata/v2.db, written by that code) is backed up,
// given the schema-3 version, its outbox counts and failed index, and
// otherwise left as it was: its alerts, snapshots and observations read
// as before, and an alert rewritten now is stored the new way.
func TestMigrateSchema2Fixture(t *testing.T) {
	t.Parallel()
	path := copyFixtureFile(t, "v2.db")
	records := []string{"outbox", "outbox_pending", "threads", "claims", "items", "sources", "docs", "revisions", "metrics", "metrics_latest", "metrics_values", "metrics_periods", "metrics_summary"}
	before := rawRecords(t, path, records...)
	ctx := context.Background()

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a schema-2 file: %v", err)
	}
	defer db.Close()
	bak, err := Open(path+".bak-v2", Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	bakVersion := 0
	if err := bak.View(ctx, func(tx *Tx) error {
		bakVersion, err = db.checkSchema(tx.tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bak.Close()
	if bakVersion != 2 {
		t.Errorf("the backup has schema %d, want the file as it was (2)", bakVersion)
	}

	if err := db.View(ctx, func(tx *Tx) error {
		if v, err := db.checkSchema(tx.tx); err != nil || v != SchemaVersion {
			t.Errorf("schema after the migration %d (%v), want %d", v, err, SchemaVersion)
		}
		p, sent, failed, err := tx.OutboxStats()
		if err != nil || p != 2 || sent != 1 || failed != 1 {
			t.Errorf("outbox %d pending %d sent %d failed (%v), want 2 1 1", p, sent, failed, err)
		}
		pending, err := tx.PendingAlerts(0)
		if err != nil || len(pending) != 2 || !strings.Contains(string(pending[0].Payload), `"kind":"metric_changed"`) {
			t.Errorf("pending alerts %+v (%v), want 2 with their payloads", pending, err)
		}
		// A snapshot of schema 2 has its figures before LastSeen.
		hash, seen, ok, err := tx.SnapshotHash("OIG-25-21")
		if err != nil || !ok || hash != "h2b" || !seen.Equal(fixtureTime) {
			t.Errorf("SnapshotHash of a schema-2 snapshot = %q %v %v %v, want h2b at %v", hash, seen, ok, err, fixtureTime)
		}
		cur, ok, err := tx.LatestObservation("uc_no_nta", "official")
		if err != nil || !ok || cur.Value != 233000 {
			t.Errorf("current official = %v %v %v, want 233,000", cur.Value, ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	after := rawRecords(t, path, records...)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("record %q changed by the migration:\n%s\n%s", k, v, after[k])
		}
	}

	// A long payload rewritten now is stored deflated, and reads back
	// the same.
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	long := json.RawMessage(`{"event":{"kind":"metric_changed","metric":"uc_no_nta","note":"` + strings.Repeat("291,000 children ", 40) + `"}}`)
	var id uint64
	update(t, db, func(tx *Tx) error {
		a, _, err := tx.Alert(3)
		if err != nil {
			return err
		}
		a.Payload, id = long, a.ID
		return tx.PutAlert(a)
	})
	raw := string(rawAlert(t, db, id))
	if !strings.Contains(raw, `"payload_z"`) || strings.Contains(raw, "291,000 children") {
		t.Errorf("a long payload was not stored deflated: %.200s", raw)
	}
	view(t, db, func(tx *Tx) error {
		a, _, err := tx.Alert(id)
		if err != nil || string(a.Payload) != string(long) {
			t.Errorf("payload read back %.80s (%v), want what was written", a.Payload, err)
		}
		return nil
	})
}

// A file of schema 3 (testdata/v3.db, written by that code) is backed up
// and its fetch states rewritten in the binary form: each reads back as it
// was, and every other record is left byte for byte.
func TestMigrateSchema3Fixture(t *testing.T) {
	t.Parallel()
	path := copyFixtureFile(t, "v3.db")
	records := []string{"outbox", "outbox_pending", "outbox_failed", "outbox_counts", "threads", "claims", "items", "sources", "docs", "revisions", "metrics", "metrics_latest", "metrics_values", "metrics_periods", "metrics_summary"}
	before := rawRecords(t, path, records...)
	if len(before) == 0 || before["sources/oig"] == "" {
		t.Fatalf("fixture has no fetch state of oig: %v", before)
	}

	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a schema-3 file: %v", err)
	}
	defer db.Close()
	bak, err := Open(path+".bak-v3", Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	var bakVersion int
	if err := bak.View(context.Background(), func(tx *Tx) error {
		bakVersion, err = db.checkSchema(tx.tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bak.Close()
	if bakVersion != 3 {
		t.Errorf("the backup has schema %d, want the file as it was (3)", bakVersion)
	}
	want := []FetchState{
		{Source: "daily", LastStatus: 503, LastPoll: fixtureTime, LastError: "503 Service Unavailable", ConsecutiveFailures: 2, FailingSince: fixtureTime.Add(-time.Hour), Polls: 1},
		{Source: "oig", ETag: `"abc"`, LastStatus: 200, LastPoll: fixtureTime, LastSuccess: fixtureTime, LastFetched: fixtureTime, Polls: 3},
	}
	view(t, db, func(tx *Tx) error {
		if v, err := db.checkSchema(tx.tx); err != nil || v != SchemaVersion {
			t.Errorf("schema after the migration %d (%v), want %d", v, err, SchemaVersion)
		}
		got, err := tx.Sources()
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("fetch states after the migration (-want +got):\n%s", diff)
		}
		for _, fs := range want {
			if raw := tx.tx.Bucket(bucketSources).Get([]byte(fs.Source)); len(raw) == 0 || raw[0] != fetchStateMarker {
				t.Errorf("fetch state of %s still stored as %q", fs.Source, raw)
			}
		}
		return nil
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	after := rawRecords(t, path, records...)
	if len(after) != len(before) {
		t.Errorf("%d records after the migration, %d before", len(after), len(before))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("record %q changed by the migration:\n%s\n%s", k, v, after[k])
		}
	}
}

// A read-only open of a schema-3 file (`watcher status` on a stopped
// daemon's file, a backup) reads its JSON fetch states as they are.
func TestReadOnlyOpenOfSchema3(t *testing.T) {
	t.Parallel()
	path := copyFixtureFile(t, "v3.db")
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a schema-3 file: %v", err)
	}
	defer db.Close()
	view(t, db, func(tx *Tx) error {
		fs, ok, err := tx.FetchState("oig")
		if err != nil || !ok || fs.ETag != `"abc"` || fs.Polls != 3 || !fs.LastPoll.Equal(fixtureTime) {
			t.Errorf("FetchState(oig) = %+v %v %v", fs, ok, err)
		}
		if v, err := db.checkSchema(tx.tx); err != nil || v != 3 {
			t.Errorf("schema %d (%v), want the file left at 3", v, err)
		}
		return nil
	})
	if _, err := os.Stat(path + ".bak-v3"); !os.IsNotExist(err) {
		t.Errorf("a read-only open wrote a backup: %v", err)
	}
}
