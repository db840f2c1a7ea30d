package slack

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/notify"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks):
// Slack rejects the whole message with invalid_blocks when one is exceeded,
// so every piece of document text is cut to fit before it is sent.
const (
	maxBlocks      = 50
	maxHeader      = 150
	maxSectionText = 3000
	maxField       = 2000
	maxFields      = 10
	maxURL         = 3000
	maxButtonText  = 75
	maxContextText = 2000
	maxTitle       = 300
	// maxListed is how many revised or reported figures (list items with
	// quotes) are shown; the rest are counted, keeping the message well
	// under Slack's total size limit.
	maxListed = 8
	// listBudget is the quote budget shared by the listed figures.
	listBudget = 6000
	// listTextBudget bounds the text of a list's items without quotes (a
	// digest's alerts): Slack refuses messages much beyond 13,000
	// characters whatever the block count, and a digest of hundreds of
	// alerts is read as "and N more" anyway.
	listTextBudget = 10000
	// itemMax bounds one item's line; a longer link is named, not linked.
	itemMax = 600
)

// render is what Send and Update post for an alert: its blocks, and the
// notification text (what notifications and clients without Block Kit
// show), with times in the notifier's zone.
func (n *Notifier) render(a notify.Alert) ([]slackapi.Block, string) {
	m := notify.BuildIn(a, n.loc)
	return n.withApp(a, MessageBlocks(m)), fallback(m)
}

// fallback is a message's notification text: its plain text, escaped,
// within Slack's length.
func fallback(m notify.Message) string {
	return notify.EscapeMrkdwn(notify.Truncate(notify.Text(m), maxFallback))
}

// MessageBlocks renders a message as Block Kit, the same way whatever the
// event kind: a header with the headline; one section of fields with the
// facts (Part.Value); rich_text blocks with the documents, quotes (the
// figure in bold), texts and lists, in the message's order; the other
// documents repeating a claim; a context line (source, metric, time, kind,
// or a digest's period); buttons to the documents.
//
// Document text never takes on formatting: titles, quotes, errors and
// notes are rich_text text and link elements, which Slack shows as they
// are (no mrkdwn, no mentions, no links but watcher's own), and the
// header and buttons are plain_text. The only mrkdwn holds watcher's own
// words and the config's names, escaped, and a fact holding a mrkdwn
// formatting character is sent as plain_text instead. Everything is cut
// to Slack's limits.
func MessageBlocks(m notify.Message) []slackapi.Block {
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(plain(notify.Truncate(header(m), maxHeader))),
	}
	add := func(bs ...slackapi.Block) {
		for _, b := range bs {
			if b != nil {
				blocks = append(blocks, b)
			}
		}
	}
	if m.Held != nil {
		add(periodContext(m.Held))
	}
	add(factsSection(m.Parts))
	var body richText
	for _, p := range m.Parts {
		if p.Items != nil || p.Empty != "" {
			add(body.take()...)
			add(listBlocks(p)...)
			continue
		}
		body.part(p)
	}
	add(body.take()...)
	add(alsoBlock(m))
	if m.Held == nil {
		add(contextBlock(m))
	}
	add(actions(m.Links))
	if len(blocks) > maxBlocks {
		blocks = blocks[:maxBlocks]
	}
	return blocks
}

// header is the headline for the header block, with its note when the
// whole fits: a claim's "matches the August 2024 figure" is dropped
// rather than cut with the change figures, since a part says it in full.
func header(m notify.Message) string {
	if h := m.FullHeadline(); utf8.RuneCountInString(h) <= maxHeader {
		return h
	}
	return m.Headline
}

// plain is a plain_text object: Slack shows it as is, never parsing
// mentions or links, and emoji codes in documents stay text.
func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, false, false)
}

// md is a mrkdwn object marked verbatim, so Slack does not turn bare URLs,
// #channel names or @here into links or mentions. It holds only watcher's
// words, figures and the config's names, escaped (document text goes in
// rich_text); the dates built here are explicit and unaffected.
func md(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, true)
}

func esc(s string) string { return notify.EscapeMrkdwn(s) }

// factsSection shows the message's facts side by side as fields,
// leaving out empty ones (Slack rejects an empty text object).
func factsSection(parts []notify.Part) slackapi.Block {
	var fields []*slackapi.TextBlockObject
	for _, p := range parts {
		if p.Value == "" || len(fields) == maxFields {
			continue
		}
		fields = append(fields, field(p))
	}
	if len(fields) == 0 {
		return nil
	}
	return slackapi.NewSectionBlock(nil, fields, nil)
}

