package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// index maps the dotted path of every value in the file ("sources[2].url")
// to its node, for lines in messages and for telling a key left out from
// a key set to its zero value. Keys brought in by a merge key ("<<") are
// indexed under the mapping that merges them, as yaml.v3 decodes them.
type index struct {
	root   *yaml.Node
	byPath map[string]*entry
	order  []*entry // file order, as walked
	budget int      // nodes left to visit, see maxIndexed
}

// entry is one indexed value; key is nil for list items and the root.
type entry struct {
	path     string
	key, val *yaml.Node
	pos      int // in order
}

// maxIndexed bounds the walk, which follows aliases: a billion-laughs
// document would otherwise expand exponentially here. A hand-written config
// file has a few hundred values; one that expands past this bound, or past
// twice the values it has written out (a generated file with 10,000
// sources has over 50,000), is refused.
const maxIndexed = 20_000

// written counts the nodes of n as written, not following aliases: linear
// in the file's size, so it bounds the walk without being fooled by it.
func written(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += written(k)
	}
	return c
}

// newIndex walks root, reporting duplicate keys to d. yaml.v3 reports them
// too but stops at the first mapping that has one; and it then decodes
// nothing of that mapping, which d.bad records.
func newIndex(root *yaml.Node, d *decoder) *index {
	x := &index{root: root, byPath: map[string]*entry{}, budget: maxIndexed}
	if root != nil {
		x.budget = max(maxIndexed, 2*written(root))
		x.walk(d, nil, root, "", nil)
	}
	if x.budget <= 0 && d != nil {
		d.add(root.Line, "", "aliases expand the file to more than %d values: write it out or use fewer aliases", max(maxIndexed, 2*written(root)))
		d.bad[""] = true
	}
	return x
}

func (x *index) walk(d *decoder, key, val *yaml.Node, path string, stack []*yaml.Node) {
	if x.budget <= 0 {
		return
	}
	x.budget--
	if val.Kind == yaml.AliasNode && val.Alias != nil {
		val = val.Alias
	}
	if _, seen := x.byPath[path]; seen {
		// A merged key under a key written out, which wins.
		return
	}
	e := &entry{path: path, key: key, val: val, pos: len(x.order)}
	x.byPath[path] = e
	x.order = append(x.order, e)
	if slices.Contains(stack, val) {
		return // an alias to a node that contains it; yaml.v3 refuses those
	}
	stack = append(stack, val)
	switch val.Kind {
	case yaml.MappingNode:
		x.mapping(d, val, path, stack)
	case yaml.SequenceNode:
		for i, item := range val.Content {
			x.walk(d, nil, item, fmt.Sprintf("%s[%d]", path, i), stack)
		}
	}
}

func (x *index) mapping(d *decoder, n *yaml.Node, path string, stack []*yaml.Node) {
	var merges []*yaml.Node
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if line, dup := first[k.Value]; dup && k.Kind == yaml.ScalarNode {
			if d != nil {
				d.add(k.Line, joinKey(path, k.Value), "key %q appears twice (first on line %d)", k.Value, line)
				d.bad[path] = true
			}
			continue
		}
		first[k.Value] = k.Line
		x.walk(d, k, v, joinKey(path, k.Value), stack)
	}
	// Written keys win over merged ones, and earlier merged mappings over
	// later ones, as in yaml.v3.
	for _, m := range merges {
		m = deref(m)
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, src := range srcs {
			if src = deref(src); src.Kind == yaml.MappingNode && !slices.Contains(stack, src) && x.budget > 0 {
				x.mapping(nil, src, path, append(stack, src))
			}
		}
	}
}

func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// node returns the value at path, or nil when the file leaves it out.
func (x *index) node(path string) *yaml.Node {
	if e := x.byPath[path]; e != nil {
		return e.val
	}
	return nil
}

// keys returns the keys of the mapping at path, merged ones included, in
// file order.
func (x *index) keys(path string) []string {
	var out []string
	for _, e := range x.order {
		if e.key != nil && e.path == joinKey(path, e.key.Value) {
			out = append(out, e.key.Value)
		}
	}
	return out
}

// set reports whether the file gives path a value other than null.
func (x *index) set(path string) bool {
	n := x.node(path)
	return n != nil && !(n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// raw is the value at path as written, for messages.
func (x *index) raw(path string) string {
	if n := x.node(path); n != nil {
		return n.Value
	}
	return ""
}

// line is the line of the key at path (of the value for a list item) or,
// when the file leaves it out, of the nearest value that holds it. For a
// scalar the key and the value share a line; a block mapping or list starts
// on the line after its key, where the key is what the reader looks for.
func (x *index) line(path string) int {
	if e := x.byPath[path]; e != nil && e.key != nil {
		return e.key.Line
	}
	for p := path; ; p = parent(p) {
		if n := x.node(p); n != nil {
			return n.Line
		}
		if p == "" {
			return 0
		}
	}
}

// at returns the entry of the value at a line and column, for the errors
// of the unit types' UnmarshalYAML; nil when none is indexed there.
func (x *index) at(line, col int) *entry {
	for _, e := range x.order {
		if e.val.Line == line && e.val.Column == col {
			return e
		}
	}
	return nil
}

// parent strips the last key or list index off a path.
func parent(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
