package slack

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
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
	// maxListed is how many revised or reported figures get their own
	// section; the rest are counted, keeping the message well under
	// Slack's total size limit.
	maxListed = 8
	// listBudget is the quote budget shared by the listed figures.
	listBudget = 6000
)

// Blocks renders an event as Block Kit: a header with the headline, a
// section of fields (values, change, source), sections quoting the
// document with the figure in bold, a context line (source, time) and
// buttons linking to the documents. All document text is escaped for
// mrkdwn and marked verbatim, so it cannot mention anyone or forge a link,
// and cut to Slack's limits.
func Blocks(ev diff.Event) []slackapi.Block {
	return AlertBlocks(notify.Alert{Event: ev})
}

// AlertBlocks is Blocks of the alert's event, followed by the other
// documents repeating it (Alert.Also) as links: what Send and Update post.
func AlertBlocks(a notify.Alert) []slackapi.Block {
	ev := a.Event
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(plain(notify.Truncate(header(ev), maxHeader))),
	}
	add := func(b slackapi.Block) {
		if b != nil {
			blocks = append(blocks, b)
		}
	}
	var buttons []slackapi.BlockElement
	switch ev.Kind {
	case diff.MetricChanged, diff.MetricNew:
		var f fields
		if ev.Kind == diff.MetricChanged && ev.Old != nil {
			f.add("Was", statedValue(ev.Old))
		}
		f.add("Now", statedValue(ev.New))
		if ev.Kind == diff.MetricChanged && ev.Old != nil && ev.New != nil {
			f.add("Change", notify.FormatChange(ev.Old.Value, ev.New.Value, ev.New.Unit))
		}
		f.add("Source", esc(sourceWithAuthority(ev)))
		add(f.section())
		if ev.New != nil {
			add(quoteSection("*"+docLink(docURL(ev), notify.DocTitle(ev))+"*\n", *ev.New, maxSectionText))
		}
		buttons = append(buttons, button("open_document", "Open report", docURL(ev)))
		if ev.Kind == diff.MetricChanged && ev.Old != nil && ev.Old.URL != "" && ev.Old.URL != docURL(ev) {
			buttons = append(buttons, button("open_previous", "Open previous report", ev.Old.URL))
		}
	case diff.ClaimMismatch:
		var f fields
		f.add("Claim", statedValue(ev.New)+"\n"+esc(notify.SourceName(ev)))
		if ev.Old != nil {
			f.add("Official", statedValue(ev.Old)+"\n"+esc(notify.StatedSource(ev.Old)))
			if ev.New != nil {
				f.add("Difference", notify.FormatChange(ev.Old.Value, ev.New.Value, ev.New.Unit))
			}
		}
		add(f.section())
		if ev.New != nil {
			add(quoteSection("*Claim:* "+docLink(ev.New.URL, statedTitle(ev.New))+"\n", *ev.New, maxSectionText))
			buttons = append(buttons, button("open_claim", "Open claim", ev.New.URL))
		}
		if ev.Old != nil {
			add(quoteSection("*Official:* "+docLink(ev.Old.URL, statedTitle(ev.Old))+"\n", *ev.Old, maxSectionText))
			buttons = append(buttons, button("open_official", "Open official source", ev.Old.URL))
		}
		if p, ok := notify.PastMatch(ev); ok {
			add(pastMatchSection(ev, p))
			buttons = append(buttons, button("open_past_official", "Open earlier report", p.URL))
		}
		if ev.Note != "" {
			add(slackapi.NewSectionBlock(md(notify.Truncate("*Note:* "+esc(notify.Clean(ev.Note)), maxSectionText)), nil, nil))
		}
	case diff.DocumentRevised:
		var f fields
		f.add("Document", docLink(ev.URL, notify.DocTitle(ev)))
		f.add("Source", esc(sourceWithAuthority(ev)))
		f.add("First seen", notify.Stamp(ev.FirstSeen))
		f.add("Revised", notify.Stamp(ev.At))
		add(f.section())
		per := quoteShare(len(ev.Changes), 2)
		for i, c := range ev.Changes {
			if i == maxListed {
				add(moreSection(len(ev.Changes)-i, "changed figure"))
				break
			}
			add(changeSection(c, per))
		}
		buttons = append(buttons, button("open_document", "Open document", ev.URL))
	case diff.NewReport:
		var f fields
		f.add("Report", docLink(ev.URL, notify.DocTitle(ev)))
		f.add("Source", esc(sourceWithAuthority(ev)))
		f.add("Published", notify.Date(ev.Published))
		f.add("Tracked figures", strconv.Itoa(len(ev.Figures)))
		add(f.section())
		per := quoteShare(len(ev.Figures), 1)
		for i, s := range ev.Figures {
			if i == maxListed {
				add(moreSection(len(ev.Figures)-i, "tracked figure"))
				break
			}
			add(quoteSection("• *"+esc(statedMetric(s))+"*: "+esc(notify.Wording(&s))+"\n", s, per))
		}
		buttons = append(buttons, button("open_document", "Open report", ev.URL))
	case diff.SourceFailing, diff.SourceRecovered:
		var f fields
		f.add("Source", esc(sourceWithAuthority(ev)))
		f.add("Failing since", notify.Stamp(ev.FailingSince))
		if ev.Kind == diff.SourceRecovered {
			f.add("Recovered", notify.Stamp(ev.At))
		}
		if !ev.FailingSince.IsZero() && ev.At.After(ev.FailingSince) {
			f.add("Down for", notify.Duration(ev.At.Sub(ev.FailingSince)))
		}
		add(f.section())
		if e := notify.Clean(ev.Error); e != "" {
			key := "*Error*\n"
			if ev.Kind == diff.SourceRecovered {
				key = "*Last error*\n"
			}
			add(textSection(key + "> " + fitEscaped(e, maxSectionText-utf8.RuneCountInString(key)-2)))
		}
		buttons = append(buttons, button("open_source", "Open source", ev.URL))
	default:
		var f fields
		f.add("Source", esc(sourceWithAuthority(ev)))
		f.add("Document", docLink(docURL(ev), notify.DocTitle(ev)))
		add(f.section())
		buttons = append(buttons, button("open_document", "Open document", docURL(ev)))
	}
	add(alsoSection(a))
	add(contextBlock(ev))
	add(actions(buttons))
	if len(blocks) > maxBlocks {
		blocks = blocks[:maxBlocks]
	}
	return blocks
}

