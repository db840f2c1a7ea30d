package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	// The zone tests load America/New_York wherever the system has no
	// zoneinfo, as the daemon does (config embeds it too).
	_ "time/tzdata"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func marshalBlocks(t *testing.T, blocks []slackapi.Block) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Keep & < > readable in the golden files: what matters is what Slack
	// receives after JSON decoding, and these are decoded the same.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(blocks); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBlocksMatchGolden(t *testing.T) {
	t.Parallel()
	for _, name := range notifytest.Fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			notifytest.Golden(t, *update, name, marshalBlocks(t, AlertBlocks(notify.Alert{Event: notifytest.Event(t, name)})))
		})
	}
}

// rendered is the subset of Block Kit JSON the limits apply to.
type rendered struct {
	Type string `json:"type"`
	Text *struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Verbatim bool   `json:"verbatim"`
	} `json:"text"`
	Fields []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Verbatim bool   `json:"verbatim"`
	} `json:"fields"`
	Elements []element `json:"elements"`
}

// element is a context element, a button, or a rich_text element at any
// depth.
type element struct {
	Type  string `json:"type"`
	Text  any    `json:"text"`
	URL   string `json:"url"`
	Style *struct {
		Bold, Italic, Strike, Code, Underline, Highlight, Unlink bool
	} `json:"style"`
	Elements []element `json:"elements"`
}

// text is what a block shows, with rich text written as mrkdwn would
// write it (bold as *x*, italics as _x_, links as <url|text>, quotes
// after "> "), so tests can read every kind of block alike.
func (b rendered) text() string {
	switch {
	case b.Type == "rich_text":
		var lines []string
		for _, el := range b.Elements {
			s := inline(el.Elements)
			if el.Type == "rich_text_quote" {
				s = "> " + s
			}
			lines = append(lines, s)
		}
		return strings.Join(lines, "\n")
	case b.Text != nil:
		return b.Text.Text
	}
	var fields []string
	for _, f := range b.Fields {
		fields = append(fields, f.Text)
	}
	return strings.Join(fields, "\n")
}

func inline(els []element) string {
	var sb strings.Builder
	for _, e := range els {
		s, _ := e.Text.(string)
		if e.Type == "link" {
			s = "<" + e.URL + "|" + s + ">"
		}
		if e.Style != nil && e.Style.Bold {
			s = "*" + s + "*"
		}
		if e.Style != nil && e.Style.Italic {
			s = "_" + s + "_"
		}
		sb.WriteString(s)
	}
	return sb.String()
}

// richRunes is the length of a rich_text block's text, URLs included.
func richRunes(els []element) int {
	n := 0
	for _, e := range els {
		s, _ := e.Text.(string)
		n += utf8.RuneCountInString(s) + len(e.URL) + richRunes(e.Elements)
	}
	return n
}

// richLinks returns the URLs of a rich_text block's links.
func richLinks(els []element) []string {
	var urls []string
	for _, e := range els {
		if e.Type == "link" {
			urls = append(urls, e.URL)
		}
		urls = append(urls, richLinks(e.Elements)...)
	}
	return urls
}

func decodeBlocks(t *testing.T, blocks []slackapi.Block) []rendered {
	t.Helper()
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var out []rendered
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// blockQuote and allowedAngle match the only markup with < or > that
// watcher writes itself: block quotes, links to http(s) URLs and date
// formatting. Anything else in mrkdwn would be a mention or a link
// smuggled in from a document.
var (
	blockQuote   = regexp.MustCompile(`(?m)^> `)
	allowedAngle = regexp.MustCompile(`<(https?://[^<>|]+\|[^<>]*|!date\^\d+\^[^|<>]*\|[^<>]*)>`)
)

func TestBlocksRespectSlackLimitsAndEscape(t *testing.T) {
	t.Parallel()
	for _, name := range notifytest.Fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkLimits(t, AlertBlocks(notify.Alert{Event: notifytest.Event(t, name)}))
		})
	}
}

