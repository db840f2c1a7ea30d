package store

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeFixture regenerates testdata/v1.db, a database written by the
// schema-1 code (main at d4d9eba), which the migration test opens. Run once
// with `go test ./internal/store -run TestWriteFixture -write-fixture` at
// that commit; later code must read the file it left, not rewrite it.
// testdata/v2.db is the same records written by the schema-2 code (main at
// 45bdfa5, with the path below changed to v2.db), and testdata/v3.db by the
// schema-3 code (main at 2e335ec, likewise).
var writeFixture = flag.Bool("write-fixture", false, "write testdata/v1.db with the current code")

// fixtureTime is the clock of the fixture database.
var fixtureTime = time.Date(2025, time.March, 25, 17, 0, 0, 0, time.UTC)

func TestWriteFixture(t *testing.T) {
	if !*writeFixture {
		t.Skip("only with -write-fixture")
	}
	path := filepath.Join("testdata", "v1.db")
	_ = os.Remove(path)
	now := fixtureTime
	db, err := Open(path, Options{Now: func() time.Time { return now }, InitialMmapSize: 1 << 15})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	err = db.Update(ctx, func(tx *Tx) error {
		for _, fs := range []FetchState{
			{Source: "oig", ETag: `"abc"`, LastStatus: 200, LastPoll: now, LastSuccess: now, LastFetched: now, Polls: 3},
			{Source: "daily", LastStatus: 503, LastPoll: now, LastError: "503 Service Unavailable", ConsecutiveFailures: 2, FailingSince: now.Add(-time.Hour), Polls: 1},
		} {
			if err := tx.PutFetchState(fs); err != nil {
				return err
			}
		}
		s1 := Snapshot{DocID: "OIG-24-46", Source: "oig", URL: "https://oig.example/OIG-24-46.pdf", Title: "OIG-24-46",
			Published: time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC), Hash: "h1",
			Figures: []Figure{{Value: 291000, Unit: "children", Qualifier: "over", QualifierText: "more than", Metric: "uc_no_nta", Text: "291,000",
				Sentence: "As of May 2024, ICE had not served notices to appear on more than 291,000 of those children.", Start: 70, End: 77, Page: 2}},
			LastSeen: now.Add(-200 * 24 * time.Hour)}
		if err := tx.PutSnapshot(s1); err != nil {
			return err
		}
		s2 := Snapshot{DocID: "OIG-25-21", Source: "oig", URL: "https://oig.example/OIG-25-21.pdf", Title: "OIG-25-21",
			Published: time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC), Hash: "h2a", LastSeen: now.Add(-time.Hour)}
		if err := tx.PutSnapshot(s2); err != nil {
			return err
		}
		s2.Hash, s2.LastSeen = "h2b", now
		s2.Figures = []Figure{{Value: 233000, Unit: "children", Metric: "uc_no_nta", Text: "233,000",
			Sentence: "As of January 2025, ICE had not served notices to appear on 233,000 unaccompanied children.", Start: 60, End: 67, Page: 4}}
		if err := tx.PutSnapshot(s2); err != nil { // a second revision
			return err
		}
		for _, o := range []Observation{
			{Metric: "uc_no_nta", Value: 291000, Unit: "children", Qualifier: "over", QualifierText: "more than", Text: "291,000",
				Quote: s1.Figures[0].Sentence, QuoteMark: [2]int{70, 77}, Page: 2, Source: "oig", SourceName: "DHS OIG", Authority: "official",
				DocID: "OIG-24-46", URL: s1.URL, Title: s1.Title, Published: s1.Published, Observed: time.Date(2024, 8, 20, 16, 0, 0, 0, time.UTC)},
			{Metric: "uc_no_nta", Value: 300000, Unit: "children", Qualifier: "nearly", QualifierText: "Nearly", Text: "300,000",
				Quote: "Nearly 300,000 migrant children were never served a notice to appear.", QuoteMark: [2]int{7, 14}, Source: "tabloid", Authority: "press",
				DocID: "tab-0822", URL: "https://tabloid.example/0822", Title: "Nearly 300,000", Published: time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC), Observed: time.Date(2024, 8, 23, 19, 0, 0, 0, time.UTC)},
			{Metric: "uc_no_nta", Value: 233000, Unit: "children", Text: "233,000", Quote: s2.Figures[0].Sentence, QuoteMark: [2]int{60, 67}, Page: 4,
				Source: "oig", SourceName: "DHS OIG", Authority: "official", DocID: "OIG-25-21", URL: s2.URL, Title: s2.Title, Published: s2.Published, Observed: now},
			{Metric: "uc_failed_to_appear", Value: 32000, Unit: "children", Qualifier: "over", QualifierText: "More than", Text: "32,000",
				Quote: "More than 32,000 children failed to appear.", QuoteMark: [2]int{10, 16}, Source: "oig", Authority: "official",
				DocID: "OIG-24-46", Published: s1.Published, Observed: time.Date(2024, 8, 20, 16, 0, 0, 0, time.UTC)},
		} {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		if err := tx.PutItem(Item{Source: "daily", Key: "daily-0326", Hash: "ih", DocID: "daily-0326", Seen: now}); err != nil {
			return err
		}
		payload := func(kind string) json.RawMessage {
			return json.RawMessage(`{"event":{"kind":"` + kind + `","at":"2025-03-25T17:00:00Z","metric":"uc_no_nta","source":"oig"}}`)
		}
		alerts := []*Alert{
			{Kind: "metric_new", Metric: "uc_no_nta", Channel: "#a", Payload: payload("metric_new"), Created: now.Add(-3 * time.Hour)},
			{Kind: "claim_mismatch", Metric: "uc_no_nta", Channel: "#a", Payload: payload("claim_mismatch"), Created: now.Add(-2 * time.Hour)},
			{Kind: "metric_changed", Metric: "uc_no_nta", Channel: "#b", Payload: payload("metric_changed"), Created: now.Add(-time.Hour), Severity: "high"},
			{Kind: "new_report", Channel: "#b", Payload: payload("new_report"), Created: now, Digest: true},
		}
		for _, a := range alerts {
			if err := tx.Enqueue(a); err != nil {
				return err
			}
		}
		sent := *alerts[0]
		sent.Status, sent.SentAt, sent.SentTS, sent.SentChannel, sent.Attempts = StatusSent, now.Add(-3*time.Hour), "1700000000.000100", "C1", 1
		failed := *alerts[1]
		failed.Status, failed.Attempts, failed.LastError = StatusFailed, 3, "channel_not_found"
		retry := *alerts[2]
		retry.Attempts, retry.LastError, retry.NextAttempt, retry.Tried = 1, "503", now.Add(time.Minute), true
		for _, a := range []Alert{sent, failed, retry} {
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		if err := tx.PutThread("uc_no_nta", "#a", "1700000000.000100"); err != nil {
			return err
		}
		if err := tx.PutClaim(Claim{Metric: "uc_no_nta", Value: 300000, AlertID: alerts[1].ID, First: now.Add(-2 * time.Hour), Docs: []string{"tab-0822"}}); err != nil {
			return err
		}
		return tx.SetRetentionRan(now.Add(-24 * time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
}
