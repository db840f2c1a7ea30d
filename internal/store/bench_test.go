package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func benchSnapshot(docID string, rev int) Snapshot {
	s := Snapshot{
		DocID: docID, Source: "bls", URL: "https://www.bls.gov/news.release/empsit.nr0.htm",
		Title: "The Employment Situation — February 2025", Published: t0,
		Hash: "sha256:" + strconv.Itoa(rev), LastSeen: t0.Add(time.Duration(rev) * time.Minute),
	}
	sentence := "Total nonfarm payroll employment rose by 291,000 in February, and the unemployment rate was little changed at 3.9 percent."
	for i := range 20 {
		s.Figures = append(s.Figures, Figure{
			Value: 291000 + float64(i), Unit: "jobs", Qualifier: "exact", Metric: "payrolls",
			Text: "291,000", Sentence: sentence, Start: 41, End: 48,
		})
	}
	return s
}

// BenchmarkPutSnapshot measures one Update that stores a 20-figure
// snapshot, including the commit's fsync.
func BenchmarkPutSnapshot(b *testing.B) {
	for _, bc := range []struct {
		name    string
		revised bool // same document, new hash: appends and trims history
	}{
		{name: "new-document"},
		{name: "revised-document", revised: true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := openTemp(b, Options{RevisionLimit: 20})
			ctx := context.Background()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				id := "doc-" + strconv.Itoa(i)
				if bc.revised {
					id = "doc"
				}
				s := benchSnapshot(id, i)
				if err := db.Update(ctx, func(tx *Tx) error { return tx.PutSnapshot(s) }); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkEnqueue measures queueing alerts with a typical event payload:
// one per Update (with fsync), and 100 per Update.
func BenchmarkEnqueue(b *testing.B) {
	payload, err := json.Marshal(map[string]any{
		"kind": "metric_changed", "metric": "payrolls", "source": "bls",
		"old": map[string]any{"value": 291000, "quote": strings.Repeat("x", 120)},
		"new": map[string]any{"value": 233000, "quote": strings.Repeat("y", 120)},
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, perTx := range []int{1, 100} {
		b.Run(fmt.Sprintf("per-tx=%d", perTx), func(b *testing.B) {
			db := openTemp(b, Options{})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				err := db.Update(ctx, func(tx *Tx) error {
					for range perTx {
						a := &Alert{Kind: "metric_changed", Metric: "payrolls", Channel: "C123", Payload: payload}
						if err := tx.Enqueue(a); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAddObservation measures storing official observations with
// their indexes (current value, period, distinct values, summary), 100
// per Update, as a cold poll of many reports does.
func BenchmarkAddObservation(b *testing.B) {
	db := openTemp(b, Options{})
	ctx := context.Background()
	quote := "As of May 2024, ICE had not served notices to appear on more than 291,000 of those children, the Inspector General found."
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		err := db.Update(ctx, func(tx *Tx) error {
			for range 100 {
				pub := t0.Add(time.Duration(i) * time.Hour)
				o := Observation{Metric: "uc_no_nta", Value: float64(291000 + i), Unit: "children", Qualifier: "over", QualifierText: "more than",
					Text: "291,000", Quote: quote, QuoteMark: [2]int{70, 77}, Source: "oig", SourceName: "DHS Office of Inspector General",
					Authority: "official", DocID: "oig:OIG-" + strconv.Itoa(i), URL: "https://www.oig.dhs.gov/reports/" + strconv.Itoa(i),
					Title: "ICE Cannot Monitor All Unaccompanied Migrant Children", Published: pub, Observed: pub,
					Period: DocumentPeriod(pub), AsOf: DocumentPeriod(pub).End}
				if err := tx.AddObservation(o); err != nil {
					return err
				}
				i++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadSnapshot compares reading a 20-figure snapshot whole with
// reading only its hash, which is what a poll needs of an unchanged
// document.
func BenchmarkReadSnapshot(b *testing.B) {
	db := openTemp(b, Options{})
	s := benchSnapshot("doc", 1)
	update(b, db, func(tx *Tx) error { return tx.PutSnapshot(s) })
	for _, bc := range []struct {
		name string
		read func(*Tx) error
	}{
		{"whole", func(tx *Tx) error { _, _, err := tx.Snapshot("doc"); return err }},
		{"hash", func(tx *Tx) error { _, _, _, err := tx.SnapshotHash("doc"); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			_ = db.View(context.Background(), func(tx *Tx) error {
				for b.Loop() {
					if err := bc.read(tx); err != nil {
						b.Fatal(err)
					}
				}
				return nil
			})
		})
	}
}

// BenchmarkOutboxStats reads the outbox's counts after 1 and after 30
// changed cycles of issue #16's load (~190 alerts a cycle, payloads of
// 2.5 KB), kept (what OutboxStats reads) and, for comparison, by decoding
// every alert (what it did before the counts).
func BenchmarkOutboxStats(b *testing.B) {
	for _, cycles := range []int{1, 30} {
		db := openTemp(b, Options{})
		payload := bigPayload(2500)
		update(b, db, func(tx *Tx) error {
			for i := range cycles * 190 {
				a := &Alert{Kind: "metric_changed", Payload: payload}
				if err := tx.Enqueue(a); err != nil {
					return err
				}
				if i%20 != 0 {
					a.Status = StatusSent
					if err := tx.PutAlert(*a); err != nil {
						return err
					}
				}
			}
			return nil
		})
		for _, how := range []string{"kept", "decoded"} {
			b.Run(fmt.Sprintf("cycles=%d/%s", cycles, how), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					view(b, db, func(tx *Tx) error {
						if how == "decoded" {
							_, err := scanOutbox(tx.tx.Bucket(bucketOutbox), nil, nil)
							return err
						}
						_, _, _, err := tx.OutboxStats()
						return err
					})
				}
			})
		}
	}
}

// BenchmarkRecentObservations reads the newest 500 observations of a
// metric, as the status page does for each metric's chart.
func BenchmarkRecentObservations(b *testing.B) {
	db := openTemp(b, Options{})
	update(b, db, func(tx *Tx) error {
		for i := range 600 {
			o := Observation{
				Metric: "uc_no_nta", Value: 291000 + float64(i), Unit: "children", Qualifier: "over", Text: "291,000",
				Quote:  "ICE did not serve notices to appear to more than 291,000 children, the audit found, leaving them without court dates.",
				Source: "press-wire", Authority: "press", DocID: "press-wire:" + strconv.Itoa(i), URL: "https://news.example.com/story/" + strconv.Itoa(i),
				Title: "Audit: ICE lost track of migrant children", Published: t0, Observed: t0.Add(time.Duration(i) * time.Minute),
			}
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		return nil
	})
	b.ReportAllocs()
	for b.Loop() {
		view(b, db, func(tx *Tx) error {
			hist, err := tx.RecentObservations("uc_no_nta", 500)
			if err == nil && len(hist) != 500 {
				b.Fatalf("%d observations, want 500", len(hist))
			}
			return err
		})
	}
}