// checkLimits fails the test when blocks break one of Block Kit's limits,
// leave a section empty, hold a button to a non-https URL, or carry markup
// with < or > that watcher did not write itself. It returns the decoded
// blocks for further checks.
func checkLimits(t *testing.T, in []slackapi.Block) []rendered {
	t.Helper()
	blocks := decodeBlocks(t, in)
	if len(blocks) == 0 || len(blocks) > maxBlocks {
		t.Fatalf("%d blocks", len(blocks))
	}
	if blocks[0].Type != "header" || utf8.RuneCountInString(blocks[0].Text.Text) > maxHeader {
		t.Errorf("first block is not a header within %d runes: %+v", maxHeader, blocks[0])
	}
	var texts []string
	total := 0
	for i, b := range blocks {
		if b.Type == "section" {
			if b.Text == nil && len(b.Fields) == 0 {
				t.Errorf("block %d: empty section", i)
			}
			if b.Text != nil {
				if n := utf8.RuneCountInString(b.Text.Text); n > maxSectionText || n == 0 {
					t.Errorf("block %d: section text is %d runes", i, n)
				}
				texts = append(texts, b.Text.Text)
			}
			if len(b.Fields) > maxFields {
				t.Errorf("block %d: %d fields", i, len(b.Fields))
			}
			for _, f := range b.Fields {
				if n := utf8.RuneCountInString(f.Text); n > maxField || n == 0 {
					t.Errorf("block %d: field is %d runes", i, n)
				}
				texts = append(texts, f.Text)
			}
		}
		if b.Type == "context" {
			for _, e := range b.Elements {
				if s, ok := e.Text.(string); ok {
					if n := utf8.RuneCountInString(s); n > maxContextText {
						t.Errorf("block %d: context text is %d runes", i, n)
					}
					texts = append(texts, s)
				}
			}
		}
		if b.Type == "rich_text" {
			if n := richRunes(b.Elements); n > maxSectionText || n == 0 {
				t.Errorf("block %d: rich text is %d runes", i, n)
			}
			for _, u := range richLinks(b.Elements) {
				if !strings.HasPrefix(u, "https://") || strings.ContainsAny(u, "<>| ") {
					t.Errorf("block %d: link URL %q", i, u)
				}
			}
			if s := b.text(); strings.ContainsAny(s, "\x1b\u202e") {
				t.Errorf("rich text holds a control character: %q", s)
			}
			total += richRunes(b.Elements)
		}
		if b.Type == "actions" {
			for _, e := range b.Elements {
				if !strings.HasPrefix(e.URL, "https://") || strings.ContainsAny(e.URL, "<>| ") {
					t.Errorf("block %d: button URL %q", i, e.URL)
				}
			}
		}
	}
	for _, s := range texts {
		total += utf8.RuneCountInString(s)
		rest := allowedAngle.ReplaceAllString(blockQuote.ReplaceAllString(s, ""), "")
		if strings.ContainsAny(rest, "<>") {
			t.Errorf("mrkdwn holds an unescaped < or >: %q", s)
		}
		if strings.ContainsAny(s, "\x1b\u202e") {
			t.Errorf("mrkdwn holds a control character: %q", s)
		}
	}
	if total > 12000 {
		t.Errorf("message text is %d runes; Slack's practical limit is about 13,000", total)
	}
	return blocks
}

func TestBlocksMarkMrkdwnVerbatim(t *testing.T) {
	t.Parallel()
	for _, b := range decodeBlocks(t, AlertBlocks(notify.Alert{Event: notifytest.Event(t, "metric_changed_hostile")})) {
		if b.Text != nil && b.Text.Type == "mrkdwn" && !b.Text.Verbatim {
			t.Errorf("mrkdwn text not verbatim: %q", b.Text.Text)
		}
		for _, f := range b.Fields {
			if !f.Verbatim {
				t.Errorf("mrkdwn field not verbatim: %q", f.Text)
			}
		}
	}
}

func TestBlocksCutLongQuoteAroundFigure(t *testing.T) {
	t.Parallel()
	ev := notifytest.Event(t, "metric_changed_long_quote")
	if n := utf8.RuneCountInString(ev.New.Quote); n < 5000 {
		t.Fatalf("fixture quote is only %d runes", n)
	}
	var quote []element
	for _, b := range checkLimits(t, Blocks(ev)) {
		for _, el := range b.Elements {
			if el.Type == "rich_text_quote" {
				quote = el.Elements
			}
		}
	}
	if quote == nil {
		t.Fatal("no quote")
	}
	if n := richRunes(quote); n > maxSectionText || n < maxSectionText-200 {
		t.Errorf("quote is %d runes, want just under %d", n, maxSectionText)
	}
	body := inline(quote)
	if !strings.HasPrefix(body, "…") || !strings.HasSuffix(body, "…") {
		t.Errorf("quote is not cut at both ends: %.40q … %q", body, body[len(body)-40:])
	}
	if !strings.Contains(body, " *233,000* ") {
		t.Errorf("figure not in bold")
	}
	// Cut between words: the words next to the ellipses are whole words of
	// the original sentence, so no number is split.
	words := map[string]bool{}
	for _, w := range strings.Fields(ev.New.Quote) {
		words[w] = true
	}
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(body, "…"), "…"))
	if !words[f[0]] || !words[f[len(f)-1]] {
		t.Errorf("cut mid-word: %q … %q", f[0], f[len(f)-1])
	}
}

