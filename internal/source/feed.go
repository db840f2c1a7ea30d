// Package source turns fetched bodies into Documents: feeds (RSS, Atom and
// JSON Feed, in UTF-8, UTF-16 or an 8-bit encoding) through gofeed, the
// articles feed items link to through readability, HTML data pages through
// a CSS selector, and PDF reports through poppler's pdftotext, with page
// numbers. It also gives documents their canonical URLs and repairs
// mojibake. It decides nothing about what changed; that is internal/diff's
// job.
package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	gojson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	xhtml "golang.org/x/net/html"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/figwatch/watcher/internal/fetch"
)

// Document is one fetched thing with a stable identity.
type Document struct {
	// ID is stable across fetches: "<source id>:" + the item's GUID as
	// given (relative or opaque ones included), else its absolute link,
	// else the hex SHA-256 of its title.
	ID        string
	Source    string    // source id
	URL       string    // absolute item link, resolved against the feed's URL
	Title     string    // plain text, on one line
	Published time.Time // published, else updated, in UTC; zero when absent
	// Text is Title + "\n\n" + the plain text of the item's content (else
	// its description), HTML stripped; just Title when there is no body.
	Text string
	Hash string // hex SHA-256 of Title + "\n" + Text
	// Outlet is the publisher a press document is credited to: the
	// article's og:site_name or JSON-LD publisher, an aggregator feed
	// item's <source>, else the host of its URL.
	Outlet string
	// Records are the values a data source (CSV, JSON) states, by metric
	// and period; Text renders them a line each. Empty for other kinds.
	Records []Record
}

// ParseFeed parses an RSS, Atom or JSON Feed body fetched from feedURL into
// Documents, in feed order. Items with neither GUID, link nor title are
// skipped; of items sharing an ID the first is kept. A body that is not a
// feed (an HTML page such as a bot wall, an empty body, other XML, JSON
// that is not a JSON Feed) is an error saying what the body is instead and
// naming the URL.
func ParseFeed(sourceID, feedURL string, body []byte) ([]Document, error) {
	base, err := url.Parse(feedURL)
	if err != nil {
		return nil, fmt.Errorf("parse feed %s: bad feed URL: %w", feedURL, err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("parse feed %s: body is empty", feedURL)
	}
	body = numericFeedDates(xmlToUTF8(body))

	// A parser per call: gofeed parsers are cheap, and sharing one would be
	// package state. The image scan is off because Documents carry no
	// images, and it costs a full HTML parse per item. The original feed is
	// kept for the few fields the universal Item loses (RSS isPermaLink,
	// JSON Feed's content_text versus content_html).
	p := gofeed.NewParser()
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	p.KeepOriginalFeed = true
	feed, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("parse feed %s: %s", feedURL, describeNonFeed(body))
		}
		if trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff"); len(trimmed) > 0 && trimmed[0] == '{' {
			return nil, fmt.Errorf("parse feed %s: body is not valid JSON: %w", feedURL, err)
		}
		return nil, fmt.Errorf("parse feed %s: %w", feedURL, err)
	}
	if feed.FeedType == "json" && !strings.Contains(feed.FeedVersion, "jsonfeed.org/version/") {
		return nil, fmt.Errorf("parse feed %s: body is JSON but not a JSON Feed (no jsonfeed.org version)", feedURL)
	}

	var (
		rssItems  []*rss.Item
		jsonItems []*gojson.Item
	)
	switch orig := feed.OriginalFeed().(type) {
	case *rss.Feed:
		rssItems = orig.Items
	case *gojson.Feed:
		jsonItems = orig.Items
	}

	docs := make([]Document, 0, len(feed.Items))
	seen := make(map[string]bool, len(feed.Items))
	for i, item := range feed.Items {
		var (
			permalink = true // RSS guids are permalinks unless they say not
			plain     = false
		)
		if len(rssItems) == len(feed.Items) && rssItems[i].GUID != nil {
			permalink = !strings.EqualFold(strings.TrimSpace(rssItems[i].GUID.IsPermalink), "false")
		}
		if len(jsonItems) == len(feed.Items) {
			plain = jsonItems[i].ContentHTML == "" && jsonItems[i].ContentText != ""
		}
		doc, ok := itemDocument(sourceID, base, item, permalink, plain)
		if !ok || seen[doc.ID] {
			continue
		}
		// An aggregator's item names its outlet in <source>: the item is
		// that outlet's story, not the aggregator's.
		doc.Outlet = HostOutlet(doc.URL)
		if len(rssItems) == len(feed.Items) && rssItems[i].Source != nil {
			if name := strings.Join(strings.Fields(rssItems[i].Source.Title), " "); name != "" {
				doc.Outlet = RepairMojibake(name)
			} else if host := HostOutlet(rssItems[i].Source.URL); host != "" {
				doc.Outlet = host
			}
		}
		seen[doc.ID] = true
		docs = append(docs, doc)
	}
	return docs, nil
}

