package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/figwatch/watcher/internal/diff"
)

// Rendering limits for plain text: a terminal is 80 columns wide, and a
// quote longer than a paragraph stops being read.
const (
	plainWidth     = 80
	plainKeyWidth  = 11
	plainQuoteMax  = 600
	headlineErrMax = 200
)

// Headline is the event in one line, for a notification preview, a Slack
// header or a log: "Children not served a notice to appear: more than
// 291,000 → 233,000 (−58,000, −19.9%)". It is Clean text, not escaped.
func Headline(ev diff.Event) string {
	return builder{loc: time.UTC}.fullHeadline(ev)
}

// changeOf is the change between two stated figures, in the newer one's unit.
func changeOf(old, new *diff.Stated) string {
	return formatChange(old.Value, new.Value, new.Unit)
}

// changeLabel names the figure a revision changed.
func changeLabel(c diff.Change) string {
	switch {
	case c.Metric != "":
		return Clean(c.Metric)
	case c.After != nil && c.After.Metric != "":
		return Clean(c.After.Metric)
	case c.Before != nil && c.Before.Metric != "":
		return Clean(c.Before.Metric)
	}
	return "untracked figure"
}

func before(c diff.Change) string {
	if c.Before == nil {
		return "(not stated)"
	}
	return wording(c.Before)
}

func after(c diff.Change) string {
	if c.After == nil {
		return "(removed)"
	}
	return wording(c.After)
}

// docTitle is the event's document for people: its title, else its URL,
// else its id.
func docTitle(ev diff.Event) string {
	for _, s := range []string{ev.Title, titleOf(ev.New), ev.URL, ev.DocID} {
		if t := Clean(s); t != "" {
			return t
		}
	}
	return "untitled document"
}

