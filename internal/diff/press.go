package diff

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// pressDoc checks every figure of a press document that reports a metric,
// once per value and period: a headline and its lede stating the same
// figure are one claim.
func (c *comparer) pressDoc(doc source.Document, obs []store.Observation) error {
	if c.quiet {
		return nil // a baseline: stored, not checked
	}
	done := map[string]bool{}
	for _, o := range obs {
		k := o.Metric + "\x00" + strconv.FormatFloat(o.Value, 'g', -1, 64) + "\x00" + o.Period.Key
		if done[k] {
			continue
		}
		done[k] = true
		if err := c.claim(doc, o); err != nil {
			return err
		}
	}
	return nil
}

// claim checks one press figure against the official value for the period
// it names ("in November", "in fiscal year 2023"), else against the current
// official value. A claim about a metric no official source states is
// checked against sums of official figures, and otherwise only stored.
func (c *comparer) claim(doc source.Document, o store.Observation) error {
	var (
		off store.Observation
		ok  bool
		err error
	)
	if o.Period.From != "document" {
		if off, ok, err = c.periodValue(o.Metric, o.Period); err != nil {
			return err
		}
	}
	if !ok {
		if off, ok, err = c.latestOfficial(o.Metric); err != nil {
			return err
		}
	}
	if !ok {
		note, err := c.sumNote(o)
		if err != nil || note == "" {
			return err
		}
		ev := c.metricEvent(doc, o)
		ev.Kind, ev.Note = ClaimMismatch, note
		c.emit(ev)
		return nil
	}
	tol := c.in.Metrics[o.Metric].Tolerance
	if withinTolerance(off.Value, o.Value, tol) {
		return nil
	}
	ev := c.metricEvent(doc, o)
	ev.Kind = ClaimMismatch
	official := c.statedObs(off)
	ev.Old = &official
	hist, err := c.st.OfficialValuesNear(o.Metric, o.Value, pastMatchTolerance)
	if err != nil {
		return fmt.Errorf("read history of %s: %w", o.Metric, err)
	}
	for _, h := range hist {
		if !sameValue(h, off) {
			ev.Figures = append(ev.Figures, c.statedObs(h))
		}
	}
	if ev.Note, err = c.sumNote(o); err != nil {
		return err
	}
	c.emit(ev)
	return nil
}

// pastMatchTolerance is how close a claim must be to a past official value
// to be said to repeat it (the renderers use the same half percent).
const pastMatchTolerance = 0.005

// sumTolerance is how close a claim must be to a sum of official figures
// to be called that sum: reporters round sums (291,000 + 32,000 = 323,000
// printed as "320,000").
const sumTolerance = 0.015

// sumNote says when a claim equals the sum of two current official values
// of different metrics ("320,000" for 291,000 not served an NTA plus 32,000
// who failed to appear): a figure no official source states.
func (c *comparer) sumNote(claim store.Observation) (string, error) {
	ids := slices.Sorted(maps.Keys(c.in.Metrics))
	vals := make([]store.Observation, 0, len(ids))
	for _, id := range ids {
		o, ok, err := c.latestOfficial(id)
		if err != nil {
			return "", err
		}
		if ok && o.Unit == claim.Unit {
			vals = append(vals, o)
		}
	}
	for i := range vals {
		for j := i + 1; j < len(vals); j++ {
			sum := vals[i].Value + vals[j].Value
			if sum != 0 && math.Abs(claim.Value-sum)/sum <= sumTolerance {
				return fmt.Sprintf("%s equals %s (%s) + %s (%s): a sum no official source states",
					Wording(claim.QualifierText, claim.Text),
					Wording(vals[i].QualifierText, vals[i].Text), c.label(vals[i].Metric),
					Wording(vals[j].QualifierText, vals[j].Text), c.label(vals[j].Metric)), nil
			}
		}
	}
	return "", nil
}
