package source

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLText returns the readable plain text of an HTML fragment or page: tags
// removed, block elements become line breaks (paragraph-like ones a blank
// line), script, style, noscript, template, title, svg, iframe, object and
// canvas are dropped, entities are decoded, whitespace is collapsed within
// lines, line breaks inside <pre> are kept, and there is at most one blank
// line in a row. Zero-width characters and soft hyphens are removed because
// they split numbers ("291,\u200b000") for the figure extractor.
//
// Tables are read as renderTable says: a table with a header row gives one
// line per cell carrying its column header and row label, so that a figure
// keeps what it counts and when; other tables give one line per row with
// " | " between cells.
func HTMLText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		// No tag and no entity, as most feed titles and summaries: the
		// tokenizer would hand s over as one text token, unchanged but
		// for "\r\n" and "\r" made "\n", which outside <pre> read as a
		// space as they do. Its 4 KB buffer is not worth that.
		w := &textWriter{}
		w.main.b.Grow(len(s))
		w.textNode(s)
		return w.finish()
	}
	return tokenText(s)
}

// tokenText is HTMLText reading s through the tokenizer.
func tokenText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	w := newTextWriter(len(s))
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			// io.EOF or a tokenizer limit: either way, the text so far.
			return w.finish()
		case html.TextToken:
			w.textToken(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			var spans [][2]string
			for hasAttr && (a == atom.Td || a == atom.Th) {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if key := string(k); key == "rowspan" || key == "colspan" {
					spans = append(spans, [2]string{key, string(v)})
				}
			}
			w.startTag(a, tt == html.SelfClosingTagToken, spans)
		case html.EndTagToken:
			name, _ := z.TagName()
			w.endTag(atom.Lookup(name))
		}
		// Comments and doctypes are not text.
	}
}

// maxTableDepth is how deeply tables nest before the inner ones are read
// as plain text in their cell: each structured level copies its text into
// the level above, which 100,000 nested tables would make quadratic.
const maxTableDepth = 4

// textWriter turns a stream of HTML tokens into text.
type textWriter struct {
	main textBuf
	// skip is the element whose content is being dropped, skipDepth how
	// many of it are open.
	skip      atom.Atom
	skipDepth int
	preDepth  int
	// tables are the open tables read with their structure, innermost
	// last; flatTables counts those nested deeper, read as plain text.
	tables     []*tableBuild
	flatTables int
	// rendered holds the text of tables already written, so that a table
	// repeated for another screen size (responsive markup) is read once.
	rendered map[string]bool
}

func newTextWriter(size int) *textWriter {
	w := &textWriter{}
	w.main.b.Grow(size / 2)
	return w
}

// out is where text goes now: the open cell of the innermost table, else
// the text around the table (browsers move text that is in a table but in
// no cell before the table, and so does this).
func (w *textWriter) out() *textBuf {
	if n := len(w.tables); n > 0 {
		t := w.tables[n-1]
		if t.cell != nil {
			return &t.cell.text
		}
		return t.parent
	}
	return &w.main
}

func (w *textWriter) textToken(p []byte) {
	if w.skipDepth == 0 {
		w.out().text(p, w.preDepth > 0)
	}
}

// textNode is textToken for a text node's string.
func (w *textWriter) textNode(s string) {
	if w.skipDepth == 0 {
		w.out().textString(s, w.preDepth > 0)
	}
}

// skipping counts nested elements of the kind being dropped and reports
// whether the tag is inside one.
func (w *textWriter) skipping(a atom.Atom, start bool) bool {
	if w.skipDepth == 0 {
		return false
	}
	if a == w.skip {
		if start {
			w.skipDepth++
		} else {
			w.skipDepth--
		}
	}
	return true
}

// startTag handles a start tag; spans are a cell's rowspan and colspan
// attributes.
func (w *textWriter) startTag(a atom.Atom, selfClosing bool, spans [][2]string) {
	if w.skipping(a, !selfClosing) {
		return
	}
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Title, atom.Iframe,
		atom.Noembed, atom.Noframes, atom.Xmp:
		// Raw-text elements: the tokenizer reads their content as text up
		// to the end tag even after "<script/>", so skip it either way.
		w.skip, w.skipDepth = a, 1
	case atom.Template, atom.Svg, atom.Math, atom.Object, atom.Canvas:
		if !selfClosing {
			w.skip, w.skipDepth = a, 1
		}
	case atom.Br:
		w.out().lineBreak(-1)
	case atom.Pre:
		w.out().lineBreak(2)
		if !selfClosing {
			w.preDepth++
		}
	case atom.Table, atom.Tr, atom.Td, atom.Th, atom.Thead, atom.Tbody, atom.Tfoot:
		w.tableStart(a, selfClosing, spans)
	default:
		if n := blockBreak(a); n > 0 {
			w.out().lineBreak(n)
		}
	}
}

