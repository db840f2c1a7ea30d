package notify

import (
	"fmt"
	"strings"
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
	switch ev.Kind {
	case diff.MetricChanged:
		if ev.Old == nil || ev.New == nil {
			return fmt.Sprintf("%s: now %s", Label(ev), Wording(ev.New))
		}
		return fmt.Sprintf("%s: %s → %s (%s)", Label(ev), Wording(ev.Old), Wording(ev.New), changeOf(ev.Old, ev.New))
	case diff.MetricNew:
		return fmt.Sprintf("%s: %s (new metric)", Label(ev), Wording(ev.New))
	case diff.ClaimMismatch:
		if ev.Old == nil {
			h := fmt.Sprintf("%s: %s claims %s", Label(ev), SourceName(ev), Wording(ev.New))
			if ev.Note != "" {
				h += ", a sum of official figures"
			}
			return h
		}
		h := fmt.Sprintf("%s: %s claims %s, official figure is %s (%s)",
			Label(ev), SourceName(ev), Wording(ev.New), Wording(ev.Old), changeOf(ev.Old, ev.New))
		// A repeated, since-revised official figure is the likeliest
		// explanation of a mismatch: say so where the preview shows it.
		if m := PastMatchText(ev); m != "" {
			h += "; " + m
		}
		return h
	case diff.DocumentRevised:
		if len(ev.Changes) == 1 {
			c := ev.Changes[0]
			return fmt.Sprintf("Revised: %s: %s → %s", DocTitle(ev), before(c), after(c))
		}
		return fmt.Sprintf("Revised: %s: %d figures changed", DocTitle(ev), len(ev.Changes))
	case diff.NewReport:
		return fmt.Sprintf("New report from %s: %s (%s)", SourceName(ev), DocTitle(ev), plural(len(ev.Figures), "tracked figure"))
	case diff.SourceFailing:
		return fmt.Sprintf("Source failing: %s: %s", SourceName(ev), Truncate(Clean(ev.Error), headlineErrMax))
	case diff.SourceRecovered:
		if !ev.FailingSince.IsZero() && !ev.At.IsZero() && ev.At.After(ev.FailingSince) {
			return fmt.Sprintf("Source recovered: %s after %s failing", SourceName(ev), Duration(ev.At.Sub(ev.FailingSince)))
		}
		return fmt.Sprintf("Source recovered: %s", SourceName(ev))
	}
	return fmt.Sprintf("%s: %s %s", Clean(string(ev.Kind)), SourceName(ev), DocTitle(ev))
}

// changeOf is the change between two stated figures, in the newer one's unit.
func changeOf(old, new *diff.Stated) string {
	return FormatChange(old.Value, new.Value, new.Unit)
}

// ChangeLabel names the figure a revision changed.
func ChangeLabel(c diff.Change) string {
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
	return Wording(c.Before)
}

func after(c diff.Change) string {
	if c.After == nil {
		return "(removed)"
	}
	return Wording(c.After)
}

// ChangeText is one revised figure, before and after: "32,000 → 43,000".
func ChangeText(c diff.Change) string { return before(c) + " → " + after(c) }

