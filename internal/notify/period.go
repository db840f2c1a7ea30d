package notify

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/figwatch/watcher/internal/diff"
)

// periodOf is the period a stated figure is for, as a reporter writes it
// ("as of January 2025", "November 2024", "FY2023"), or "" when it has
// none worth showing: a period taken from the document's own date says
// nothing the report's date does not.
func periodOf(s *diff.Stated) string {
	if s == nil || s.PeriodFrom == "document" {
		return ""
	}
	return Clean(s.Period)
}

// withPeriod is a figure's wording followed by its period: "more than
// 291,000 (as of May 2024)"; the wording alone when it has no period.
func withPeriod(s *diff.Stated) string {
	if p := periodOf(s); p != "" {
		return wording(s) + " (" + p + ")"
	}
	return wording(s)
}

// periodNewText is a new period of a series in one line: "November
// 2024: 94,190, −11.4% from October 2024 (106,321)".
func periodNewText(ev diff.Event) string {
	p := Clean(ev.Period)
	if p == "" {
		p = periodOf(ev.New)
	}
	s := wording(ev.New)
	if p != "" {
		s = p + ": " + s
	}
	if ev.Old == nil || ev.New == nil {
		return s
	}
	from := periodOf(ev.Old)
	if from == "" {
		from = "the previous period"
	}
	return fmt.Sprintf("%s, %s from %s (%s)", s, percentChange(ev.Old, ev.New), from, wording(ev.Old))
}

// percentChange is the change from old to new in percent of old
// ("−11.4%"), or the absolute change when old is zero or the units
// differ.
func percentChange(old, new *diff.Stated) string {
	if old.Unit != new.Unit {
		return changeOf(old, new)
	}
	abs, pct, ok := delta(old.Value, new.Value)
	if abs == 0 {
		return "no change"
	}
	if !ok {
		return formatChange(old.Value, new.Value, new.Unit)
	}
	return signed(pct, strconv.FormatFloat(math.Abs(pct), 'f', 1, 64)+"%")
}

// conflictText says what else one official report states for the same
// metric and period: "the same report also states 107,000 for October
// 2024", or "" when it states nothing else. watcher never picks one of
// them silently.
func conflictText(ev diff.Event) string {
	if !ev.Conflict || len(ev.Conflicts) == 0 {
		return ""
	}
	vals := make([]string, 0, len(ev.Conflicts))
	for i := range ev.Conflicts {
		vals = append(vals, wording(&ev.Conflicts[i]))
	}
	s := "the same report also states " + strings.Join(vals, " and ")
	p := Clean(ev.Period)
	if p == "" {
		p = periodOf(&ev.Conflicts[0])
	}
	if p == "" {
		p = periodOf(ev.New)
	}
	if p != "" {
		s += " for " + p
	}
	return s
}

// claimant is who makes a claim: the outlet that published the claim's
// article when the press document names one (an aggregator feed carries
// many outlets under its own source), else the source's name.
func claimant(ev diff.Event) string {
	if ev.New != nil {
		if o := Clean(ev.New.Outlet); o != "" {
			return o
		}
	}
	return sourceName(ev)
}
