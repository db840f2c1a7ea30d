package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSuggestKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want string
	}{
		{"shedule", "schedule"},
		{"Schedule", "schedule"},
		{"alertOnFirstPoll", "alert_on_first_poll"},
		{"follow-links", "follow_links"},
		{"urls", "url"},
		{"ur", "url"},
		{"selecter", "selector"},
		{"autority", "authority"},
		{"token", ""},    // too far from anything: no guess
		{"priority", ""}, // two edits from nothing close enough
		{"u", ""},        // too short to guess from
		{"headerz", "headers"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			if got := Suggest(tc.key, keysOf(reflect.TypeFor[Source]())); got != tc.want {
				t.Errorf("Suggest(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"shedule", "schedule", 1}, {"né", "ne", 1},
	} {
		if got := levenshtein(tc.a, tc.b); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestShippedConfigDocumentsEveryKey holds the shipped file to its promise
// of documenting every key: each key of the schema appears in it, set or in
// a comment.
func TestShippedConfigDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../config/watcher.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sectionsOf := map[string][]string{"alerts.kinds": EventKinds()}
	// Every struct the schema reaches, by its Go name: the tags are the keys.
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || sectionsOf[t.String()] != nil || t.PkgPath() != reflect.TypeFor[Config]().PkgPath() {
			return
		}
		sectionsOf[t.String()] = keysOf(t)
		for i := range t.NumField() {
			visit(t.Field(i).Type)
		}
	}
	visit(reflect.TypeFor[file]())
	if len(sectionsOf) < 12 {
		t.Fatalf("found only %d sections: %v", len(sectionsOf), sectionsOf)
	}
	for section, keys := range sectionsOf {
		for _, k := range keys {
			// "key:" as YAML (maybe commented out, maybe a list item or in a
			// flow mapping), or "#   key  description" in a list of keys.
			re := regexp.MustCompile(`(?m)(^[\t ]*#?[\t ]*(- )?|[{,] ?)` + regexp.QuoteMeta(k) + `:|^#[\t ]+` + regexp.QuoteMeta(k) + `[\t ,]`)
			if !re.Match(data) {
				t.Errorf("config/watcher.yaml does not document %s key %q", section, k)
			}
		}
	}
}

func TestParseClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"00:00", 0, true}, {"7:30", 450, true}, {"07:30", 450, true}, {"23:59", 1439, true},
		{"24:00", 0, false}, {"12:60", 0, false}, {"7:3", 0, false}, {"007:30", 0, false},
		{"7am", 0, false}, {"", 0, false}, {":30", 0, false}, {"-1:30", 0, false}, {"+7:30", 0, false}, {"07:30:00", 0, false},
	}
	for _, tc := range tests {
		if got, ok := parseClock(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseClock(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestAliasBombsAreRefused feeds billion-laughs documents: lists of aliases
// of lists nine levels deep (10^9 strings once expanded), used where a list
// of sources, a list of terms and merged mappings are expected. Each must
// be refused with a few errors, and the index must stop at its bound
// instead of expanding them.
func TestAliasBombsAreRefused(t *testing.T) {
	t.Parallel()
	var lists, merges strings.Builder
	lists.WriteString("x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	merges.WriteString("x-0: &m0 {id: a, url: 'https://example.org/'}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&lists, "x-%d: &l%d [", i, i)
		fmt.Fprintf(&merges, "x-%d: &m%d {<<: [", i, i)
		for j := range 10 {
			if j > 0 {
				lists.WriteString(", ")
				merges.WriteString(", ")
			}
			fmt.Fprintf(&lists, "*l%d", i-1)
			fmt.Fprintf(&merges, "*m%d", i-1)
		}
		lists.WriteString("]\n")
		merges.WriteString("]}\n")
	}
	tests := []struct{ name, doc string }{
		{"sources", lists.String() + "sources: *l9\n"},
		{"terms", lists.String() + "sources: [{id: a, url: 'https://example.org/'}]\nmetrics: [{id: m, any: *l9, all: [*l9, *l9]}]\n"},
		{"merge keys", merges.String() + "sources: [*m9, {<<: *m9, id: b}]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("bomb.yaml", []byte(tc.doc))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 || len(errs) > 40 {
				t.Fatalf("want a few errors, got %d: %v", len(errs), err)
			}
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.doc), &doc); err != nil {
				t.Fatal(err)
			}
			if x := newIndex(doc.Content[0], nil); len(x.order) > maxIndexed {
				t.Errorf("index holds %d entries, more than its bound %d", len(x.order), maxIndexed)
			}
		})
	}
}

