package diff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/period"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// world runs polls through Compare against a real store, writing what
// each returns as the daemon does, so the indexes diff reads are the
// store's own.
type world struct {
	t       *testing.T
	db      *store.DB
	ext     *extract.Extractor
	metrics map[string]Metric
	polled  map[string]bool
}

func newWorld(t *testing.T, metrics map[string]Metric) *world {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{InitialMmapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ext, err := extract.New([]extract.Rule{
		{Metric: "uc_no_nta", Any: []string{"notices to appear", "notice to appear"}},
		{Metric: "uc_failed_to_appear", Any: []string{"failed to appear"}},
		{Metric: "uc_unaccounted", Any: []string{"lost track of", "lose track of"}},
		{Metric: "swb_encounters", Any: []string{"encounters"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, db: db, ext: ext, metrics: metrics, polled: map[string]bool{}}
}

type page struct {
	id, text  string
	published time.Time
}

// poll compares one poll of source (official or press) carrying pages at
// now, stores the result and returns its events.
func (w *world) poll(src, authority string, now time.Time, pages ...page) []Event {
	w.t.Helper()
	in := Input{
		Source:  SourceInfo{ID: src, Name: src, Authority: authority, FirstPoll: !w.polled[src]},
		Now:     now,
		Metrics: w.metrics,
	}
	w.polled[src] = true
	for _, p := range pages {
		sum := sha256.Sum256([]byte(p.text))
		in.Docs = append(in.Docs, Doc{
			Document: source.Document{ID: src + ":" + p.id, Source: src, URL: "https://example.org/" + p.id, Title: p.id,
				Published: p.published, Text: p.text, Hash: hex.EncodeToString(sum[:])},
			Figures: w.ext.Extract(p.text),
		})
	}
	var res Result
	err := w.db.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		if res, err = Compare(tx, in); err != nil {
			return err
		}
		for _, s := range res.Snapshots {
			if err := tx.PutSnapshot(s); err != nil {
				return err
			}
		}
		for _, o := range res.Observations {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Events
}

// baseline polls a source once with nothing, so that its next poll is not
// its first.
func (w *world) baseline(src, authority string, now time.Time) { w.poll(src, authority, now) }

func (w *world) current(metric string) store.Observation {
	w.t.Helper()
	o, ok, err := w.db.LatestObservation(context.Background(), metric, Official)
	if err != nil || !ok {
		w.t.Fatalf("no current official %s: %v", metric, err)
	}
	return o
}

func (w *world) forPeriod(metric, key string) (store.Observation, bool) {
	w.t.Helper()
	var out store.Observation
	found := false
	err := w.db.View(context.Background(), func(tx *store.Tx) error {
		obs, err := tx.Observations(metric)
		for _, o := range obs {
			if o.Authority == Official && o.Period.Key == key {
				p, ok, err := tx.OfficialForPeriod(metric, o.Period)
				if err != nil {
					return err
				}
				out, found = p, ok
			}
		}
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out, found
}

func only(t *testing.T, evs []Event, kind Kind) []Event {
	t.Helper()
	var out []Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 14, 0, 0, 0, time.UTC) }

const (
	oig2446 = "ICE Cannot Monitor All Unaccompanied Migrant Children (OIG-24-46)\n\n" +
		"DHS transferred more than 448,000 unaccompanied children to HHS between fiscal years 2019 and 2023. " +
		"As of May 2024, ICE had not served notices to appear on more than 291,000 of those children. " +
		"More than 32,000 children failed to appear for their immigration court hearings."
	oig2521 = "ICE Cannot Effectively Monitor Unaccompanied Children (OIG-25-21)\n\n" +
		"In our August 2024 management alert, we reported that ICE had not served notices to appear on more than 291,000 children. " +
		"As of January 2025, ICE had not served notices to appear on 233,000 unaccompanied children."
)

func TestRecapFirstReportChangesTheCurrentValue(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"uc_no_nta": {Label: "Not served an NTA", Tolerance: 0.05}})
	w.baseline("oig", Official, day(2024, 8, 1))
	w.poll("oig", Official, day(2024, 8, 20), page{"OIG-24-46", oig2446, day(2024, 8, 20)})

	evs := w.poll("oig", Official, day(2025, 3, 25), page{"OIG-25-21", oig2521, day(2025, 3, 25)})
	changed := only(t, evs, MetricChanged)
	if len(changed) != 1 {
		t.Fatalf("metric_changed events %d, want 1: %v", len(changed), kinds(evs))
	}
	ev := changed[0]
	if ev.Old.Value != 291000 || ev.New.Value != 233000 {
		t.Errorf("change %v → %v, want 291,000 → 233,000", ev.Old.Value, ev.New.Value)
	}
	if ev.New.Period != "as of January 2025" || ev.Old.Period != "as of May 2024" {
		t.Errorf("periods %q → %q, want as of May 2024 → as of January 2025", ev.Old.Period, ev.New.Period)
	}
	if cur := w.current("uc_no_nta"); cur.Value != 233000 || cur.DocID != "oig:OIG-25-21" {
		t.Errorf("current value %v from %s, want 233,000 from OIG-25-21", cur.Value, cur.DocID)
	}
	// The recap confirms May 2024's value, credited to May 2024.
	may, ok := w.forPeriod("uc_no_nta", "@2024-05")
	if !ok || may.Value != 291000 {
		t.Errorf("May 2024 value %v (%v), want 291,000", may.Value, ok)
	}
	obs, err := w.db.Observations(context.Background(), "uc_no_nta")
	if err != nil {
		t.Fatal(err)
	}
	recaps := 0
	for _, o := range obs {
		if o.DocID == "oig:OIG-25-21" && o.Value == 291000 {
			recaps++
			if o.Period.Key != "@2024-05" || o.Period.From != "recap" {
				t.Errorf("recap credited to %+v, want May 2024 as a recap", o.Period)
			}
		}
	}
	if recaps != 1 {
		t.Errorf("%d recap observations, want 1", recaps)
	}
}

const (
	cbpNovember = "Southwest Land Border Encounters\n\nIn November 2024, CBP recorded 96,003 southwest border encounters."
	ledger      = "Governor's border claim does not add up\n\n" +
		"CBP data show 96,003 southwest border encounters in November. " +
		"But at a rally on Tuesday, the governor said southwest border encounters topped 300,000 last month."
)

func TestPressRightThenWrong(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"swb_encounters": {Label: "Southwest border encounters", Tolerance: 0.05}})
	w.poll("cbp", Official, day(2024, 12, 10), page{"swb", cbpNovember, day(2024, 12, 10)})
	w.baseline("ledger", Press, day(2024, 12, 1))

	evs := w.poll("ledger", Press, day(2024, 12, 17), page{"story", ledger, day(2024, 12, 17)})
	if len(evs) != 1 || evs[0].Kind != ClaimMismatch {
		t.Fatalf("events %v, want one claim_mismatch", kinds(evs))
	}
	ev := evs[0]
	if ev.New.Value != 300000 || ev.Old.Value != 96003 {
		t.Errorf("claim %v against %v, want 300,000 against 96,003", ev.New.Value, ev.Old.Value)
	}
	if ev.New.Period != "November 2024" || ev.Old.Period != "November 2024" {
		t.Errorf("claim for %q checked against %q, want November 2024", ev.New.Period, ev.Old.Period)
	}
}

func TestPressChecksThePeriodItNames(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"uc_no_nta": {Label: "Not served an NTA", Tolerance: 0.05}})
	w.baseline("oig", Official, day(2024, 8, 1))
	w.poll("oig", Official, day(2024, 8, 20), page{"OIG-24-46", oig2446, day(2024, 8, 20)})
	w.poll("oig", Official, day(2025, 3, 25), page{"OIG-25-21", oig2521, day(2025, 3, 25)})
	w.baseline("daily", Press, day(2025, 3, 1))

	cases := []struct {
		name, text string
		want       int // claim_mismatch events
		pastValue  bool
	}{
		{name: "the old figure for its own date is right",
			text: "As of May 2024, ICE had not served notices to appear on more than 291,000 children, the watchdog found.", want: 0},
		{name: "the old figure as current matches the revised one",
			text: "ICE has never served notices to appear on more than 291,000 migrant children.", want: 1, pastValue: true},
		{name: "the current figure is right",
			text: "ICE has not served notices to appear on 233,000 children, the audit found.", want: 0},
	}
	for i, tc := range cases {
		evs := w.poll("daily", Press, day(2025, 3, 26+i), page{"story-" + tc.name, "Headline\n\n" + tc.text, day(2025, 3, 26+i)})
		got := only(t, evs, ClaimMismatch)
		if len(got) != tc.want {
			t.Errorf("%s: %d claim_mismatch, want %d (%v)", tc.name, len(got), tc.want, kinds(evs))
			continue
		}
		if tc.pastValue && (len(got[0].Figures) != 1 || got[0].Figures[0].Value != 291000 || got[0].Old.Value != 233000) {
			t.Errorf("%s: against %v, past values %+v; want 233,000 and the earlier 291,000", tc.name, got[0].Old.Value, got[0].Figures)
		}
	}
}