// DocTitle is the event's document for people: its title, else its URL,
// else its id.
func DocTitle(ev diff.Event) string {
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

// PlainText is the event as text for a terminal or a notification
// fallback: the headline, then one labelled line per fact, wrapped at 80
// columns, with the quote's figure between asterisks. Text from documents
// is Clean; nothing is escaped (escape it for mrkdwn before sending it to
// Slack).
func PlainText(ev diff.Event) string {
	var t textBuilder
	t.line(Headline(ev))
	t.blank()
	switch ev.Kind {
	case diff.MetricChanged, diff.MetricNew:
		if ev.Kind == diff.MetricChanged && ev.Old != nil {
			t.row("Was", reportedWording(ev.Old))
		}
		t.row("Now", reportedWording(ev.New))
		if ev.Kind == diff.MetricChanged && ev.Old != nil && ev.New != nil {
			t.row("Change", changeOf(ev.Old, ev.New))
		}
		t.row("Source", sourceWithAuthority(ev))
		t.row("Report", DocTitle(ev))
		t.row("Link", docURL(ev))
		if ev.Kind == diff.MetricChanged && ev.Old != nil && ev.Old.URL != "" && ev.Old.URL != docURL(ev) {
			t.row("Was in", joinNonEmpty(" ", Clean(ev.Old.Title), Clean(ev.Old.URL)))
		}
		if ev.New != nil {
			t.row("Quote", PlainQuote(CutQuote(*ev.New, plainQuoteMax)))
		}
	case diff.ClaimMismatch:
		t.statedBlock("Claim", ev.New, SourceName(ev))
		if ev.Old != nil {
			t.statedBlock("Official", ev.Old, StatedSource(ev.Old))
			t.row("Difference", changeOf(ev.Old, ev.New)+" against the official figure")
		}
		if ev.Note != "" {
			t.row("Note", Clean(ev.Note))
		}
		if p, ok := PastMatch(ev); ok {
			t.row("Note", "The claim "+PastMatchText(ev)+": "+joinNonEmpty(", ", Wording(&p), StatedSource(&p), Date(Reported(&p))))
			indent := strings.Repeat(" ", plainKeyWidth)
			for _, v := range []string{Clean(p.Title), Clean(p.URL)} {
				if v != "" {
					t.wrapped(indent, indent, v)
				}
			}
		}
	case diff.DocumentRevised:
		t.row("Document", DocTitle(ev))
		t.row("Link", docURL(ev))
		t.row("Source", sourceWithAuthority(ev))
		t.row("First seen", Stamp(ev.FirstSeen))
		t.row("Revised", Stamp(ev.At))
		t.row("Changes", plural(len(ev.Changes), "figure"))
		for _, c := range ev.Changes {
			t.bullet(ChangeLabel(c) + ": " + ChangeText(c))
			if c.Before != nil {
				t.sub("before", PlainQuote(CutQuote(*c.Before, plainQuoteMax/2)))
			}
			if c.After != nil {
				t.sub("after", PlainQuote(CutQuote(*c.After, plainQuoteMax/2)))
			}
		}
	case diff.NewReport:
		t.row("Report", DocTitle(ev))
		t.row("Link", docURL(ev))
		t.row("Source", sourceWithAuthority(ev))
		t.row("Published", Date(ev.Published))
		t.row("Figures", plural(len(ev.Figures), "tracked figure"))
		for _, f := range ev.Figures {
			t.bullet(statedLabel(f) + ": " + Wording(&f))
			t.sub("", PlainQuote(CutQuote(f, plainQuoteMax/2)))
		}
	case diff.SourceFailing, diff.SourceRecovered:
		t.row("Source", sourceWithAuthority(ev))
		t.row("URL", Clean(ev.URL))
		since := Stamp(ev.FailingSince)
		if since != "" && !ev.At.IsZero() && ev.At.After(ev.FailingSince) {
			since += " (" + Duration(ev.At.Sub(ev.FailingSince)) + ")"
		}
		t.row("Since", since)
		if ev.Kind == diff.SourceRecovered {
			t.row("Recovered", Stamp(ev.At))
			t.row("Last error", Clean(ev.Error))
		} else {
			t.row("Error", Clean(ev.Error))
		}
	default:
		t.row("Source", sourceWithAuthority(ev))
		t.row("Document", DocTitle(ev))
		t.row("Link", docURL(ev))
	}
	return strings.TrimRight(t.b.String(), "\n") + "\n"
}

// PlainQuote renders an excerpt in quotation marks with the figure between
// asterisks; "" for no quote.
func PlainQuote(e Excerpt) string {
	if e.Empty() {
		return ""
	}
	if e.Figure == "" {
		return "“" + e.String() + "”" + e.PageNote()
	}
	return "“" + e.Before + "*" + e.Figure + "*" + e.After + "”" + e.PageNote()
}

func reportedWording(s *diff.Stated) string {
	if s == nil {
		return "(none)"
	}
	w := Wording(s)
	if d := Date(Reported(s)); d != "" {
		w += ", reported " + d
	}
	return w
}

func sourceWithAuthority(ev diff.Event) string {
	name := SourceName(ev)
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

// statedBlock writes one stated figure with its provenance and quote.
func (t *textBuilder) statedBlock(key string, s *diff.Stated, source string) {
	if s == nil {
		return
	}
	t.row(key, joinNonEmpty(", ", Wording(s), source, Date(Reported(s))))
	indent := strings.Repeat(" ", plainKeyWidth)
	for _, v := range []string{Clean(s.Title), Clean(s.URL), PlainQuote(CutQuote(*s, plainQuoteMax/2))} {
		if v != "" {
			t.wrapped(indent, indent, v)
		}
	}
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
