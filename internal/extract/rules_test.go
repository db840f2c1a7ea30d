package extract

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestShippedRulesAssignMetrics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		text   string
		metric string
	}{
		{"two metrics one sentence", "More than 291,000 children never received a notice to appear and more than 32,000 failed to appear.", "291,000", "uc_no_nta"},
		{"two metrics second figure", "More than 291,000 children never received a notice to appear and more than 32,000 failed to appear.", "32,000", "uc_failed_to_appear"},
		{"official prose NTAs", "ICE did not serve NTAs to 291,000 UCs, and 32,000 UCs did not appear for their hearings.", "291,000", "uc_no_nta"},
		{"official prose did not appear", "ICE did not serve NTAs to 291,000 UCs, and 32,000 UCs did not appear for their hearings.", "32,000", "uc_failed_to_appear"},
		{"court date", "As of May 2024, 291,000 minors had been released without ever getting a court date.", "291,000", "uc_no_nta"},
		{"no-show", "Judges logged 12,400 no-shows among children last year.", "12,400", "uc_failed_to_appear"},
		{"missed court hearings", "About 9,000 kids missed their court hearings in 2023.", "9,000", "uc_failed_to_appear"},
		{"missing hearings beats missing", "Some 8,000 children are missing their immigration court hearings.", "8,000", "uc_failed_to_appear"},
		{"lost track headline", "Feds lose track of 30K migrant kids, watchdog says", "30K", "uc_unaccounted"},
		{"unaccounted-for hyphen", "The number of unaccounted-for children stands at over 320,000.", "320,000", "uc_unaccounted"},
		{"cannot locate", "The agency cannot locate 1,500 minors released last year.", "1,500", "uc_unaccounted"},
		{"tweet quote", "\u201cICE has lost track of 32,000 kids,\u201d @jdoe wrote.", "32,000", "uc_unaccounted"},
		{"lost contact beats lost", "HHS lost contact with over 85,000 migrant children in two years.", "85,000", "hhs_lost_contact"},
		{"could not reach", "Case workers could not reach 4,000 sponsors by phone.", "4,000", "hhs_lost_contact"},
		{"transferred", "From 2019 to 2023, over 448,000 children were transferred from ICE to HHS.", "448,000", "uc_transferred_hhs"},
		{"referred to ORR", "Border agents referred 120,000 minors to the Office of Refugee Resettlement.", "120,000", "uc_transferred_hhs"},
		{"addresses blank", "Release records for 12,000 children had addresses left blank.", "12,000", "uc_bad_address"},
		{"undeliverable", "Notices for 2,300 children came back undeliverable.", "2,300", "uc_bad_address"},
		{"missing apartment numbers", "Another 1,100 addresses were missing apartment numbers.", "1,100", "uc_bad_address"},
		{"no metric", "The report covered 5,000 files from three offices.", "5,000", ""},
		{"lost beds are not lost children", "No fewer than 40 shelters closed, and at least 4,000 beds were lost.", "4,000", ""},
		{"lost before adjectives", "ORR Director Questioned About 85,000 Lost Unaccompanied Children", "85,000", "uc_unaccounted"},
		{"clause beats sentence", "Some 700 sponsors were interviewed; officials lost track of 2,000 children.", "700", ""},
		{"clause beats sentence second", "Some 700 sponsors were interviewed; officials lost track of 2,000 children.", "2,000", "uc_unaccounted"},
		{"percent is not a count", "About 65% of the children who failed to appear had no lawyer.", "65%", ""},
		{"teaser inherits restated figure", "Senator asks about the nearly 300,000 children who\n\nThe nearly 300,000 children may have gone missing.", "300,000", "uc_unaccounted"},
	}
	e := shippedExtractor(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			figs := e.Extract(tc.in)
			checkOffsets(t, tc.in, figs)
			f := find(t, figs, tc.text)
			if f.Metric != tc.metric {
				t.Errorf("metric = %q (ambiguous %v), want %q", f.Metric, f.Ambiguous, tc.metric)
			}
		})
	}
}

