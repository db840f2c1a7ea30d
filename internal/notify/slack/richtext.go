package slack

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/notify"
)

// Styles watcher applies itself: the only formatting a message carries.
var (
	bold   = &slackapi.RichTextSectionTextStyle{Bold: true}
	italic = &slackapi.RichTextSectionTextStyle{Italic: true}
)

// richText builds rich_text blocks. Its text and link elements are shown
// as they are: Slack parses no mrkdwn, mention or link inside them, so a
// document's *bold*, <!channel> or <https://evil|link> stays text. Each
// block is kept within maxSectionText runes of text (URLs included),
// the limit of a section, so no block outgrows what Slack accepts.
type richText struct {
	blocks []slackapi.Block
	els    []slackapi.RichTextElement
	sec    []slackapi.RichTextSectionElement
	n      int // runes in els and sec
}

func (r *richText) text(s string, style *slackapi.RichTextSectionTextStyle) {
	if s == "" {
		return
	}
	r.sec = append(r.sec, slackapi.NewRichTextSectionTextElement(s, style))
	r.n += utf8.RuneCountInString(s)
}

// newline starts a new line in the current section. Lines are joined in
// one section rather than written as several sections, which clients may
// lay out differently.
func (r *richText) newline() {
	if len(r.sec) > 0 {
		r.text("\n", nil)
	}
}

// link is title linking to rawURL, or title alone when the URL is not an
// absolute http(s) URL Slack accepts.
func (r *richText) link(rawURL, title string, style *slackapi.RichTextSectionTextStyle) {
	title = notify.Truncate(title, maxTitle)
	u := safeURL(rawURL)
	if u == "" {
		r.text(title, style)
		return
	}
	r.sec = append(r.sec, slackapi.NewRichTextSectionLinkElement(u, title, style))
	r.n += utf8.RuneCountInString(title) + len(u)
}

// labelled starts a line with "Label: " in bold.
func (r *richText) labelled(label string) {
	r.newline()
	if label != "" {
		r.text(label+": ", bold)
	}
}

func (r *richText) endSection() {
	if len(r.sec) > 0 {
		r.els = append(r.els, slackapi.NewRichTextSection(r.sec...))
		r.sec = nil
	}
}

// quote is a block quote of e with the figure in bold and the PDF page in
// italics.
func (r *richText) quote(e notify.Excerpt) {
	if e.Empty() {
		return
	}
	r.endSection()
	// The bold goes on the figure itself, not the spaces around it.
	fig := strings.TrimSpace(e.Figure)
	lead, trail := "", ""
	if fig != "" {
		lead = e.Figure[:strings.Index(e.Figure, fig)]
		trail = e.Figure[len(lead)+len(fig):]
	}
	r.text(e.Before+lead, nil)
	r.text(fig, bold)
	r.text(trail+e.After, nil)
	r.text(e.PageNote(), italic)
	r.els = append(r.els, &slackapi.RichTextQuote{Type: slackapi.RTEQuote, Elements: r.sec})
	r.sec = nil
}

// flush ends the current block, if it holds anything.
func (r *richText) flush() {
	r.endSection()
	if len(r.els) > 0 {
		r.blocks = append(r.blocks, slackapi.NewRichTextBlock("", r.els...))
	}
	r.els, r.n = nil, 0
}

// take returns the blocks built so far and starts afresh.
func (r *richText) take() []slackapi.Block {
	r.flush()
	b := r.blocks
	r.blocks = nil
	return b
}

// add appends what o holds to the current block, starting a new block
// when both would not fit one. A line of text following a line of text
// joins its section, so the lines stay lines.
func (r *richText) add(o *richText) {
	if len(o.els) == 0 && len(o.sec) == 0 {
		return
	}
	if r.n > 0 && r.n+o.n > maxSectionText {
		r.flush()
	}
	for i, el := range o.els {
		if sec, ok := el.(*slackapi.RichTextSection); ok && i == 0 && len(r.sec) > 0 {
			r.newline()
			r.sec = append(r.sec, sec.Elements...)
			continue
		}
		r.endSection()
		r.els = append(r.els, el)
	}
	if len(o.sec) > 0 {
		if len(o.els) == 0 {
			r.newline()
		}
		r.sec = append(r.sec, o.sec...)
	}
	r.n += o.n
}

