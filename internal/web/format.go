package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// formatNumber writes v with thousands separators and at most two
// decimals, trailing zeros dropped: 291000 → "291,000", 4.10 → "4.1",
// -1234.5 → "-1,234.5".
func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	var b strings.Builder
	b.Grow(len(s) + len(s)/3 + 1)
	// Rounding may have turned a tiny negative into "0.00": no "-0".
	if v < 0 && (intPart != "0" || frac != "") {
		b.WriteByte('-')
	}
	lead := len(intPart) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(intPart[:lead])
	for i := lead; i < len(intPart); i += 3 {
		b.WriteByte(',')
		b.WriteString(intPart[i : i+3])
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// formatAmount writes a value in its unit: "4.1%", "$1,200", "291,000 jobs".
// Count nouns are left to the caller when noun is false, as in chart axes.
func formatAmount(v float64, unit string, noun bool) string {
	n := formatNumber(v)
	switch unit {
	case "":
		return n
	case "percent":
		return n + "%"
	case "usd":
		if strings.HasPrefix(n, "-") {
			return "-$" + n[1:]
		}
		return "$" + n
	}
	if noun {
		return n + " " + unit
	}
	return n
}

// formatObservationValue writes an observation's value or range in its
// unit, without the qualifier: "291,000 jobs", "4.1–4.3%".
func formatObservationValue(o store.Observation) string {
	if isRange(o) {
		// The unit goes once, after the range.
		return formatAmount(o.Value, unitSymbolOnly(o.Unit), false) + "–" + formatAmount(o.High, o.Unit, true)
	}
	return formatAmount(o.Value, o.Unit, true)
}

// isRange tells whether o states a range; High is 0 when it does not,
// which a negative Value must not mistake for an upper bound.
func isRange(o store.Observation) bool {
	return o.High != 0 && o.High > o.Value
}

// unitSymbolOnly keeps a unit whose symbol precedes the number ("$"), so
// both ends of a range carry it; suffix units are written once.
func unitSymbolOnly(unit string) string {
	if unit == "usd" {
		return unit
	}
	return ""
}

// observationQualifier is the qualifier as the document wrote it, or in
// words when the text was not kept; "" for an exact figure.
func observationQualifier(o store.Observation) string {
	if o.QualifierText != "" {
		return o.QualifierText
	}
	return notify.QualifierWords(o.Qualifier, o.Unit)
}

// observationTime is where a chart places o: the date the figure is for
// (its period's as-of date), so a 2025 story about 2023 sits in 2023.
func observationTime(o store.Observation) time.Time { return o.ForDate() }

// publishedTime is when o's figure was stated: its document's publication
// date, else when watcher saw it.
func publishedTime(o store.Observation) time.Time {
	if !o.Published.IsZero() {
		return o.Published
	}
	return o.Observed
}

// humanBytes writes a size in binary units: "512 B", "12.3 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// humanDuration writes d in its two largest units: "3d 4h", "5h 12m",
// "4m 10s", "42s". Negative durations are written as their magnitude.
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	days := int64(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	hours := int64(d / time.Hour)
	d -= time.Duration(hours) * time.Hour
	mins := int64(d / time.Minute)
	d -= time.Duration(mins) * time.Minute
	secs := int64(d / time.Second)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case mins > 0:
		return fmt.Sprintf("%dm %ds", mins, secs)
	}
	return fmt.Sprintf("%ds", secs)
}

// relativeTime says how far t is from now: "3m 10s ago", "in 12m 0s",
// "just now".
func relativeTime(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > -time.Second && d < time.Second:
		return "just now"
	case d < 0:
		return humanDuration(d) + " ago"
	}
	return "in " + humanDuration(d)
}

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return strings.TrimRight(s[:pos], " ") + "…"
		}
		i++
	}
	return s
}
