package source

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxArticleElements bounds the elements of a page that Article reads. The
// HTML parser's work grows with elements times nesting depth, and
// readability's scoring revisits ancestors and siblings; a long news page
// has a few thousand elements. A page with more is refused, with an error
// saying so, before it is parsed. (Nesting is bounded separately: the HTML
// parser refuses more than 512 open elements.)
const MaxArticleElements = 50_000

// MaxPageElements bounds the elements of a page read through a CSS
// selector, as MaxArticleElements does for articles. It is higher because
// data pages are large: a table of 5,000 rows and 10 columns has 55,000.
const MaxPageElements = 100_000

// discardLogger is readability's logger: what it logs is for debugging
// readability itself. It holds no state.
var discardLogger = slog.New(slog.DiscardHandler)

// ErrNoArticle is returned (wrapped with the URL) when a page has no text
// that reads as an article: a bot wall, a JavaScript-only shell, an
// index page.
var ErrNoArticle = errors.New("no article text found")

// ArticleDoc is the main content of a web page, as a reader sees it.
type ArticleDoc struct {
	URL       string    // canonical URL: rel=canonical, else og:url, else the page URL, through CanonicalURL
	Outlet    string    // the publisher the page names: og:site_name, else JSON-LD publisher.name; may be empty
	Title     string    // the article's headline, without the site name
	Byline    string    // author(s) as the page states them; may be empty
	Published time.Time // from the page's metadata, in UTC; zero when absent
	// Text is the article's body as plain text, paragraphs as lines
	// separated by blank lines and table rows with " | " between cells
	// (see HTMLText); the title is not repeated in it.
	Text string
}

// Article extracts the main article of an HTML page fetched from pageURL,
// with readability (codeberg.org/readeck/go-readability, a port of
// Mozilla's Readability.js): navigation, ads, related-story boxes, cookie
// banners, comments and footers are dropped. Readability scores blocks by
// their text and keeps an ad that sits among the story's paragraphs, so
// elements that name themselves ads, sponsored content, cookie or consent
// banners or newsletter boxes (see isBoilerplate) are removed first. body must already be decoded
// to UTF-8 (fetch.ToUTF8); readability's own reader would ignore the HTTP
// header's charset. Mis-decoded text is repaired with RepairMojibake.
//
// Errors name the URL: a page too deeply nested or with more than
// MaxArticleElements elements, and a page with no article text
// (ErrNoArticle).
func Article(pageURL string, body []byte) (ArticleDoc, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return ArticleDoc{}, fmt.Errorf("read article %s: bad page URL: %w", pageURL, err)
	}
	if countTags(body, MaxArticleElements) {
		return ArticleDoc{}, fmt.Errorf("read article %s: page has more than %d elements, too many for an article", pageURL, MaxArticleElements)
	}
	doc, err := xhtml.Parse(bytes.NewReader(body))
	if err != nil {
		return ArticleDoc{}, fmt.Errorf("read article %s: parse HTML: %w", pageURL, err)
	}
	meta := scanHead(doc)

	out := ArticleDoc{URL: CanonicalURL(canonicalLink(base, meta)), Outlet: meta.outlet()}
	for _, n := range meta.boilerplate {
		n.Parent.RemoveChild(n)
	}

	// The tree is ours and used once: ParseAndMutate saves the copy that
	// ParseDocument would make.
	p := readability.NewParser()
	// Its default logger is a text handler writing to io.Discard, which
	// still formats every Info record and every logger With makes (one
	// per node cleanConditionally looks at): a handler that is never
	// enabled drops them unformatted.
	p.Logger = discardLogger
	// Without a JSON-LD script readability's search for one (a CSS
	// selector compiled and run over the page) finds nothing.
	p.DisableJSONLD = !meta.jsonLD
	art, err := p.ParseAndMutate(doc, base)
	if err != nil {
		return ArticleDoc{}, fmt.Errorf("read article %s: %w", pageURL, err)
	}
	out.Title = RepairMojibake(strings.Join(strings.Fields(art.Title()), " "))
	out.Byline = RepairMojibake(strings.Join(strings.Fields(art.Byline()), " "))
	if t, err := art.PublishedTime(); err == nil {
		out.Published = t.UTC()
	}
	if art.Node != nil {
		text, ok := nodeText(art.Node)
		if !ok {
			// A tree the walk cannot read as its markup would be read:
			// render the markup and read that.
			var buf bytes.Buffer
			if err := xhtml.Render(&buf, art.Node); err != nil {
				return ArticleDoc{}, fmt.Errorf("read article %s: render content: %w", pageURL, err)
			}
			text = HTMLText(buf.String())
		}
		out.Text = RepairMojibake(text)
	}
	if out.Text == "" {
		return ArticleDoc{}, fmt.Errorf("read article %s: %w (title %q)", pageURL, ErrNoArticle, out.Title)
	}
	return out, nil
}

