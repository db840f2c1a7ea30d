package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// PageDocument turns an HTML page (already decoded to UTF-8) into one
// Document identified by the page URL: a data page whose text watcher diffs
// from one poll to the next. With a CSS selector only the matching regions
// are read (an agency's "Key figures" box or data table), tables row by row
// with " | " between cells; a selector that matches nothing is an error,
// because a page that lost its table is most often a bot wall or a
// redesign, never "no change"; a match inside another match is read once,
// as part of the outer one. Without a selector the page's main content
// is read, as Article finds it, so that a changed menu, ad or "most read"
// box does not count as a change; a page in which readability finds no
// article falls back to the text of the whole page. Mis-decoded text is
// repaired with RepairMojibake.
func PageDocument(sourceID, pageURL, selector string, body []byte) (Document, error) {
	_, title, _ := firstElement(body)
	title = RepairMojibake(strings.TrimSpace(titleText(title)))
	var text string
	if selector == "" {
		art, err := Article(pageURL, body)
		switch {
		case err == nil:
			text = art.Text
		case errors.Is(err, ErrNoArticle):
			text = RepairMojibake(HTMLText(string(body)))
		default:
			return Document{}, err // names the URL already
		}
	} else {
		if countTags(body, MaxPageElements) {
			return Document{}, fmt.Errorf("parse page %s: page has more than %d elements", pageURL, MaxPageElements)
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			return Document{}, fmt.Errorf("parse page %s: %w", pageURL, err)
		}
		sel := doc.Find(selector)
		if sel.Length() == 0 {
			return Document{}, fmt.Errorf("page %s: selector %q matches nothing (title %q)", pageURL, selector, title)
		}
		// A region inside another matched region is already in that one's
		// text: reading it again would repeat it, and on deeply nested
		// markup (a selector "div" on 400 nested divs) render the same
		// subtree hundreds of times.
		matched := make(map[*html.Node]bool, len(sel.Nodes))
		for _, n := range sel.Nodes {
			matched[n] = true
		}
		var parts []string
		read := map[string]bool{}
		sel.Each(func(_ int, s *goquery.Selection) {
			for p := s.Get(0).Parent; p != nil; p = p.Parent {
				if matched[p] {
					return
				}
			}
			if h, err := goquery.OuterHtml(s); err == nil {
				// A region repeated for another screen size is read once.
				if text := HTMLText(h); !read[text] {
					read[text] = true
					parts = append(parts, text)
				}
			}
		})
		text = RepairMojibake(strings.Join(parts, "\n\n"))
	}
	if title != "" && !strings.HasPrefix(text, title) {
		text = title + "\n\n" + text
	}
	sum := sha256.Sum256([]byte(title + "\n" + text))
	return Document{
		ID: sourceID + ":" + pageURL, Source: sourceID, URL: pageURL, Title: title,
		Text: text, Hash: hex.EncodeToString(sum[:]),
	}, nil
}
