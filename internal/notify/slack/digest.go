package slack

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// digestBudget bounds the text of a digest's listed alerts: Slack refuses
// messages much beyond 13,000 characters whatever the block count, and a
// digest of hundreds of alerts is read as "and N more" anyway.
const digestBudget = 10000

// DigestBlocks renders the alerts held between from and to as one Block
// Kit message: a header counting them, a context line with the period,
// then one line per alert (kind, headline led by the metric's label, and
// a link to the document), packed into as many sections as needed and
// ending with "…and N more" when they do not all fit Slack's limits.
func DigestBlocks(events []diff.Event, from, to time.Time) []slackapi.Block {
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(plain(notify.Truncate("Digest: "+notify.DigestHeadline(len(events), time.Time{}, time.Time{}), maxHeader))),
	}
	if c := digestContext(from, to); c != nil {
		blocks = append(blocks, c)
	}
	if len(events) == 0 {
		return append(blocks, textSection("_No alerts were held._"))
	}
	// One block is kept for the count of what did not fit.
	room := maxBlocks - len(blocks) - 1
	var (
		sections []string
		cur      strings.Builder
		curLen   int
		total    int
		listed   int
	)
	flush := func() {
		if curLen > 0 {
			sections = append(sections, cur.String())
			cur.Reset()
			curLen = 0
		}
	}
	for _, ev := range events {
		line := digestLine(ev)
		n := utf8.RuneCountInString(line)
		if total+n > digestBudget {
			break
		}
		if curLen > 0 && curLen+1+n > maxSectionText {
			if len(sections)+1 == room {
				break
			}
			flush()
		}
		if curLen > 0 {
			cur.WriteByte('\n')
			curLen++
		}
		cur.WriteString(line)
		curLen += n
		total += n
		listed++
	}
	flush()
	for _, s := range sections {
		blocks = append(blocks, textSection(s))
	}
	if rest := len(events) - listed; rest > 0 {
		blocks = append(blocks, moreSection(rest, "alert"))
	}
	return blocks
}

// digestLineMax bounds one alert's line: its headline is cut to a title's
// length, and a link that would not fit is left out.
const digestLineMax = 600

// digestLine is one held alert in mrkdwn: "• *metric changed* · <url|headline>".
func digestLine(ev diff.Event) string {
	headline, link := notify.DigestEntry(ev)
	kind := "• *" + esc(notify.KindName(ev.Kind)) + "* · "
	line := kind + docLink(link, headline)
	if utf8.RuneCountInString(line) > digestLineMax {
		line = kind + esc(notify.Truncate(headline, maxTitle))
	}
	return line
}

// digestContext shows the period the digest covers, in each reader's own
// time zone.
func digestContext(from, to time.Time) slackapi.Block {
	var parts []string
	if !from.IsZero() {
		parts = append(parts, "from "+slackDate(from))
	}
	if !to.IsZero() {
		parts = append(parts, "to "+slackDate(to))
	}
	if len(parts) == 0 {
		return nil
	}
	return slackapi.NewContextBlock("", md("Held during quiet hours, "+strings.Join(parts, " ")))
}

// slackDate is Slack's date formatting of t, falling back to UTC text.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), esc(notify.Stamp(t)))
}