func TestPressChecksFiscalYear(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"swb_encounters": {Label: "Southwest border encounters", Tolerance: 0.05}})
	w.baseline("cbp", Official, day(2024, 1, 1))
	w.poll("cbp", Official, day(2024, 1, 10), page{"fy23", "Annual totals\n\nIn fiscal year 2023, CBP recorded 2,045,838 southwest border encounters.", day(2024, 1, 10)})
	w.poll("cbp", Official, day(2024, 11, 10), page{"fy24", "Annual totals\n\nIn fiscal year 2024, CBP recorded 1,530,523 southwest border encounters.", day(2024, 11, 10)})
	w.baseline("daily", Press, day(2025, 2, 1))

	evs := w.poll("daily", Press, day(2025, 2, 10),
		page{"a", "Looking back\n\nIn fiscal year 2023, agents recorded 2,045,838 southwest border encounters, a record.", day(2025, 2, 10)},
		page{"b", "Border\n\nIn FY2024 there were 2,045,838 southwest border encounters.", day(2025, 2, 10)})
	got := only(t, evs, ClaimMismatch)
	if len(got) != 1 || got[0].DocID != "daily:b" || got[0].Old.Value != 1530523 {
		t.Fatalf("claim_mismatch %+v, want one, for story b against FY2024's 1,530,523", got)
	}
}

