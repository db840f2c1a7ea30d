package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

// KindName is an event kind for people: "metric changed".
func KindName(k diff.Kind) string {
	return strings.ReplaceAll(Clean(string(k)), "_", " ")
}

// DigestHeadline is a digest's one-line summary: "3 alerts held from
// 5 Feb 2026 22:00 UTC to 6 Feb 2026 07:00 UTC".
func DigestHeadline(n int, from, to time.Time) string {
	h := plural(n, "alert") + " held"
	switch {
	case !from.IsZero() && !to.IsZero():
		h += " from " + Stamp(from) + " to " + Stamp(to)
	case !to.IsZero():
		h += " until " + Stamp(to)
	case !from.IsZero():
		h += " since " + Stamp(from)
	}
	return h
}

// DigestEntry is one held event as a digest lists it: the event's
// headline, led by the metric's label when the headline does not name it
// already (a revised document or a new report), and the link to open.
// Both are Clean text.
func DigestEntry(ev diff.Event) (headline, link string) {
	headline = Headline(ev)
	if ev.Metric != "" || ev.MetricLabel != "" {
		if l := Label(ev); !strings.HasPrefix(headline, l) {
			headline = l + ": " + headline
		}
	}
	return headline, docURL(ev)
}

// DigestText is the plain-text digest of events held between from and to
// (quiet hours): a summary line, then one entry per event in the order
// given, each its kind, headline and link.
func DigestText(events []diff.Event, from, to time.Time) string {
	var t textBuilder
	t.line("Digest: " + DigestHeadline(len(events), from, to))
	if len(events) == 0 {
		return t.b.String()
	}
	t.blank()
	for _, ev := range events {
		h, link := DigestEntry(ev)
		line := fmt.Sprintf("[%s] %s", KindName(ev.Kind), h)
		if !ev.At.IsZero() {
			line += " · " + Stamp(ev.At)
		}
		t.bullet(line)
		if link != "" {
			t.sub("", link)
		}
	}
	return t.b.String()
}
