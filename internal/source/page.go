package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// PageDocument turns an HTML page (already decoded to UTF-8) into one
// Document identified by the page URL: a data page whose text watcher diffs
// from one poll to the next. With a CSS selector only the matching regions
// are read (an agency's "Key figures" box or data table); a selector that
// matches nothing is an error, because a page that lost its table is most
// often a bot wall or a redesign, never "no change".
func PageDocument(sourceID, pageURL, selector string, body []byte) (Document, error) {
	_, title, _ := firstElement(body)
	title = strings.TrimSpace(titleText(title))
	text := HTMLText(string(body))
	if selector != "" {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			return Document{}, fmt.Errorf("parse page %s: %w", pageURL, err)
		}
		sel := doc.Find(selector)
		if sel.Length() == 0 {
			return Document{}, fmt.Errorf("page %s: selector %q matches nothing (title %q)", pageURL, selector, title)
		}
		var parts []string
		sel.Each(func(_ int, s *goquery.Selection) {
			if h, err := goquery.OuterHtml(s); err == nil {
				parts = append(parts, HTMLText(h))
			}
		})
		text = strings.Join(parts, "\n\n")
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