const (
	monthly = "Southwest Land Border Encounters\n\n" +
		"In October 2024, CBP recorded 106,321 southwest border encounters. " +
		"In November 2024, CBP recorded 94,190 southwest border encounters."
	monthlyRevised = "Southwest Land Border Encounters\n\n" +
		"In October 2024, CBP recorded 106,582 southwest border encounters. " +
		"In November 2024, CBP recorded 94,190 southwest border encounters."
)

func TestMonthlySeries(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"swb_encounters": {Label: "Southwest border encounters", Tolerance: 0.05, Series: period.Month}})
	w.baseline("cbp", Official, day(2024, 12, 1))

	evs := w.poll("cbp", Official, day(2024, 12, 10), page{"swb", monthly, day(2024, 12, 10)})
	if got, want := kinds(evs), []Kind{MetricNew, PeriodNew, NewReport}; !equalKinds(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if evs[0].Period != "October 2024" || evs[1].Period != "November 2024" || evs[1].Old == nil || evs[1].Old.Value != 106321 {
		t.Errorf("periods %q, %q (previous %+v), want October then November after 106,321", evs[0].Period, evs[1].Period, evs[1].Old)
	}
	if cur := w.current("swb_encounters"); cur.Value != 94190 || cur.Period.Key != "2024-11" {
		t.Errorf("current %v for %s, want 94,190 for November", cur.Value, cur.Period.Key)
	}

	evs = w.poll("cbp", Official, day(2024, 12, 20), page{"swb", monthlyRevised, day(2024, 12, 10)})
	if got, want := kinds(evs), []Kind{MetricChanged}; !equalKinds(got, want) {
		t.Fatalf("revision events %v, want %v (the revision folded into metric_changed)", got, want)
	}
	if ev := evs[0]; ev.Period != "October 2024" || ev.Old.Value != 106321 || ev.New.Value != 106582 {
		t.Errorf("change for %q %v → %v, want October 2024 106,321 → 106,582", ev.Period, ev.Old.Value, ev.New.Value)
	}
	if cur := w.current("swb_encounters"); cur.Value != 94190 {
		t.Errorf("a revised October became current: %v", cur.Value)
	}
}

