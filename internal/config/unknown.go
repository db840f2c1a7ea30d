package config

import (
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The file is parsed once, and its node tree decoded with Node.Decode,
// which has no KnownFields option. The unknown keys yaml.v3 would report
// with KnownFields(true) are found here instead, by walking the tree the
// way yaml.v3's decoder walks it: into the same values, in the same order,
// skipping what it skips. TestUnknownKeysMatchKnownFields and
// FuzzUnknownKeysMatchKnownFields hold the two to the same list.

// unknownField is a key yaml.v3 would report as "field not found".
type unknownField struct {
	key   *yaml.Node // as written: an alias, for an aliased key
	name  string     // the key as decoded
	path  string     // the key's dotted path, as the index spells it
	known []string   // the keys of the struct it is not one of
}

// keyWalk is the state of one walk; merged mirrors yaml.v3's mergedFields:
// while a merge key's mapping is decoded, the keys already set, which the
// merged mapping does not override.
type keyWalk struct {
	found  []unknownField
	merged map[string]bool
	path   []byte // of the value being walked, built as the walk goes down
	types  *schema
}

// unknownFields lists the keys of the tree at root that the schema does not
// have, in the order yaml.v3's KnownFields decoding reports them.
func unknownFields(root *yaml.Node, s *schema) []unknownField {
	w := &keyWalk{types: s}
	w.value(root, reflect.TypeFor[file]())
	return w.found
}

// value walks n as yaml.v3's decoder.unmarshal decodes it into a value of
// type t.
func (w *keyWalk) value(n *yaml.Node, t reflect.Type) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode {
		return // only mappings and lists hold keys
	}
	if n.ShortTag() != "!!null" {
		// A null leaves pointers alone and calls no UnmarshalYAML.
		for {
			if t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			if w.types.decodesItself(t) {
				return // it decodes itself, unknown keys and all
			}
			if t.Kind() != reflect.Pointer {
				break
			}
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		if repeatsKey(n) {
			return // yaml.v3 decodes nothing of a mapping with a repeated key
		}
		switch t.Kind() {
		case reflect.Struct:
			w.mapping(n, t, w.types.fields(t))
		case reflect.Map:
			if t.Key().Kind() == reflect.String {
				w.mapping(n, t, nil)
			}
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice {
			for i, item := range n.Content {
				mark := len(w.path)
				w.path = appendIndex(w.path, i)
				w.value(item, t.Elem())
				w.path = w.path[:mark]
			}
		}
	}
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// mapping walks a mapping decoded into a struct type t whose keys are
// fields, or into a map type t (fields nil), as yaml.v3's mappingStruct
// and mapping do: the keys written first, then those a merge key brings
// in, which do not override them.
func (w *keyWalk) mapping(n *yaml.Node, t reflect.Type, fields map[string]reflect.Type) {
	merged := w.merged
	w.merged = nil
	var merge *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			merge = v // only the last one counts; two are a repeated key
			continue
		}
		name, ok := keyName(k)
		if !ok {
			continue
		}
		if merged != nil {
			if merged[name] {
				continue
			}
			merged[name] = true
		}
		var ft reflect.Type
		if fields != nil {
			ft = fields[name]
		} else {
			ft = t.Elem()
		}
		mark := len(w.path)
		w.path = appendKey(w.path, k.Value)
		if ft != nil {
			w.value(v, ft)
		} else {
			w.found = append(w.found, unknownField{key: k, name: name, path: string(w.path), known: w.types.keys(t)})
		}
		w.path = w.path[:mark]
	}
	w.merged = merged
	if merge != nil {
		w.merge(n, merge, t)
	}
}

// merge walks the value of a merge key of the mapping n, as yaml.v3's
// decoder.merge does.
func (w *keyWalk) merge(n, merge *yaml.Node, t reflect.Type) {
	outer := w.merged
	if outer == nil {
		// The keys of n that decode to strings: yaml.v3 collects them as
		// interface{} values, so a key that decodes to a number shadows
		// nothing a merged mapping brings in.
		w.merged = map[string]bool{}
		for i := 0; i < len(n.Content); i += 2 {
			var v any
			if n.Content[i].Decode(&v) == nil {
				if s, ok := v.(string); ok {
					w.merged[s] = true
				}
			}
		}
	}
	if merge.Kind == yaml.SequenceNode {
		for _, m := range merge.Content {
			w.value(m, t)
		}
	} else {
		w.value(merge, t)
	}
	w.merged = outer
}

// isMergeKey is yaml.v3's test for a merge key "<<".
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" &&
		(k.Tag == "" || k.Tag == "!" || k.Tag == "!!merge" || k.Tag == "tag:yaml.org,2002:merge")
}

