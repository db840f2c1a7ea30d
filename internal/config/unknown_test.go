package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"
)

// trickyKeys are documents whose unknown keys depend on the finer points
// of yaml.v3's decoding: merge keys and what they override, aliases, keys
// that are not strings, repeated keys, maps of structs.
var trickyKeys = []string{
	"sources:\n  - {id: a, url: 'https://x/', shedule: x, enabled: 1}\n",
	"sources:\n  - {<<: {enabld: 1, id: b}, bogus: 2, id: a}\n",
	"x: &b {bogus: 1, id: a}\nsources:\n  - {<<: *b, url: 'https://x/'}\n  - {<<: [*b, {bogus: 2, more: 3}], url: 'https://y/'}\n",
	"sources:\n  - &s {id: a, bogus: 1}\n  - *s\n",
	"k: &k bogus\nsources:\n  - {*k : 1, id: a}\n",
	"sources:\n  - {~: 1, null: 2, 1: 3, true: 4, !!binary Ym9ndXM=: 5, \"~\": 6, id: a}\n",
	"sources:\n  - {id: a, id: b, bogus: 1}\n  - {bogus: 1, ? [x] : 1}\n",
	"sources:\n  - {<<: {bogus: 1}, <<: {more: 1}}\n",
	"sources:\n  - {1: a, <<: {1: b, \"1\": c}}\n",
	"alerts:\n  kinds:\n    new_metric: {chanel: '#x', severity: high}\n    bogus_kind: {x: 1}\n",
	"sources:\n  - id: a\n    secret_headers: {X-Key: {env: K, fil: f}}\n    headers: {X-A: {b: c}}\n    csv: {value: v, rows: [{metric: m, wher: {a: b}, where: {c: {d: e}}}]}\n",
	"fetch: {user_agent: x, timout: 1s, max_body_size: {bogus: 1}}\nsources: ~\nmetrics: [~, {id: m, anyy: [x]}, [bogus]]\n",
	"!!null {bogus: 1}\n",
	"sources: !!null {bogus: 1}\nfetch: !!null {bogus: 1}\n",
	"- a\n- b\n",
	"storage: {path: x, <<: &m {lvl: 1}}\nlog: *m\n",
}

// TestUnknownKeysMatchKnownFields holds unknownFields to what yaml.v3
// reports with KnownFields(true), which needs a second parse of the file:
// the same keys, on the same lines, in the same order.
func TestUnknownKeysMatchKnownFields(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../../config/watcher.yaml")
	docs := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = data
	}
	for i, doc := range trickyKeys {
		docs[fmt.Sprintf("tricky-%d", i)] = []byte(doc)
	}
	compared := 0
	for name, data := range docs {
		if compareUnknownKeys(t, name, data) {
			compared++
		}
	}
	if compared < len(docs)*3/4 {
		t.Errorf("compared only %d of %d documents", compared, len(docs))
	}
}

func FuzzUnknownKeysMatchKnownFields(f *testing.F) {
	for _, doc := range trickyKeys {
		f.Add([]byte(doc))
	}
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		compareUnknownKeys(t, "fuzz", data)
	})
}

var notFound = regexp.MustCompile(`(?s)^line ([0-9]+): field (.*) not found in type \S+$`)

// compareUnknownKeys compares the two for one document, reporting whether
// it could: a document yaml.v3 cannot decode has no unknown keys to compare.
func compareUnknownKeys(t *testing.T, name string, data []byte) bool {
	t.Helper()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return false
	}
	if x := newIndex(doc.Content[0], nil); x.budget <= 0 {
		return false // Parse refuses it before decoding
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	err := strict.Decode(&file{Config: *newDefaults()})
	var te *yaml.TypeError
	if err != nil && !errors.As(err, &te) {
		return false
	}
	var want []string
	if te != nil {
		for _, msg := range te.Errors {
			if m := notFound.FindStringSubmatch(msg); m != nil {
				want = append(want, m[1]+": "+m[2])
			}
		}
	}
	var got []string
	for _, u := range unknownFields(doc.Content[0], &schema{}) {
		got = append(got, strconv.Itoa(u.key.Line)+": "+u.name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: unknown keys\ngot  %q\nwant %q (KnownFields)", name, got, want)
	}
	return true
}

// TestSchemaFieldsAreTagged: yaml.v3 decodes an untagged field under its
// lower-cased name, which the schema (keysOf, fieldType) would not know.
// Every exported field of a struct the file decodes into has a tag.
func TestSchemaFieldsAreTagged(t *testing.T) {
	t.Parallel()
	seen := map[reflect.Type]bool{}
	var visit func(reflect.Type)
	visit = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Map {
			if ty.Kind() == reflect.Map && ty.Key().Kind() != reflect.String {
				t.Errorf("%s: map keys must be strings", ty)
			}
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] || reflect.PointerTo(ty).Implements(unmarshalerType) {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			if _, ok := f.Tag.Lookup("yaml"); f.IsExported() && !ok {
				t.Errorf("%s.%s has no yaml tag", ty, f.Name)
			}
			if f.IsExported() && f.Tag.Get("yaml") != "-" {
				visit(f.Type)
			}
		}
	}
	visit(reflect.TypeFor[file]())
	if len(seen) < 12 {
		t.Errorf("visited only %d struct types", len(seen))
	}
}

// TestUnknownKeysKeepTheirPlaceOnALine: on one line (a flow mapping) an
// unknown key is reported where yaml.v3's KnownFields decoding put it
// among the other reports: written keys in order, then merged ones, and a
// key that is not a string at its place.
func TestUnknownKeysKeepTheirPlaceOnALine(t *testing.T) {
	t.Parallel()
	_, err := Parse("w.yaml", []byte(`sources:
  - {<<: {enabled: 1, shedule: x}, bogus: 2, id: a, url: "https://x/", follow_links: 3}
  - {bogus: 1, ? [x] : 1, alert_after: soon, id: b, url: "https://x/"}
`))
	want := `w.yaml:2: sources[0].bogus: unknown key "bogus"
w.yaml:2: sources[0].follow_links: expected true or false, found the number 3
w.yaml:2: sources[0].enabled: expected true or false, found the number 1
w.yaml:2: sources[0].shedule: unknown key "shedule"; did you mean "schedule"?
w.yaml:3: sources[1].bogus: unknown key "bogus"
w.yaml:3: expected a string, found a seq value
w.yaml:3: sources[1].alert_after: bad duration "soon": write it like 30s, 15m, 72h or 3d`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}