func TestBlocksKeepDocumentTextLiteral(t *testing.T) {
	t.Parallel()
	// Rich text is not escaped: & stays & (mrkdwn would need &amp;, and a
	// cut could split the entity), and the quote still fits.
	q := strings.Repeat("& ", 2000) + "233,000 " + strings.Repeat("& ", 2000)
	ev := notifytest.Event(t, "metric_new")
	ev.New.Quote = q
	ev.New.Text = "233,000"
	ev.New.Mark = [2]int{4000, 4007}
	var quote string
	for _, b := range checkLimits(t, Blocks(ev)) {
		if b.Type == "rich_text" && strings.Contains(b.text(), "> ") {
			quote = b.text()
		}
	}
	if !strings.Contains(quote, "& *233,000* &") || strings.Contains(quote, "&amp;") {
		t.Errorf("quote is escaped or lost its figure: %.200q", quote)
	}
}

func TestBlocksLimitLongLists(t *testing.T) {
	t.Parallel()
	ev := notifytest.Event(t, "new_report")
	for len(ev.Figures) < 60 {
		ev.Figures = append(ev.Figures, ev.Figures...)
	}
	blocks := decodeBlocks(t, AlertBlocks(notify.Alert{Event: ev}))
	if len(blocks) > maxBlocks {
		t.Fatalf("%d blocks", len(blocks))
	}
	checkLimits(t, Blocks(ev))
	want := fmt.Sprintf("_…and %d more tracked figures_", len(ev.Figures)-maxListed)
	found := false
	for _, b := range blocks {
		found = found || b.text() == want
	}
	if !found {
		t.Errorf("the figures left out are not counted")
	}
}

func TestSafeURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"https kept", "https://www.example.gov/a?b=1&c=2", "https://www.example.gov/a?b=1&c=2"},
		{"javascript refused", "javascript:alert(1)", ""},
		{"relative refused", "/reports/1", ""},
		{"pipe and brackets encoded", "https://x.example/a|b?q=<x>", "https://x.example/a%7Cb?q=%3Cx%3E"},
		{"space encoded", "https://x.example/a b", "https://x.example/a%20b"},
		{"too long refused", "https://x.example/" + strings.Repeat("a", maxURL), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := safeURL(tc.in); got != tc.want {
				t.Errorf("safeURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestClaimSumNoteIsRenderedEscaped(t *testing.T) {
	t.Parallel()
	ev := diff.Event{
		Kind: diff.ClaimMismatch, Metric: "uc_unaccounted", MetricLabel: "Children unaccounted for",
		Source: "tabloid", SourceName: "Capital Tabloid", Authority: "press",
		New:  &diff.Stated{Value: 320000, Text: "320,000", Wording: "320,000", Quote: "They lost 320,000 children.", Mark: [2]int{10, 17}},
		Note: "320,000 equals 291,000 (<!channel>) + 32,000 (failed to appear): a sum no official source states",
	}
	raw, err := json.Marshal(AlertBlocks(notify.Alert{Event: ev}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "a sum no official source states") || strings.Contains(string(raw), "<!channel>") {
		t.Errorf("note missing or unescaped: %s", raw)
	}
	if h := notify.Headline(ev); !strings.Contains(h, "a sum of official figures") {
		t.Errorf("headline %q does not say the claim is a sum", h)
	}
	if txt := notify.Text(notify.Build(notify.Alert{Event: ev})); !strings.Contains(strings.Join(strings.Fields(txt), " "), "a sum no official source states") {
		t.Errorf("plain text lacks the note:\n%s", txt)
	}
}

// TestDocumentTextTakesNoFormatting pins #15: a claim whose quotes and
// titles are full of Slack markup (claim_mismatch_formatting.golden shows
// the payload) renders none of it. Document text reaches Slack only as
// rich_text text and link elements, which Slack does not parse, and the
// only styles are watcher's: the figures and the labels in bold.
func TestDocumentTextTakesNoFormatting(t *testing.T) {
	t.Parallel()
	ev := notifytest.Event(t, "claim_mismatch_formatting")
	markup := []string{"*bold*", "_it_", "~strike~", "`code`", "<!channel>", "<https://evil|link>", "*Exclusive*", "~January~", "<!here>"}
	blocks := checkLimits(t, Blocks(ev))
	var literal strings.Builder
	for i, b := range blocks {
		// mrkdwn and the header never carry document text.
		var mrkdwn []string
		if b.Text != nil {
			mrkdwn = append(mrkdwn, b.Text.Text)
		}
		for _, f := range b.Fields {
			mrkdwn = append(mrkdwn, f.Text)
		}
		for _, e := range b.Elements {
			if s, ok := e.Text.(string); ok && b.Type == "context" {
				mrkdwn = append(mrkdwn, s)
			}
		}
		for _, s := range mrkdwn {
			for _, m := range markup {
				if strings.Contains(s, m) {
					t.Errorf("block %d (%s) carries document markup %q in %q", i, b.Type, m, s)
				}
			}
		}
		if b.Type != "rich_text" {
			continue
		}
		var walk func(els []element)
		walk = func(els []element) {
			for _, e := range els {
				walk(e.Elements)
				s, _ := e.Text.(string)
				if e.Type == "text" || e.Type == "link" {
					literal.WriteString(s + "\n")
				}
				if e.Type != "text" && e.Type != "link" && !strings.HasPrefix(e.Type, "rich_text_") {
					t.Errorf("block %d: element %q could be a mention or an emoji", i, e.Type)
				}
				if e.Style == nil {
					continue
				}
				st := *e.Style
				figure := s == "32,000" || s == "233,000"
				label := strings.HasSuffix(s, ": ") && !strings.ContainsAny(s, "*_~`<")
				if st.Strike || st.Code || st.Underline || st.Highlight || st.Italic || !st.Bold || !(figure || label) {
					t.Errorf("block %d: %q styled %+v; only figures and labels are bold", i, s, st)
				}
			}
		}
		walk(b.Elements)
	}
	// The markup is all there, as text.
	for _, m := range markup {
		if !strings.Contains(literal.String(), m) {
			t.Errorf("%q is not shown as text", m)
		}
	}
}

func TestNotifierShowsTimesInTheConfiguredZone(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Options{WebhookURL: "https://hooks.slack.com/services/T0/B0/x", Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	blocks, text := n.render(notify.Alert{Event: notifytest.Event(t, "document_revised")})
	var all []string
	for _, b := range decodeBlocks(t, blocks) {
		all = append(all, b.text())
		for _, e := range b.Elements {
			if s, ok := e.Text.(string); ok {
				all = append(all, s)
			}
		}
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{"*First seen*\n6 Feb 2026 02:45 EST", "*Revised*\n7 Feb 2026 05:15 EST", "|7 Feb 2026 05:15 EST>"} {
		if !strings.Contains(joined, want) {
			t.Errorf("blocks lack %q:\n%s", want, joined)
		}
	}
	if !strings.Contains(text, "First seen 6 Feb 2026 02:45 EST") {
		t.Errorf("notification text not in the zone:\n%s", text)
	}
	digest, dtext := n.renderDigest(notify.Samples(sampleNow), sampleNow.Add(-11*time.Hour), sampleNow)
	if ctx := decodeBlocks(t, digest)[1].Elements[0].Text.(string); !strings.Contains(ctx, "|1 Mar 2026 17:00 EST>") {
		t.Errorf("digest period = %q", ctx)
	}
	if !strings.Contains(dtext, "from 1 Mar 2026 17:00 EST to 2 Mar 2026 04:00 EST") {
		t.Errorf("digest text = %q", dtext)
	}
}

func TestFieldsHoldingMrkdwnStylesArePlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		part notify.Part
		want slackapi.TextBlockObject
	}{
		{"watcher's words", notify.Part{Label: "Was", Value: "more than 291,000", Reported: "10 Dec 2025"},
			slackapi.TextBlockObject{Type: "mrkdwn", Text: "*Was*\nmore than 291,000\n_reported 10 Dec 2025_", Verbatim: true}},
		{"a name with < and &", notify.Part{Label: "Claim", Value: "32,000", From: "Smith & <Sons>"},
			slackapi.TextBlockObject{Type: "mrkdwn", Text: "*Claim*\n32,000\nSmith &amp; &lt;Sons&gt;", Verbatim: true}},
		{"a name with a style", notify.Part{Label: "Claim", Value: "32,000", Reported: "2 Apr 2025", From: "The *Daily* Paper"},
			slackapi.TextBlockObject{Type: "plain_text", Text: "Claim\n32,000\nreported 2 Apr 2025\nThe *Daily* Paper"}},
		{"a wording with a style", notify.Part{Label: "Now", Value: "~233,000", Note: "3h"},
			slackapi.TextBlockObject{Type: "plain_text", Text: "Now\n~233,000 (3h)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := field(tc.part)
			if got.Type != tc.want.Type || got.Text != tc.want.Text || got.Verbatim != tc.want.Verbatim {
				t.Errorf("field = %s %q verbatim=%v\nwant    %s %q verbatim=%v", got.Type, got.Text, got.Verbatim, tc.want.Type, tc.want.Text, tc.want.Verbatim)
			}
			if got.Type == "plain_text" && (got.Emoji == nil || *got.Emoji) {
				t.Errorf("plain_text field turns :codes: into emoji")
			}
		})
	}
}