// part adds what a part shows beyond its fact: the document and quote
// stating a fact, a text, a document, a quote. Lists are listBlocks'.
func (r *richText) part(p notify.Part) {
	var o richText
	switch {
	case p.Value != "":
		if p.Doc == nil && p.Quote == nil {
			return
		}
		o.labelled(p.Label)
		if p.Doc != nil {
			o.link(p.Doc.URL, p.Doc.Name(), nil)
		}
		if p.Quote != nil {
			o.quote(p.Quote.Cut(maxSectionText - o.n - 2))
		}
	case p.Text != "":
		o.labelled(p.Label)
		o.text(notify.Truncate(p.Text, maxSectionText-o.n), nil)
	case p.Doc != nil:
		o.labelled(p.Label)
		o.link(p.Doc.URL, p.Doc.Name(), nil)
	case p.Quote != nil:
		o.quote(p.Quote.Cut(maxSectionText - 2))
	}
	r.add(&o)
}

// listBlocks shows a list's items: those with quotes (revised or reported
// figures) a block each, at most maxListed sharing listBudget; the others
// (a digest's alerts) a line each, packed into blocks, within
// listTextBudget. Items left out are counted.
func listBlocks(p notify.Part) []slackapi.Block {
	var r richText
	if len(p.Items) == 0 {
		if p.Empty != "" {
			r.text(p.Empty, italic)
		}
		return r.take()
	}
	quotes := 0
	for _, it := range p.Items {
		quotes = max(quotes, len(it.Quotes))
	}
	per := quoteShare(len(p.Items), max(quotes, 1))
	listed, total := 0, 0
	for _, it := range p.Items {
		var o richText
		item(&o, it, per)
		if quotes > 0 && listed == maxListed || total+o.n > listTextBudget {
			break
		}
		if quotes > 0 {
			r.flush()
		}
		r.add(&o)
		listed++
		total += o.n
	}
	r.flush()
	if rest := len(p.Items) - listed; rest > 0 {
		noun := p.ItemNoun
		if rest > 1 {
			noun += "s"
		}
		r.text(fmt.Sprintf("…and %d more %s", rest, noun), italic)
	}
	return r.take()
}

// item is one list item: "• metric changed · headline" linking to the
// document in a digest, "• metric: 32,000 → 43,000" with its quotes in a
// list of figures. A line too long for a link is named, not linked.
func item(o *richText, it notify.Item, per int) {
	o.text("• ", nil)
	switch {
	case it.Tag != "":
		o.text(it.Tag, bold)
		o.text(" · ", nil)
		if utf8.RuneCountInString(it.Text)+len(it.URL) > itemMax {
			o.text(notify.Truncate(it.Text, maxTitle), nil)
		} else {
			o.link(it.URL, it.Text, nil)
		}
	default:
		o.text(it.Name, bold)
		o.text(": "+notify.Truncate(it.Text, maxTitle), nil)
	}
	for _, q := range it.Quotes {
		if q.Label != "" {
			o.newline()
			o.text(capitalised(q.Label), bold)
		}
		o.quote(q.Cut(per))
	}
}

func capitalised(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// quoteShare splits the list budget between n items of k quotes each.
func quoteShare(n, k int) int {
	if n > maxListed {
		n = maxListed
	}
	if n < 1 {
		n = 1
	}
	per := listBudget / n / k
	return min(max(per, 200), maxSectionText/k-100)
}

// alsoTitleMax bounds each repeating document's title in the list, so ten
// of them fit one block.
const alsoTitleMax = 120

// alsoBlock lists the other documents repeating the alert's claim as
// "title (source)", linked, comma-separated: the first notify.AlsoShown,
// or fewer when their links would overflow the block, then how many
// more.
func alsoBlock(m notify.Message) slackapi.Block {
	if len(m.Also) == 0 {
		return nil
	}
	var r richText
	r.text("Also reported by: ", bold)
	// Room for the longest possible tail: ", …and 9999 more".
	budget := maxSectionText - r.n - 24
	used, more := 0, m.AlsoMore
	for i, d := range m.Also {
		var o richText
		if i > 0 {
			o.text(", ", nil)
		}
		title := notify.Truncate(d.Name(), alsoTitleMax)
		if utf8.RuneCountInString(title)+len(d.URL) > budget/2 {
			// A link too long to share the block is named, not linked.
			o.text(title, nil)
		} else {
			o.link(d.URL, title, nil)
		}
		if d.Source != "" {
			o.text(" ("+notify.Truncate(d.Source, 80)+")", nil)
		}
		if used+o.n > budget {
			more += len(m.Also) - i
			break
		}
		r.sec = append(r.sec, o.sec...)
		r.n += o.n
		used += o.n
	}
	if more > 0 {
		r.text(", ", nil)
		r.text(fmt.Sprintf("…and %d more", more), italic)
	}
	b := r.take()
	return b[0]
}