// itemDocument builds the Document for one item; ok is false when the item
// has nothing to identify it by.
func itemDocument(sourceID string, base *url.URL, item *gofeed.Item, guidIsPermalink, plainContent bool) (Document, bool) {
	guid := strings.TrimSpace(item.GUID)
	link := strings.TrimSpace(item.Link)
	if link == "" {
		for _, l := range item.Links {
			if l = strings.TrimSpace(l); l != "" {
				link = l
				break
			}
		}
	}
	if link == "" && guid != "" && guidIsPermalink && looksLikeLink(guid) {
		link = guid
	}
	doc := Document{
		Source: sourceID,
		URL:    resolve(base, link),
		Title:  RepairMojibake(titleText(item.Title)),
	}
	switch {
	case guid != "":
		doc.ID = sourceID + ":" + guid
	case doc.URL != "":
		doc.ID = sourceID + ":" + doc.URL
	case doc.Title != "":
		sum := sha256.Sum256([]byte(doc.Title))
		doc.ID = sourceID + ":" + hex.EncodeToString(sum[:])
	default:
		return Document{}, false
	}

	switch {
	case item.PublishedParsed != nil:
		doc.Published = item.PublishedParsed.UTC()
	case item.UpdatedParsed != nil:
		doc.Published = item.UpdatedParsed.UTC()
	}

	content := item.Content
	if strings.TrimSpace(content) == "" {
		content, plainContent = item.Description, false
	}
	var text string
	if plainContent {
		text = plainText(content)
	} else {
		text = feedHTMLText(content)
	}
	text = RepairMojibake(text)
	switch {
	case doc.Title == "":
		doc.Text = text
	case text == "":
		doc.Text = doc.Title
	default:
		doc.Text = doc.Title + "\n\n" + text
	}
	sum := sha256.Sum256([]byte(doc.Title + "\n" + doc.Text))
	doc.Hash = hex.EncodeToString(sum[:])
	return doc, true
}

