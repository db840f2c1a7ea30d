package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// ErrFeedUTF16 is returned by LimitFeedItems for a UTF-16 body, which its
// byte scanner cannot read: convert the body to UTF-8 first.
var ErrFeedUTF16 = errors.New("limit feed items: UTF-16 body; convert it to UTF-8 first")

// LimitFeedItems cuts a feed body after its first max items, so that parsing
// it (gofeed keeps every item and then some, about 1.6 KiB for an empty one)
// costs memory in proportion to max rather than to what a server sends:
//   - RSS 0.9x/2.0 <item>s of <channel> (or of the root), RSS 1.0 (RDF)
//     <item>s of <rdf:RDF>, Atom <entry>s of <feed>; elements named item
//     elsewhere (inside an item, in an extension) are not counted, nor is
//     markup inside comments, CDATA sections or processing instructions.
//     Everything but the dropped items is kept, so a well-formed document
//     stays well-formed.
//   - JSON Feed: the elements of the top-level "items" array.
//
// dropped is the number of items cut. When nothing is cut out is body
// itself; otherwise it is a new slice no longer than body, and the scan
// keeps no more than a few kilobytes besides. max <= 0 means no limit.
// The body must be UTF-8 or an ASCII-compatible 8-bit encoding (as
// ParseFeed's xmlToUTF8 leaves it); UTF-16 is refused with ErrFeedUTF16.
// Malformed input is never an error here: what cannot be scanned is left
// as it is for the feed parser to report.
func LimitFeedItems(body []byte, max int) (out []byte, dropped int, err error) {
	if max <= 0 {
		return body, 0, nil
	}
	if bytes.HasPrefix(body, []byte{0xfe, 0xff}) || bytes.HasPrefix(body, []byte{0xff, 0xfe}) ||
		(len(body) >= 2 && (body[0] == 0 || body[1] == 0)) {
		return nil, 0, ErrFeedUTF16
	}
	start := skipSpaceAndBOM(body, 0)
	if start < len(body) && body[start] == '{' {
		return limitJSONItems(body, start, max)
	}
	return limitXMLItems(body, max)
}