func titleOf(s *diff.Stated) string {
	if s == nil {
		return ""
	}
	return s.Title
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Text renders a message as plain text for a terminal or a notification
// fallback: the headline, then one labelled row per part, wrapped at 80
// columns, with each quote's figure between asterisks, then the documents
// repeating a claim. Nothing is escaped: escape it for mrkdwn before
// sending it to Slack.
func Text(m Message) string {
	var t textBuilder
	t.line(m.FullHeadline() + m.Held.text())
	t.blank()
	for _, p := range m.Parts {
		t.part(p)
	}
	t.also(m)
	return strings.TrimRight(t.b.String(), "\n") + "\n"
}

// text is the period after a digest's headline: " from 1 Mar 2026 22:00
// UTC to 2 Mar 2026 09:00 UTC".
func (p *Period) text() string {
	switch {
	case p == nil:
		return ""
	case p.FromText != "" && p.ToText != "":
		return " from " + p.FromText + " to " + p.ToText
	case p.ToText != "":
		return " until " + p.ToText
	case p.FromText != "":
		return " since " + p.FromText
	}
	return ""
}

// part writes one part: a fact on its row with its document and quote
// below, text on its row, a document's title and link, a quote, or a
// list of bullets.
func (t *textBuilder) part(p Part) {
	indent := strings.Repeat(" ", plainKeyWidth)
	switch {
	case p.Items == nil && p.Value != "":
		t.row(p.Label, factLine(p))
		if p.Doc != nil {
			for _, v := range []string{p.Doc.Title, p.Doc.URL} {
				if v != "" {
					t.wrapped(indent, indent, v)
				}
			}
		}
		if p.Quote != nil && !p.Aside {
			if q := plainQuote(p.Quote.Cut(plainQuoteMax / 2)); q != "" {
				t.wrapped(indent, indent, q)
			}
		}
	case p.Text != "":
		t.row(p.Label, p.Text)
	case p.Doc != nil:
		name := p.Doc.Title
		if name == "" {
			name = p.Doc.URL
		}
		t.row(p.Label, name)
		switch {
		case p.LinkLabel != "":
			t.row(p.LinkLabel, p.Doc.URL)
		case p.Doc.Title != "" && p.Doc.URL != "":
			t.wrapped(indent, indent, p.Doc.URL)
		}
	case p.Quote != nil:
		t.row(p.Label, plainQuote(p.Quote.Cut(plainQuoteMax)))
	}
	if p.Items != nil {
		t.row(p.Label, p.Value)
		for _, it := range p.Items {
			t.item(it)
		}
	}
}

// factLine is a fact with where and when it was stated: "more than
// 291,000, reported 10 Dec 2025"; "32,000, The Daily Paper, 2 Apr 2025";
// "8 Feb 2026 08:48 UTC (3h12m)".
func factLine(p Part) string {
	s := p.Value
	switch {
	case p.From != "":
		s = joinNonEmpty(", ", s, p.From, p.Reported)
	case p.Reported != "":
		s += ", reported " + p.Reported
	}
	if p.Note != "" {
		s += " (" + p.Note + ")"
	}
	return s
}

// item writes one bullet: "[tag] text · when" in a digest, "name: text"
// in a list of figures, with its link or quotes below.
func (t *textBuilder) item(it Item) {
	line := it.Text
	switch {
	case it.Tag != "":
		line = "[" + it.Tag + "] " + line
		if it.When != "" {
			line += " · " + it.When
		}
	case it.Name != "":
		line = it.Name + ": " + line
	}
	t.bullet(line)
	if it.URL != "" {
		t.sub("", it.URL)
	}
	for _, q := range it.Quotes {
		t.sub(q.Label, plainQuote(q.Cut(plainQuoteMax/2)))
	}
}

// also lists the other documents repeating a claim.
func (t *textBuilder) also(m Message) {
	if len(m.Also) == 0 {
		return
	}
	t.line("Also reported by " + plural(len(m.Also)+m.AlsoMore, "other document") + ":")
	for _, r := range m.Also {
		name := r.Name()
		t.bullet(joinNonEmpty(" ", name, parenthesised(joinNonEmpty(", ", r.Source, r.Date))))
		if r.URL != "" && r.URL != name {
			t.sub("", r.URL)
		}
	}
	if m.AlsoMore > 0 {
		t.bullet(fmt.Sprintf("…and %d more", m.AlsoMore))
	}
}

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func sourceWithAuthority(ev diff.Event) string {
	name := sourceName(ev)
	if a := Clean(ev.Authority); a != "" {
		return name + " (" + a + ")"
	}
	return name
}

// docURL is the event's document link, falling back to the stated figure's.
func docURL(ev diff.Event) string {
	if ev.URL != "" {
		return Clean(ev.URL)
	}
	if ev.New != nil {
		return Clean(ev.New.URL)
	}
	return ""
}

func statedLabel(s diff.Stated) string {
	if s.Metric != "" {
		return Clean(s.Metric)
	}
	return "untracked figure"
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// textBuilder lays out labelled rows with wrapped, indented values.
type textBuilder struct{ b strings.Builder }

func (t *textBuilder) line(s string) { t.b.WriteString(s + "\n") }
func (t *textBuilder) blank()        { t.b.WriteString("\n") }

// row writes "Key        value", wrapping the value under itself. Empty
// values are left out rather than shown as blank facts.
func (t *textBuilder) row(key, val string) {
	if val == "" {
		return
	}
	width := plainKeyWidth
	if n := utf8.RuneCountInString(key) + 1; n > width {
		width = n
	}
	t.wrapped(key+strings.Repeat(" ", width-utf8.RuneCountInString(key)), strings.Repeat(" ", width), val)
}

func (t *textBuilder) bullet(s string) { t.wrapped("  • ", "    ", s) }

func (t *textBuilder) sub(key, val string) {
	if val == "" {
		return
	}
	if key != "" {
		val = key + ": " + val
	}
	t.wrapped("    ", "     ", val)
}

// wrapped writes val after first, continuing on lines that start with rest,
// breaking between words at plainWidth columns.
func (t *textBuilder) wrapped(first, rest, val string) {
	prefix := first
	line := 0
	for _, w := range strings.FieldsFunc(val, isBreak) {
		n := utf8.RuneCountInString(w)
		if line > 0 && utf8.RuneCountInString(prefix)+line+1+n > plainWidth {
			t.b.WriteString("\n")
			prefix = rest
			line = 0
		}
		if line == 0 {
			t.b.WriteString(prefix)
		} else {
			t.b.WriteString(" ")
			line++
		}
		t.b.WriteString(w)
		line += n
	}
	t.b.WriteString("\n")
}

// plainQuote renders an excerpt in quotation marks with the figure between
// asterisks; "" for no quote.
func plainQuote(e Excerpt) string {
	if e.Empty() {
		return ""
	}
	if e.Figure == "" {
		return "“" + e.String() + "”" + e.PageNote()
	}
	return "“" + e.Before + "*" + e.Figure + "*" + e.After + "”" + e.PageNote()
}
