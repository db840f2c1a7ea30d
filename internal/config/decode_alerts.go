package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file decodes the sections about what happens around the pipeline:
// alert routing and quiet hours, the HTTP listener, and retention.

func (d *decoder) alerts(cfg *Config, m *mapping) {
	a := &cfg.Alerts
	d.durationOrZero(m, "dedupe_window", &a.DedupeWindow)
	d.kinds(cfg, m)
	d.quietHours(cfg, m.child("quiet_hours", quietKeys))
	d.severity(m, "hold_severity", &a.HoldSeverity)
}

// kinds decodes alerts.kinds, a mapping from event kind to its route,
// over the default route of every kind.
func (d *decoder) kinds(cfg *Config, m *mapping) {
	n := m.val("kinds")
	if isNull(n) {
		return
	}
	path := m.key("kinds")
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of event kinds to routes, found %s", describe(n))
		return
	}
	kinds := EventKinds()
	for _, kv := range d.pairs(n, path, nil) {
		kind := kv.key.Value
		if _, ok := cfg.Alerts.Kinds[kind]; !ok {
			msg := fmt.Sprintf("unknown event kind %s (one of %s)", quote(kind), strings.Join(kinds, ", "))
			if s := suggest(kind, kinds); s != "" {
				msg = fmt.Sprintf("unknown event kind %s; did you mean %q?", quote(kind), s)
			}
			d.errorf(kv.key, path+"."+kind, "%s", msg)
			continue
		}
		r := d.mapping(kv.val, path+"."+kind, kindKeys)
		if r == nil {
			continue
		}
		route := cfg.Alerts.Kinds[kind]
		d.channel(r, "channel", &route.Channel)
		d.severity(r, "severity", &route.Severity)
		cfg.Alerts.Kinds[kind] = route
	}
}

func (d *decoder) severity(m *mapping, key string, dst *string) {
	d.enum(m, key, dst, severities...)
}

func (d *decoder) quietHours(cfg *Config, m *mapping) {
	q := &cfg.Alerts.QuietHours
	start, startOK := d.clock(m, "start")
	end, endOK := d.clock(m, "end")
	digest, digestOK := d.clock(m, "digest")
	startSet, endSet := m.val("start") != nil && !isNull(m.val("start")), m.val("end") != nil && !isNull(m.val("end"))
	switch {
	case startSet && !endSet:
		d.errorf(m.val("start"), m.path, "set both start and end, or neither; end is missing")
		return
	case endSet && !startSet:
		d.errorf(m.val("end"), m.path, "set both start and end, or neither; start is missing")
		return
	case !startSet && !endSet:
		if v := m.val("digest"); v != nil && !isNull(v) {
			d.errorf(v, m.key("digest"), "a digest time needs quiet hours: set start and end too")
		}
		return
	case !startOK || !endOK || !digestOK:
		return
	case start == end:
		d.errorf(m.val("end"), m.key("end"), "start and end are both %s: quiet hours would be empty", formatClock(start))
		return
	}
	q.Start, q.End = formatClock(start), formatClock(end)
	if m.val("digest") != nil && !isNull(m.val("digest")) {
		q.Digest = formatClock(digest)
	} else {
		q.Digest = q.End
	}
}

// clock decodes an "HH:MM" key into minutes after midnight; ok is false
// only for a bad value (reported).
func (d *decoder) clock(m *mapping, key string) (mins int, ok bool) {
	v, n, set := d.str(m, key)
	if !set {
		return 0, n == nil || isNull(n)
	}
	mins, ok = parseClock(strings.TrimSpace(v))
	if !ok {
		d.errorf(n, m.key(key), "bad time %s: write it as HH:MM on a 24-hour clock, like 07:30 or 22:00", quote(v))
	}
	return mins, ok
}

// channel decodes an optional Slack destination.
func (d *decoder) channel(m *mapping, key string, dst *string) {
	v, n, ok := d.str(m, key)
	if !ok || v == "" {
		return
	}
	if msg := checkChannel(v); msg != "" {
		d.errorf(n, m.key(key), "%s", msg)
		return
	}
	*dst = v
}

func (d *decoder) http(cfg *Config, m *mapping) {
	v, n, ok := d.str(m, "listen")
	if !ok || v == "" {
		return
	}
	if msg := checkListen(v); msg != "" {
		d.errorf(n, m.key("listen"), "%s", msg)
		return
	}
	cfg.HTTP.Listen = v
}

// checkListen returns what is wrong with a listen address, or "". The host
// must be an IP address or localhost: a name is resolved once at start-up
// and could bind whatever interface it happens to point to, and an empty
// host binds every interface, which should be written out as 0.0.0.0.
func checkListen(v string) string {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Sprintf("bad listen address %s: write it as host:port, like 127.0.0.1:9464", quote(v))
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || port == "" {
		return fmt.Sprintf("bad listen address %s: the port must be a number from 0 to 65535", quote(v))
	} else if host == "" {
		return fmt.Sprintf("listen address %s has no host: write 127.0.0.1:%d for this machine only, or 0.0.0.0:%d to expose the status page", quote(v), p, p)
	}
	if strings.EqualFold(host, "localhost") {
		return ""
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Sprintf("listen host %s must be an IP address or localhost, not a name", quote(host))
	}
	return ""
}

func (d *decoder) retention(cfg *Config, m *mapping) {
	r := &cfg.Retention
	if n, ok := d.integer(m, "revisions", &r.Revisions); ok && r.Revisions < 0 {
		d.errorf(n, m.key("revisions"), "must be 0 or more, found %d", r.Revisions)
		r.Revisions = DefaultRevisions
	}
	d.durationOrZero(m, "observations", &r.Observations)
	d.durationOrZero(m, "documents", &r.Documents)
	d.durationOrZero(m, "alerts", &r.Alerts)
	d.duration(m, "interval", &r.Interval)
}