// keyName is a key decoded into a string, as yaml.v3 decodes field names;
// false for what it skips: a null, a mapping or list (a type error).
func keyName(k *yaml.Node) (string, bool) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", false
	}
	switch k.ShortTag() {
	case "!!null":
		return "", false
	case "!!binary":
		var s string
		if k.Decode(&s) != nil {
			return "", false
		}
		return s, true
	}
	return k.Value, true
}

// repeatsKey is yaml.v3's test for a mapping it refuses: two keys of the
// same kind and text. A large mapping is checked with a map, a small one
// by comparing its keys.
func repeatsKey(n *yaml.Node) bool {
	if len(n.Content) > 2*smallMapping {
		type kindValue struct {
			kind  yaml.Kind
			value string
		}
		seen := make(map[kindValue]bool, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			k := kindValue{n.Content[i].Kind, n.Content[i].Value}
			if seen[k] {
				return true
			}
			seen[k] = true
		}
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		for j := i + 2; j < len(n.Content); j += 2 {
			if n.Content[i].Kind == n.Content[j].Kind && n.Content[i].Value == n.Content[j].Value {
				return true
			}
		}
	}
	return false
}

// schema holds what the struct tags say about each struct type of the
// file, worked out once per parse rather than once per value.
type schema struct {
	structs map[reflect.Type]*structKeys
	custom  map[reflect.Type]bool
}

// structKeys are the keys of a struct type, in declaration order, the
// type of the field each decodes into, and the fields realign walks.
type structKeys struct {
	keys   []string
	fields map[string]reflect.Type
	walk   []structField
}

// structField is a field with a key, or an inlined struct.
type structField struct {
	index  int
	name   string
	inline bool
	// realigned: the decoder's realign has something to do with the
	// field's value (see schema.realigned).
	realigned bool
}

func (s *schema) of(t reflect.Type) *structKeys {
	if sk := s.structs[t]; sk != nil {
		return sk
	}
	if s.structs == nil {
		s.structs = map[reflect.Type]*structKeys{}
	}
	sk := &structKeys{keys: keysOf(t), fields: map[string]reflect.Type{}}
	for _, k := range sk.keys {
		sk.fields[k] = fieldType(t, k)
	}
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			sk.walk = append(sk.walk, structField{index: i, inline: true})
		case name != "" && name != "-":
			sk.walk = append(sk.walk, structField{index: i, name: name, realigned: s.realigned(t.Field(i).Type)})
		}
	}
	s.structs[t] = sk
	return sk
}

// realigned reports whether decoder.realign has anything to do with a
// value of type t: a bool or int, a list, or a struct or pointer that may
// hold one, unless the type decodes itself.
func (s *schema) realigned(t reflect.Type) bool {
	for !s.decodesItself(t) {
		switch t.Kind() {
		case reflect.Bool, reflect.Int, reflect.Slice, reflect.Struct:
			return true
		case reflect.Pointer:
			t = t.Elem()
		default:
			return false
		}
	}
	return false
}

// decodesItself reports whether values of type t have an UnmarshalYAML.
func (s *schema) decodesItself(t reflect.Type) bool {
	custom, known := s.custom[t]
	if !known {
		if s.custom == nil {
			s.custom = map[reflect.Type]bool{}
		}
		custom = reflect.PointerTo(t).Implements(unmarshalerType)
		s.custom[t] = custom
	}
	return custom
}

// fields maps the keys of struct type t to their fields' types.
func (s *schema) fields(t reflect.Type) map[string]reflect.Type { return s.of(t).fields }

// keys lists the keys of t, for "did you mean"; none for a map type.
func (s *schema) keys(t reflect.Type) []string {
	if t.Kind() != reflect.Struct {
		return nil
	}
	return s.of(t).keys
}

// appendKey and appendIndex extend a dotted path as joinKey and
// "%s[%d]" do.
func appendKey(path []byte, key string) []byte {
	if len(path) > 0 {
		path = append(path, '.')
	}
	return append(path, key...)
}

func appendIndex(path []byte, i int) []byte {
	path = append(path, '[')
	path = strconv.AppendInt(path, int64(i), 10)
	return append(path, ']')
}
