package notify

import "time"

// Message is an alert as a person reads it, whatever the destination: one
// neutral model built once per event kind (see Build), which every
// renderer lays out in its own way without knowing the kind. The plain
// text of Text, Slack's Block Kit and the console all render a Message, so
// an event kind is described in exactly one place.
//
// Every string in a Message is Clean and unescaped. Text that comes from
// outside watcher (document titles, quotes, errors, notes naming figures
// from documents) sits only in Part.Text, Ref, Item.Text and Quote, which
// a renderer must show as literal text; Part.Value, Part.From, Part.Note
// and Item.Name hold watcher's own words, figures and the config's names.
type Message struct {
	// Kind is the event kind ("metric_changed"), or "digest".
	Kind string
	// At is when the event happened; zero when unknown. When is At as a
	// person reads it, in the newsroom's zone and labelled ("5 Feb 2026
	// 15:30 UTC"); "" for a zero At.
	At   time.Time
	When string
	// Headline is the message in one line. HeadlineNote follows it after
	// "; " where there is room: a renderer with a short header (Slack's 150
	// characters) drops the note rather than cut the figures, because a
	// part of the message says it in full.
	Headline     string
	HeadlineNote string
	// Held is the period a digest covers; nil for an alert.
	Held *Period
	// Parts are the message's labelled pieces, in reading order.
	Parts []Part
	// Also lists other documents stating the same claim; AlsoMore counts
	// those left out of Also.
	Also     []Ref
	AlsoMore int
	// Links are the documents a reader may open, as buttons or the like.
	Links []Link
	// Source and Metric are the small print: the source's name and the
	// metric's id.
	Source, Metric string
}

// FullHeadline is the headline followed by its note.
func (m Message) FullHeadline() string {
	if m.HeadlineNote == "" {
		return m.Headline
	}
	return m.Headline + "; " + m.HeadlineNote
}

// Period is a span of time, each end as an instant and as a person reads
// it ("1 Mar 2026 22:00 UTC"); a zero end is open.
type Period struct {
	From, To         time.Time
	FromText, ToText string
}

// Part is one labelled piece of a message. What is set says what it is:
//   - a fact: Value (a figure, a change, a date, a source), with where and
//     when it was stated (From, Reported) and an aside (Note); a fact may
//     carry the document (Doc) and the quote (Quote) that state it;
//   - text from outside watcher: Text (an error, a note);
//   - a document on its own: Doc;
//   - a quote on its own: Quote;
//   - a list: Items, with Value counting them.
type Part struct {
	Label string

	Value    string
	From     string
	Reported string
	Note     string

	Text string

	Doc *Ref
	// LinkLabel, when set, asks text renderers to show Doc's URL on a row
	// of its own with this label ("Link"), rather than under its title.
	LinkLabel string
	Quote     *Quote
	// Aside marks a fact whose quote a text renderer leaves out, to keep a
	// secondary note short on a terminal; chat renderers show it.
	Aside bool

	Items []Item
	// ItemNoun names the items ("changed figure"), for a renderer that
	// lists only some of them and counts the rest.
	ItemNoun string
	// Empty is what a chat renderer says in place of an empty list; text
	// renderers say nothing.
	Empty string
}

// Ref is a document: its title (empty when it has none), its URL, and for
// a document repeating a claim the source that published it and when.
type Ref struct {
	Title, URL   string
	Source, Date string
}

// Name is how the document is named: its title, else its URL.
func (r Ref) Name() string {
	if r.Title != "" {
		return r.Title
	}
	if r.URL != "" {
		return r.URL
	}
	return "untitled document"
}

// Item is one entry of a list: a revised figure, a reported figure, a
// held alert.
type Item struct {
	// Tag is a category shown first ("metric changed"), in digests.
	Tag string
	// Name is what the item is about (a metric id), watcher's own text.
	Name string
	// Text says what happened, and may hold document text (a title in a
	// digest's headline).
	Text string
	// When is when it happened, as a person reads it; URL is where to
	// read more.
	When, URL string
	Quotes    []Quote
}

// Quote is an excerpt of a document with the figure's span marked.
type Quote struct {
	// Label names the quote within its item ("before", "after").
	Label string
	// Text is the quote as the document has it: not Clean, since cutting
	// it must keep the figure's byte span valid (see Cut).
	Text string
	// Figure is the byte span of the figure in Text; Figure[0] ==
	// Figure[1] when the figure could not be found.
	Figure [2]int
	// Page is the PDF page of the quote, 0 when not a PDF's.
	Page int
}

// Cut returns the quote in at most max runes around its figure, Clean.
func (q Quote) Cut(max int) Excerpt {
	return cutQuote(q, max)
}

// Link is a document a reader may open: ID names the action (stable, for
// a chat's interactive buttons), Label is what the button says.
type Link struct {
	ID, Label, URL string
}
