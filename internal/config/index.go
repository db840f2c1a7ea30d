package config

import (
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// index maps the dotted path of every value in the file ("sources[2].url")
// to its node, for lines in messages and for telling a key left out from
// a key set to its zero value. Keys brought in by a merge key ("<<") are
// indexed under the mapping that merges them, as yaml.v3 decodes them.
//
// The decoder asks a tree (below), which builds the index only for a file
// it cannot walk by path: one with aliases, merge keys or repeated keys,
// or an error that needs the file order. A 10,000-source file has some
// 60,000 values, so the index is built with few allocations: the entries
// in one slice, and their paths written end to end in one strings.Builder,
// each path a substring of what it holds.
type index struct {
	root   *yaml.Node
	byPath map[string]int32 // path -> position in order
	order  []entry          // file order, as walked
	budget int              // nodes left to visit, see maxIndexed
	paths  strings.Builder
}

// entry is one indexed value; key is nil for list items and the root.
type entry struct {
	path     string
	key, val *yaml.Node
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

// values counts the entries the index has for n as written: its values
// and list items, not its keys.
func values(n *yaml.Node) int {
	c := 1
	if n.Kind == yaml.MappingNode {
		for i := 1; i < len(n.Content); i += 2 {
			c += values(n.Content[i])
		}
		return c
	}
	for _, k := range n.Content {
		c += values(k)
	}
	return c
}

// newIndex walks root, reporting duplicate keys to d. yaml.v3 reports them
// too but stops at the first mapping that has one; and it then decodes
// nothing of that mapping, which d.bad records.
func newIndex(root *yaml.Node, d *decoder) *index {
	x := &index{root: root, budget: maxIndexed}
	if root != nil {
		x.budget = max(maxIndexed, 2*written(root))
		n := values(root)
		x.byPath = make(map[string]int32, n)
		x.order = make([]entry, 0, n)
		x.paths.Grow(24 * n) // "sources[1234].authority"
		x.walk(d, nil, root, "", make([]*yaml.Node, 0, 16))
	}
	if x.budget <= 0 && d != nil {
		d.add(root.Line, "", "aliases expand the file to more than %d values: write it out or use fewer aliases", max(maxIndexed, 2*written(root)))
		d.bad[""] = true
	}
	return x
}

// keyPath and itemPath write the path of a mapping's key or a list's item
// into x.paths and return it. The builder only ever appends, so the
// strings it has returned stay valid as it grows.
func (x *index) keyPath(path, key string) string {
	start := x.paths.Len()
	if path != "" {
		x.paths.WriteString(path)
		x.paths.WriteByte('.')
	}
	x.paths.WriteString(key)
	return x.paths.String()[start:]
}

func (x *index) itemPath(path string, i int) string {
	start := x.paths.Len()
	x.paths.WriteString(path)
	x.paths.WriteByte('[')
	var digits [20]byte
	x.paths.Write(strconv.AppendInt(digits[:0], int64(i), 10))
	x.paths.WriteByte(']')
	return x.paths.String()[start:]
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
	x.byPath[path] = int32(len(x.order))
	x.order = append(x.order, entry{path: path, key: key, val: val})
	if slices.Contains(stack, val) {
		return // an alias to a node that contains it; yaml.v3 refuses those
	}
	stack = append(stack, val)
	switch val.Kind {
	case yaml.MappingNode:
		x.mapping(d, val, path, stack)
	case yaml.SequenceNode:
		for i, item := range val.Content {
			x.walk(d, nil, item, x.itemPath(path, i), stack)
		}
	}
}

func (x *index) mapping(d *decoder, n *yaml.Node, path string, stack []*yaml.Node) {
	var merges []*yaml.Node
	var first map[string]int // for a large mapping; a small one is searched
	if len(n.Content) > 2*smallMapping {
		first = make(map[string]int, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		line, dup := 0, false
		if first != nil {
			line, dup = first[k.Value]
		} else {
			line, dup = firstKey(n, i)
		}
		if dup && k.Kind == yaml.ScalarNode {
			if d != nil {
				d.add(k.Line, joinKey(path, k.Value), "key %q appears twice (first on line %d)", k.Value, line)
				d.bad[path] = true
			}
			continue
		}
		if first != nil {
			first[k.Value] = k.Line
		}
		x.walk(d, k, v, x.keyPath(path, k.Value), stack)
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

// smallMapping is the number of keys up to which a mapping is searched for
// a repeated key rather than given a map: a source has a handful.
const smallMapping = 32

// firstKey is the lookup of mapping's first map for the i-th entry of n,
// searching the keys before it: the line of the first key with its text,
// merge keys aside, or of a later one that is not a scalar (a repeated
// scalar key is skipped, any other is recorded again).
func firstKey(n *yaml.Node, i int) (line int, found bool) {
	for j := 0; j < i; j += 2 {
		k := n.Content[j]
		if k.Value != n.Content[i].Value || k.ShortTag() == "!!merge" {
			continue
		}
		if !found || k.Kind != yaml.ScalarNode {
			line = k.Line
		}
		found = true
	}
	return line, found
}

func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// entry returns the entry of the value at path, or nil when the file
// leaves it out.
func (x *index) entry(path string) *entry {
	if i, ok := x.byPath[path]; ok {
		return &x.order[i]
	}
	return nil
}

// pos is the place of e in the file order: each path is indexed once.
func (x *index) pos(e *entry) int { return int(x.byPath[e.path]) }

// node returns the value at path, or nil when the file leaves it out.
func (x *index) node(path string) *yaml.Node {
	if e := x.entry(path); e != nil {
		return e.val
	}
	return nil
}

// keys returns the keys of the mapping at path, merged ones included, in
// file order.
func (x *index) keys(path string) []string {
	var out []string
	for i := range x.order {
		if e := &x.order[i]; e.key != nil && isKeyOf(e.path, path, e.key.Value) {
			out = append(out, e.key.Value)
		}
	}
	return out
}

// line is the line of the key at path (of the value for a list item) or,
// when the file leaves it out, of the nearest value that holds it. For a
// scalar the key and the value share a line; a block mapping or list starts
// on the line after its key, where the key is what the reader looks for.
func (x *index) line(path string) int {
	if e := x.entry(path); e != nil && e.key != nil {
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
	for i := range x.order {
		if e := &x.order[i]; e.val.Line == line && e.val.Column == col {
			return e
		}
	}
	return nil
}

// child is joinKey(path, key), and item is path+"[i]": the index's own
// string when the file has that value, so that checking a source's keys
// allocates a path only for the keys it leaves out.
func (x *index) child(path, key string) string {
	var buf [64]byte
	return x.pathOf(appendKey(append(buf[:0], path...), key))
}

// setChild is set(joinKey(path, key)), without building the path.
func (x *index) setChild(path, key string) bool {
	var buf [64]byte
	return isSet(x.nodeBytes(appendKey(append(buf[:0], path...), key)))
}

func (x *index) item(path string, i int) string {
	var buf [64]byte
	return x.pathOf(appendIndex(append(buf[:0], path...), i))
}

// pathOf is the index's own string for the path in b when the file has
// that value, else a new one.
func (x *index) pathOf(b []byte) string {
	if e := x.entryBytes(b); e != nil {
		return e.path
	}
	return string(b)
}

// entryBytes is the entry of a path held in a buffer, or nil.
func (x *index) entryBytes(b []byte) *entry {
	if i, ok := x.byPath[string(b)]; ok {
		return &x.order[i]
	}
	return nil
}

// isKeyOf reports whether p is joinKey(path, key), without building it.
func isKeyOf(p, path, key string) bool {
	if path == "" {
		return p == key
	}
	return len(p) == len(path)+1+len(key) && strings.HasPrefix(p, path) && p[len(path)] == '.' && strings.HasSuffix(p, key)
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

// tree answers the decoder's questions about where a value is written
// ("sources[2].url": which node, on which line) without indexing every
// path when it need not.
//
// A plain file (no alias, no merge key, no repeated key, and no key that
// is empty, is not a scalar, or holds "." or "[") names every node by one
// path and every path one node: a path is then looked up by walking down
// the node tree from the path's parent, which a small memo of recent
// parents makes a search among a source's few keys. A valid 10,000-source
// file so pays for no table of 60,000 paths. Any other file gets the
// index of every path at once, as the walk that builds it also reports
// the repeated keys and bounds the aliases; and the questions only a file
// with errors asks (which value is at a line and column, which comes
// first in the file) build that index on first use. For a plain file the
// two answer alike: TestTreeLookupsMatchIndex and FuzzTreeMatchesIndex.
type tree struct {
	root  *yaml.Node
	plain bool
	table *index // every path; built at once for a file that is not plain
	// big holds the keys of a large mapping by text, built on first
	// lookup: a mapping's keys are otherwise searched one by one.
	big   map[*yaml.Node]map[string]int
	memo  [4]memoEntry
	next  int             // memo entry to replace next
	paths strings.Builder // the paths child and item make, end to end
}

type memoEntry struct {
	path string
	node *yaml.Node
}

// newTree returns the tree of root, reporting to d what the index
// reports for a file that is not plain.
func newTree(root *yaml.Node, d *decoder) *tree {
	t := &tree{root: root}
	if root != nil && isPlain(root) {
		t.plain = true
		return t
	}
	t.table = newIndex(root, d)
	return t
}

// isPlain reports whether n is written out plainly, in the sense of tree.
func isPlain(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.AliasNode:
		return false
	case yaml.MappingNode:
		if repeatsKey(n) {
			return false
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Value == "" || strings.ContainsAny(k.Value, ".[") || k.ShortTag() == "!!merge" {
				return false
			}
			if !isPlain(n.Content[i+1]) {
				return false
			}
		}
	default:
		for _, c := range n.Content {
			if !isPlain(c) {
				return false
			}
		}
	}
	return true
}

// index returns the index of every path, building it on first use.
func (t *tree) index() *index {
	if t.table == nil {
		// A plain file has no repeated keys to report.
		t.table = newIndex(t.root, nil)
	}
	return t.table
}

// lookup returns the value at path and its key (nil for a list item and
// the root); nil, nil when the file leaves it out.
func (t *tree) lookup(path string) (key, val *yaml.Node) {
	if !t.plain {
		if e := t.table.entry(path); e != nil {
			return e.key, e.val
		}
		return nil, nil
	}
	if path == "" {
		return nil, t.root
	}
	i := strings.LastIndexAny(path, ".[")
	parent := t.parentNode(path[:max(i, 0)])
	if parent == nil {
		return nil, nil
	}
	if i >= 0 && path[i] == '[' {
		return nil, itemOf(parent, path[i+1:])
	}
	return t.field(parent, path[i+1:])
}

// parentNode is lookup's value, remembered for the next paths under it:
// a source's checks look up its keys one after another.
func (t *tree) parentNode(path string) *yaml.Node {
	for i := range t.memo {
		if m := &t.memo[i]; m.node != nil && m.path == path {
			return m.node
		}
	}
	_, n := t.lookup(path)
	if n != nil {
		t.memo[t.next] = memoEntry{path: path, node: n}
		t.next = (t.next + 1) % len(t.memo)
	}
	return n
}

// itemOf is the item of the list n that seg ("12]") names, or nil.
func itemOf(n *yaml.Node, seg string) *yaml.Node {
	digits, ok := strings.CutSuffix(seg, "]")
	if !ok || n.Kind != yaml.SequenceNode || digits == "" || len(digits) > 1 && digits[0] == '0' {
		return nil
	}
	i := 0
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' || i > len(n.Content) {
			return nil
		}
		i = 10*i + int(c-'0')
	}
	if i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

// field returns the key and value of name in the mapping n of a plain
// file, where each key is written once.
func (t *tree) field(n *yaml.Node, name string) (key, val *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	if len(n.Content) <= 2*smallMapping {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i], n.Content[i+1]
			}
		}
		return nil, nil
	}
	keys := t.big[n]
	if keys == nil {
		if t.big == nil {
			t.big = map[*yaml.Node]map[string]int{}
		}
		keys = make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			keys[n.Content[i].Value] = i
		}
		t.big[n] = keys
	}
	if i, ok := keys[name]; ok {
		return n.Content[i], n.Content[i+1]
	}
	return nil, nil
}

// fieldAt is the value of the key name of the mapping parent, which is the
// value at path's parent; path ends in that key. Walks decoding values
// pass the parent down so a plain file's lookup is one search of its keys.
func (t *tree) fieldAt(parent *yaml.Node, name string, path []byte) *yaml.Node {
	if !t.plain {
		return t.table.nodeBytes(path)
	}
	if parent == nil {
		return nil
	}
	_, v := t.field(parent, name)
	return v
}

// itemAt is fieldAt for the i-th item of a list.
func (t *tree) itemAt(parent *yaml.Node, i int, path []byte) *yaml.Node {
	if !t.plain {
		return t.table.nodeBytes(path)
	}
	if parent == nil || parent.Kind != yaml.SequenceNode || i >= len(parent.Content) {
		return nil
	}
	return parent.Content[i]
}

// node returns the value at path, or nil when the file leaves it out.
func (t *tree) node(path string) *yaml.Node {
	_, v := t.lookup(path)
	return v
}

// set reports whether the file gives path a value other than null.
func (t *tree) set(path string) bool { return isSet(t.node(path)) }

// raw is the value at path as written, for messages.
func (t *tree) raw(path string) string {
	if n := t.node(path); n != nil {
		return n.Value
	}
	return ""
}

// keys returns the keys of the mapping at path, merged ones included, in
// file order.
func (t *tree) keys(path string) []string {
	if !t.plain {
		return t.table.keys(path)
	}
	n := t.node(path)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]string, 0, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

// line is the line of the key at path (of the value for a list item) or,
// when the file leaves it out, of the nearest value that holds it. For a
// scalar the key and the value share a line; a block mapping or list starts
// on the line after its key, where the key is what the reader looks for.
func (t *tree) line(path string) int {
	if k, _ := t.lookup(path); k != nil {
		return k.Line
	}
	for p := path; ; p = parent(p) {
		if n := t.node(p); n != nil {
			return n.Line
		}
		if p == "" {
			return 0
		}
	}
}

// child is joinKey(path, key), and item is path+"[i]", written end to end
// with the other paths made here (or the index's own string), so that
// checking a source's keys does not allocate a string for each.
func (t *tree) child(path, key string) string {
	if !t.plain {
		return t.table.child(path, key)
	}
	b := t.arena(len(path) + 1 + len(key))
	start := b.Len()
	if path != "" {
		b.WriteString(path)
		b.WriteByte('.')
	}
	b.WriteString(key)
	return b.String()[start:]
}

func (t *tree) item(path string, i int) string {
	if !t.plain {
		return t.table.item(path, i)
	}
	var digits [20]byte
	n := strconv.AppendInt(digits[:0], int64(i), 10)
	b := t.arena(len(path) + len(n) + 2)
	start := b.Len()
	b.WriteString(path)
	b.WriteByte('[')
	b.Write(n)
	b.WriteByte(']')
	return b.String()[start:]
}

// arena returns the builder the next path of n bytes is written to. A
// full one is left to the strings made from it, and a new one started:
// growing it in place would copy every path made so far each time.
func (t *tree) arena(n int) *strings.Builder {
	if t.paths.Cap()-t.paths.Len() < n {
		t.paths = strings.Builder{}
		t.paths.Grow(max(n, arenaChunk))
	}
	return &t.paths
}

// arenaChunk is the size of each of the tree's path buffers: a few
// hundred source paths.
const arenaChunk = 8 << 10

// childLine is line(joinKey(path, key)), without building the path when
// the file has that key.
func (t *tree) childLine(path, key string) int {
	if !t.plain {
		return t.table.line(t.table.child(path, key))
	}
	if n := t.parentNode(path); n != nil {
		if k, _ := t.field(n, key); k != nil {
			return k.Line
		}
	}
	return t.line(t.child(path, key))
}

// setKeys is setChild for each of keys, bit i for keys[i], in one pass
// over the mapping's keys for a plain file.
func (t *tree) setKeys(path string, keys []string) (set uint64) {
	if !t.plain {
		for i, k := range keys {
			if t.table.setChild(path, k) {
				set |= 1 << i
			}
		}
		return set
	}
	n := t.parentNode(path)
	if n == nil || n.Kind != yaml.MappingNode {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if j := slices.Index(keys, n.Content[i].Value); j >= 0 && isSet(n.Content[i+1]) {
			set |= 1 << j
		}
	}
	return set
}

// setChild is set(joinKey(path, key)), without building the path.
func (t *tree) setChild(path, key string) bool {
	if !t.plain {
		return t.table.setChild(path, key)
	}
	if n := t.parentNode(path); n != nil {
		_, v := t.field(n, key)
		return isSet(v)
	}
	return false
}

// nodeBytes is node for a path held in a buffer.
func (x *index) nodeBytes(path []byte) *yaml.Node {
	if e := x.entryBytes(path); e != nil {
		return e.val
	}
	return nil
}