// header is the headline for the header block. A claim's "matches the
// August 2024 figure" is dropped when it would not fit, rather than cut
// with the change figures: the message's note section says it in full.
func header(ev diff.Event) string {
	h := notify.Headline(ev)
	if utf8.RuneCountInString(h) <= maxHeader {
		return h
	}
	if m := notify.PastMatchText(ev); m != "" {
		return strings.TrimSuffix(h, "; "+m)
	}
	return h
}

// plain is a plain_text object: Slack shows it as is, never parsing
// mentions or links, and emoji codes in documents stay text.
func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, false, false)
}

// md is a mrkdwn object marked verbatim, so Slack does not turn bare URLs,
// #channel names or @here in document text into links or mentions; the
// links built here are explicit and unaffected.
func md(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, true)
}

func esc(s string) string { return notify.EscapeMrkdwn(s) }

// fields collects a section's fields, leaving out empty ones (Slack rejects
// an empty text object).
type fields []*slackapi.TextBlockObject

func (f *fields) add(key, val string) {
	if val == "" || len(*f) == maxFields {
		return
	}
	text := "*" + key + "*\n" + val
	if utf8.RuneCountInString(text) > maxField {
		// val is escaped mrkdwn: cut it at a line, never inside an entity.
		text = cutLines(text, maxField)
	}
	*f = append(*f, md(text))
}

