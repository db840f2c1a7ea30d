package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser accepts what cron.New accepts by default: five fields
// (minute hour day-of-month month day-of-week) and descriptors such as
// "@hourly" and "@every 30m", so a spec that passes here schedules there.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule checks a cron spec and returns its schedule: five standard
// fields ("*/15 * * * *"), a descriptor ("@hourly", "@daily", "@every 30m"),
// optionally after a "CRON_TZ=Zone " or "TZ=Zone " prefix. The error is
// the reason alone, without the spec.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	// The cron parser panics on some malformed specs (a "TZ=" prefix without
	// a following space); a config file must never crash the daemon.
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("unparsable spec (%v)", r)
		}
	}()
	body := strings.TrimSpace(spec)
	if body == "" {
		return nil, errors.New("empty spec")
	}
	if zone, rest, ok := cutZone(body); ok {
		if strings.TrimSpace(rest) == "" {
			return nil, errors.New("a time zone prefix must be followed by a schedule")
		}
		if _, err := loadLocation(zone); err != nil {
			return nil, err
		}
		body = strings.TrimSpace(rest)
	}
	if strings.HasPrefix(body, "@every") {
		// Checked here because cron silently turns zero, negative and
		// sub-second intervals into one second: a hammering poller.
		arg := strings.TrimSpace(strings.TrimPrefix(body, "@every"))
		d, err := time.ParseDuration(arg)
		switch {
		case arg == "":
			return nil, errors.New("@every needs an interval, like @every 30m")
		case err != nil:
			return nil, fmt.Errorf("bad interval %q: write it like @every 30m", arg)
		case d < time.Second:
			return nil, fmt.Errorf("interval %s is shorter than 1s", arg)
		}
	} else if !strings.HasPrefix(body, "@") {
		if n := len(strings.Fields(body)); n != 5 {
			return nil, fmt.Errorf("expected 5 fields, found %d", n)
		}
	}
	return cronParser.Parse(strings.TrimSpace(spec))
}

// cutZone splits a "CRON_TZ=Zone rest" or "TZ=Zone rest" spec; ok is
// whether it has the prefix. rest is "" when nothing follows the zone.
func cutZone(spec string) (zone, rest string, ok bool) {
	if !strings.HasPrefix(spec, "TZ=") && !strings.HasPrefix(spec, "CRON_TZ=") {
		return "", "", false
	}
	zone, rest, _ = strings.Cut(spec[strings.Index(spec, "=")+1:], " ")
	return zone, rest, true
}

// loadLocation is time.LoadLocation with a message that names the zone once.
func loadLocation(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("empty time zone")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}
