package diff

import (
	"fmt"
	"math"
	"slices"

	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// recaps credits an official figure that restates an older official value
// to that value's period. A new report often recaps the old figure before
// giving the new one ("In our August 2024 alert we reported more than
// 291,000 … As of January 2025, 233,000"): the recap confirms the old
// observation and must not become the current value. A figure is taken for
// a recap when an official source stated the same value for an earlier
// period, and either its own period is only inherited (from the document's
// date, its paragraph or a heading) or the document gives another value
// for the metric that is as recent or more.
func (c *comparer) recaps(obs []store.Observation) error {
	for i := range obs {
		o := &obs[i]
		if c.in.Metrics[o.Metric].Series != "" {
			continue // a series states each period explicitly
		}
		weak := o.Period.From == "document" || o.Period.From == "paragraph" || o.Period.From == "heading"
		newer := slices.ContainsFunc(obs, func(x store.Observation) bool {
			return x.Metric == o.Metric && !sameNumber(x, *o) && !x.AsOf.Before(o.AsOf)
		})
		if !weak && !newer {
			continue
		}
		near, err := c.st.OfficialValuesNear(o.Metric, o.Value, 1e-9)
		if err != nil {
			return fmt.Errorf("read official values of %s: %w", o.Metric, err)
		}
		var old *store.Observation
		for j := range near {
			h := &near[j]
			if sameNumber(*h, *o) && !h.Period.IsZero() && h.Period.Key != o.Period.Key && h.AsOf.Before(o.AsOf) && (old == nil || h.AsOf.After(old.AsOf)) {
				old = h
			}
		}
		if old == nil {
			continue
		}
		o.Period = old.Period
		o.Period.From = "recap"
		o.AsOf = old.AsOf
	}
	return nil
}

// sameNumber compares values only: one document, or a report recapping
// another, may name the counted noun differently ("291,000 of those
// children", "291,000").
func sameNumber(a, b store.Observation) bool {
	return nearlyEqual(a.Value, b.Value) && nearlyEqual(a.High, b.High)
}

// group is the observations of one metric for one period in one document:
// normally one, several when the document repeats the figure, and
// different values when it contradicts itself.
type group struct {
	first     store.Observation
	conflicts []store.Observation
}

// groups gathers obs of one metric by period, in order of first mention,
// and flags conflicting values in place.
func groups(obs []store.Observation) []*group {
	var out []*group
	by := map[string]*group{}
	for i := range obs {
		o := obs[i]
		g, ok := by[o.Period.Key]
		if !ok {
			g = &group{first: o}
			by[o.Period.Key] = g
			out = append(out, g)
			continue
		}
		if !sameNumber(g.first, o) && !slices.ContainsFunc(g.conflicts, func(x store.Observation) bool { return sameNumber(x, o) }) {
			g.conflicts = append(g.conflicts, o)
		}
	}
	for _, g := range out {
		if len(g.conflicts) > 0 {
			g.first.Conflict = true
		}
	}
	return out
}

// officialDoc compares the observations of one official document with the
// official values, metric by metric, and returns the metrics (and metric
// and period) whose changes it handled, for folding the document's
// revision alert.
func (c *comparer) officialDoc(doc source.Document, obs []store.Observation) (map[string]bool, error) {
	handled := map[string]bool{}
	var metrics []string
	for _, o := range obs {
		if !slices.Contains(metrics, o.Metric) {
			metrics = append(metrics, o.Metric)
		}
	}
	for _, metric := range metrics {
		var mine []store.Observation
		for _, o := range obs {
			if o.Metric == metric {
				mine = append(mine, o)
			}
		}
		gs := groups(mine)
		// A conflict is recorded on each observation of its period.
		for i := range c.res.Observations {
			o := &c.res.Observations[i]
			if o.Metric != metric || o.DocID != doc.ID {
				continue
			}
			for _, g := range gs {
				if g.first.Conflict && g.first.Period.Key == o.Period.Key {
					o.Conflict = true
				}
			}
		}
		// Oldest first: the current value moves forward, and a series'
		// new period is compared with the one before it.
		slices.SortStableFunc(gs, func(a, b *group) int { return a.first.AsOf.Compare(b.first.AsOf) })
		var err error
		if kind := string(c.in.Metrics[metric].Series); kind != "" {
			// A series takes values of its own period kind; another figure
			// of the metric (a fiscal-year total on a monthly page) is
			// history, alerted only if it revises its own period.
			var other []*group
			gs = slices.DeleteFunc(gs, func(g *group) bool {
				if g.first.Period.Kind != kind {
					other = append(other, g)
					return true
				}
				return false
			})
			for _, g := range other {
				if err := c.pastPeriod(doc, metric, g, handled); err != nil {
					return nil, err
				}
			}
			err = c.series(doc, metric, gs, handled)
		} else {
			err = c.quantity(doc, metric, gs, handled)
		}
		if err != nil {
			return nil, err
		}
	}
	return handled, nil
}

// quantity handles a metric without series: its current value is the
// observation with the latest as-of date. Of the document's periods, the
// latest is compared with the current value; earlier ones only with what
// was stated for their own period (a revision of a past value).
func (c *comparer) quantity(doc source.Document, metric string, gs []*group, handled map[string]bool) error {
	for i, g := range gs {
		o := g.first
		cur, ok, err := c.latestOfficial(metric)
		if err != nil {
			return err
		}
		latest := i == len(gs)-1
		switch {
		case !ok && latest:
			c.official[metric] = o
			c.setPeriod(o)
			ev := c.metricEvent(doc, o)
			ev.Kind = MetricNew
			c.conflict(&ev, g)
			c.emit(ev)
			handled[metric] = true
		case ok && latest && !o.AsOf.Before(cur.AsOf):
			c.official[metric] = o
			c.setPeriod(o)
			if sameNumber(cur, o) && !o.Conflict {
				continue // confirmed, at the same or a later date
			}
			c.changed(doc, cur, g, "", handled)
		default:
			if err := c.pastPeriod(doc, metric, g, handled); err != nil {
				return err
			}
		}
	}
	return nil
}

// pastPeriod handles a value for a period before the current one: a
// revision when the period had another official value, else history.
func (c *comparer) pastPeriod(doc source.Document, metric string, g *group, handled map[string]bool) error {
	o := g.first
	prev, ok, err := c.periodValue(metric, o.Period)
	if err != nil {
		return err
	}
	c.setPeriod(o)
	if !ok || (sameNumber(prev, o) && !o.Conflict) {
		return nil
	}
	c.changed(doc, prev, g, o.Period.Label, handled)
	return nil
}

// series handles a metric with one official value per period: a period it
// had no value for is period_new, another value for a known period is
// metric_changed for that period only.
func (c *comparer) series(doc source.Document, metric string, gs []*group, handled map[string]bool) error {
	_, known, err := c.latestOfficial(metric)
	if err != nil {
		return err
	}
	for _, g := range gs {
		o := g.first
		prev, ok, err := c.periodValue(metric, o.Period)
		if err != nil {
			return err
		}
		before, hasBefore, err := c.valueBefore(metric, o.Period)
		if err != nil {
			return err
		}
		c.setPeriod(o)
		if cur, ok := c.official[metric]; !ok || !o.AsOf.Before(cur.AsOf) {
			c.official[metric] = o
		}
		switch {
		case ok && sameNumber(prev, o) && !o.Conflict:
		case ok:
			c.changed(doc, prev, g, o.Period.Label, handled)
		default:
			ev := c.metricEvent(doc, o)
			ev.Kind, ev.Period = PeriodNew, o.Period.Label
			if !known {
				ev.Kind = MetricNew
			}
			if hasBefore {
				b := c.statedObs(before)
				ev.Old = &b
			}
			c.conflict(&ev, g)
			c.emit(ev)
			handled[metric+"\x00"+o.Period.Key] = true
		}
		known = true
	}
	return nil
}

// changed raises metric_changed from old to the group's value, unless the
// change is under the metric's min_change: then it is recorded (the
// observation is kept) but not alerted. Either way the change is handled,
// so the document's revision alert does not repeat it.
func (c *comparer) changed(doc source.Document, old store.Observation, g *group, periodLabel string, handled map[string]bool) {
	o := g.first
	handled[o.Metric+"\x00"+o.Period.Key] = true
	if periodLabel == "" {
		handled[o.Metric] = true
	}
	if c.belowMinChange(o.Metric, old.Value, o.Value) && !o.Conflict {
		return
	}
	ev := c.metricEvent(doc, o)
	ev.Kind, ev.Period = MetricChanged, periodLabel
	st := c.statedObs(old)
	ev.Old = &st
	c.conflict(&ev, g)
	c.emit(ev)
}

func (c *comparer) conflict(ev *Event, g *group) {
	if len(g.conflicts) == 0 {
		return
	}
	ev.Conflict = true
	for _, x := range g.conflicts {
		ev.Conflicts = append(ev.Conflicts, c.statedObs(x))
	}
}

func (c *comparer) setPeriod(o store.Observation) {
	c.periods[periodSlot(o.Metric, o.Period)] = o
}

// belowMinChange reports an official change smaller than the metric's
// min_change.
func (c *comparer) belowMinChange(metric string, old, new float64) bool {
	m := c.in.Metrics[metric]
	if m.MinChange <= 0 {
		return false
	}
	d := math.Abs(new - old)
	if m.MinChangeRelative {
		if old == 0 {
			return false
		}
		d /= math.Abs(old)
	}
	return d < m.MinChange
}
