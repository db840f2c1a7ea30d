package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// decoder turns a file into a Config in three steps. yaml.v3 parses it
// into a node tree (syntax errors, a second document), in which a tree
// (index.go) finds every dotted key and its line. yaml.v3 then decodes that same tree
// into the tagged Config, which reports every mistyped value at once, and a
// walk of the tree finds the keys the schema does not have (unknown.go),
// as KnownFields would; those reports are rewritten here with the key's
// path and a hint. Last, each section validates its own values
// (validate.go).
type decoder struct {
	file string
	x    *tree
	errs Errors
	// bad holds the paths that already have an error: a value is reported
	// once, and nothing is reported below a value that could not be decoded.
	bad   map[string]bool
	used  map[*entry]bool // index entries already matched to a yaml.v3 report
	types schema
}

// add records a problem at an explicit line.
func (d *decoder) add(line int, path, format string, args ...any) {
	d.errs = append(d.errs, Error{File: d.file, Line: line, Key: path, Msg: fmt.Sprintf(format, args...)})
	if path != "" {
		d.bad[path] = true
	}
}

// errorf records a problem with the value at path, at that value's line,
// unless the value or a mapping holding it already has one.
func (d *decoder) errorf(path, format string, args ...any) {
	if !d.ok(path) {
		return
	}
	d.add(d.x.line(path), path, format, args...)
}

// drop forgets the problems found so far with the value at path and the
// values it holds.
func (d *decoder) drop(path string) {
	d.errs = slices.DeleteFunc(d.errs, func(e Error) bool {
		return e.Key == path || strings.HasPrefix(e.Key, path+".") || strings.HasPrefix(e.Key, path+"[")
	})
	for p := range d.bad {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			delete(d.bad, p)
		}
	}
}

// ok reports whether neither the value at path nor any value holding it has
// an error.
func (d *decoder) ok(path string) bool {
	if len(d.bad) == 0 {
		return true // the usual case, asked for every source's every key
	}
	for p := path; ; p = parent(p) {
		if d.bad[p] {
			return false
		}
		if p == "" {
			return true
		}
	}
}

// errors returns the problems in file order, without the duplicates an
// aliased block produces by being decoded more than once.
func (d *decoder) errors() Errors {
	seen := make(map[Error]bool, len(d.errs))
	out := make(Errors, 0, len(d.errs))
	for _, e := range d.errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out.sorted()
}

// decode fills cfg (holding the defaults) from data. It returns false when
// the file could not be decoded far enough to be validated.
func (d *decoder) decode(cfg *file, data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		d.syntaxError(data, err)
		return false
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntaxError(data, err)
		return false
	default:
		d.add(extra.Line, "", "a config file holds one YAML document; found another")
	}
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	d.x = newTree(root, d)
	if root == nil || d.bad[""] {
		// Nothing to decode, or yaml.v3 would decode nothing: the top
		// level has a duplicate key, or aliases expand too far.
		return root == nil
	}
	// Decoding the document node, not root, is what Decoder.Decode does.
	var te *yaml.TypeError
	if err := doc.Decode(cfg); err != nil && !errors.As(err, &te) {
		// yaml.v3 stops at the first error of any other kind: an
		// alias that contains itself, or excessive aliasing.
		line, path, msg := root.Line, "", strings.TrimPrefix(err.Error(), "yaml: ")
		if m := selfAlias().FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("alias *%s refers to the value that contains it", m[1])
			if e := d.find(func(e *entry) bool { return e.val.Anchor == m[1] }); e != nil {
				line, path = e.val.Line, e.path
			}
		}
		d.add(line, path, "%s", msg)
		return false
	}
	var reports []string
	if te != nil {
		reports = te.Errors
	}
	d.report(reports, unknownFields(root, &d.types))
	d.realign(reflect.ValueOf(cfg).Elem(), root, make([]byte, 0, 64))
	return true
}

