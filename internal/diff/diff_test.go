package diff

import (
	"math"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// memState is an in-memory State.
type memState struct {
	snaps    map[string]store.Snapshot
	official map[string]store.Observation
	history  map[string][]store.Observation
}

func (m memState) OfficialValuesNear(metric string, value, tol float64) ([]store.Observation, error) {
	var out []store.Observation
	for _, o := range m.history[metric] {
		if o.Authority == Official && math.Abs(o.Value-value) <= tol*value {
			out = append(out, o)
		}
	}
	return out, nil
}

// OfficialForPeriod finds the official value of a period in the history,
// the last stated winning, as the store's index keeps it.
func (m memState) OfficialForPeriod(metric string, p store.Period) (store.Observation, bool, error) {
	var out store.Observation
	ok := false
	for _, o := range m.history[metric] {
		if o.Authority == Official && o.Period.Key == p.Key && o.Period.Kind == p.Kind {
			out, ok = o, true
		}
	}
	return out, ok, nil
}

func (m memState) OfficialBefore(metric string, p store.Period) (store.Observation, bool, error) {
	var out store.Observation
	ok := false
	for _, o := range m.history[metric] {
		if o.Authority == Official && o.Period.Kind == p.Kind && o.Period.Start.Before(p.Start) && (!ok || o.Period.Start.After(out.Period.Start)) {
			out, ok = o, true
		}
	}
	return out, ok, nil
}

func (m memState) Snapshot(id string) (store.Snapshot, bool, error) {
	s, ok := m.snaps[id]
	return s, ok, nil
}

func (m memState) SnapshotHash(id string) (string, time.Time, bool, error) {
	s, ok, err := m.Snapshot(id)
	return s.Hash, s.LastSeen, ok, err
}

func (m memState) LatestObservation(metric, authority string) (store.Observation, bool, error) {
	if authority != Official {
		return store.Observation{}, false, nil
	}
	o, ok := m.official[metric]
	return o, ok, nil
}

var t0 = time.Date(2025, 3, 26, 9, 0, 0, 0, time.UTC)

func fig(metric string, v float64, text, qual string) extract.Figure {
	sentence := "The report says " + text + " children."
	return extract.Figure{Value: v, Metric: metric, Text: text, Qualifier: extract.Exact, QualifierText: qual, Sentence: sentence}
}

func doc(id, hash string, figs ...extract.Figure) Doc {
	return Doc{Document: source.Document{ID: id, Source: "src", URL: "https://example.org/" + id, Title: "T " + id, Hash: hash, Published: t0}, Figures: figs}
}

func kinds(evs []Event) []Kind {
	var out []Kind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func TestCompare(t *testing.T) {
	metrics := map[string]Metric{
		"uc_no_nta":           {Label: "Not served an NTA", Tolerance: 0.05},
		"uc_failed_to_appear": {Label: "Failed to appear", Tolerance: 0.05},
	}
	off291 := store.Observation{Metric: "uc_no_nta", Value: 291000, Text: "291,000", QualifierText: "more than", Authority: Official, URL: "https://example.org/old"}
	tests := []struct {
		name      string
		authority string
		firstPoll bool
		alertFP   bool
		state     memState
		docs      []Doc
		want      []Kind
		check     func(t *testing.T, r Result)
	}{
		{
			name: "official change", authority: Official,
			state: memState{official: map[string]store.Observation{"uc_no_nta": off291}},
			docs:  []Doc{doc("new", "h1", fig("uc_no_nta", 233000, "233,000", ""))},
			want:  []Kind{MetricChanged, NewReport},
			check: func(t *testing.T, r Result) {
				ev := r.Events[0]
				if ev.Old == nil || ev.Old.Value != 291000 || ev.New.Value != 233000 {
					t.Fatalf("old/new = %+v / %+v", ev.Old, ev.New)
				}
				if ev.Old.Wording != "more than 291,000" || ev.New.Wording != "233,000" {
					t.Errorf("wording %q → %q", ev.Old.Wording, ev.New.Wording)
				}
				if ev.MetricLabel != "Not served an NTA" {
					t.Errorf("label %q", ev.MetricLabel)
				}
				if got := ev.New.Quote[ev.New.Mark[0]:ev.New.Mark[1]]; got != "233,000" {
					t.Errorf("mark selects %q", got)
				}
				if len(r.Snapshots) != 1 || len(r.Observations) != 1 {
					t.Errorf("snapshots %d observations %d, want 1 and 1", len(r.Snapshots), len(r.Observations))
				}
			},
		},
		{
			name: "official same value is silent", authority: Official,
			state: memState{official: map[string]store.Observation{"uc_no_nta": off291}},
			docs:  []Doc{doc("again", "h1", fig("uc_no_nta", 291000, "291,000", ""))},
			want:  []Kind{NewReport},
		},
		{
			name: "first official value", authority: Official,
			docs: []Doc{doc("a", "h1", fig("uc_no_nta", 291000, "291,000", "more than"))},
			want: []Kind{MetricNew, NewReport},
		},
		{
			name: "first poll is silent but stores the baseline", authority: Official, firstPoll: true,
			docs: []Doc{doc("a", "h1", fig("uc_no_nta", 291000, "291,000", ""))},
			want: nil,
			check: func(t *testing.T, r Result) {
				if len(r.Observations) != 1 || len(r.Snapshots) != 1 {
					t.Errorf("baseline not stored: %+v", r)
				}
			},
		},
		{
			name: "first poll alerts when asked", authority: Official, firstPoll: true, alertFP: true,
			docs: []Doc{doc("a", "h1", fig("uc_no_nta", 291000, "291,000", ""))},
			want: []Kind{MetricNew, NewReport},
		},
		{
			name: "two items with one new value make one change", authority: Official,
			state: memState{official: map[string]store.Observation{"uc_no_nta": off291}},
			docs: []Doc{
				doc("a", "h1", fig("uc_no_nta", 233000, "233,000", "")),
				doc("b", "h2", fig("uc_no_nta", 233000, "233,000", "")),
			},
			want: []Kind{MetricChanged, NewReport, NewReport},
		},
		{
			name: "press within tolerance is silent", authority: Press,
			state: memState{official: map[string]store.Observation{"uc_no_nta": off291}},
			docs:  []Doc{doc("story", "h1", fig("uc_no_nta", 300000, "nearly 300,000", ""))},
			want:  nil,
		},
		{
			name: "press outside tolerance is a mismatch", authority: Press,
			state: memState{official: map[string]store.Observation{"uc_no_nta": off291}},
			docs:  []Doc{doc("story", "h1", fig("uc_no_nta", 320000, "320,000", ""))},
			want:  []Kind{ClaimMismatch},
			check: func(t *testing.T, r Result) {
				if ev := r.Events[0]; ev.Old.Value != 291000 || ev.New.Value != 320000 {
					t.Errorf("claim %+v vs official %+v", ev.New, ev.Old)
				}
			},
		},
		{
			name: "claim repeating a revised official figure", authority: Press,
			state: memState{
				official: map[string]store.Observation{"uc_no_nta": {Metric: "uc_no_nta", Value: 233000, Text: "233,000", Authority: Official}},
				history: map[string][]store.Observation{"uc_no_nta": {
					{Metric: "uc_no_nta", Value: 291000, Text: "291,000", Authority: Official, Published: t0.AddDate(-1, 0, 0)},
					{Metric: "uc_no_nta", Value: 290000, Text: "290,000", Authority: Press},
					{Metric: "uc_no_nta", Value: 233000, Text: "233,000", Authority: Official},
				}},
			},
			docs: []Doc{doc("story", "h1", fig("uc_no_nta", 291000, "291,000", "more than"))},
			want: []Kind{ClaimMismatch},
			check: func(t *testing.T, r Result) {
				ev := r.Events[0]
				if len(ev.Figures) != 1 || ev.Figures[0].Value != 291000 {
					t.Errorf("past official values = %+v, want only 291,000", ev.Figures)
				}
			},
		},
		{
			name: "claim that sums two official figures", authority: Press,
			state: memState{official: map[string]store.Observation{
				"uc_no_nta":           {Metric: "uc_no_nta", Value: 291000, Text: "291,000", QualifierText: "more than", Authority: Official},
				"uc_failed_to_appear": {Metric: "uc_failed_to_appear", Value: 32000, Text: "32,000", QualifierText: "more than", Authority: Official},
			}},
			docs: []Doc{doc("story", "h1", fig("uc_no_nta", 320000, "320,000", ""))},
			want: []Kind{ClaimMismatch},
			check: func(t *testing.T, r Result) {
				want := "320,000 equals more than 32,000 (Failed to appear) + more than 291,000 (Not served an NTA): a sum no official source states"
				if r.Events[0].Note != want {
					t.Errorf("note = %q\nwant   %q", r.Events[0].Note, want)
				}
			},
		},
		{
			name: "sum claimed for a metric with no official figure", authority: Press,
			state: memState{official: map[string]store.Observation{
				"uc_no_nta":           {Metric: "uc_no_nta", Value: 291000, Text: "291,000", Authority: Official},
				"uc_failed_to_appear": {Metric: "uc_failed_to_appear", Value: 32000, Text: "32,000", Authority: Official},
			}},
			docs: []Doc{doc("story", "h1", fig("uc_unaccounted", 320000, "320,000", ""))},
			want: []Kind{ClaimMismatch},
			check: func(t *testing.T, r Result) {
				if ev := r.Events[0]; ev.Old != nil || ev.Note == "" {
					t.Errorf("old %+v note %q: want no official value and a sum note", ev.Old, ev.Note)
				}
			},
		},
		{
			name: "unrelated claim for a metric with no official figure is silent", authority: Press,
			docs: []Doc{doc("story", "h1", fig("uc_unaccounted", 600000, "600,000", ""))},
			want: nil,
		},
		{
			name: "unchanged document is skipped", authority: Official,
			state: memState{snaps: map[string]store.Snapshot{"a": {DocID: "a", Hash: "h1", Revision: 1, LastSeen: t0.Add(-time.Hour)}}},
			docs:  []Doc{doc("a", "h1", fig("uc_no_nta", 291000, "291,000", ""))},
			want:  nil,
			check: func(t *testing.T, r Result) {
				if r.Unchanged != 1 || len(r.Snapshots) != 0 {
					t.Errorf("unchanged=%d snapshots=%d", r.Unchanged, len(r.Snapshots))
				}
			},
		},
		{
			name: "unchanged document seen after a day is touched, silently", authority: Official,
			state: memState{snaps: map[string]store.Snapshot{"a": {DocID: "a", Hash: "h1", Revision: 3, LastSeen: t0.Add(-25 * time.Hour)}}},
			docs:  []Doc{doc("a", "h1", fig("uc_no_nta", 291000, "291,000", ""))},
			want:  nil,
			check: func(t *testing.T, r Result) {
				if len(r.Snapshots) != 1 || !r.Snapshots[0].LastSeen.Equal(t0) || r.Snapshots[0].Revision != 3 || len(r.Observations) != 0 {
					t.Errorf("snapshots %+v observations %d", r.Snapshots, len(r.Observations))
				}
			},
		},
		{
			name: "stealth edit of a press story", authority: Press,
			state: memState{
				official: map[string]store.Observation{"uc_no_nta": off291},
				snaps: map[string]store.Snapshot{"a": {DocID: "a", Hash: "h1", Revision: 1, FirstSeen: t0.Add(-time.Hour),
					Figures: []store.Figure{{Metric: "uc_no_nta", Value: 290000, Text: "290,000"}}}},
			},
			docs: []Doc{doc("a", "h2", fig("uc_no_nta", 320000, "320,000", ""))},
			want: []Kind{DocumentRevised, ClaimMismatch},
			check: func(t *testing.T, r Result) {
				ev := r.Events[0]
				if len(ev.Changes) != 1 || ev.Changes[0].Before.Value != 290000 || ev.Changes[0].After.Value != 320000 {
					t.Errorf("changes %+v", ev.Changes)
				}
				if !ev.FirstSeen.Equal(t0.Add(-time.Hour)) || r.Snapshots[0].Revision != 2 {
					t.Errorf("first seen %v revision %d", ev.FirstSeen, r.Snapshots[0].Revision)
				}
			},
		},
		{
			name: "edit that keeps the figures is silent", authority: Press,
			state: memState{snaps: map[string]store.Snapshot{"a": {DocID: "a", Hash: "h1", Revision: 1,
				Figures: []store.Figure{{Metric: "uc_no_nta", Value: 291000, Text: "291,000", Qualifier: "exact"}}}}},
			docs: []Doc{doc("a", "h2", fig("uc_no_nta", 291000, "291,000", ""))},
			want: nil,
			check: func(t *testing.T, r Result) {
				if len(r.Snapshots) != 1 || len(r.Observations) != 0 {
					t.Errorf("snapshots %d observations %d, want 1 and 0", len(r.Snapshots), len(r.Observations))
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.state.snaps == nil {
				tc.state.snaps = map[string]store.Snapshot{}
			}
			r, err := Compare(tc.state, Input{
				Source:  SourceInfo{ID: "src", Name: "Source", Authority: tc.authority, FirstPoll: tc.firstPoll, AlertOnFirstPoll: tc.alertFP},
				Now:     t0,
				Docs:    tc.docs,
				Metrics: metrics,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := kinds(r.Events)
			if len(got) != len(tc.want) {
				t.Fatalf("events %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("events %v, want %v", got, tc.want)
				}
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func BenchmarkCompare(b *testing.B) {
	st := memState{snaps: map[string]store.Snapshot{}, official: map[string]store.Observation{
		"uc_no_nta": {Metric: "uc_no_nta", Value: 291000, Authority: Official}}}
	var docs []Doc
	for i := range 20 {
		id := string(rune('a' + i))
		docs = append(docs, doc(id, "h"+id, fig("uc_no_nta", 233000, "233,000", ""), fig("", 12, "12", "")))
	}
	in := Input{Source: SourceInfo{ID: "src", Authority: Official}, Now: t0, Docs: docs}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(st, in); err != nil {
			b.Fatal(err)
		}
	}
}