func TestSumClaimOnFirstPoll(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{
		"uc_no_nta":           {Label: "Not served an NTA", Tolerance: 0.05},
		"uc_failed_to_appear": {Label: "Failed to appear", Tolerance: 0.05},
		"uc_unaccounted":      {Label: "Unaccounted for", Tolerance: 0.05},
	})
	w.baseline("oig", Official, day(2024, 8, 1))
	w.poll("oig", Official, day(2024, 8, 20), page{"OIG-24-46", oig2446, day(2024, 8, 20)})

	// The tabloid's first poll: its fresh story is checked, its backlog is
	// the baseline.
	fresh := "Feds lose track of 320,000 migrant children\n\nThe government has lost track of 320,000 migrant children, a watchdog reported."
	stale := "Migrant children\n\nOfficials have lost track of 500,000 children, a lawmaker said."
	evs := w.poll("tabloid", Press, day(2024, 8, 23), page{"tab-0823", fresh, day(2024, 8, 23)}, page{"tab-old", stale, day(2024, 6, 1)})
	if len(evs) != 1 || evs[0].Kind != ClaimMismatch {
		t.Fatalf("events %v, want one claim_mismatch", kinds(evs))
	}
	want := "320,000 equals more than 32,000 (Failed to appear) + more than 291,000 (Not served an NTA): a sum no official source states"
	if evs[0].Note != want || evs[0].DocID != "tabloid:tab-0823" {
		t.Errorf("note %q on %s\nwant %q", evs[0].Note, evs[0].DocID, want)
	}
	obs, err := w.db.Observations(context.Background(), "uc_unaccounted")
	if err != nil || len(obs) != 3 {
		t.Errorf("stored %d claims (%v), want 3: headline, lede and the stale story", len(obs), err)
	}
}

func TestOfficialRevisionFoldingAndMinChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"swb_encounters": {Label: "Encounters", Tolerance: 0.05, MinChange: 0.01, MinChangeRelative: true}})
	w.baseline("cbp", Official, day(2024, 12, 1))
	text := func(v string) string {
		return "Southwest Land Border Encounters\n\nIn November 2024, CBP recorded " + v + " southwest border encounters."
	}
	w.poll("cbp", Official, day(2024, 12, 10), page{"swb", text("94,190"), day(2024, 12, 10)})

	cases := []struct {
		name, value string
		want        []Kind
	}{
		{name: "a revision under min_change is recorded, not alerted", value: "94,500"},
		{name: "a revision over it is one alert", value: "96,003", want: []Kind{MetricChanged}},
	}
	for i, tc := range cases {
		evs := w.poll("cbp", Official, day(2024, 12, 11+i), page{"swb", text(tc.value), day(2024, 12, 10)})
		if got := kinds(evs); !equalKinds(got, tc.want) {
			t.Errorf("%s: events %v, want %v", tc.name, got, tc.want)
		}
	}
	if cur := w.current("swb_encounters"); cur.Value != 96003 {
		t.Errorf("current %v, want 96,003", cur.Value)
	}
}