func (w *textWriter) endTag(a atom.Atom) {
	if w.skipping(a, false) {
		return
	}
	switch a {
	case atom.Pre:
		w.preDepth = max(w.preDepth-1, 0)
		w.out().lineBreak(2)
	case atom.Br:
		// </br> is read as <br> by browsers.
		w.out().lineBreak(-1)
	case atom.Table, atom.Tr, atom.Td, atom.Th, atom.Thead, atom.Tbody, atom.Tfoot:
		w.tableEnd(a)
	default:
		if n := blockBreak(a); n > 0 {
			w.out().lineBreak(n)
		}
	}
}

// tableStart handles the start tags of tables and their parts.
func (w *textWriter) tableStart(a atom.Atom, selfClosing bool, spans [][2]string) {
	if a == atom.Table {
		w.out().lineBreak(2)
		switch {
		case selfClosing:
		case len(w.tables) >= maxTableDepth || w.flatTables > 0:
			w.flatTables++
		default:
			w.tables = append(w.tables, &tableBuild{parent: w.out()})
		}
		return
	}
	if len(w.tables) == 0 {
		if a == atom.Td || a == atom.Th {
			// A stray cell outside a table still separates its text.
			w.out().space = true
		}
		return
	}
	if w.flatTables > 0 {
		// Inside a table nested too deep: its rows and cells are spaces
		// and separators in the cell that holds it.
		switch a {
		case atom.Tr:
			w.out().space = true
		case atom.Td, atom.Th:
			if w.out().b.Len() > 0 {
				w.out().separator()
			}
		}
		return
	}
	t := w.tables[len(w.tables)-1]
	switch a {
	case atom.Thead:
		t.endRow()
		t.inHead = true
	case atom.Tbody, atom.Tfoot:
		t.endRow()
		t.inHead = false
	case atom.Tr:
		t.endRow()
		t.startRow()
	case atom.Td, atom.Th:
		t.startCell(a == atom.Th)
		for _, kv := range spans {
			setSpan(t.cell, kv[0], kv[1])
		}
		if selfClosing {
			t.endCell()
		}
	}
}

// tableEnd handles the end tags of tables and their parts.
func (w *textWriter) tableEnd(a atom.Atom) {
	if w.flatTables > 0 {
		if a == atom.Table {
			w.flatTables--
			w.out().lineBreak(2)
		}
		return
	}
	if len(w.tables) == 0 {
		if a == atom.Table {
			w.out().lineBreak(2)
		}
		return
	}
	t := w.tables[len(w.tables)-1]
	switch a {
	case atom.Td, atom.Th:
		t.endCell()
	case atom.Tr:
		t.endRow()
	case atom.Thead:
		t.endRow()
		t.inHead = false
	case atom.Table:
		w.closeTable()
	}
}

// closeTable writes the innermost open table into the text around it.
func (w *textWriter) closeTable() {
	t := w.tables[len(w.tables)-1]
	w.tables = w.tables[:len(w.tables)-1]
	t.endRow()
	lines := renderTable(t.rows)
	key := strings.Join(lines, "\n")
	if key != "" && !w.rendered[key] {
		if w.rendered == nil {
			w.rendered = map[string]bool{}
		}
		w.rendered[key] = true
		for i, line := range lines {
			if i > 0 {
				t.parent.lineBreak(1)
			}
			t.parent.text([]byte(line), false)
		}
	}
	t.parent.lineBreak(2)
}

// finish closes what the page left open and returns the text.
func (w *textWriter) finish() string {
	for len(w.tables) > 0 {
		w.closeTable()
	}
	return w.main.b.String()
}

// blockBreak is how many line breaks an element's start and end make: 2 (a
// blank line) for paragraph-like elements, 1 for lines within a block, 0 for
// inline elements.
func blockBreak(a atom.Atom) int {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Ul, atom.Ol, atom.Dl, atom.Blockquote, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Main, atom.Aside, atom.Nav, atom.Figure,
		atom.Form, atom.Fieldset, atom.Hr, atom.Address, atom.Details:
		return 2
	case atom.Div, atom.Li, atom.Dt, atom.Dd, atom.Caption, atom.Figcaption,
		atom.Summary, atom.Legend, atom.Thead, atom.Tbody, atom.Tfoot, atom.Body,
		atom.Option:
		return 1
	}
	return 0
}