// realign undoes two things yaml.v3 does to a decoded value v, walking it
// with the paths of its keys and n, the node at path (nil when the file
// leaves it out).
//
// It leaves out of a decoded list every item it could not decode (null,
// the wrong kind, a mapping with a duplicate key), which would shift the
// later items' indexes and so their keys in messages. Those items, and
// only those, have an error at their own path by now; nulls get theirs
// here, and the rest go back in their places.
//
// It converts scalars: "yes" and "on" (YAML 1.1) to true, 2.5 to the int 2.
// Only true and false are booleans here, and only whole numbers ints.
//
// The path is built in one buffer as the walk goes down: a string is made
// only for a message. realign returns the buffer, which may have grown,
// cut back to the path it was given.
func (d *decoder) realign(v reflect.Value, n *yaml.Node, path []byte) []byte {
	switch v.Kind() {
	case reflect.Bool, reflect.Int:
		want, what := "!!bool", "true or false"
		if v.Kind() == reflect.Int {
			want, what = "!!int", "a whole number"
		}
		if isSet(n) && n.ShortTag() != want {
			d.errorf(string(path), "expected %s, found %s", what, describe(n))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			path = d.realign(v.Elem(), n, path)
		}
	case reflect.Struct:
		for _, f := range d.types.of(v.Type()).walk {
			switch {
			case f.inline:
				path = d.realign(v.Field(f.index), n, path)
			case f.realigned:
				mark := len(path)
				path = appendKey(path, f.name)
				path = d.realign(v.Field(f.index), d.x.fieldAt(n, f.name, path), path)
				path = path[:mark]
			}
		}
	case reflect.Slice:
		if n == nil || n.Kind != yaml.SequenceNode {
			return path
		}
		mark := len(path)
		if v.Len() < len(n.Content) {
			out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
			j := 0
			for i, item := range n.Content {
				path = appendIndex(path[:mark], i)
				if item = deref(item); item.Kind == yaml.ScalarNode && item.ShortTag() == "!!null" {
					d.add(item.Line, string(path), "expected %s, found null", expectation(v.Type().Elem().String()))
					continue
				}
				if !d.bad[string(path)] && j < v.Len() {
					out.Index(i).Set(v.Index(j))
					j++
				}
			}
			path = path[:mark]
			if j != v.Len() {
				return path // not the items yaml.v3 dropped: leave the list as decoded
			}
			v.Set(out)
		}
		if !d.types.realigned(v.Type().Elem()) {
			return path
		}
		for i := range v.Len() {
			path = appendIndex(path[:mark], i)
			path = d.realign(v.Index(i), d.x.itemAt(n, i, path), path)
		}
		path = path[:mark]
	}
	return path
}

