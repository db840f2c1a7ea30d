package notify

import (
	"math"
	"strings"

	"github.com/figwatch/watcher/internal/diff"
)

// pastMatchTolerance is how close, relative to the past official value, a
// claim must be to count as repeating it: press rounding ("more than
// 291,000" reported as "291,000") without mistaking a different figure.
const pastMatchTolerance = 0.005

// AlsoShown is how many of Alert.Also a message lists by name; the rest
// are counted ("and 4 more"), keeping a widely repeated claim within
// Slack's block and message limits.
const AlsoShown = 10

// pastMatch returns the earlier official value a claim_mismatch's claim
// repeats: the most recent of ev.Figures (earlier official values of the
// metric, oldest first) within 0.5% of the claim's value and in the same
// unit. A past value equal to the current official one (ev.Old) does not
// count: it was not revised.
func pastMatch(ev diff.Event) (diff.Stated, bool) {
	if ev.Kind != diff.ClaimMismatch || ev.New == nil {
		return diff.Stated{}, false
	}
	for i := len(ev.Figures) - 1; i >= 0; i-- {
		p := ev.Figures[i]
		if !sameUnit(p.Unit, ev.New.Unit) || !near(ev.New.Value, p.Value) {
			continue
		}
		if ev.Old != nil && near(ev.Old.Value, p.Value) {
			continue
		}
		return p, true
	}
	return diff.Stated{}, false
}

// pastMatchText is the line that says a claim repeats a revised official
// figure, "matches the as of May 2024 figure (OIG-24-46), since revised"
// when the figure's period is known, else by its report's month
// ("matches the August 2024 figure, since revised"), or "" when it does
// not.
func (b builder) pastMatchText(ev diff.Event) string {
	p, ok := pastMatch(ev)
	if !ok {
		return ""
	}
	if per := periodOf(&p); per != "" {
		// The period the figure was for, and the report that gave it:
		// "matches the as of May 2024 figure (OIG-24-46), since revised".
		// The daemon keys documents "source:report"; the report's own
		// number is what a reader knows.
		if id := Clean(strings.TrimPrefix(p.DocID, p.Source+":")); id != "" {
			return "matches the " + per + " figure (" + id + "), since revised"
		}
		return "matches the " + per + " figure, since revised"
	}
	if t := reported(&p); !t.IsZero() {
		return "matches the " + inZone(t, b.loc).Format("January 2006") + " figure, since revised"
	}
	return "matches an earlier official figure, since revised"
}

func near(a, b float64) bool {
	if b == 0 {
		return a == 0
	}
	return math.Abs(a-b) <= pastMatchTolerance*math.Abs(b)
}

// sameUnit compares units, treating an unknown unit as matching: the
// extractor does not always know what a press figure counts.
func sameUnit(a, b string) bool {
	return a == "" || b == "" || strings.EqualFold(a, b)
}

// alsoReported returns the documents of a.Also worth listing: without the
// claim's own document and without repeats of one URL, at most AlsoShown
// of them, and how many more there are.
func alsoReported(a Alert) (shown []diff.Stated, more int) {
	seen := map[string]bool{}
	if a.Event.New != nil && a.Event.New.URL != "" {
		seen[a.Event.New.URL] = true
	}
	if a.Event.URL != "" {
		seen[a.Event.URL] = true
	}
	for _, s := range a.Also {
		if s.URL != "" {
			if seen[s.URL] {
				continue
			}
			seen[s.URL] = true
		}
		if len(shown) == AlsoShown {
			more++
			continue
		}
		shown = append(shown, s)
	}
	return shown, more
}

// alsoTitle is how a repeating document is named: its title, else its
// URL.
func alsoTitle(s diff.Stated) string {
	for _, v := range []string{s.Title, s.URL, s.DocID} {
		if c := Clean(v); c != "" {
			return c
		}
	}
	return "untitled document"
}