// skipSpaceAndBOM returns the offset of the first byte at or after i that
// is neither white space nor part of a UTF-8 byte order mark.
func skipSpaceAndBOM(b []byte, i int) int {
	for i < len(b) {
		switch {
		case isSpace(b[i]):
			i++
		case bytes.HasPrefix(b[i:], []byte("\ufeff")):
			i += 3
		default:
			return i
		}
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// cutter assembles the limited body: body[:copied] minus the dropped spans
// is in out, which stays nil until the first cut.
type cutter struct {
	body   []byte
	out    []byte
	copied int
}

// cut drops body[from:to]. White space between the end of what was copied
// and from is dropped with it: left between a million dropped items, it
// would be most of what remains.
func (c *cutter) cut(from, to int) {
	keep := c.body[c.copied:from]
	if len(bytes.TrimLeft(keep, " \t\r\n")) == 0 {
		keep = nil
	}
	if c.out == nil {
		c.out = make([]byte, 0, len(c.body)/8+from)
	}
	c.out = append(c.out, keep...)
	c.copied = to
}

func (c *cutter) result() []byte {
	if c.out == nil {
		return c.body
	}
	return append(c.out, c.body[c.copied:]...)
}

// maxNameStack bounds the element names remembered; deeper elements are
// only counted, which is all that matching their end tags needs in a
// well-formed document.
const maxNameStack = 4096

// endTagSearch is how many open elements an unmatched end tag may close,
// as encoding/xml's non-strict mode (gofeed's) does with a missing end tag.
const endTagSearch = 16

// xmlScan walks the markup of an RSS, RDF or Atom body.
type xmlScan struct {
	cutter
	max, kept, dropped int

	depth int
	names [][]byte // names of open elements (slices of body), outermost first, up to maxNameStack
	root  bool     // the root element is a feed's (rss, rdf:RDF, feed)

	itemDepth int // depth of the open item, 0 when none
	itemName  []byte
	itemStart int  // offset of the open item's '<'
	dropping  bool // the open item is past max
}

func limitXMLItems(body []byte, max int) ([]byte, int, error) {
	s := &xmlScan{cutter: cutter{body: body}, max: max}
	s.run()
	if s.dropped == 0 {
		return body, 0, nil
	}
	return s.result(), s.dropped, nil
}

// run scans until the root element ends or the body does. Constructs cut
// short by the end of the body end the scan: the parser will say what is
// wrong with them.
func (s *xmlScan) run() {
	b := s.body
	i := 0
	for i < len(b) {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			return
		}
		i += lt
		rest := b[i:]
		var end int
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = indexAfter(b, i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end = indexAfter(b, i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			end = indexAfter(b, i+2, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			end = declEnd(b, i+2)
		case bytes.HasPrefix(rest, []byte("</")):
			end = tagEnd(b, i+2)
			if end >= 0 && s.endTag(tagName(b[i+2:end]), i, end) {
				return
			}
		case len(rest) > 1 && nameStart(rest[1]):
			end = tagEnd(b, i+1)
			if end >= 0 {
				s.startTag(i, end)
			}
		default:
			// A '<' that starts no markup: text to a lenient reader.
			end = i + 1
		}
		if end < 0 {
			return
		}
		i = end
	}
}

// indexAfter returns the offset just past the first sep at or after from,
// or -1.
func indexAfter(b []byte, from int, sep string) int {
	j := bytes.Index(b[from:], []byte(sep))
	if j < 0 {
		return -1
	}
	return from + j + len(sep)
}

// tagEnd returns the offset just past the '>' that ends a tag whose name
// starts at from, skipping quoted attribute values, or -1.
func tagEnd(b []byte, from int) int {
	var quote byte
	for i := from; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return -1
}

// declEnd returns the offset just past a <!DOCTYPE …> or other declaration
// begun before from: its internal subset in brackets and quoted strings may
// hold '>'.
func declEnd(b []byte, from int) int {
	var quote byte
	brackets := 0
	for i := from; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			brackets++
		case c == ']':
			brackets--
		case c == '>' && brackets <= 0:
			return i + 1
		case c == '<' && bytes.HasPrefix(b[i:], []byte("<!--")):
			j := indexAfter(b, i+4, "-->")
			if j < 0 {
				return -1
			}
			i = j - 1
		}
	}
	return -1
}

// nameStart reports whether c may start an XML name (any byte of a
// multi-byte UTF-8 letter included).
func nameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

// tagName returns the name at the start of a tag's contents.
func tagName(t []byte) []byte {
	n := 0
	for n < len(t) && !isSpace(t[n]) && t[n] != '/' && t[n] != '>' {
		n++
	}
	return t[:n:n]
}

func localName(name []byte) []byte {
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// is reports whether name is word, ignoring ASCII case.
func is(name []byte, word string) bool { return bytes.EqualFold(name, []byte(word)) }

// htmlVoid reports the elements encoding/xml's non-strict mode (gofeed's
// parser) closes by itself (xml.HTMLAutoClose): raw HTML in a description
// often leaves them open.
func htmlVoid(name []byte) bool {
	if bytes.IndexByte(name, ':') >= 0 {
		return false
	}
	for _, v := range [...]string{"basefont", "br", "area", "link", "img", "param", "hr", "input", "col", "frame", "isindex", "base", "meta"} {
		if is(name, v) {
			return true
		}
	}
	return false
}

// isItemElement reports whether an element named name, opened at depth,
// is one of the feed's items: an item or entry child of the root, or of
// the root's channel.
func (s *xmlScan) isItemElement(name []byte, depth int) bool {
	if !s.root || s.itemDepth != 0 {
		return false
	}
	switch prefix, _, found := bytes.Cut(name, []byte(":")); {
	case !found:
	case is(prefix, "rss"), is(prefix, "atom"), is(prefix, "rdf"):
	default:
		return false // an extension's element
	}
	local := localName(name)
	if !is(local, "item") && !is(local, "entry") {
		return false
	}
	return depth == 2 || (depth == 3 && len(s.names) >= 2 && is(localName(s.names[1]), "channel"))
}

// startTag handles the tag b[start:end].
func (s *xmlScan) startTag(start, end int) {
	name := tagName(s.body[start+1 : end])
	selfClosing := end-2 > start && s.body[end-2] == '/'
	if s.depth == 0 {
		local := localName(name)
		s.root = is(local, "rss") || is(local, "rdf") || is(local, "feed")
	} else if !selfClosing && htmlVoid(name) {
		return
	}
	depth := s.depth + 1
	if s.isItemElement(name, depth) {
		if s.kept < s.max {
			s.kept++
		} else {
			s.dropped++
			s.dropping = true
			s.itemStart = start
		}
		if selfClosing {
			s.itemEnded(end)
			return
		}
		s.itemDepth, s.itemName = depth, name
	}
	if selfClosing {
		return
	}
	s.depth = depth
	if len(s.names) < maxNameStack {
		s.names = append(s.names, name)
	}
}

// endTag handles the end tag for name at b[start:end], and reports whether
// the root element has ended.
func (s *xmlScan) endTag(name []byte, start, end int) (rootEnded bool) {
	if s.depth == 0 || htmlVoid(name) {
		return false
	}
	pop := 1
	if len(s.names) == s.depth {
		// Close up to the matching open element, as a lenient parser does
		// when an inner end tag is missing; an end tag that matches
		// nothing nearby closes nothing.
		pop = 0
		for k := 1; k <= min(endTagSearch, len(s.names)); k++ {
			if bytes.Equal(s.names[len(s.names)-k], name) {
				pop = k
				break
			}
		}
	}
	s.depth -= pop
	if len(s.names) > s.depth {
		s.names = s.names[:s.depth]
	}
	if s.itemDepth != 0 && s.depth < s.itemDepth {
		if s.depth == s.itemDepth-1 && bytes.Equal(name, s.itemName) {
			s.itemEnded(end)
		} else {
			// An outer end tag closed an item left open: the item ends
			// where that tag begins, and the tag stays.
			s.itemEnded(start)
		}
	}
	return s.depth == 0 && pop > 0
}

func (s *xmlScan) itemEnded(end int) {
	if s.dropping {
		s.cut(s.itemStart, end)
	}
	s.itemDepth, s.itemName, s.dropping = 0, nil, false
}

// limitJSONItems keeps the first max elements of a JSON Feed's top-level
// "items" array; the object starts at start.
func limitJSONItems(b []byte, start, max int) ([]byte, int, error) {
	c := cutter{body: b}
	dropped := 0
	depth := 0
	expectKey, itemsNext := false, false
	for i := start; i < len(b); {
		switch ch := b[i]; {
		case ch == '"':
			end := jsonStringEnd(b, i)
			if end < 0 {
				return b, 0, nil
			}
			if depth == 1 && expectKey {
				itemsNext = jsonKeyIs(b[i:end], "items")
				expectKey = false
			}
			i = end
		case ch == '[' && depth == 1 && itemsNext:
			keptEnd, closing, n := scanJSONArray(b, i, max)
			if closing < 0 {
				return b, 0, nil // unterminated: the parser will say so
			}
			if n > max {
				c.cut(keptEnd, closing)
				dropped += n - max
			}
			itemsNext = false
			i = closing + 1
		case ch == '{' || ch == '[':
			depth++
			expectKey = depth == 1 && ch == '{'
			i++
		case ch == '}' || ch == ']':
			depth--
			i++
			if depth <= 0 {
				i = len(b)
			}
		case ch == ',':
			if depth == 1 {
				expectKey, itemsNext = true, false
			}
			i++
		default:
			i++
		}
	}
	if dropped == 0 {
		return b, 0, nil
	}
	return c.result(), dropped, nil
}

// jsonStringEnd returns the offset just past the string starting at b[i],
// or -1.
func jsonStringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// jsonKeyIs reports whether the quoted key equals want, ignoring case as
// encoding/json (gofeed's JSON parser) does when it matches field names.
func jsonKeyIs(quoted []byte, want string) bool {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return strings.EqualFold(string(quoted[1:len(quoted)-1]), want)
	}
	if len(quoted) > 64 {
		return false // far longer than "items" spelled with escapes
	}
	var k string
	return json.Unmarshal(quoted, &k) == nil && strings.EqualFold(k, want)
}

// scanJSONArray walks the array opening at b[open]. It returns the offset
// just past its max-th element, the offset of its closing ']' (-1 when the
// body ends first) and how many elements it has.
func scanJSONArray(b []byte, open, max int) (keptEnd, closing, n int) {
	keptEnd = open + 1
	for i := open + 1; i < len(b); {
		switch ch := b[i]; {
		case isSpace(ch) || ch == ',':
			i++
		case ch == ']':
			return keptEnd, i, n
		case ch == '}' || ch == ':':
			return keptEnd, -1, n // not an array of values: left to the parser
		default:
			end := jsonValueEnd(b, i)
			if end < 0 {
				return keptEnd, -1, n
			}
			n++
			if n <= max {
				keptEnd = end
			}
			i = end
		}
	}
	return keptEnd, -1, n
}

// jsonValueEnd returns the offset just past the value starting at b[i], or
// -1 when the body ends first.
func jsonValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return jsonStringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				j = jsonStringEnd(b, j)
				if j < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
			j++
		}
		return -1
	}
	// A number or literal runs to the next delimiter; it is at least one
	// byte long, so every call makes progress.
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			return j
		}
	}
	return -1
}