func TestShippedRulesLoad(t *testing.T) {
	t.Parallel()
	rules := loadRules(t)
	want := []string{"uc_transferred_hhs", "uc_no_nta", "uc_failed_to_appear", "uc_unaccounted", "hhs_lost_contact", "uc_bad_address"}
	var got []string
	for _, r := range rules {
		got = append(got, r.Metric)
		if err := r.Check(); err != nil {
			t.Errorf("rule %s: %v", r.Metric, err)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("metrics = %v, want %v", got, want)
	}
	if _, err := New(rules); err != nil {
		t.Fatal(err)
	}
}

func TestRuleMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		rules     []Rule
		in        string
		text      string
		metric    string
		ambiguous []string
	}{
		{"genuine tie is ambiguous",
			[]Rule{{Metric: "a", Any: []string{"alpha"}}, {Metric: "b", Any: []string{"beta"}}},
			"alpha 100 beta", "100", "", []string{"a", "b"}},
		{"nearest wins",
			[]Rule{{Metric: "a", Any: []string{"alpha"}}, {Metric: "b", Any: []string{"beta"}}},
			"alpha said that 100 beta", "100", "b", nil},
		{"longer term wins at equal distance",
			[]Rule{{Metric: "short", Any: []string{"missing"}}, {Metric: "long", Any: []string{"missing hearings"}}},
			"300 missing hearings were logged", "300", "long", nil},
		{"case insensitive word boundary",
			[]Rule{{Metric: "nta", Any: []string{"NTA"}}},
			"Some 300 ntas were issued and 40 NTA forms", "40", "nta", nil},
		{"no partial word match",
			[]Rule{{Metric: "nta", Any: []string{"NTA"}}},
			"Some 300 mountains were climbed.", "300", "", nil},
		{"all terms required",
			[]Rule{{Metric: "hhs", Any: []string{"lost contact"}, All: []string{"HHS"}}},
			"Schools lost contact with 300 students.", "300", "", nil},
		{"all terms present",
			[]Rule{{Metric: "hhs", Any: []string{"lost contact"}, All: []string{"HHS"}}},
			"HHS lost contact with 300 children.", "300", "hhs", nil},
		{"none term excludes",
			[]Rule{{Metric: "kids", Any: []string{"missing"}, None: []string{"adults"}}},
			"There are 300 missing adults.", "300", "", nil},
		{"none term only in the clause that matched",
			[]Rule{{Metric: "kids", Any: []string{"missing"}, None: []string{"adults"}}},
			"Some 300 children are missing; the adults were found.", "300", "kids", nil},
		{"units singular or plural",
			[]Rule{{Metric: "kids", Any: []string{"missing"}, Units: []string{"child"}}},
			"There are 300 missing children.", "300", "kids", nil},
		{"units mismatch",
			[]Rule{{Metric: "kids", Any: []string{"missing"}, Units: []string{"children"}}},
			"There are 300 missing dogs.", "300", "", nil},
		{"percent needs opt in",
			[]Rule{{Metric: "share", Any: []string{"missing"}}},
			"Some 12% are missing.", "12%", "", nil},
		{"percent opted in",
			[]Rule{{Metric: "share", Any: []string{"missing"}, Units: []string{"percent"}}},
			"Some 12% are missing.", "12%", "share", nil},
		{"usd opted in",
			[]Rule{{Metric: "cost", Any: []string{"contract"}, Units: []string{"USD"}}},
			"The contract cost $4.5 million.", "$4.5 million", "cost", nil},
		{"smart apostrophe term",
			[]Rule{{Metric: "fta", Any: []string{"didn\u2019t appear"}}},
			"Some 300 kids didn't appear.", "300", "fta", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			figs := e.Extract(tc.in)
			f := find(t, figs, tc.text)
			if f.Metric != tc.metric || !slices.Equal(f.Ambiguous, tc.ambiguous) {
				t.Errorf("metric = %q ambiguous %v, want %q %v", f.Metric, f.Ambiguous, tc.metric, tc.ambiguous)
			}
		})
	}
}

func TestRuleCheckErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rule  Rule
		field string
		term  string
		msg   string
	}{
		{"empty id", Rule{Any: []string{"x"}}, "metric", "", "empty metric id"},
		{"id with space", Rule{Metric: "a b", Any: []string{"x"}}, "metric", "", "whitespace"},
		{"no any", Rule{Metric: "m"}, "any", "", "no any terms"},
		{"any term of punctuation", Rule{Metric: "m", Any: []string{"!!!"}}, "any", "!!!", "normalises to nothing"},
		{"blank all term", Rule{Metric: "m", Any: []string{"x"}, All: []string{"  "}}, "all", "  ", "normalises to nothing"},
		{"blank unit", Rule{Metric: "m", Any: []string{"x"}, Units: []string{"-"}}, "units", "-", "normalises to nothing"},
		{"any and none", Rule{Metric: "m", Any: []string{"lost track"}, None: []string{"Lost-Track"}}, "none", "Lost-Track", "also an any term"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.rule.Check()
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("Check() = %v, want a *RuleError", err)
			}
			if re.Field != tc.field || re.Term != tc.term || !strings.Contains(re.Reason, tc.msg) {
				t.Errorf("got %+v, want field %q term %q reason ~%q", re, tc.field, tc.term, tc.msg)
			}
			if !strings.Contains(err.Error(), tc.rule.Metric) || tc.term != "" && !strings.Contains(err.Error(), tc.term) {
				t.Errorf("message %q does not name metric and term", err)
			}
			if _, err := New([]Rule{tc.rule}); err == nil {
				t.Error("New accepted a bad rule")
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := New([]Rule{
		{Metric: "a", Any: []string{"x"}},
		{Metric: "a", Any: []string{"y"}},
		{Metric: "b"},
	})
	if err == nil {
		t.Fatal("New accepted duplicate ids")
	}
	for _, want := range []string{`metric "a": duplicate metric id`, `metric "b": no any terms`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if e, err := New(nil); err != nil || e == nil {
		t.Fatalf("New(nil) = %v, %v", e, err)
	}
}