// textBuf accumulates text with collapsed whitespace. Breaks and spaces
// are held pending and only written before the next visible character, so
// the output never starts or ends with whitespace and lines are never
// padded. A flat buffer (a table cell) turns line breaks into spaces, so
// that a cell stays on its row.
type textBuf struct {
	b      strings.Builder
	breaks int  // pending line breaks, at most 2 (one blank line)
	space  bool // pending space
	flat   bool
}

// lineBreak asks for n line breaks before the next text; n < 0 adds one to
// those pending (each <br> counts), n > 0 asks for at least n.
func (w *textBuf) lineBreak(n int) {
	switch {
	case w.flat:
		w.space = true
	case n < 0:
		w.breaks = min(w.breaks+1, 2)
	default:
		w.breaks = max(w.breaks, min(n, 2))
	}
}

// flush writes the pending break or space before visible text.
func (w *textBuf) flush() {
	switch {
	case w.b.Len() == 0:
		// Nothing before: leading breaks and spaces are dropped.
	case w.breaks > 0:
		w.b.WriteString("\n\n"[:w.breaks])
	case w.space:
		w.b.WriteByte(' ')
	}
	w.breaks, w.space = 0, false
}

// separator writes a table cell separator.
func (w *textBuf) separator() {
	if w.b.Len() > 0 && w.breaks == 0 {
		w.space = true
	}
	w.flush()
	w.b.WriteByte('|')
	w.space = true
}

// text appends decoded text, collapsing whitespace. In pre, newlines are
// line breaks.
func (w *textBuf) text(p []byte, pre bool) {
	for i := 0; i < len(p); {
		if c := p[i]; c < utf8.RuneSelf {
			if c > ' ' {
				j := visibleRunEnd(p, i)
				if w.breaks > 0 || w.space {
					w.flush()
				}
				w.b.Write(p[i:j])
				i = j
			} else {
				i++
				w.ascii(c, pre, i < len(p) && p[i] == '\n')
			}
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		i += size
		w.char(r)
	}
}

// visibleRunEnd is the end of the run of visible ASCII starting at i,
// single spaces between its words included: most of any text, written a
// run at a time, since collapsing whitespace would write those spaces as
// they are.
func visibleRunEnd[T string | []byte](p T, i int) int {
	j := i + 1
	for j < len(p) {
		if c := p[j]; c > ' ' && c < utf8.RuneSelf {
			j++
		} else if c == ' ' && j+1 < len(p) && p[j+1] > ' ' && p[j+1] < utf8.RuneSelf {
			j += 2
		} else {
			break
		}
	}
	return j
}

// textString is text for a string, which a tree walk has (nodeText) and
// a []byte conversion would copy.
func (w *textBuf) textString(s string, pre bool) {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c > ' ' {
				j := visibleRunEnd(s, i)
				if w.breaks > 0 || w.space {
					w.flush()
				}
				w.b.WriteString(s[i:j])
				i = j
			} else {
				i++
				w.ascii(c, pre, i < len(s) && s[i] == '\n')
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		w.char(r)
	}
}

// ascii appends an ASCII character up to the space; lf says whether a
// '\n' follows it.
func (w *textBuf) ascii(c byte, pre, lf bool) {
	switch c {
	case ' ', '\t', '\f', '\v':
		w.space = true
	case '\r':
		if pre && !lf {
			w.lineBreak(-1)
		} else {
			w.space = true
		}
	case '\n':
		if pre {
			w.lineBreak(-1)
		} else {
			w.space = true
		}
	case 0:
		// NUL is never text.
	default:
		if w.breaks > 0 || w.space {
			w.flush()
		}
		w.b.WriteByte(c)
	}
}

// char appends a character beyond ASCII.
func (w *textBuf) char(r rune) {
	switch {
	case isInvisible(r):
	case unicode.IsSpace(r):
		w.space = true
	default:
		if w.breaks > 0 || w.space {
			w.flush()
		}
		w.b.WriteRune(r)
	}
}

// isInvisible reports format characters that render as nothing but would
// split a word or a number.
func isInvisible(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}