// mrkdwnStyle holds the characters mrkdwn turns into formatting and that
// have no escape: text holding one is never sent as mrkdwn.
const mrkdwnStyle = "*_~`"

// field is a fact: "*Was*\nmore than 291,000\n_reported 10 Dec 2025_",
// with where it was stated on a line of its own. Its text is watcher's or
// the config's; should it still hold a formatting character, the field
// is plain_text, so nothing in it takes effect.
func field(p notify.Part) *slackapi.TextBlockObject {
	value := p.Value
	if p.Note != "" {
		value += " (" + p.Note + ")"
	}
	if strings.ContainsAny(value+p.From+p.Label, mrkdwnStyle) {
		text := p.Label + "\n" + value
		if p.Reported != "" {
			text += "\nreported " + p.Reported
		}
		if p.From != "" {
			text += "\n" + p.From
		}
		return plain(notify.Truncate(text, maxField))
	}
	text := "*" + p.Label + "*\n" + esc(value)
	if p.Reported != "" {
		text += "\n_reported " + p.Reported + "_"
	}
	if p.From != "" {
		text += "\n" + esc(p.From)
	}
	if utf8.RuneCountInString(text) > maxField {
		// The text is escaped mrkdwn: cut it at a line, never inside an
		// entity or a style.
		text = cutLines(text, maxField)
	}
	return md(text)
}

// cutLines keeps whole lines of s within max runes.
func cutLines(s string, max int) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	n := 0
	for _, l := range lines {
		c := utf8.RuneCountInString(l) + 1
		if n+c > max {
			break
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		n += c
	}
	return b.String()
}

// safeURL returns u ready to put in a link or a button, or "" when it is
// not an absolute http(s) URL (a javascript: link must not become
// clickable) or is longer than Slack accepts.
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	// Characters a URL may not hold literally (spaces, quotes, < > |, which
	// also end the URL part of <url|text>, and non-ASCII) are
	// percent-encoded: the same address, and one Slack accepts.
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"{}|\\^`", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	u = b.String()
	if len(u) > maxURL {
		return ""
	}
	return u
}

func button(actionID, label, rawURL string) slackapi.BlockElement {
	u := safeURL(rawURL)
	if u == "" {
		return nil
	}
	return slackapi.NewButtonBlockElement(actionID, "", plain(notify.Truncate(label, maxButtonText))).WithURL(u)
}

// actions is a button per link whose URL can be linked.
func actions(links []notify.Link) slackapi.Block {
	var els []slackapi.BlockElement
	for _, l := range links {
		// button returns a nil interface when the URL is unusable.
		if b := button(l.ID, l.Label, l.URL); b != nil {
			els = append(els, b)
		}
	}
	if len(els) == 0 {
		return nil
	}
	return slackapi.NewActionBlock("", els...)
}

// contextBlock is the small print: source, metric, and when it happened,
// shown in each reader's own time zone by Slack's date formatting, with
// the newsroom's zone as the fallback text.
func contextBlock(m notify.Message) slackapi.Block {
	var parts []string
	if m.Source != "" {
		parts = append(parts, esc(m.Source))
	}
	if m.Metric != "" {
		parts = append(parts, "metric `"+esc(m.Metric)+"`")
	}
	if !m.At.IsZero() {
		parts = append(parts, slackDate(m.At, m.When))
	}
	parts = append(parts, esc(notify.Clean(m.Kind)))
	text := strings.Join(parts, " · ")
	if utf8.RuneCountInString(text) > maxContextText {
		text = esc(notify.Truncate(m.Source, maxContextText/2))
	}
	return slackapi.NewContextBlock("", md(text))
}

// periodContext shows the period a digest covers, in each reader's own
// time zone.
func periodContext(p *notify.Period) slackapi.Block {
	var parts []string
	if !p.From.IsZero() {
		parts = append(parts, "from "+slackDate(p.From, p.FromText))
	}
	if !p.To.IsZero() {
		parts = append(parts, "to "+slackDate(p.To, p.ToText))
	}
	if len(parts) == 0 {
		return nil
	}
	return slackapi.NewContextBlock("", md("Held during quiet hours, "+strings.Join(parts, " ")))
}

// slackDate is Slack's date formatting of t, which each reader sees in
// their own zone, falling back to text (the newsroom's zone, labelled).
func slackDate(t time.Time, fallback string) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), esc(fallback))
}
