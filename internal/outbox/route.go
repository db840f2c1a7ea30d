package outbox

import (
	"cmp"
	"time"

	"github.com/figwatch/watcher/internal/config"
)

// DefaultMaxPerPoll is Policy.MaxPerPoll when NewPolicy sets it.
const DefaultMaxPerPoll = 50

// Policy is how the outbox treats alerts under one configuration: where
// each goes, which wait for the quiet-hours digest, how failed deliveries
// are retried and when they are given up on, and which claims are folded
// into an earlier alert. The config holds the values; the outbox applies
// them. A Policy is built once per config (NewPolicy) and not changed
// after, so a delivery pass or an enqueue sees one config whole.
type Policy struct {
	// RetryMin and RetryMax bound the exponential backoff after a
	// temporary failure (delivery.retry_min, delivery.retry_max).
	RetryMin, RetryMax time.Duration
	// MaxAge: an alert still undelivered this long after it was queued
	// is marked failed (delivery.max_age); 0 = never.
	MaxAge time.Duration
	// DedupeWindow: the same claimed figure from several outlets within
	// this window is one alert, updated in place (alerts.dedupe_window);
	// 0 = every claim alerts.
	DedupeWindow time.Duration
	// MaxPerPoll caps the alerts one source's poll queues (see
	// EnqueuePoll); 0 = no cap.
	MaxPerPoll int

	defaultChannel string
	kinds          map[string]config.KindRoute
	sourceChannel  map[string]string
	metricChannel  map[string]string

	loc                *time.Location
	quiet              bool // quiet hours are on
	start, end, digest int  // minutes after midnight in loc
	holdRank           int  // severities ranked at or below it are held
}

// NewPolicy reads the outbox's settings from cfg, a loaded and validated
// config (alerts.max_per_poll; DefaultMaxPerPoll when unset).
func NewPolicy(cfg *config.Config) *Policy {
	p := &Policy{
		RetryMin:       time.Duration(cfg.Delivery.RetryMin),
		RetryMax:       time.Duration(cfg.Delivery.RetryMax),
		MaxAge:         time.Duration(cfg.Delivery.MaxAge),
		DedupeWindow:   time.Duration(cfg.Alerts.DedupeWindow),
		MaxPerPoll:     cmp.Or(cfg.Alerts.MaxPerPoll, DefaultMaxPerPoll),
		defaultChannel: cfg.Slack.Channel,
		kinds:          cfg.Alerts.Kinds,
		sourceChannel:  map[string]string{},
		metricChannel:  map[string]string{},
		loc:            cfg.Location,
		holdRank:       config.SeverityRank(cfg.Alerts.HoldSeverity),
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	// First wins, as a lookup by id in the config's lists would.
	for _, s := range cfg.Sources {
		if _, dup := p.sourceChannel[s.ID]; !dup && s.Channel != "" {
			p.sourceChannel[s.ID] = s.Channel
		}
	}
	for _, m := range cfg.Metrics {
		if _, dup := p.metricChannel[m.ID]; !dup && m.Channel != "" {
			p.metricChannel[m.ID] = m.Channel
		}
	}
	q := cfg.Alerts.QuietHours
	start, okS := parseClock(q.Start)
	end, okE := parseClock(q.End)
	if okS && okE && start != end {
		p.quiet, p.start, p.end = true, start, end
		p.digest = end
		if d, ok := parseClock(q.Digest); ok {
			p.digest = d
		}
	}
	return p
}

// Route returns the Slack channel and severity of an alert of the given
// event kind about metric and source (either may be ""). The channel is the
// first set of: the metric's channel, the source's channel, the kind's
// channel, slack.channel. The severity is the kind's.
func (p *Policy) Route(kind, metric, source string) (channel, severity string) {
	route, ok := p.kinds[kind]
	if !ok || route.Severity == "" {
		route.Severity = config.DefaultSeverity(kind)
	}
	channel = p.defaultChannel
	if route.Channel != "" {
		channel = route.Channel
	}
	if ch := p.sourceChannel[source]; source != "" && ch != "" {
		channel = ch
	}
	if ch := p.metricChannel[metric]; metric != "" && ch != "" {
		channel = ch
	}
	return channel, route.Severity
}

// Quiet reports whether t falls inside the quiet hours, read as wall-clock
// time in the config's time zone: from start (inclusive) to end
// (exclusive), across midnight when end is before start. Without quiet
// hours it is false.
func (p *Policy) Quiet(t time.Time) bool {
	if !p.quiet {
		return false
	}
	local := t.In(p.loc)
	now := local.Hour()*60 + local.Minute()
	if p.start < p.end {
		return p.start <= now && now < p.end
	}
	return now >= p.start || now < p.end
}

// Held reports whether an alert of the given severity, due at t, waits for
// the digest: t is within quiet hours and the severity is at or below
// alerts.hold_severity. An unknown severity counts as normal.
func (p *Policy) Held(severity string, t time.Time) bool {
	rank := config.SeverityRank(severity)
	if rank < 0 {
		rank = config.SeverityRank(config.SeverityNormal)
	}
	return p.Quiet(t) && rank <= p.holdRank
}

// NextDigest returns the first digest time strictly after `after`: the
// digest's wall-clock time (quiet_hours.digest, else the end) in the
// config's time zone on the same or the following day. It is built with
// time.Date, so it stays at the configured wall-clock time across
// daylight-saving changes (23 or 25 hours after the previous digest). On a
// day when the time does not exist (02:30 in a spring-forward gap) the
// digest goes out when the clock would have shown it without the jump
// (03:30), never before; a time that occurs twice (fall back) is used
// once. Without quiet hours it returns the zero Time.
func (p *Policy) NextDigest(after time.Time) time.Time {
	if !p.quiet {
		return time.Time{}
	}
	local := after.In(p.loc)
	y, m, d := local.Date()
	// Two days always suffice but for a zone whose transition swallows a
	// whole day (Samoa, 2011-12-30), which the later days cover.
	next := wallClock(y, m, d, p.digest, p.loc)
	for i := 1; !next.After(after) && i < 4; i++ {
		next = wallClock(y, m, d+i, p.digest, p.loc)
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

// parseClock reads the "HH:MM" a loaded config holds (config normalises
// "7:30" to "07:30") into minutes after midnight.
func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}
