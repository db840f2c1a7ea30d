package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Severities of an alert, lowest first; see SeverityRank.
const (
	SeverityLow    = "low"
	SeverityNormal = "normal"
	SeverityHigh   = "high"
)

// severities lists the severities in rank order.
var severities = []string{SeverityLow, SeverityNormal, SeverityHigh}

// SeverityRank orders severities: low 0, normal 1, high 2, and -1 for a
// string that is not a severity (a validated Config never holds one).
func SeverityRank(s string) int {
	switch s {
	case SeverityLow:
		return 0
	case SeverityNormal:
		return 1
	case SeverityHigh:
		return 2
	}
	return -1
}

// eventKinds are the event kinds alerts.kinds accepts, with the severity of
// each when the file does not set one. The names are internal/diff's Kind
// values; config sits below diff, so they are spelt out here.
var eventKinds = []struct{ kind, severity string }{
	{"metric_new", SeverityLow},
	{"metric_changed", SeverityHigh},
	// A new month of a series is expected news, not a correction: normal.
	{"period_new", SeverityNormal},
	{"document_revised", SeverityNormal},
	{"new_report", SeverityNormal},
	{"claim_mismatch", SeverityNormal},
	{"source_failing", SeverityNormal},
	{"source_recovered", SeverityLow},
}

// EventKinds returns the event kinds alerts can be routed by, in the order
// the documentation lists them.
func EventKinds() []string {
	out := make([]string, len(eventKinds))
	for i, k := range eventKinds {
		out[i] = k.kind
	}
	return out
}

// DefaultSeverity returns the severity of kind when alerts.kinds does not
// set one, and SeverityNormal for a kind it does not know.
func DefaultSeverity(kind string) string {
	for _, k := range eventKinds {
		if k.kind == kind {
			return k.severity
		}
	}
	return SeverityNormal
}

func defaultKinds() map[string]KindRoute {
	out := make(map[string]KindRoute, len(eventKinds))
	for _, k := range eventKinds {
		out[k.kind] = KindRoute{Severity: k.severity}
	}
	return out
}

// parseClock parses "HH:MM" (00:00 to 23:59; "7:30" too) into minutes
// after midnight.
func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !allDigits(hh) || !allDigits(mm) {
		return 0, false
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatClock is the canonical "HH:MM" form of minutes after midnight.
func formatClock(mins int) string { return fmt.Sprintf("%02d:%02d", mins/60, mins%60) }

// slackID matches Slack conversation IDs: public (C), private (G) and
// direct-message (D) channels.
var slackID = lazyRegexp(`^[CGD][A-Z0-9]+$`)

// maxChannelName is Slack's limit on channel names.
const maxChannelName = 80

// checkChannel returns what is wrong with an alert destination, or "": it
// must be "#name" with Slack's channel-name characters, or a channel ID.
func checkChannel(v string) string {
	if slackID().MatchString(v) {
		return ""
	}
	if len(v) < 2 || v[0] != '#' {
		msg := fmt.Sprintf("channel %s must be \"#name\" or a Slack channel ID like C0123ABCD", quote(v))
		if v != "" && v[0] != '#' && validChannelName(v) {
			msg += fmt.Sprintf("; did you mean %q?", "#"+v)
		}
		return msg
	}
	if !validChannelName(v[1:]) {
		return fmt.Sprintf("channel %s is not a Slack channel name: lower-case letters, digits, \"-\" and \"_\", at most %d", quote(v), maxChannelName)
	}
	return ""
}

func validChannelName(name string) bool {
	n := 0
	for _, r := range name {
		n++
		if !(unicode.IsLetter(r) && !unicode.IsUpper(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return false
		}
	}
	return n >= 1 && n <= maxChannelName
}