// TestMergedKeysCountAsWritten: a key brought in by a merge key is
// written, so the default does not replace it, and a key written next to
// the merge wins over the merged one.
func TestMergedKeysCountAsWritten(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("w.yaml", []byte(`
defaults: {alert_after: 6h, schedule: "@hourly"}
sources:
  - &quiet
    id: a
    url: https://example.org/a.xml
    enabled: false
    alert_after: 0
    schedule: "@daily"
  - <<: *quiet
    id: b
    schedule: "@weekly"
  - {id: c, url: "https://example.org/c.xml"}
metrics:
  - {id: m, any: [x]}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range cfg.Sources {
		got[s.ID] = fmt.Sprintf("%v %s %s", s.Enabled, s.AlertAfter, s.Schedule)
	}
	want := map[string]string{"a": "false 0s @daily", "b": "false 0s @weekly", "c": "true 6h @hourly"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("source %s: enabled, alert_after, schedule = %s, want %s", id, got[id], w)
		}
	}
}

// TestFlowMappingErrorsFindTheirKeys: several problems on one line, in a
// flow mapping, each get their own key.
func TestFlowMappingErrorsFindTheirKeys(t *testing.T) {
	t.Parallel()
	_, err := Parse("w.yaml", []byte(`sources:
  - {id: a, url: "https://example.org/a", enabled: 1, follow_links: 2, shedule: x, alert_after: soon, channel: [x], headers: {X.Trace: [1]}}
`))
	want := `w.yaml:2: sources[0].shedule: unknown key "shedule"; did you mean "schedule"?
w.yaml:2: sources[0].enabled: expected true or false, found the number 1
w.yaml:2: sources[0].follow_links: expected true or false, found the number 2
w.yaml:2: sources[0].alert_after: bad duration "soon": write it like 30s, 15m, 72h or 3d
w.yaml:2: sources[0].channel: expected a string, found a list
w.yaml:2: sources[0].headers.X.Trace: expected a string, found a list`
	if err == nil {
		t.Fatal("accepted")
	}
	// Problems on one line keep the order yaml.v3 reports them in.
	gotLines := strings.Split(err.Error(), "\n")
	wantLines := strings.Split(want, "\n")
	slices.Sort(gotLines)
	slices.Sort(wantLines)
	if !slices.Equal(gotLines, wantLines) {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
}

// TestBlockValuesPointAtTheirKey: a problem with a block mapping or list
// is reported on its key's line, not on the line of its first entry.
func TestBlockValuesPointAtTheirKey(t *testing.T) {
	t.Parallel()
	_, err := Parse("w.yaml", []byte(`sources:
  - id: a
    url: https://example.org/a.xml
    csv:
      value: V
    revisit:
      - 1h
metrics:
  - {id: m, any: [x]}
`))
	want := `w.yaml:4: sources[0].csv: only csv sources take a csv block (this source is kind "feed")
w.yaml:6: sources[0].revisit: only listings and feed sources with follow_links revisit entries (this source is kind "feed")`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// TestLargeWrittenConfigLoads: the alias bound must not refuse a file that
// is large because it is written out (a newsroom's generated list of
// thousands of feeds), only one that aliases make large.
func TestLargeWrittenConfigLoads(t *testing.T) {
	t.Parallel()
	const n = 5000
	var b strings.Builder
	b.WriteString("sources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: feed-%05d\n    kind: feed\n    url: https://example.org/feed/%d.xml\n    authority: official\n    follow_links: false\n", i, i)
	}
	b.WriteString("metrics:\n  - id: m\n    label: M\n    any: [children]\n")
	cfg, err := Parse("many.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("parse %d written-out sources: %v", n, err)
	}
	if got := len(cfg.Sources); got != n {
		t.Errorf("%d sources loaded, want %d", got, n)
	}
}
