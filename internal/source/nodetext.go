package source

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// nodeText returns what HTMLText returns for the HTML that html.Render
// writes for n, without writing it: the tree is walked and each node is
// handed to the textWriter as the token the tokenizer would read from the
// rendered markup. Rendering the article and tokenizing it again cost the
// article path a copy of the article's markup, a tokenizer, and one
// allocation per tag name read back.
//
// The walk is exact for the trees the HTML parser and readability make. A
// tree whose rendering the tokenizer would read as something else (see
// walkable) reports false, and the caller renders it.
func nodeText(n *html.Node) (string, bool) {
	size, ok := walkable(n)
	if !ok {
		return "", false
	}
	w := &textWriter{}
	w.main.b.Grow(size)
	w.node(n)
	return w.finish(), true
}

// node writes an element or a text node, as the tokens of its rendering.
func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.textNode(n.Data)
		return
	case html.ElementNode:
	default:
		// Comments are not text; walkable let through no other kind.
		return
	}
	a := elementAtom(n)
	void := isVoidElement(n.Data)
	w.startTag(a, void, cellSpans(n, a))
	if void {
		// Rendered as <br/>, without children or end tag.
		return
	}
	if c := n.FirstChild; c != nil && c.Type == html.TextNode && strings.HasPrefix(c.Data, "\n") {
		switch n.Data {
		case "pre", "listing", "textarea":
			// Render writes a newline here, because a parser drops the
			// first one after these start tags; the tokenizer does not.
			w.textNode("\n")
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && c.NextSibling != nil && c.NextSibling.Type == html.TextNode {
			// Adjacent text nodes are rendered as one run of text, read
			// as one token: "\r" then "\n" is one line break there, and a
			// character split between them is one character.
			var run []byte
			for ; c.NextSibling != nil && c.NextSibling.Type == html.TextNode; c = c.NextSibling {
				run = append(run, c.Data...)
			}
			w.textToken(append(run, c.Data...))
			continue
		}
		w.node(c)
	}
	w.endTag(a)
}

// cellSpans returns a table cell's rowspan and colspan attributes as the
// tokenizer reads them from the rendered tag: keys lower-cased (with their
// namespace prefix), the first of a repeated key only.
func cellSpans(n *html.Node, a atom.Atom) [][2]string {
	if a != atom.Td && a != atom.Th {
		return nil
	}
	var spans [][2]string
	seen := [2]bool{}
	for _, at := range n.Attr {
		key := at.Key
		if at.Namespace != "" {
			key = at.Namespace + ":" + key
		}
		var i int
		switch {
		case strings.EqualFold(key, "rowspan"):
			key, i = "rowspan", 0
		case strings.EqualFold(key, "colspan"):
			key, i = "colspan", 1
		default:
			continue
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		// The tokenizer reads a NUL as U+FFFD; setSpan stops at either.
		spans = append(spans, [2]string{key, at.Val})
	}
	return spans
}

// elementAtom is the atom of the tag name the tokenizer reads back:
// n.Data lower-cased. n.DataAtom is not enough: readability renames
// elements (a div becomes a p) by setting Data alone, and creates
// elements without an atom.
func elementAtom(n *html.Node) atom.Atom {
	if n.DataAtom != 0 && n.DataAtom.String() == n.Data {
		return n.DataAtom
	}
	var buf [16]byte // longer than any atom
	if len(n.Data) > len(buf) {
		return 0
	}
	b := buf[:len(n.Data)]
	for i := range len(n.Data) {
		c := n.Data[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return atom.Lookup(b)
}

// isVoidElement reports the elements html.Render writes as <x/>, without
// children or end tag.
func isVoidElement(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen",
		"link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}

// walkable reports whether the tokenizer reads n's rendering back as the
// tree it is, so that nodeText may walk it, and how many bytes of text it
// holds. The HTML parser and readability make such trees; a tree built by
// hand may not be:
//   - a node other than an element, text or comment (a raw node is
//     written verbatim, a doctype read as one);
//   - a tag name or attribute key the tokenizer would cut short or not
//     read as a tag at all;
//   - a void element with children (html.Render refuses it);
//   - a raw-text or RCDATA element (script, style, textarea, title …)
//     holding elements, which the tokenizer reads as text, or text that
//     would end it early; and any plaintext element, after which the
//     tokenizer reads everything as text.
func walkable(n *html.Node) (int, bool) {
	switch n.Type {
	case html.TextNode:
		return len(n.Data), true
	case html.CommentNode:
		// html.Render escapes comments so that they are read back whole.
		return 0, true
	case html.ElementNode:
	default:
		return 0, false
	}
	if !plainName(n.Data) {
		return 0, false
	}
	for _, a := range n.Attr {
		if !plainKey(a.Namespace) || !plainKey(a.Key) || a.Key == "" {
			return 0, false
		}
	}
	if isVoidElement(n.Data) && n.FirstChild != nil {
		return 0, false
	}
	if raw := rawTextName(n.Data); raw != "" {
		if raw == "plaintext" {
			return 0, false
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.TextNode || containsFold(c.Data, "</"+raw) {
				return 0, false
			}
		}
	}
	size := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s, ok := walkable(c)
		if !ok {
			return 0, false
		}
		size += s
	}
	return size, true
}

// plainName reports whether html.Render's "<"+name is read back as a tag
// of that name: it starts with a letter and holds nothing that ends a tag
// name.
func plainName(name string) bool {
	if name == "" {
		return false
	}
	if c := name[0] | 0x20; c < 'a' || c > 'z' {
		return false
	}
	return plainKey(name)
}

// plainKey reports whether s holds no byte that ends a tag name or an
// attribute key, nor a NUL (which the tokenizer replaces), nor an "="
// (which starts a key only where it comes first).
func plainKey(s string) bool {
	for i := range len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\f', '\r', '/', '>', '=', 0:
			return false
		}
	}
	return true
}

// rawTextName returns the lower-cased name of an element whose content
// the tokenizer reads as text up to its end tag, or "".
func rawTextName(name string) string {
	if len(name) < 3 || len(name) > 9 {
		return ""
	}
	for _, raw := range [...]string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"} {
		if strings.EqualFold(name, raw) {
			return raw
		}
	}
	return ""
}

// containsFold reports whether s contains sub, ignoring ASCII case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
