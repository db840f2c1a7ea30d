package config

import (
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"
)

// mapping is a YAML mapping whose keys have been checked against a schema.
// node is nil for a section the file leaves out; every accessor copes.
type mapping struct {
	node       *yaml.Node
	path       string
	parentLine int
	vals       map[string]*yaml.Node
	d          *decoder
}

// key returns the dotted path of one of m's keys.
func (m *mapping) key(k string) string {
	if m.path == "" {
		return k
	}
	return m.path + "." + k
}

// val returns the (alias-resolved) value of key, or nil when it is absent.
func (m *mapping) val(k string) *yaml.Node { return m.vals[k] }

// first returns the value node and name of the first of keys that is
// present, for placing an error about several keys; with none present, it
// returns the mapping's node and the first key.
func (m *mapping) first(keys ...string) (*yaml.Node, string) {
	for _, k := range keys {
		if n := m.vals[k]; n != nil {
			return n, k
		}
	}
	if m.node != nil {
		return m.node, keys[0]
	}
	return &yaml.Node{Line: m.parentLine}, keys[0]
}

// line is where m starts, or where its parent starts when m is absent.
func (m *mapping) line() int {
	if m.node != nil {
		return m.node.Line
	}
	return m.parentLine
}

// child decodes the sub-mapping at key; it never returns nil, so a missing
// or mistyped section leaves its defaults in place.
func (m *mapping) child(key string, known []string) *mapping {
	if c := m.d.mapping(m.val(key), m.key(key), known); c != nil {
		if c.node == nil {
			c.parentLine = m.line()
		}
		return c
	}
	return &mapping{path: m.key(key), parentLine: m.line(), vals: map[string]*yaml.Node{}, d: m.d}
}

type pair struct{ key, val *yaml.Node }

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// mapping checks n against the known keys of a section. It returns an empty
// mapping for an absent or null section, and nil (after reporting) for a
// value that is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path string, known []string) *mapping {
	n = resolve(n)
	m := &mapping{path: path, vals: map[string]*yaml.Node{}, d: d}
	if isNull(n) {
		if n != nil {
			m.parentLine = n.Line
		}
		return m
	}
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.errorf(n, "", "expected a mapping of settings at the top level, found %s", describe(n))
		} else {
			d.errorf(n, path, "expected a mapping, found %s", describe(n))
		}
		return nil
	}
	m.node = n
	for _, p := range d.pairs(n, path, nil) {
		k := p.key.Value
		if !slices.Contains(known, k) {
			d.errorf(p.key, m.key(k), "%s", unknownKey(k, known, path == ""))
			continue
		}
		m.vals[k] = resolve(p.val)
	}
	return m
}

// maxMerges bounds "<<" expansion, which could otherwise grow exponentially
// (a billion-laughs document built from merge keys).
const maxMerges = 1000