// looksLikeLink reports whether a GUID can stand in for a missing link: an
// http(s) URL or an absolute path, not an opaque id like "urn:uuid:..." or
// "tag:...".
func looksLikeLink(guid string) bool {
	if strings.HasPrefix(guid, "/") {
		return true
	}
	u, err := url.Parse(guid)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// resolve makes link absolute against base; an unparseable link is kept as
// given rather than dropped, so it still shows up in alerts.
func resolve(base *url.URL, link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	return base.ResolveReference(u).String()
}

// feedHTMLText is HTMLText for feed fields, which are sometimes escaped
// twice (GAO's "&amp;amp;"): while the plain text still holds an entity, the
// field is unescaped once more and read again, at most twice.
func feedHTMLText(s string) string {
	text := HTMLText(s)
	for range 2 {
		if !hasEntity(text) {
			break
		}
		s = html.UnescapeString(s)
		text = HTMLText(s)
	}
	return text
}

// titleText is the plain text of a title on one line. Atom titles may hold
// HTML, and RSS titles often do; a title without markup takes HTMLText's
// short way, which drops what the parser would (zero-width spaces, soft
// hyphens) without parsing.
func titleText(s string) string {
	return strings.Join(strings.Fields(feedHTMLText(s)), " ")
}

// plainText tidies text that is not HTML (JSON Feed's content_text):
// whitespace collapsed within lines, at most one blank line in a row.
func plainText(s string) string {
	var w textBuf
	w.text([]byte(strings.ReplaceAll(s, "\r\n", "\n")), true)
	return w.b.String()
}

// hasEntity reports whether plain text still holds an HTML character
// reference, which means its source was escaped more than once.
func hasEntity(s string) bool {
	return strings.IndexByte(s, '&') >= 0 && html.UnescapeString(s) != s
}

// xmlToUTF8 prepares a feed body for the parser, which reads UTF-8 and the
// 8-bit encodings an XML declaration names, but not UTF-16:
//
//   - UTF-16, recognised by its byte order mark or, without one, by the
//     zero bytes around "<?xml" (the XML specification's autodetection),
//     is converted to UTF-8 and its declaration rewritten to say so, since
//     the parser would otherwise decode the converted text as UTF-16 again;
//   - a body that is not valid UTF-8 and declares no other encoding is
//     converted from Windows-1252, the usual encoding of such feeds;
//   - a body that declares an 8-bit encoding is left alone: the parser
//     converts it, and converting here too would decode the text twice.
func xmlToUTF8(body []byte) []byte {
	if out, ok := utf16ToUTF8(body); ok {
		return out
	}
	if utf8.Valid(body) {
		return body
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<")) {
		return body
	}
	if enc := strings.ToLower(fetch.XMLEncoding(trimmed)); enc != "" && enc != "utf-8" && enc != "utf8" {
		return body
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// utf16ToUTF8 converts a UTF-16 XML body to UTF-8 with a declaration that
// says UTF-8; ok is false when body is not UTF-16 or does not decode.
func utf16ToUTF8(body []byte) (out []byte, ok bool) {
	var order unicode.Endianness
	switch {
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), bytes.HasPrefix(body, []byte("<\x00?\x00x\x00")):
		order = unicode.LittleEndian
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte("\x00<\x00?\x00x")):
		order = unicode.BigEndian
	default:
		return nil, false
	}
	// UseBOM: a byte order mark, when present, is obeyed and dropped.
	out, err := unicode.UTF16(order, unicode.UseBOM).NewDecoder().Bytes(body)
	if err != nil {
		return nil, false
	}
	return rewriteXMLDeclEncoding(out, "UTF-8"), true
}

// rewriteXMLDeclEncoding replaces the encoding named in b's XML declaration,
// if any, with enc.
func rewriteXMLDeclEncoding(b []byte, enc string) []byte {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	old := fetch.XMLEncoding(trimmed)
	if old == "" {
		return b
	}
	end := bytes.Index(b, []byte("?>"))
	attr := bytes.Index(b[:end], []byte("encoding"))
	if attr < 0 {
		return b
	}
	i := bytes.Index(b[attr:end], []byte(old))
	if i < 0 {
		return b
	}
	i += attr
	out := make([]byte, 0, len(b)-len(old)+len(enc))
	out = append(out, b[:i]...)
	out = append(out, enc...)
	return append(out, b[i+len(old):]...)
}

// describeNonFeed says what a body that is not a feed is, for an error
// message an operator can act on: a bot wall's title, another XML root, or
// the first bytes.
func describeNonFeed(body []byte) string {
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	switch {
	case len(trimmed) == 0:
		return "body is empty"
	case trimmed[0] == '{' || trimmed[0] == '[':
		if json.Valid(trimmed) {
			return "body is JSON but not a JSON Feed"
		}
		return "body is neither a feed nor valid JSON"
	case trimmed[0] == '<':
		root, title, isHTML := firstElement(trimmed)
		switch {
		case isHTML && title != "":
			return fmt.Sprintf("body is an HTML page, not a feed (title %q)", title)
		case isHTML:
			return "body is an HTML page, not a feed"
		case root != "":
			return fmt.Sprintf("body is XML with root element <%s>, not a feed", root)
		}
	}
	return fmt.Sprintf("body is not a feed (starts with %q)", snippet(trimmed, 60))
}

// firstElement finds the first element of a markup body, whether the body is
// an HTML document, and its <title>.
func firstElement(b []byte) (root, title string, isHTML bool) {
	const scanLimit = 64 << 10 // a bot wall's title is near the top
	z := xhtml.NewTokenizer(bytes.NewReader(b[:min(len(b), scanLimit)]))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return root, title, isHTML
		case xhtml.DoctypeToken:
			if f := strings.Fields(string(z.Text())); len(f) > 0 && strings.EqualFold(f[0], "html") {
				isHTML = true
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			if root == "" {
				root = string(name)
				switch root {
				case "html", "head", "body", "meta", "title", "div", "p", "script", "style", "link":
					isHTML = true
				}
				if !isHTML {
					return root, "", false
				}
			}
			if string(name) == "title" && z.Next() == xhtml.TextToken {
				title = strings.Join(strings.Fields(string(z.Text())), " ")
				return root, title, isHTML
			}
		}
	}
}

// snippet is the first n runes of b, for error messages.
func snippet(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), 4*n)]), "\ufffd")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}