// isSet reports whether n is a value other than null.
func isSet(n *yaml.Node) bool {
	return n != nil && !(n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// lazyRegexp compiles expr on first use. Most of the package's
// expressions read yaml.v3's error messages or values that are rarely
// written; a process that never meets one (watcher once with a valid
// file) does not compile it at start.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

var (
	yamlLine      = lazyRegexp(`^yaml: line ([0-9]+): (.*)$`)
	unknownAnchor = lazyRegexp(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to
// its scanner). For these it reports the 0-based line of the enclosing
// construct, and omits "line N" for line 1, so the line is corrected here.
var yamlParserProblems = []string{
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// syntaxError turns a yaml.v3 parse error into an Error with its line.
func (d *decoder) syntaxError(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine().FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if slices.Contains(yamlParserProblems, msg) {
		line++
	}
	if m := unknownAnchor().FindStringSubmatch(err.Error()); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
		}
	}
	d.add(line, "", "YAML syntax error: %s", msg)
}

// The two reports yaml.v3's decoding makes (its duplicate-key report is
// not used: the index finds those in every mapping, where yaml.v3 stops at
// the first mapping that has one), and the one the unit types make
// (valueError).
var (
	cannotDecode = lazyRegexp("^line ([0-9]+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
	duplicateKey = lazyRegexp(`^line ([0-9]+): mapping key .* already defined at line [0-9]+$`)
	atPosition   = lazyRegexp(`(?s)^at ([0-9]+):([0-9]+): (.*)$`)
	selfAlias    = lazyRegexp(`^anchor '(.*)' value contains itself$`)
	quotedValue  = lazyRegexp("`[^`]*`")
)

// valueError reports a bad value from an UnmarshalYAML method. It is a
// *yaml.TypeError, the one error with which yaml.v3 decodes the rest of the
// file, and it carries the node's position, from which the decoder finds
// the key.
func valueError(n *yaml.Node, err error) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("at %d:%d: %v", n.Line, n.Column, err)}}
}

// report records yaml.v3's reports and the unknown keys, in the order
// yaml.v3 would have reported them all with KnownFields: on one line (a
// flow mapping) an unknown key goes before the first report about a value
// that comes after it in the file's walk.
func (d *decoder) report(reports []string, unknown []unknownField) {
	rank := func(path string) int {
		if i, ok := d.x.index().byPath[path]; ok {
			return int(i)
		}
		return math.MaxInt
	}
	placed := make([]bool, len(unknown))
	put := func(i int) {
		u := unknown[i]
		placed[i] = true
		d.add(u.key.Line, u.path, "%s", unknownKey(u.name, u.known, parent(u.path) == ""))
	}
	for _, msg := range reports {
		e, at, ok := d.translate(msg)
		if !ok {
			continue
		}
		for i, u := range unknown {
			if placed[i] || u.key.Line != e.Line {
				continue
			}
			if rank(u.path) >= at {
				break
			}
			put(i)
		}
		d.add(e.Line, e.Key, "%s", e.Msg)
	}
	for i := range unknown {
		if !placed[i] {
			put(i)
		}
	}
}

// translate rewrites one of yaml.v3's reports as an Error with the key's
// dotted path, and the place in the index of the value it is about (-1:
// none); false for a report that is left out.
func (d *decoder) translate(msg string) (e Error, at int, ok bool) {
	if m := atPosition().FindStringSubmatch(msg); m != nil {
		line, col := atoi(m[1]), atoi(m[2])
		if x := d.x.index().at(line, col); x != nil {
			return Error{Line: line, Key: x.path, Msg: m[3]}, d.x.index().pos(x), true
		}
		return Error{Line: line, Msg: m[3]}, -1, true
	}
	if duplicateKey().MatchString(msg) {
		return Error{}, 0, false
	}
	if m := cannotDecode().FindStringSubmatch(msg); m != nil {
		line, tag, short, into := atoi(m[1]), m[2], m[3], m[4]
		x := d.find(func(e *entry) bool {
			return e.val.Line == line && e.val.ShortTag() == tag && (short == "" || yamlShort(e.val.Value) == short) &&
				typeAt(e.path) != nil && typeAt(e.path).String() == into
		})
		switch {
		case x == nil:
			// Most likely a key that is not a string, which has no entry
			// of its own: its mapping entry places it among the others.
			at := -1
			if into == "string" {
				order := d.x.index().order
				for i := range order {
					if k := order[i].key; k != nil && k.Line == line && k.ShortTag() == tag {
						at = i
						break
					}
				}
			}
			return Error{Line: line, Msg: fmt.Sprintf("expected %s, found a %s value", expectation(into), strings.TrimPrefix(tag, "!!"))}, at, true
		case x.path == "":
			d.bad[""] = true
			return Error{Line: line, Msg: "expected a mapping of settings at the top level, found " + describe(x.val)}, d.x.index().pos(x), true
		}
		return Error{Line: line, Key: x.path, Msg: fmt.Sprintf("expected %s, found %s", expectation(into), describe(x.val))}, d.x.index().pos(x), true
	}
	// A report this version of yaml.v3 words differently: shown as is,
	// without the value it may quote.
	return Error{Msg: quotedValue().ReplaceAllString(msg, "a value")}, -1, true
}

// find returns the first index entry, in file order, that matches and has
// not been matched before: one line can hold several keys in a flow mapping.
func (d *decoder) find(match func(*entry) bool) *entry {
	x := d.x.index()
	for i := range x.order {
		if e := &x.order[i]; !d.used[e] && match(e) {
			d.used[e] = true
			return e
		}
	}
	return nil
}

// yamlShort is how yaml.v3 quotes a value in its reports.
func yamlShort(v string) string {
	if len(v) > 10 {
		return v[:7] + "..."
	}
	return v
}

// expectation says what a Go type accepts, for "expected X, found Y".
func expectation(into string) string {
	switch {
	case into == "bool":
		return "true or false"
	case strings.HasPrefix(into, "int"), strings.HasPrefix(into, "uint"):
		return "a whole number"
	case strings.HasPrefix(into, "float"):
		return "a number"
	case into == "string":
		return "a string"
	case strings.HasPrefix(into, "[]"):
		return "a list"
	case into == "map[string]string":
		return "a mapping of header names to values"
	case into == "map[string]config.KindRoute":
		return "a mapping of event kinds to routes"
	}
	return "a mapping"
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// typeAt returns the Go type the schema gives the value at path, or nil.
func typeAt(path string) reflect.Type {
	t := reflect.TypeFor[file]()
	for rest := path; rest != "" && t != nil; {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if strings.HasPrefix(rest, "[") {
			_, after, _ := strings.Cut(rest, "]")
			rest = after
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
			continue
		}
		rest = strings.TrimPrefix(rest, ".")
		i := strings.IndexAny(rest, ".[")
		if i < 0 {
			i = len(rest)
		}
		key := rest[:i]
		rest = rest[i:]
		switch t.Kind() {
		case reflect.Map:
			if t.Elem().Kind() != reflect.Struct {
				// The rest is the map's key, dots and all (a header "X.Y").
				return t.Elem()
			}
			t = t.Elem()
		case reflect.Struct:
			t = fieldType(t, key)
		default:
			return nil
		}
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldType is the type of the field a struct decodes key into, or nil.
func fieldType(t reflect.Type, key string) reflect.Type {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" {
			if ft := fieldType(f.Type, key); ft != nil {
				return ft
			}
		} else if name == key && f.IsExported() {
			return f.Type
		}
	}
	return nil
}

// keysOf lists the yaml keys of a struct type, inlined structs included,
// in declaration order: the struct tags are the one list of keys.
func keysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case !f.IsExported() || name == "-":
		case opts == "inline":
			keys = append(keys, keysOf(f.Type)...)
		case name != "":
			keys = append(keys, name)
		}
	}
	return keys
}

