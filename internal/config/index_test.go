package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestTreeLookupsMatchIndex holds the tree's lookups in a plain file to
// the index of every path: the file the decoder reads either way must say
// the same, line for line.
func TestTreeLookupsMatchIndex(t *testing.T) {
	t.Parallel()
	docs := map[string][]byte{
		"bench":          benchConfig(t, 40),
		"nested lists":   []byte("a: [[1, 2], [3, {b: [4]}]]\nc: {d: {e: f}}\n"),
		"big mapping":    []byte(bigMapping(100)),
		"top-level list": []byte("- a\n- b: c\n"),
		"scalar":         []byte("just words\n"),
		"odd keys":       []byte("a]: 1\n\"x y\": {\"z]\": 2}\n"),
		"nulls":          []byte("a:\nb: ~\nc: [~, null]\n"),
	}
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../../config/watcher.yaml")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(p)] = data
	}
	plain := 0
	for name, data := range docs {
		if compareTreeAndIndex(t, name, data) {
			plain++
		}
	}
	// Most test files are plain; the rest test aliases, merge keys and
	// repeated keys, which the index answers alone.
	if plain < len(docs)/2 {
		t.Errorf("only %d of %d documents are plain", plain, len(docs))
	}
}

// addTestdataSeeds adds every testdata/*.yaml file as a fuzz seed.
func addTestdataSeeds(f *testing.F) {
	f.Helper()
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzTreeMatchesIndex(f *testing.F) {
	addTestdataSeeds(f)
	f.Add([]byte("a: [[1, 2], [3, {b: [4]}]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		compareTreeAndIndex(t, "fuzz", data)
	})
}

func bigMapping(n int) string {
	var b strings.Builder
	b.WriteString("headers:\n")
	for i := range n {
		b.WriteString("  k")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(strings.Repeat("y", i/26))
		b.WriteString(": v\n")
	}
	return b.String()
}

// compareTreeAndIndex compares every lookup the decoder makes, for every
// path of a plain document and the paths next to them that it leaves out;
// false when the document is not plain (or not YAML).
func compareTreeAndIndex(t *testing.T, name string, data []byte) bool {
	t.Helper()
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return false
	}
	root := doc.Content[0]
	tr := newTree(root, nil)
	if !tr.plain {
		return false
	}
	x := newIndex(root, nil)
	var paths []string
	for _, e := range x.order {
		paths = append(paths, e.path, joinKey(e.path, "missing"), e.path+"[0]", e.path+"[99]", e.path+"[01]", e.path+"[-1]", e.path+"[]")
	}
	for _, p := range paths {
		k1, v1 := tr.lookup(p)
		var k2, v2 *yaml.Node
		if e := x.entry(p); e != nil {
			k2, v2 = e.key, e.val
		}
		if k1 != k2 || v1 != v2 {
			t.Errorf("%s: %q: tree finds key %v value %v, index %v %v", name, p, k1, v1, k2, v2)
		}
		if a, b := tr.line(p), x.line(p); a != b {
			t.Errorf("%s: line(%q) = %d, index says %d", name, p, a, b)
		}
		if a, b := strings.Join(tr.keys(p), ","), strings.Join(x.keys(p), ","); a != b {
			t.Errorf("%s: keys(%q) = %s, index says %s", name, p, a, b)
		}
		for _, key := range []string{"id", "missing", "url"} {
			if a, b := tr.setChild(p, key), x.setChild(p, key); a != b {
				t.Errorf("%s: setChild(%q, %q) = %v, index says %v", name, p, key, a, b)
			}
			if a, b := tr.childLine(p, key), x.line(x.child(p, key)); a != b {
				t.Errorf("%s: childLine(%q, %q) = %d, index says %d", name, p, key, a, b)
			}
			if a, b := tr.child(p, key), x.child(p, key); a != b {
				t.Errorf("%s: child(%q, %q) = %q, index says %q", name, p, key, a, b)
			}
		}
		var want uint64
		for i, key := range sourceSetKeys {
			if x.setChild(p, key) {
				want |= 1 << i
			}
		}
		if got := tr.setKeys(p, sourceSetKeys); got != want {
			t.Errorf("%s: setKeys(%q) = %b, index says %b", name, p, got, want)
		}
		if a, b := tr.item(p, 3), x.item(p, 3); a != b {
			t.Errorf("%s: item(%q, 3) = %q, index says %q", name, p, a, b)
		}
	}
	// What realign asks, passing the parent down.
	for _, e := range x.order {
		parentNode := x.node(parent(e.path))
		var got *yaml.Node
		if e.key != nil {
			got = tr.fieldAt(parentNode, e.key.Value, []byte(e.path))
		} else if e.path != "" {
			i := strings.LastIndexByte(e.path, '[')
			got = tr.itemAt(parentNode, atoi(e.path[i+1:len(e.path)-1]), []byte(e.path))
		} else {
			continue
		}
		if got != e.val {
			t.Errorf("%s: fieldAt/itemAt(%q) = %v, index says %v", name, e.path, got, e.val)
		}
	}
	return true
}

// TestOnlyOddFilesBuildTheIndex: a file written out plainly is parsed
// without the index of every path, an unknown key included; aliases,
// merge keys and repeated keys build it at once, and a report of
// yaml.v3's, which names a line and not a key, builds it to find the key.
func TestOnlyOddFilesBuildTheIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		ok    bool
		index bool
	}{
		{"plain", string(benchConfig(t, 200)), true, false},
		{"plain with an unknown key", "sources:\n  - {id: a, url: 'https://example.org/', colour: red}\n", false, false},
		{"plain with a value of the wrong type", "sources:\n  - {id: a, url: 'https://example.org/', enabled: [3]}\n", false, true},
		{"alias", "x: &u 'https://example.org/'\nsources:\n  - {id: a, url: *u}\n", false, true},
		{"merge key", "sources:\n  - &s {id: a, url: 'https://example.org/'}\n  - {<<: *s, id: b}\n", true, true},
		{"repeated key", "sources:\n  - {id: a, id: b, url: 'https://example.org/'}\n", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDecoder("odd.yaml")
			_, err := d.parse([]byte(tc.doc), fakeEnvironment())
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if built := d.x.table != nil; built != tc.index {
				t.Errorf("index built: %v, want %v (err %v)", built, tc.index, err)
			}
		})
	}
}