func (f fields) section() slackapi.Block {
	if len(f) == 0 {
		return nil
	}
	return slackapi.NewSectionBlock(nil, f, nil)
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

func textSection(text string) slackapi.Block {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return slackapi.NewSectionBlock(md(text), nil, nil)
}

// statedValue is a figure's wording and when it was reported, as mrkdwn.
func statedValue(s *diff.Stated) string {
	if s == nil {
		return ""
	}
	v := esc(notify.Wording(s))
	if d := notify.Date(notify.Reported(s)); d != "" {
		v += "\n_reported " + d + "_"
	}
	return v
}

func statedTitle(s *diff.Stated) string {
	if t := notify.Clean(s.Title); t != "" {
		return t
	}
	if u := notify.Clean(s.URL); u != "" {
		return u
	}
	return "untitled document"
}

func statedMetric(s diff.Stated) string {
	if s.Metric != "" {
		return notify.Clean(s.Metric)
	}
	return "untracked figure"
}

func sourceWithAuthority(ev diff.Event) string {
	name := notify.SourceName(ev)
	if a := notify.Clean(ev.Authority); a != "" {
		return name + " (" + a + ")"
	}
	return name
}

func docURL(ev diff.Event) string {
	if ev.URL != "" {
		return ev.URL
	}
	if ev.New != nil {
		return ev.New.URL
	}
	return ""
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

// docLink is "<url|title>" in mrkdwn, or the escaped title alone when the
// URL cannot be linked.
func docLink(rawURL, title string) string {
	title = notify.Truncate(notify.Clean(title), maxTitle)
	u := safeURL(rawURL)
	if u == "" {
		return esc(title)
	}
	return "<" + esc(u) + "|" + esc(title) + ">"
}

// quoteSection is prefix followed by the quote of s as a mrkdwn block
// quote with the figure in bold, cut to fit max runes after escaping.
func quoteSection(prefix string, s diff.Stated, max int) slackapi.Block {
	budget := max - utf8.RuneCountInString(prefix) - 2
	// Escaping can lengthen the text (& becomes &amp;), so cut the raw quote,
	// measure, and cut shorter until it fits.
	for range 12 {
		if budget <= 0 {
			break
		}
		q := quoteMrkdwn(notify.CutQuote(s, budget))
		if q == "" {
			return textSection(strings.TrimRight(prefix, "\n"))
		}
		text := prefix + "> " + q
		n := utf8.RuneCountInString(text)
		if n <= max {
			return textSection(text)
		}
		budget -= n - max
	}
	return textSection(strings.TrimRight(prefix, "\n"))
}

// quoteMrkdwn renders an excerpt as escaped mrkdwn with the figure in bold.
func quoteMrkdwn(e notify.Excerpt) string {
	if e.Empty() {
		return ""
	}
	// Bold needs its asterisks against the figure itself, not a space.
	fig := strings.TrimSpace(e.Figure)
	page := ""
	if n := e.PageNote(); n != "" {
		page = " _" + strings.TrimSpace(n) + "_"
	}
	if fig == "" {
		return esc(e.String()) + page
	}
	lead := e.Figure[:strings.Index(e.Figure, fig)]
	trail := e.Figure[len(lead)+len(fig):]
	return esc(e.Before+lead) + "*" + esc(fig) + "*" + esc(trail+e.After) + page
}

// fitEscaped escapes s and cuts it to max runes without splitting an
// entity such as &amp;.
func fitEscaped(s string, max int) string {
	budget := max
	for range 12 {
		out := esc(notify.Truncate(s, budget))
		n := utf8.RuneCountInString(out)
		if n <= max {
			return out
		}
		budget -= n - max
		if budget <= 0 {
			break
		}
	}
	return ""
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

// changeSection shows one revised figure: before → after, with both quotes.
func changeSection(c diff.Change, per int) slackapi.Block {
	head := "• *" + esc(notify.ChangeLabel(c)) + "*: " + esc(notify.ChangeText(c))
	parts := []string{head}
	if c.Before != nil {
		if q := fitQuote(*c.Before, per); q != "" {
			parts = append(parts, "*Before*\n> "+q)
		}
	}
	if c.After != nil {
		if q := fitQuote(*c.After, per); q != "" {
			parts = append(parts, "*After*\n> "+q)
		}
	}
	return textSection(strings.Join(parts, "\n"))
}

// fitQuote is a quote's mrkdwn in at most max runes after escaping.
func fitQuote(s diff.Stated, max int) string {
	budget := max
	for range 12 {
		q := quoteMrkdwn(notify.CutQuote(s, budget))
		n := utf8.RuneCountInString(q)
		if n <= max {
			return q
		}
		budget -= n - max
		if budget <= 0 {
			break
		}
	}
	return ""
}

func moreSection(n int, noun string) slackapi.Block {
	if n == 1 {
		return textSection(fmt.Sprintf("_…and 1 more %s_", noun))
	}
	return textSection(fmt.Sprintf("_…and %d more %ss_", n, noun))
}

// contextBlock is the small print: source, metric, and when watcher saw
// it, shown in each reader's own time zone by Slack's date formatting.
func contextBlock(ev diff.Event) slackapi.Block {
	var parts []string
	if s := notify.SourceName(ev); s != "" {
		parts = append(parts, esc(s))
	}
	if ev.Metric != "" {
		parts = append(parts, "metric `"+esc(notify.Clean(ev.Metric))+"`")
	}
	if !ev.At.IsZero() {
		parts = append(parts, fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", ev.At.Unix(), esc(notify.Stamp(ev.At))))
	}
	parts = append(parts, esc(notify.Clean(string(ev.Kind))))
	text := strings.Join(parts, " · ")
	if utf8.RuneCountInString(text) > maxContextText {
		text = esc(notify.Truncate(notify.SourceName(ev), maxContextText/2))
	}
	return slackapi.NewContextBlock("", md(text))
}

func button(actionID, label, rawURL string) slackapi.BlockElement {
	u := safeURL(rawURL)
	if u == "" {
		return nil
	}
	return slackapi.NewButtonBlockElement(actionID, "", plain(notify.Truncate(label, maxButtonText))).WithURL(u)
}

func actions(buttons []slackapi.BlockElement) slackapi.Block {
	var els []slackapi.BlockElement
	for _, b := range buttons {
		// A nil *ButtonBlockElement inside the interface is still nil here:
		// button returns a nil interface when the URL is unusable.
		if b != nil {
			els = append(els, b)
		}
	}
	if len(els) == 0 {
		return nil
	}
	return slackapi.NewActionBlock("", els...)
}

// pastMatchSection says that a claim repeats an earlier official figure,
// with that figure's quote.
func pastMatchSection(ev diff.Event, p diff.Stated) slackapi.Block {
	head := "*Note:* the claim " + esc(notify.PastMatchText(ev)) + ": " + esc(notify.Wording(&p)) +
		" in " + docLink(p.URL, statedTitle(&p))
	if d := notify.Date(notify.Reported(&p)); d != "" {
		head += " (" + d + ")"
	}
	// A link near Slack's URL limit would leave no room for the quote.
	if utf8.RuneCountInString(head) > maxSectionText/2 {
		head = "*Note:* the claim " + esc(notify.PastMatchText(ev)) + ": " + esc(notify.Wording(&p))
	}
	return quoteSection(head+"\n", p, maxSectionText)
}

// alsoTitleMax bounds each repeating document's title in the list, so ten
// of them fit one section.
const alsoTitleMax = 120

// alsoSection lists the other documents repeating the alert's claim as
// "<url|title> (source)", comma-separated in one section: the first
// notify.AlsoShown, or fewer when their links would overflow the section,
// then how many more.
func alsoSection(a notify.Alert) slackapi.Block {
	shown, more := notify.AlsoReported(a)
	if len(shown) == 0 {
		return nil
	}
	const lead = "*Also reported by:* "
	// Room for the longest possible tail: ", _…and 9999 more_".
	budget := maxSectionText - utf8.RuneCountInString(lead) - 24
	var items []string
	used := 0
	for i, s := range shown {
		item := docLink(s.URL, notify.Truncate(notify.AlsoTitle(s), alsoTitleMax))
		if utf8.RuneCountInString(item) > budget/2 {
			// A link too long to share the section is named, not linked.
			item = esc(notify.Truncate(notify.AlsoTitle(s), alsoTitleMax))
		}
		if src := notify.StatedSource(&s); src != "" {
			item += " (" + esc(notify.Truncate(src, 80)) + ")"
		}
		n := utf8.RuneCountInString(item) + 2
		if used+n > budget {
			more += len(shown) - i
			break
		}
		items = append(items, item)
		used += n
	}
	text := lead + strings.Join(items, ", ")
	if more > 0 {
		text += fmt.Sprintf(", _…and %d more_", more)
	}
	return textSection(text)
}