// sections lists the mapping sections of the top level with their keys,
// so that a key put at the wrong level gets "did you mean "fetch.user_agent"?".
func sections() (names []string, keys [][]string) {
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.Type.Kind() == reflect.Struct && name != "-" {
			names = append(names, name)
			keys = append(keys, keysOf(f.Type))
		}
	}
	return names, keys
}

// unknownKey explains an unknown key: the key probably meant, the section it
// belongs to, or, for a secret-looking key, where secrets go instead.
func unknownKey(key string, known []string, atRoot bool) string {
	if s := Suggest(key, known); s != "" {
		return fmt.Sprintf("unknown key %q; did you mean %q?", key, s)
	}
	if atRoot {
		names, keys := sections()
		for i := range names {
			if slices.Contains(keys[i], key) {
				return fmt.Sprintf("unknown key %q; did you mean %q?", key, names[i]+"."+key)
			}
		}
		for i := range names {
			if s := Suggest(key, keys[i]); s != "" {
				return fmt.Sprintf("unknown key %q; did you mean %q?", key, names[i]+"."+s)
			}
		}
	}
	lower := strings.ToLower(key)
	switch {
	case strings.Contains(lower, "webhook"):
		return fmt.Sprintf("unknown key %q: secrets come from the environment or webhook_url_file, never from this file", key)
	case strings.Contains(lower, "token"), strings.Contains(lower, "secret"),
		strings.Contains(lower, "password"), strings.Contains(lower, "api_key"):
		return fmt.Sprintf("unknown key %q: secrets come from the environment or token_file, never from this file", key)
	}
	return fmt.Sprintf("unknown key %q", key)
}

// Suggest returns the entry of known closest to key when it is close
// enough to be a typo (one edit for short words, up to three for long
// ids), or one that differs only in case and separators: the one "did you
// mean" of config keys, command-line ids and Slack commands.
func Suggest(key string, known []string) string {
	fold := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", -1
	for _, k := range known {
		if fold(k) == fold(key) {
			return k
		}
		if dist := levenshtein(strings.ToLower(key), strings.ToLower(k)); bestDist < 0 || dist < bestDist {
			best, bestDist = k, dist
		}
	}
	limit := 1
	switch n := len([]rune(key)); {
	case n >= 10:
		limit = 3
	case n >= 5:
		limit = 2
	}
	if bestDist >= 0 && bestDist <= limit {
		return best
	}
	return ""
}

// levenshtein is the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// describe names what a node holds, for "expected X, found Y".
func describe(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind != yaml.ScalarNode:
		return "a YAML document"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return n.Value
	case "!!int", "!!float":
		return "the number " + n.Value
	}
	return quote(n.Value)
}

// quote is %q for values echoed in messages, except that anything that
// looks like a Slack secret is not repeated: error text ends up in logs.
func quote(v string) string {
	if looksSecret(v) {
		return "a value that looks like a Slack secret"
	}
	if r := []rune(v); len(r) > 80 {
		v = string(r[:77]) + "..."
	}
	return fmt.Sprintf("%q", v)
}

func looksSecret(v string) bool {
	return strings.Contains(v, "xox") || strings.Contains(strings.ToLower(v), "hooks.slack.com")
}
