package source

import (
	"bytes"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaskHTML returns a copy of an HTML page of the same length in which
// everything that is not visible text (tags, comments, scripts, styles) is
// blanked with spaces, and block boundaries become line breaks. Entities are
// left as written. Figures found in the result therefore carry byte offsets
// into the original file, which is what `watcher extract` promises.
func MaskHTML(page []byte) []byte {
	out := bytes.Repeat([]byte{' '}, len(page))
	z := xhtml.NewTokenizer(bytes.NewReader(page))
	off := 0
	hidden := 0 // depth inside script, style and similar
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		raw := z.Raw()
		n := len(raw)
		switch tt {
		case xhtml.TextToken:
			if hidden == 0 {
				copy(out[off:], raw)
			}
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if isHiddenElement(a) && tt != xhtml.SelfClosingTagToken {
				if tt == xhtml.StartTagToken {
					hidden++
				} else if hidden > 0 {
					hidden--
				}
			}
			if n > 0 && (blockBreak(a) > 0 || a == atom.Br || a == atom.Tr || a == atom.Table) {
				out[off] = '\n'
			}
			if n > 1 && blockBreak(a) == 2 {
				out[off+1] = '\n'
			}
		}
		off += n
	}
	return out
}

func isHiddenElement(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Title, atom.Svg, atom.Iframe, atom.Object, atom.Canvas:
		return true
	}
	return false
}