// headMeta is what Article reads from a page before readability rewrites
// the tree.
type headMeta struct {
	canonical string // href of the first <link rel=canonical>
	ogURL     string // content of the first <meta property=og:url>
	siteName  string // content of the first <meta property=og:site_name>
	publisher string // publisher name of the first JSON-LD block naming one
	// boilerplate holds the outermost elements isBoilerplate names.
	boilerplate []*xhtml.Node
	// jsonLD is set when a script outside the boilerplate may be JSON-LD:
	// its type mentions ld+json, in any case (readability reads only
	// type="application/ld+json").
	jsonLD bool
}

// outlet is the publisher the page names for itself.
func (m headMeta) outlet() string {
	if m.siteName != "" {
		return RepairMojibake(m.siteName)
	}
	return RepairMojibake(strings.Join(strings.Fields(m.publisher), " "))
}

// scanHead walks the whole tree once, without recursion, picking the
// identity links and finding boilerplate.
func scanHead(doc *xhtml.Node) headMeta {
	var m headMeta
	// A page nests a few dozen deep; the stack holds one level's
	// siblings each.
	stack := make([]*xhtml.Node, 1, 128)
	stack[0] = doc
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == xhtml.ElementNode {
			if isBoilerplate(n) {
				// Its subtree goes; nothing in it needs looking at.
				m.boilerplate = append(m.boilerplate, n)
				continue
			}
			switch n.DataAtom {
			case atom.Link:
				if m.canonical == "" && hasToken(attr(n, "rel"), "canonical") {
					m.canonical = strings.TrimSpace(attr(n, "href"))
				}
			case atom.Meta:
				switch prop := strings.ToLower(strings.TrimSpace(attr(n, "property"))); {
				case prop == "og:url" && m.ogURL == "":
					m.ogURL = strings.TrimSpace(attr(n, "content"))
				case prop == "og:site_name" && m.siteName == "":
					m.siteName = strings.Join(strings.Fields(attr(n, "content")), " ")
				}
			case atom.Script:
				typ := attr(n, "type")
				if containsFold(typ, "ld+json") {
					m.jsonLD = true
				}
				if m.publisher == "" && n.FirstChild != nil && strings.EqualFold(strings.TrimSpace(typ), "application/ld+json") {
					m.publisher = ldPublisher(n.FirstChild.Data)
				}
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	return m
}

// countTags reports whether an HTML page has more than limit start tags,
// counting "<" followed by an ASCII letter: every start tag, and the odd
// "<" in a script or comment, an upper bound found at memchr speed, before
// the parser spends its time.
func countTags(body []byte, limit int) bool {
	n := 0
	for {
		i := bytes.IndexByte(body, '<')
		if i < 0 || i+1 >= len(body) {
			return false
		}
		if c := body[i+1] | 0x20; c >= 'a' && c <= 'z' {
			if n++; n > limit {
				return true
			}
		}
		body = body[i+1:]
	}
}

// isBoilerplate reports whether an element names itself, in its class or
// id, as something no reader came for: an ad ("ad", "ads", "advert…",
// "ad-…", "…-ad", "adsbygoogle", "dfp…", "gpt-ad…"), sponsored content
// ("sponsor…", "…-sponsor"), a cookie or consent banner ("cookie…",
// "consent…", "gdpr…", "onetrust…"), a newsletter or paywall box
// ("newsletter…", "paywall…"); or whose whole text is an ad label
// ("Advertisement", "Sponsored"). The document's structural elements (html,
// head, body, main, article) are never removed, whatever their class says
// (<body class="ads-free">).
func isBoilerplate(n *xhtml.Node) bool {
	switch n.DataAtom {
	case atom.Html, atom.Head, atom.Body, atom.Main, atom.Article:
		return false
	}
	for _, names := range [2]string{attr(n, "class"), attr(n, "id")} {
		for tok := range strings.FieldsSeq(names) {
			if boilerplateName(tok) {
				return true
			}
		}
	}
	// An ad label on its own: <span>Advertisement</span>. Only a short
	// subtree is read, so the check stays cheap on large containers.
	if c := n.FirstChild; c != nil && c == n.LastChild && c.Type == xhtml.TextNode {
		return adLabel(strings.TrimSpace(c.Data))
	}
	return false
}

// adLabel reports whether an element's whole text is an ad label,
// ignoring case. Most such texts are a paragraph or a link, answered
// without lower-casing them: lower-casing shrinks a character to a third
// of its bytes at most (the Kelvin sign to k), so a text three times the
// longest label is none, and ASCII text keeps its length.
func adLabel(text string) bool {
	if len(text) > 3*len("sponsored content") {
		return false
	}
	if isASCII(text) {
		if len(text) > len("sponsored content") {
			return false
		}
		for _, label := range [...]string{"advertisement", "advertisment", "sponsored", "sponsored content", "ad"} {
			if len(text) == len(label) && strings.EqualFold(text, label) {
				return true
			}
		}
		return false
	}
	switch strings.ToLower(text) {
	case "advertisement", "advertisment", "sponsored", "sponsored content", "ad":
		return true
	}
	return false
}

// boilerplateName reports whether one class or id token names
// boilerplate, as isBoilerplate says, ignoring case and reading "_" as
// "-". An ASCII token is folded in a buffer on the stack: scanHead asks
// this of every class and id of the page.
func boilerplateName(tok string) bool {
	var buf [64]byte
	if len(tok) > len(buf) || !isASCII(tok) {
		// Unicode case folding can make ASCII of other letters (the
		// Kelvin sign folds to k).
		return boilerplateFolded(strings.ReplaceAll(strings.ToLower(tok), "_", "-"))
	}
	b := buf[:len(tok)]
	for i := range len(tok) {
		switch c := tok[i]; {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '_':
			b[i] = '-'
		default:
			b[i] = c
		}
	}
	return boilerplateFolded(string(b)) // not copied to the heap up to 32 bytes
}

// boilerplateFolded is boilerplateName for a token already lower-cased,
// with "-" for "_".
func boilerplateFolded(tok string) bool {
	switch {
	case tok == "ad", tok == "ads", tok == "adsbygoogle", tok == "sponsored",
		strings.HasPrefix(tok, "ad-") && !strings.HasPrefix(tok, "ad-free"),
		strings.HasPrefix(tok, "ads-") && !strings.HasPrefix(tok, "ads-free"),
		strings.HasPrefix(tok, "advert"), strings.HasPrefix(tok, "dfp"), strings.HasPrefix(tok, "gpt-ad"),
		strings.HasSuffix(tok, "-ad"), strings.HasSuffix(tok, "-ads"), strings.HasSuffix(tok, "-advert"),
		strings.HasPrefix(tok, "sponsor"), strings.HasSuffix(tok, "-sponsor"), strings.HasSuffix(tok, "-sponsored"),
		strings.HasPrefix(tok, "cookie"), strings.HasPrefix(tok, "consent"), strings.HasPrefix(tok, "gdpr"),
		strings.HasPrefix(tok, "onetrust"), strings.HasPrefix(tok, "newsletter"), strings.HasPrefix(tok, "paywall"):
		return true
	}
	return false
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// canonicalLink picks the page's own name for itself: rel=canonical, else
// og:url, each resolved against the page URL, else the page URL. A
// canonical that is not http(s), or that names the site's home page for a
// page that is not (a common CMS misconfiguration, which would merge every
// story into one document), is ignored.
func canonicalLink(base *url.URL, m headMeta) string {
	for _, cand := range []string{m.canonical, m.ogURL} {
		if cand == "" {
			continue
		}
		ref, err := url.Parse(cand)
		if err != nil {
			continue
		}
		u := base.ResolveReference(ref)
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			continue
		}
		if isHome(u) && !isHome(base) {
			continue
		}
		return u.String()
	}
	return base.String()
}

func isHome(u *url.URL) bool {
	return (u.Path == "" || u.Path == "/") && u.RawQuery == ""
}

// attr returns the value of n's attribute key, or "".
func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// hasToken reports whether a space-separated attribute value (rel, class)
// holds tok, ignoring case.
func hasToken(list, tok string) bool {
	for f := range strings.FieldsSeq(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}
