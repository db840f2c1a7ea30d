package source

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// renderedText is what Article read before nodeText: the text of the
// node's rendered markup.
func renderedText(t testing.TB, n *html.Node) string {
	t.Helper()
	var buf bytes.Buffer
	if err := html.Render(&buf, n); err != nil {
		t.Fatalf("render: %v", err)
	}
	return HTMLText(buf.String())
}

// parsedHTML parses a page and returns its <html> element.
func parsedHTML(t testing.TB, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for n := doc.FirstChild; n != nil; n = n.NextSibling {
		if n.Type == html.ElementNode {
			return n
		}
	}
	t.Fatal("no html element")
	return nil
}

func element(tag string, children ...*html.Node) *html.Node {
	n := &html.Node{Type: html.ElementNode, Data: tag, DataAtom: atom.Lookup([]byte(tag))}
	for _, c := range children {
		n.AppendChild(c)
	}
	return n
}

func textNode(s string) *html.Node { return &html.Node{Type: html.TextNode, Data: s} }

func TestNodeTextReadsAsRenderedMarkup(t *testing.T) {
	t.Parallel()
	renamed := element("div", textNode("a paragraph that was a div"))
	renamed.Data = "p" // as readability's setNodeTag does, DataAtom left stale
	tests := []struct {
		name   string
		tree   func(t *testing.T) *html.Node
		walked bool // false: nodeText declines and Article renders
	}{
		{name: "paragraphs, lists, headings, links", walked: true, tree: func(t *testing.T) *html.Node {
			return parsedHTML(t, `<h1>Title</h1><p>More than <b>43,000</b> children &amp; <a href="/x?a=1&b=2">families</a>.</p><ul><li>one<li>two</ul><p>x<br>y<br/>z</p>`)
		}},
		{name: "tables with spans and headers", walked: true, tree: func(t *testing.T) *html.Node {
			return parsedHTML(t, `<table><thead><tr><th>Year<th colspan=2 COLSPAN=3>Count</tr></thead><tr><td rowspan="2">2024<td>1,234<td>5<tr><td>6<td>7</table><table><tr><td>a<td>b</table>`)
		}},
		{name: "pre, listing and textarea with a leading newline, which Render doubles", walked: true, tree: func(t *testing.T) *html.Node {
			return parsedHTML(t, "<pre>\n\nline one\r\nline two</pre><listing>\nx</listing><textarea>\nt &lt;b&gt;</textarea>")
		}},
		{name: "scripts, styles, templates, svg and comments dropped", walked: true, tree: func(t *testing.T) *html.Node {
			return parsedHTML(t, `<p>before</p><script>if (a < b) { x = "</p>" }</script><style>p{}</style><!-- c --!> d --><template><p>t</p></template><svg><title>s</title><text>svg</text></svg><math><mi>x</mi></math><p>after &#13; x</p>`)
		}},
		{name: "invisible characters and entities", walked: true, tree: func(t *testing.T) *html.Node {
			return parsedHTML(t, "<p>291,\u200b000 soft\u00adhyphen &nbsp;&lt;tag&gt; &quot;q&quot; caf\xc3\xa9 \xff bad</p>")
		}},
		{name: "a renamed element is read by its new name", walked: true, tree: func(t *testing.T) *html.Node {
			return element("div", textNode("before"), renamed, textNode("after"))
		}},
		{name: "adjacent text nodes are one run: CR then LF in pre", walked: true, tree: func(t *testing.T) *html.Node {
			return element("div", element("pre", textNode("a\r"), textNode("\nb")), textNode("caf\xc3"), textNode("\xa9"))
		}},
		{name: "an element without an atom", walked: true, tree: func(t *testing.T) *html.Node {
			return element("div", &html.Node{Type: html.ElementNode, Data: "P", FirstChild: nil}, textNode("x"), element("section", textNode("y")))
		}},
		{name: "a void element with children is rendered, and refused there", walked: false, tree: func(t *testing.T) *html.Node {
			return element("div", element("br", textNode("inside")))
		}},
		{name: "plaintext swallows the rest of the markup", walked: false, tree: func(t *testing.T) *html.Node {
			return element("div", element("plaintext", textNode("raw")), element("p", textNode("after")))
		}},
		{name: "a script holding an element", walked: false, tree: func(t *testing.T) *html.Node {
			return element("div", element("script", element("p", textNode("x"))), textNode("after"))
		}},
		{name: "a style whose text would end it early", walked: false, tree: func(t *testing.T) *html.Node {
			return element("div", element("style", textNode("a</STYLE>b")), textNode("after"))
		}},
		{name: "a raw node", walked: false, tree: func(t *testing.T) *html.Node {
			return element("div", &html.Node{Type: html.RawNode, Data: "<p>raw</p>"})
		}},
		{name: "a tag name with a space", walked: false, tree: func(t *testing.T) *html.Node {
			return element("div", &html.Node{Type: html.ElementNode, Data: "p x"})
		}},
		{name: "an attribute key with an equals sign", walked: false, tree: func(t *testing.T) *html.Node {
			n := element("td", textNode("x"))
			n.Attr = []html.Attribute{{Key: "a=b", Val: "c"}}
			return element("table", element("tr", n))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := tc.tree(t)
			got, ok := nodeText(n)
			if ok != tc.walked {
				t.Fatalf("nodeText walked = %v, want %v", ok, tc.walked)
			}
			if !ok {
				return
			}
			if want := renderedText(t, n); got != want {
				t.Errorf("nodeText = %q\nrendered markup reads %q", got, want)
			}
		})
	}
}

// FuzzNodeText checks that walking a parsed page gives the text of its
// rendered markup whenever nodeText accepts the tree.
func FuzzNodeText(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("<pre>\nx</pre><table><tr><td rowspan=2>a<td>b</table><svg><title>t</title></svg>")
	f.Fuzz(func(t *testing.T, page string) {
		if len(page) > 1<<16 {
			return
		}
		n := parsedHTML(t, page)
		got, ok := nodeText(n)
		if !ok {
			return
		}
		var buf bytes.Buffer
		if err := html.Render(&buf, n); err != nil {
			t.Fatalf("nodeText accepted a tree Render refuses: %v", err)
		}
		if want := HTMLText(buf.String()); got != want {
			t.Errorf("nodeText = %q\nrendered markup reads %q", got, want)
		}
	})
}
