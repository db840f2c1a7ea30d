package notify

import (
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

// kindName is an event kind for people: "metric changed".
func kindName(k diff.Kind) string {
	return strings.ReplaceAll(Clean(string(k)), "_", " ")
}

// BuildDigest turns the events held back between from and to (quiet
// hours) into one Message, with times in loc (nil is UTC): the headline
// counts them, Held is the period, and one list holds an item per event,
// in the order given: its kind, its headline led by the metric's label
// when the headline does not name it already (a revised document or a new
// report), when it happened and the link to open.
func BuildDigest(events []diff.Event, from, to time.Time, loc *time.Location) Message {
	b := builder{loc: zoneOrUTC(loc)}
	m := Message{
		Kind:     "digest",
		At:       to,
		When:     b.stamp(to),
		Headline: "Digest: " + plural(len(events), "alert") + " held",
		Held:     &Period{From: from, To: to, FromText: b.stamp(from), ToText: b.stamp(to)},
	}
	list := Part{ItemNoun: "alert", Empty: "No alerts were held."}
	for _, ev := range events {
		headline := b.fullHeadline(ev)
		if ev.Metric != "" || ev.MetricLabel != "" {
			if l := label(ev); !strings.HasPrefix(headline, l) {
				headline = l + ": " + headline
			}
		}
		list.Items = append(list.Items, Item{Tag: kindName(ev.Kind), Text: headline, When: b.stamp(ev.At), URL: docURL(ev)})
	}
	m.Parts = []Part{list}
	return m
}
