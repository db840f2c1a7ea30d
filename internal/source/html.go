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
// line), table rows become lines with their cells separated by " | ",
// script, style, noscript, template, title, svg, iframe, object and canvas
// are dropped, entities are decoded, whitespace is collapsed within lines,
// line breaks inside <pre> are kept, and there is at most one blank line in
// a row. Zero-width characters and soft hyphens are removed because they
// split numbers ("291,\u200b000") for the figure extractor.
func HTMLText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	w := textWriter{}
	w.b.Grow(len(s) / 2)
	var (
		skip      atom.Atom // element whose content is being dropped
		skipDepth int
		preDepth  int
		tables    []tableState // innermost last
		openCells int          // tables in the stack whose inCell is set
	)
	// inCell reports whether text is inside a table cell, of a nested table
	// too, where line breaks would split one row across lines. A counter,
	// not a scan of the stack: 100,000 nested tables made that quadratic.
	inCell := func() bool { return openCells > 0 }
	setCell := func(t *tableState, in bool) {
		if t.inCell != in {
			if in {
				openCells++
			} else {
				openCells--
			}
			t.inCell = in
		}
	}
	brk := func(n int) {
		if inCell() {
			w.space = true
			return
		}
		w.lineBreak(n)
	}

	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF or a tokenizer limit: either way, the text so far.
			return w.b.String()
		case html.TextToken:
			if skipDepth == 0 {
				w.text(z.Text(), preDepth > 0 && !inCell())
			}
			continue
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		default:
			continue // comments, doctypes
		}

		name, _ := z.TagName()
		a := atom.Lookup(name)
		if skipDepth > 0 {
			if a == skip {
				if tt == html.StartTagToken {
					skipDepth++
				} else if tt == html.EndTagToken {
					skipDepth--
				}
			}
			continue
		}

		if tt == html.EndTagToken {
			switch a {
			case atom.Pre:
				preDepth = max(preDepth-1, 0)
				brk(2)
			case atom.Td, atom.Th:
				if len(tables) > 0 {
					setCell(&tables[len(tables)-1], false)
				}
			case atom.Tr:
				if len(tables) > 0 {
					setCell(&tables[len(tables)-1], false)
				}
				brk(1)
			case atom.Table:
				if len(tables) > 0 {
					setCell(&tables[len(tables)-1], false)
					tables = tables[:len(tables)-1]
				}
				brk(2)
			case atom.Br:
				// </br> is read as <br> by browsers.
				brk(-1)
			default:
				if n := blockBreak(a); n > 0 {
					brk(n)
				}
			}
			continue
		}

		// Start and self-closing tags.
		switch a {
		case atom.Script, atom.Style, atom.Noscript, atom.Title, atom.Iframe,
			atom.Noembed, atom.Noframes, atom.Xmp:
			// Raw-text elements: the tokenizer reads their content as text up
			// to the end tag even after "<script/>", so skip it either way.
			skip, skipDepth = a, 1
		case atom.Template, atom.Svg, atom.Math, atom.Object, atom.Canvas:
			if tt == html.StartTagToken {
				skip, skipDepth = a, 1
			}
		case atom.Br:
			brk(-1)
		case atom.Pre:
			brk(2)
			if tt == html.StartTagToken {
				preDepth++
			}
		case atom.Table:
			brk(2)
			if tt == html.StartTagToken {
				tables = append(tables, tableState{})
			}
		case atom.Tr:
			if len(tables) > 0 {
				t := &tables[len(tables)-1]
				setCell(t, false)
				t.cells = 0
			}
			brk(1)
		case atom.Td, atom.Th:
			if len(tables) == 0 {
				// A stray cell outside a table still separates its text.
				w.space = true
				break
			}
			t := &tables[len(tables)-1]
			if t.cells > 0 {
				w.separator()
			}
			t.cells++
			setCell(t, tt == html.StartTagToken)
		default:
			if n := blockBreak(a); n > 0 {
				brk(n)
			}
		}
	}
}

type tableState struct {
	cells  int  // cells started in the current row
	inCell bool // inside a <td> or <th>
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

// textWriter accumulates text with collapsed whitespace. Breaks and spaces
// are held pending and only written before the next visible character, so
// the output never starts or ends with whitespace and lines are never
// padded.
type textWriter struct {
	b      strings.Builder
	breaks int  // pending line breaks, at most 2 (one blank line)
	space  bool // pending space
}

// lineBreak asks for n line breaks before the next text; n < 0 adds one to
// those pending (each <br> counts), n > 0 asks for at least n.
func (w *textWriter) lineBreak(n int) {
	if n < 0 {
		w.breaks = min(w.breaks+1, 2)
		return
	}
	w.breaks = max(w.breaks, min(n, 2))
}

// flush writes the pending break or space before visible text.
func (w *textWriter) flush() {
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
func (w *textWriter) separator() {
	if w.b.Len() > 0 && w.breaks == 0 {
		w.space = true
	}
	w.flush()
	w.b.WriteByte('|')
	w.space = true
}

// text appends decoded text, collapsing whitespace. In pre, newlines are
// line breaks.
func (w *textWriter) text(p []byte, pre bool) {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case ' ', '\t', '\f', '\v':
				w.space = true
			case '\r':
				if pre && !(i < len(p) && p[i] == '\n') {
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
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		i += size
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
