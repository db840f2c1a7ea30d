package store

import (
	"testing"
	"time"
)

func TestRecordActionIsIdempotentByKey(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{Now: fixedClock})
	tests := []struct {
		name string
		key  string
		want bool
	}{
		{"first delivery is recorded", "env-1", true},
		{"redelivery is not", "env-1", false},
		{"another envelope is", "env-2", true},
		{"no key is always recorded", "", true},
		{"no key again", "", true},
	}
	for _, tc := range tests {
		update(t, db, func(tx *Tx) error {
			got, err := tx.RecordAction(&Action{User: "U1", Kind: "ack", What: tc.name, Key: tc.key})
			if err != nil {
				return err
			}
			if got != tc.want {
				t.Errorf("%s: recorded = %v, want %v", tc.name, got, tc.want)
			}
			return nil
		})
	}
	view(t, db, func(tx *Tx) error {
		acts, err := tx.RecentActions(10)
		if err != nil {
			return err
		}
		if len(acts) != 4 || acts[0].What != "no key again" || acts[0].At != t0 {
			t.Errorf("RecentActions = %+v, want 4, newest first, stamped", acts)
		}
		return nil
	})
}

func TestMuteExpiresAndAckIsFirstWins(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{Now: fixedClock})
	update(t, db, func(tx *Tx) error {
		if err := tx.PutMute(Mute{Scope: "outlet", Name: "globe", Until: t0.Add(time.Hour), By: "U1", At: t0}); err != nil {
			return err
		}
		if _, first, err := tx.PutAck(Ack{AlertID: 7, User: "U1", At: t0}); err != nil || !first {
			t.Errorf("first ack: first=%v err=%v", first, err)
		}
		a, first, err := tx.PutAck(Ack{AlertID: 7, User: "U2", At: t0.Add(time.Minute)})
		if err != nil || first || a.User != "U1" {
			t.Errorf("second ack = %+v first=%v err=%v, want U1's to stand", a, first, err)
		}
		return nil
	})
	view(t, db, func(tx *Tx) error {
		for _, tc := range []struct {
			name string
			at   time.Time
			want bool
		}{{"during", t0.Add(30 * time.Minute), true}, {"after", t0.Add(time.Hour), false}} {
			_, on, err := tx.Muted("outlet", "globe", tc.at)
			if err != nil || on != tc.want {
				t.Errorf("%s: muted=%v err=%v, want %v", tc.name, on, err, tc.want)
			}
		}
		return nil
	})
}

func TestReattributeMovesObservationAndFixesIndex(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{Now: fixedClock})
	obs := func(doc string, v float64, at time.Time) Observation {
		return Observation{Metric: "uc", Value: v, Text: "100", Quote: "It was 100.", Authority: "official", DocID: doc, Observed: at}
	}
	update(t, db, func(tx *Tx) error {
		if err := tx.AddObservation(obs("a", 50, t0)); err != nil {
			return err
		}
		return tx.AddObservation(obs("b", 100, t0.Add(time.Hour)))
	})
	tests := []struct {
		name, to  string
		wantMoved int
	}{
		{"wrong doc moves nothing", "", 0},
		{"to none drops it", "", 1},
	}
	docs := []string{"zzz", "b"}
	for i, tc := range tests {
		update(t, db, func(tx *Tx) error {
			n, err := tx.Reattribute(docs[i], "uc", "100", "It was 100.", tc.to)
			if err != nil {
				return err
			}
			if n != tc.wantMoved {
				t.Errorf("%s: moved %d, want %d", tc.name, n, tc.wantMoved)
			}
			return nil
		})
	}
	view(t, db, func(tx *Tx) error {
		o, ok, err := tx.LatestObservation("uc", "official")
		if err != nil || !ok || o.DocID != "a" {
			t.Errorf("latest official = %+v %v %v, want doc a's after the correction", o, ok, err)
		}
		near, err := tx.OfficialValuesNear("uc", 100, 0.01)
		if err != nil || len(near) != 0 {
			t.Errorf("OfficialValuesNear(100) = %+v, %v; want none", near, err)
		}
		return nil
	})
}

func TestCorrectionsOfTwoFiguresOfOneDocumentBothStand(t *testing.T) {
	t.Parallel()
	db := openTemp(t, Options{Now: fixedClock})
	tests := []struct {
		name string
		c    Correction
		want bool
	}{
		{"first figure", Correction{DocID: "d", OldMetric: "m", Text: "100", Sentence: "A 100."}, true},
		{"the same again", Correction{DocID: "d", OldMetric: "m", Text: "100", Sentence: "A 100."}, false},
		{"another figure of the document", Correction{DocID: "d", OldMetric: "m", Text: "200", Sentence: "B 200."}, true},
		{"the same text in another sentence", Correction{DocID: "d", OldMetric: "m", Text: "100", Sentence: "C 100."}, true},
	}
	for _, tc := range tests {
		update(t, db, func(tx *Tx) error {
			got, err := tx.PutCorrection(tc.c)
			if err != nil || got != tc.want {
				t.Errorf("%s: new = %v, %v; want %v", tc.name, got, err, tc.want)
			}
			return nil
		})
	}
	view(t, db, func(tx *Tx) error {
		cs, err := tx.Corrections("d")
		if err != nil || len(cs) != 3 {
			t.Errorf("Corrections(d) = %d, %v; want 3", len(cs), err)
		}
		return nil
	})
}
