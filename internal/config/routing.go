package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
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

// Route returns the Slack channel and severity of an alert of the given
// event kind about metric and source (either may be ""). The channel is the
// first set of: the metric's channel, the source's channel, the kind's
// channel, slack.channel. The severity is the kind's.
func (c *Config) Route(kind, metric, source string) (channel, severity string) {
	route, ok := c.Alerts.Kinds[kind]
	if !ok || route.Severity == "" {
		route.Severity = DefaultSeverity(kind)
	}
	channel = c.Slack.Channel
	if route.Channel != "" {
		channel = route.Channel
	}
	if s, ok := c.Source(source); ok && source != "" && s.Channel != "" {
		channel = s.Channel
	}
	if m, ok := c.Metric(metric); ok && metric != "" && m.Channel != "" {
		channel = m.Channel
	}
	return channel, route.Severity
}

// Quiet reports whether t falls inside the quiet hours, read as wall-clock
// time in c.Location: from Start (inclusive) to End (exclusive), across
// midnight when End is before Start. Without quiet hours it is false.
func (c *Config) Quiet(t time.Time) bool {
	q := c.Alerts.QuietHours
	start, okS := parseClock(q.Start)
	end, okE := parseClock(q.End)
	if !okS || !okE || start == end {
		return false
	}
	local := t.In(c.location())
	now := local.Hour()*60 + local.Minute()
	if start < end {
		return start <= now && now < end
	}
	return now >= start || now < end
}

// Held reports whether an alert of the given severity, due at t, waits for
// the digest: t is within quiet hours and the severity is at or below
// alerts.hold_severity. An unknown severity counts as normal.
func (c *Config) Held(severity string, t time.Time) bool {
	rank := SeverityRank(severity)
	if rank < 0 {
		rank = SeverityRank(SeverityNormal)
	}
	return c.Quiet(t) && rank <= SeverityRank(c.Alerts.HoldSeverity)
}

// NextDigest returns the first digest time strictly after `after`: the
// digest's wall-clock time (QuietHours.Digest, else End) in c.Location on
// the same or the following day. It is built with time.Date, so it stays at
// the configured wall-clock time across daylight-saving changes (23 or 25
// hours after the previous digest). On a day when the time does not exist
// (02:30 in a spring-forward gap) the digest goes out when the clock would
// have shown it without the jump (03:30), never before; a time that occurs
// twice (fall back) is used once. Without quiet hours it returns the zero
// Time.
func (c *Config) NextDigest(after time.Time) time.Time {
	q := c.Alerts.QuietHours
	if !q.Enabled() {
		return time.Time{}
	}
	at := q.Digest
	if at == "" {
		at = q.End
	}
	mins, ok := parseClock(at)
	if !ok {
		return time.Time{}
	}
	local := after.In(c.location())
	y, m, d := local.Date()
	// Two days always suffice but for a zone whose transition swallows a
	// whole day (Samoa, 2011-12-30), which the later days cover.
	next := wallClock(y, m, d, mins, c.location())
	for i := 1; !next.After(after) && i < 4; i++ {
		next = wallClock(y, m, d+i, mins, c.location())
	}
	return next
}

// wallClock is the instant the clock in loc shows mins after midnight on
// the given day. time.Date leaves the result for a time skipped by a
// daylight-saving jump unspecified (in practice an hour early); this reads
// such a time with the offset in force before the jump, so it falls just
// after the jump instead.
func wallClock(y int, m time.Month, d, mins int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, mins/60, mins%60, 0, 0, loc)
	if t.Hour()*60+t.Minute() == mins {
		return t
	}
	// Transitions are months apart, so 12 hours earlier is before this one.
	_, before := t.Add(-12 * time.Hour).Zone()
	return time.Date(y, m, d, mins/60, mins%60, 0, 0, time.FixedZone("", before)).In(loc)
}

func (c *Config) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// parseClock parses "HH:MM" (00:00 to 23:59; "7:30" too) into minutes
// after midnight. It is called on every Quiet, so it avoids regexp.
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
var slackID = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)

// maxChannelName is Slack's limit on channel names.
const maxChannelName = 80

// checkChannel returns what is wrong with an alert destination, or "": it
// must be "#name" with Slack's channel-name characters, or a channel ID.
func checkChannel(v string) string {
	if slackID.MatchString(v) {
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