// pairs returns the key/value pairs of mapping n with YAML merge keys ("<<")
// expanded: keys written in n win over merged ones, and earlier merged
// mappings win over later ones. Duplicate keys are reported. stack holds the
// mappings being merged into, to refuse a mapping that merges itself.
func (d *decoder) pairs(n *yaml.Node, path string, stack []*yaml.Node) []pair {
	var explicit, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		switch {
		case k == nil || k.Kind != yaml.ScalarNode:
			d.errorf(n.Content[i], path, "keys must be plain strings, found %s", describe(k))
			continue
		case k.ShortTag() == "!!merge":
			merged = append(merged, d.merge(v, path, append(stack, n))...)
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.errorf(k, joinKey(path, k.Value), "key %q appears twice (first on line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		explicit = append(explicit, pair{k, v})
	}
	for _, p := range merged {
		if _, dup := seen[p.key.Value]; !dup {
			seen[p.key.Value] = p.key.Line
			explicit = append(explicit, p)
		}
	}
	return explicit
}

func (d *decoder) merge(v *yaml.Node, path string, stack []*yaml.Node) []pair {
	d.merges++
	if d.merges > maxMerges {
		if d.merges == maxMerges+1 {
			d.errorf(v, path, "too many merge keys (<<): at most %d", maxMerges)
		}
		return nil
	}
	var srcs []*yaml.Node
	switch r := resolve(v); {
	case r != nil && r.Kind == yaml.MappingNode:
		srcs = []*yaml.Node{r}
	case r != nil && r.Kind == yaml.SequenceNode:
		for _, item := range r.Content {
			srcs = append(srcs, resolve(item))
		}
	default:
		d.errorf(v, path, "a merge key (<<) takes a mapping or a list of mappings, found %s", describe(r))
		return nil
	}
	var out []pair
	for _, src := range srcs {
		switch {
		case src == nil || src.Kind != yaml.MappingNode:
			d.errorf(v, path, "a merge key (<<) takes a mapping or a list of mappings, found %s", describe(src))
		case slices.Contains(stack, src):
			d.errorf(v, path, "a merge key (<<) refers to the mapping that contains it")
		default:
			out = append(out, d.pairs(src, path, stack)...)
		}
	}
	return out
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unknownKey explains an unknown key: the key probably meant, the section it
// belongs to, or, for a secret-looking key, where secrets go instead.
func unknownKey(key string, known []string, atRoot bool) string {
	if s := suggest(key, known); s != "" {
		return fmt.Sprintf("unknown key %q; did you mean %q?", key, s)
	}
	if atRoot {
		if full := sectionOf(key); full != "" {
			return fmt.Sprintf("unknown key %q; did you mean %q?", key, full)
		}
		if full := suggest(key, sectionKeys()); full != "" {
			return fmt.Sprintf("unknown key %q; did you mean %q?", key, sectionOf(full))
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

// suggest returns the known key closest to key when it is close enough to
// be a typo, or one that differs only in case and separators.
func suggest(key string, known []string) string {
	fold := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", -1
	for _, k := range known {
		if fold(k) == fold(key) {
			return k
		}
		if dist := levenshtein(strings.ToLower(key), k); bestDist < 0 || dist < bestDist {
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

// scalar decodes a list item that must be a string.
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, path, "expected a string, found %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// str returns the value of a string key; ok is false when the key is absent
// or null (the default applies) or not a scalar (reported).
func (d *decoder) str(m *mapping, key string) (v string, n *yaml.Node, ok bool) {
	n = m.val(key)
	if isNull(n) {
		return "", n, false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, m.key(key), "expected a string, found %s", describe(n))
		return "", n, false
	}
	return n.Value, n, true
}

// enumAliases are words people use for a value under another name.
var enumAliases = map[string]string{
	"rss": KindFeed, "atom": KindFeed, "xml": KindFeed,
	"html": KindPage, "web": KindPage,
	"warning": "warn", "err": "error", "trace": "debug",
	"medium": SeverityNormal, "moderate": SeverityNormal, "default": SeverityNormal,
	"urgent": SeverityHigh, "critical": SeverityHigh, "info": SeverityLow,
}

// enum decodes a string key that must be one of allowed.
func (d *decoder) enum(m *mapping, key string, dst *string, allowed ...string) {
	v, n, ok := d.str(m, key)
	if !ok {
		return
	}
	if slices.Contains(allowed, v) {
		*dst = v
		return
	}
	msg := fmt.Sprintf("%s is not one of %s", quote(v), strings.Join(allowed, ", "))
	if s := suggest(v, allowed); s != "" || enumAliases[strings.ToLower(v)] != "" && slices.Contains(allowed, enumAliases[strings.ToLower(v)]) {
		if s == "" {
			s = enumAliases[strings.ToLower(v)]
		}
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	d.errorf(n, m.key(key), "%s", msg)
}

func (d *decoder) boolean(m *mapping, key string, dst *bool) (*yaml.Node, bool) {
	n := m.val(key)
	if isNull(n) {
		return n, false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		d.errorf(n, m.key(key), "expected true or false, found %s", describe(n))
		return n, false
	}
	*dst = b
	return n, true
}

func (d *decoder) integer(m *mapping, key string, dst *int) (*yaml.Node, bool) {
	n := m.val(key)
	if isNull(n) {
		return n, false
	}
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.errorf(n, m.key(key), "expected a whole number, found %s", describe(n))
		return n, false
	}
	if n.Decode(&i) != nil {
		d.errorf(n, m.key(key), "%s is out of range", n.Value)
		return n, false
	}
	*dst = i
	return n, true
}

// duration decodes a positive duration. It returns false only when the key
// holds a bad value (reported); dst then keeps its default.
func (d *decoder) duration(m *mapping, key string, dst *Duration) bool {
	return d.decodeDuration(m, key, dst, false)
}

// durationOrZero decodes a duration where 0 is meaningful (never, off,
// forever: the field's comment says which). It returns false only when the
// key holds a bad value (reported); dst then keeps its default.
func (d *decoder) durationOrZero(m *mapping, key string, dst *Duration) bool {
	return d.decodeDuration(m, key, dst, true)
}

func (d *decoder) decodeDuration(m *mapping, key string, dst *Duration, zeroOK bool) bool {
	v, n, ok := d.str(m, key)
	if !ok {
		return n == nil || isNull(n)
	}
	dur, err := ParseDuration(v)
	switch {
	case err != nil:
		d.errorf(n, m.key(key), "%v", err)
		return false
	case zeroOK && dur < 0:
		d.errorf(n, m.key(key), "must not be negative, found %s", quote(v))
		return false
	case !zeroOK && dur <= 0:
		d.errorf(n, m.key(key), "must be positive, found %s", quote(v))
		return false
	}
	*dst = dur
	return true
}

func (d *decoder) size(m *mapping, key string, dst *Size) {
	v, n, ok := d.str(m, key)
	if !ok {
		return
	}
	s, err := ParseSize(v)
	switch {
	case err != nil:
		d.errorf(n, m.key(key), "%v", err)
	case s <= 0:
		d.errorf(n, m.key(key), "must be positive, found %s", quote(v))
	default:
		*dst = s
	}
}

func (d *decoder) ratio(m *mapping, key string, dst *Ratio) {
	v, n, ok := d.str(m, key)
	if !ok {
		return
	}
	r, err := ParseRatio(v)
	if err != nil {
		d.errorf(n, m.key(key), "%v", err)
		return
	}
	*dst = r
}

// sequence returns the items of a list key, alias-resolved. A null or
// absent key is an empty list; ok is false when the value is not a list
// (reported).
func (d *decoder) sequence(m *mapping, key string) (items []*yaml.Node, n *yaml.Node, ok bool) {
	n = m.val(key)
	if isNull(n) {
		return nil, n, true
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, m.key(key), "expected a list, found %s", describe(n))
		return nil, n, false
	}
	for _, item := range n.Content {
		if r := resolve(item); r != nil {
			items = append(items, r)
		} else {
			items = append(items, item)
		}
	}
	return items, n, true
}

// checkURL returns what is wrong with a source or API URL, or "".
func checkURL(v string) string {
	if strings.ContainsFunc(v, isSpaceOrControl) {
		return fmt.Sprintf("bad URL %s: contains whitespace or control characters", quote(v))
	}
	u, err := url.Parse(v)
	if err != nil {
		// *url.Error repeats the URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Sprintf("bad URL %s: %v", quote(v), err)
	}
	switch {
	case u.User != nil:
		return "URL must not carry a user name or password: secrets come from the environment or files"
	case u.Scheme == "" && u.Host == "" && strings.Contains(strings.Split(u.Path, "/")[0], "."):
		return fmt.Sprintf("bad URL %s: must be an absolute http or https URL; did you mean %s?", quote(v), quote("https://"+v))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("bad URL %s: must be an absolute http or https URL", quote(v))
	case u.Hostname() == "":
		return fmt.Sprintf("bad URL %s: no host", quote(v))
	}
	return ""
}

// checkSelector compiles a CSS selector the way goquery will.
func checkSelector(sel string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unparsable selector (%v)", r)
		}
	}()
	_, err = cascadia.Compile(sel)
	return err
}

func validHeaderName(s string) bool { return httpguts.ValidHeaderFieldName(s) }

func canonicalHeader(s string) string { return textproto.CanonicalMIMEHeaderKey(s) }

func isControl(r rune) bool { return unicode.IsControl(r) }

func isControlExceptTab(r rune) bool { return r != '\t' && unicode.IsControl(r) }

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
