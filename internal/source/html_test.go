package source

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "empty", in: "", want: ""},
		{name: "text only", in: "just text", want: "just text"},
		{name: "inline tags removed", in: "<p>Hello <b>big</b> <a href='/x'>world</a></p>", want: "Hello big world"},
		{name: "inline adjacency keeps numbers whole", in: "<span>291</span><span>,000</span>", want: "291,000"},
		{name: "paragraphs", in: "<p>a</p><p>b</p>", want: "a\n\nb"},
		{name: "br", in: "a<br>b<br/>c</br>d", want: "a\nb\nc\nd"},
		{name: "several br make one blank line", in: "a<br><br><br><br>b", want: "a\n\nb"},
		{name: "leading and trailing breaks dropped", in: "<br><p></p><div>a</div><br><p></p>", want: "a"},
		{name: "list items", in: "<ul><li>one</li><li>two</li></ul>", want: "one\ntwo"},
		{name: "nested divs", in: "<div><div>a</div><div>b</div></div>", want: "a\nb"},
		{name: "headings", in: "<h1>Title</h1><p>Body</p><h6>End</h6>", want: "Title\n\nBody\n\nEnd"},
		{
			name: "table rows and cells",
			in:   "<table><tr><th>Month</th><th>Rate</th></tr><tr><td>Sep</td><td>4.1%</td></tr><tr><td>Oct</td><td>4.3%</td></tr></table>",
			want: "Rate | Sep | 4.1%\nRate | Oct | 4.3%",
		},
		{
			name: "table without end tags",
			in:   "<table><tr><td>Sep<td>4.1%<tr><td>Oct<td>4.3%</table>",
			want: "Sep | 4.1%\nOct | 4.3%",
		},
		{name: "empty cell", in: "<table><tr><td>a</td><td></td><td>c</td></tr></table>", want: "a | | c"},
		{name: "empty first cell", in: "<table><tr><td></td><td>b</td></tr></table>", want: "| b"},
		{name: "blocks inside a cell stay on the row", in: "<table><tr><td><p>a</p><br><p>b</p></td><td>c</td></tr></table>", want: "a b | c"},
		{
			name: "table between paragraphs",
			in:   "<p>Before</p><table><tbody><tr><td>x</td><td>y</td></tr></tbody></table><p>After</p>",
			want: "Before\n\nx | y\n\nAfter",
		},
		{
			name: "nested table",
			in:   "<table><tr><td>a</td><td><table><tr><td>b</td><td>c</td></tr></table></td><td>d</td></tr></table>",
			want: "a | b | c | d",
		},
		{
			name: "script style noscript template dropped",
			in:   "<p>a<script>var x = '<p>no</p>';</script>b</p><style>p { color: red }</style><noscript>enable JS</noscript><template><p>tpl</p></template>c",
			want: "ab\n\nc",
		},
		{name: "self-closing script still swallows its text", in: "a<script/>alert(1)</script>b", want: "ab"},
		{name: "svg and iframe dropped", in: "<p>Chart<svg><text>0</text><text>10</text></svg><iframe>fallback</iframe></p>", want: "Chart"},
		{name: "entities decoded", in: "AT&amp;T &lt;tag&gt; &nbsp;5&#37; &euro;3 &ndash; &#x2212;2", want: "AT&T <tag> 5% \u20ac3 \u2013 \u22122"},
		{name: "whitespace collapsed", in: "  a \n\t b  \r\n c ", want: "a b c"},
		{name: "at most one blank line", in: "<p>a</p>\n\n<p></p><p> </p>\n<div></div><hr><p>b</p>", want: "a\n\nb"},
		{name: "pre keeps lines", in: "<pre>line 1\n  line 2\r\n\n\n\nline 3</pre>after", want: "line 1\nline 2\n\nline 3\n\nafter"},
		{name: "invisible characters removed", in: "291,\u200b000 co\u00adoperate\ufeff", want: "291,000 cooperate"},
		{
			name: "full page",
			in:   "<!DOCTYPE html><html><head><title>Page title</title><meta charset=utf-8><style>x{}</style></head><body><h1>Heading</h1><!-- a comment --><p>Para</p></body></html>",
			want: "Heading\n\nPara",
		},
		{name: "malformed", in: "<p>unclosed <b>bold <i>italic</p>text", want: "unclosed bold italic\n\ntext"},
		{name: "upper-case tags", in: "<P>A<BR>B</P><SCRIPT>x</SCRIPT>", want: "A\nB"},
		{name: "lone angle bracket is text", in: "rates < 5% and > 3%", want: "rates < 5% and > 3%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := HTMLText(tc.in); got != tc.want {
				t.Errorf("HTMLText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzHTMLText checks the shape promises: no surrounding whitespace, no
// padded lines, no more than one blank line, no lost or invented runes from
// valid UTF-8.
func FuzzHTMLText(f *testing.F) {
	for _, s := range []string{
		"<p>a</p><p>b</p>", "<table><tr><td>a<td>b</table>", "<pre>x\n\n\ny</pre>",
		"a<br><br><br>b", "<script>x", "&amp;amp;", "<td>x</td>", " \u00a0 ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := HTMLText(in)
		if out != strings.TrimSpace(out) {
			t.Errorf("HTMLText(%q) = %q has surrounding whitespace", in, out)
		}
		if strings.Contains(out, "\n\n\n") {
			t.Errorf("HTMLText(%q) = %q has two blank lines in a row", in, out)
		}
		for line := range strings.SplitSeq(out, "\n") {
			if line != strings.TrimSpace(line) {
				t.Errorf("HTMLText(%q) has padded line %q", in, line)
			}
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Errorf("HTMLText(%q) = %q is not valid UTF-8", in, out)
		}
	})
}

// FuzzHTMLTextPlain checks HTMLText's short cut for text without tags or
// entities against the tokenizer it skips.
func FuzzHTMLTextPlain(f *testing.F) {
	for _, s := range []string{
		"", "plain words", "a\r\nb\rc\n\nd", "tab\tand\vvertical\ffeed", "nul\x00byte",
		"291,\u200b000 soft\u00adhyphen", "no\u00a0break\u2003em space", "bad \xff\xfe utf-8",
		"  leading and trailing  ", "more than > 40,000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "<&") {
			return
		}
		if got, want := HTMLText(s), tokenText(s); got != want {
			t.Errorf("HTMLText(%q) = %q, the tokenizer reads %q", s, got, want)
		}
	})
}