func TestOfficialConflictIsFlagged(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"uc_no_nta": {Label: "Not served an NTA", Tolerance: 0.05}})
	w.baseline("oig", Official, day(2025, 1, 1))
	text := "Audit\n\nAs of January 2025, ICE had not served notices to appear on 233,000 children. " +
		"Table 2 shows that as of January 2025, ICE had not served notices to appear on 235,112 children."
	evs := w.poll("oig", Official, day(2025, 3, 25), page{"OIG-25-21", text, day(2025, 3, 25)})
	nw := only(t, evs, MetricNew)
	if len(nw) != 1 || !nw[0].Conflict || len(nw[0].Conflicts) != 1 || nw[0].Conflicts[0].Value != 235112 {
		t.Fatalf("metric_new %+v, want one flagged as a conflict with 235,112", nw)
	}
	if cur := w.current("uc_no_nta"); cur.Value != 233000 || !cur.Conflict {
		t.Errorf("current %v (conflict %v), want the first stated, 233,000, flagged", cur.Value, cur.Conflict)
	}
	sum, ok, err := summary(w, "uc_no_nta")
	if err != nil || !ok || !sum.Conflict {
		t.Errorf("summary conflict %v (%v %v), want set", sum.Conflict, ok, err)
	}
}

func summary(w *world, metric string) (s store.MetricSummary, ok bool, err error) {
	err = w.db.View(context.Background(), func(tx *store.Tx) error {
		s, ok, err = tx.MetricSummary(metric)
		return err
	})
	return s, ok, err
}

func equalKinds(a, b []Kind) bool {
	return strings.Join(kindStrings(a), ",") == strings.Join(kindStrings(b), ",")
}

func kindStrings(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestRepeatedFigureIsNoConflict(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"uc_no_nta": {Label: "Not served an NTA", Tolerance: 0.05}})
	w.baseline("oig", Official, day(2025, 1, 1))
	text := "Audit\n\nAs of January 2025, ICE had not served notices to appear on 233,000 unaccompanied children. " +
		"As of January 2025, the 233,000 without notices to appear included infants."
	evs := w.poll("oig", Official, day(2025, 3, 25), page{"OIG-25-21", text, day(2025, 3, 25)})
	nw := only(t, evs, MetricNew)
	if len(nw) != 1 || nw[0].Conflict {
		t.Fatalf("metric_new %+v, want one without conflict", nw)
	}
	obs, err := w.db.Observations(context.Background(), "uc_no_nta")
	if err != nil || len(obs) != 2 {
		t.Errorf("%d observations (%v), want both statements", len(obs), err)
	}
}

func TestSeriesKeepsOtherPeriodsAsHistory(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]Metric{"swb_encounters": {Label: "Southwest border encounters", Tolerance: 0.05, Series: period.Month}})
	w.baseline("cbp", Official, day(2024, 12, 1))
	text := "Southwest Land Border Encounters\n\n" +
		"In fiscal year 2024, CBP recorded 1,530,523 southwest border encounters. " +
		"In November 2024, CBP recorded 94,190 southwest border encounters."
	evs := w.poll("cbp", Official, day(2024, 12, 10), page{"swb", text, day(2024, 12, 10)})
	if got, want := kinds(evs), []Kind{MetricNew, NewReport}; !equalKinds(got, want) {
		t.Fatalf("events %v, want %v: the fiscal-year total is no month of the series", got, want)
	}
	if cur := w.current("swb_encounters"); cur.Value != 94190 {
		t.Errorf("current %v, want November's 94,190", cur.Value)
	}
}
