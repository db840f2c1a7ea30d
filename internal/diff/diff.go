// Package diff compares what a poll found with what is stored and says what
// changed, as Events. It reads stored state through a small interface and
// returns the records to write; the caller writes both in one transaction so
// an event never exists without the snapshot that caused it.
//
// Every figure that reports a metric is an observation, resolved to the
// period it is for (see periods.go). A metric's current official value is
// its official observation with the latest as-of date; a series metric has
// one official value per period (official.go). Every press figure is
// checked against the official value for the period it refers to
// (press.go).
package diff

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/period"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// DefaultTouchInterval is how stale an unchanged document's LastSeen may
// get before a poll that sees it again rewrites it, when Input says not.
const DefaultTouchInterval = 24 * time.Hour

// DefaultClaimWindow is how recently a press document must have been
// published for its claims to be checked on its source's first poll, when
// Input says not.
const DefaultClaimWindow = 7 * 24 * time.Hour

// Authorities of a source.
const (
	Official = "official"
	Press    = "press"
)

// State is the stored state diff reads; *store.Tx implements it.
type State interface {
	Snapshot(docID string) (store.Snapshot, bool, error)
	// SnapshotHash is the stored snapshot's hash and LastSeen, read
	// without its figures, for telling unchanged documents apart cheaply.
	SnapshotHash(docID string) (hash string, lastSeen time.Time, ok bool, err error)
	// LatestObservation is, for official sources, the current official
	// value: the observation with the latest as-of date.
	LatestObservation(metric, authority string) (store.Observation, bool, error)
	// OfficialValuesNear is, for each distinct official value of a metric
	// within tol of value, the first observation stating it, oldest first.
	OfficialValuesNear(metric string, value, tol float64) ([]store.Observation, error)
	// OfficialForPeriod is the official value of a metric for a period.
	OfficialForPeriod(metric string, p store.Period) (store.Observation, bool, error)
	// OfficialBefore is the official value of the latest earlier period of
	// the same kind.
	OfficialBefore(metric string, p store.Period) (store.Observation, bool, error)
}

// SourceInfo describes the polled source.
type SourceInfo struct {
	ID, Name, Authority string
	// FirstPoll is true when the source has never been polled successfully.
	// Its findings then set the baseline silently unless AlertOnFirstPoll,
	// except the claims of press documents published within the claim
	// window, which are checked on every poll.
	FirstPoll        bool
	AlertOnFirstPoll bool
}

// Metric is what diff needs to know of a tracked metric.
type Metric struct {
	Label string
	// Tolerance is the relative difference (0.05 = 5%) within which a press
	// claim is taken to agree with the official value.
	Tolerance float64
	// Series, when set (month, quarter, year, fiscal_year), makes the
	// metric a series with one official value per period of that kind;
	// otherwise it is a quantity whose current value is the latest as-of.
	Series period.Kind
	// MinChange is the smallest official change worth an alert: smaller
	// revisions are recorded but not alerted. It is absolute, or a
	// fraction of the old value when MinChangeRelative (0.01 = 1%).
	MinChange         float64
	MinChangeRelative bool
}

// Doc is one document found by a poll, with its figures.
type Doc struct {
	Document source.Document
	Figures  []extract.Figure
	// FramePeriods, when set, holds for each figure (same index as
	// Figures) the period words of its frame ("as of January 2025"), as
	// the extraction stage finds them; "" when it has none. Words that
	// parse as a period win over those diff finds around the figure.
	FramePeriods []string
}

// Input is one poll of one source.
type Input struct {
	Source  SourceInfo
	Now     time.Time
	Docs    []Doc
	Metrics map[string]Metric
	// TouchInterval overrides DefaultTouchInterval: it must stay well under
	// the retention horizon for documents.
	TouchInterval time.Duration
	// Periods reads period expressions; its FiscalStart sets when fiscal
	// years begin (October, the US federal year, when zero).
	Periods period.Parser
	// ClaimWindow overrides DefaultClaimWindow.
	ClaimWindow time.Duration
}

// Result holds what to write and what to tell.
type Result struct {
	Snapshots    []store.Snapshot
	Observations []store.Observation
	Events       []Event
	// Unchanged counts documents whose content hash had not changed.
	Unchanged int
}

// Compare diffs one poll against stored state. Documents are taken oldest
// first, so that when a poll carries two reports the newer one's figures
// are the ones left standing as the official values.
func Compare(st State, in Input) (Result, error) {
	c := comparer{st: st, in: in, official: map[string]store.Observation{}, periods: map[string]store.Observation{}}
	docs := slices.Clone(in.Docs)
	slices.SortStableFunc(docs, func(a, b Doc) int {
		return a.Document.Published.Compare(b.Document.Published)
	})
	for _, d := range docs {
		if err := c.doc(d); err != nil {
			return Result{}, err
		}
	}
	return c.res, nil
}

type comparer struct {
	st  State
	in  Input
	res Result
	// official overlays the store with current official values set earlier
	// in this poll, so two items stating one new value make one
	// metric_changed; periods does the same for values by period.
	official map[string]store.Observation
	periods  map[string]store.Observation
	// quiet drops the events of the document being compared: a baseline.
	quiet bool
}

func (c *comparer) doc(d Doc) error {
	doc := d.Document
	hash, lastSeen, seen, err := c.st.SnapshotHash(doc.ID)
	if err != nil {
		return fmt.Errorf("read snapshot %s: %w", doc.ID, err)
	}
	if seen && hash == doc.Hash {
		c.res.Unchanged++
		// Refresh LastSeen at most daily: retention drops documents not
		// seen for a long time, and one still in its feed must not be
		// dropped (it would come back as new), but rewriting every
		// unchanged document on every poll would cost a write each.
		touch := c.in.TouchInterval
		if touch <= 0 {
			touch = DefaultTouchInterval
		}
		if c.in.Now.Sub(lastSeen) >= touch {
			prev, _, err := c.st.Snapshot(doc.ID)
			if err != nil {
				return fmt.Errorf("read snapshot %s: %w", doc.ID, err)
			}
			prev.LastSeen = c.in.Now
			c.res.Snapshots = append(c.res.Snapshots, prev)
		}
		return nil
	}
	var prev store.Snapshot
	if seen {
		if prev, _, err = c.st.Snapshot(doc.ID); err != nil {
			return fmt.Errorf("read snapshot %s: %w", doc.ID, err)
		}
	}
	now := c.in.Now
	official := c.in.Source.Authority == Official
	c.quiet = c.baseline(doc, official)
	snap := store.Snapshot{
		DocID: doc.ID, Source: doc.Source, URL: doc.URL, Title: doc.Title,
		Published: doc.Published, Hash: doc.Hash,
		FirstSeen: now, LastSeen: now, LastChanged: now, Revision: 1,
	}
	if seen {
		snap.FirstSeen = prev.FirstSeen
		snap.Revision = prev.Revision + 1
	}
	obs, figIdx, err := c.observations(doc, d.Figures, d.FramePeriods)
	if err != nil {
		return err
	}
	snap.Figures = storeFigures(d.Figures, doc.Text)
	for i, o := range obs {
		snap.Figures[figIdx[i]].Period = o.Period.Key
	}
	c.res.Snapshots = append(c.res.Snapshots, snap)

	// On a revision only the figures that are new or changed count.
	var changes []Change
	if seen {
		changes = figureChanges(prev.Figures, snap.Figures, c.stated(doc))
		obs = slices.DeleteFunc(obs, func(o store.Observation) bool {
			return stillStated(prev.Figures, o)
		})
	}
	mark := len(c.res.Events)
	handled := map[string]bool{}
	c.res.Observations = append(c.res.Observations, obs...)
	if official {
		if handled, err = c.officialDoc(doc, obs); err != nil {
			return err
		}
	} else if err := c.pressDoc(doc, obs); err != nil {
		return err
	}
	// A revision of an official document whose changed figures were all
	// announced as metric_changed (or were too small to announce) needs no
	// alert of its own: one alert per change.
	if official {
		changes = slices.DeleteFunc(changes, func(ch Change) bool {
			return ch.After != nil && (handled[ch.Metric+"\x00"+ch.After.PeriodKey] || handled[ch.Metric])
		})
	}
	if len(changes) > 0 && !c.quiet {
		ev := Event{
			Kind: DocumentRevised, At: now, FirstSeen: prev.FirstSeen,
			Source: c.in.Source.ID, SourceName: c.in.Source.Name, Authority: c.in.Source.Authority,
			DocID: doc.ID, URL: doc.URL, Title: doc.Title, Published: doc.Published,
			Changes: changes,
		}
		c.res.Events = slices.Insert(c.res.Events, mark, ev)
	}
	if !seen && official && len(obs) > 0 {
		figs := make([]Stated, 0, len(obs))
		for _, o := range obs {
			figs = append(figs, c.statedObs(o))
		}
		c.emit(Event{
			Kind: NewReport, At: now,
			Source: c.in.Source.ID, SourceName: c.in.Source.Name, Authority: Official,
			DocID: doc.ID, URL: doc.URL, Title: doc.Title, Published: doc.Published,
			Figures: figs,
		})
	}
	return nil
}

// baseline reports whether a document's events are dropped. A source's
// first poll sets the baseline silently (unless AlertOnFirstPoll), so
// adding a source does not flood the channel; but a press document
// published within the claim window is news whichever poll finds it, and
// its claims are checked. This one rule applies the same to the demo and
// the daemon: before it, a press source's first poll stored a fresh
// "320,000 lost children" headline without checking it, and only the
// demo, which sets alert_on_first_poll on every source, alerted on it.
func (c *comparer) baseline(doc source.Document, official bool) bool {
	if !c.in.Source.FirstPoll || c.in.Source.AlertOnFirstPoll {
		return false
	}
	if official || doc.Published.IsZero() {
		return true
	}
	window := c.in.ClaimWindow
	if window <= 0 {
		window = DefaultClaimWindow
	}
	return c.in.Now.Sub(doc.Published) > window
}

func (c *comparer) emit(ev Event) {
	if !c.quiet {
		c.res.Events = append(c.res.Events, ev)
	}
}

func (c *comparer) latestOfficial(metric string) (store.Observation, bool, error) {
	if o, ok := c.official[metric]; ok {
		return o, true, nil
	}
	o, ok, err := c.st.LatestObservation(metric, Official)
	if err != nil {
		return o, false, fmt.Errorf("read official %s: %w", metric, err)
	}
	return o, ok, nil
}

func periodSlot(metric string, p store.Period) string {
	return metric + "\x00" + p.Kind + "\x00" + p.Key
}

// periodValue is the official value of metric for p, this poll's first.
func (c *comparer) periodValue(metric string, p store.Period) (store.Observation, bool, error) {
	if o, ok := c.periods[periodSlot(metric, p)]; ok {
		return o, true, nil
	}
	o, ok, err := c.st.OfficialForPeriod(metric, p)
	if err != nil {
		return o, false, fmt.Errorf("read official %s for %s: %w", metric, p.Key, err)
	}
	return o, ok, nil
}

// valueBefore is the official value of the latest period of p's kind
// before p, from the store or this poll.
func (c *comparer) valueBefore(metric string, p store.Period) (store.Observation, bool, error) {
	best, ok, err := c.st.OfficialBefore(metric, p)
	if err != nil {
		return best, false, fmt.Errorf("read official %s before %s: %w", metric, p.Key, err)
	}
	prefix := metric + "\x00" + p.Kind + "\x00"
	for k, o := range c.periods {
		if strings.HasPrefix(k, prefix) && o.Period.Start.Before(p.Start) && (!ok || o.Period.Start.After(best.Period.Start)) {
			best, ok = o, true
		}
	}
	return best, ok, nil
}

func (c *comparer) metricEvent(doc source.Document, o store.Observation) Event {
	n := c.statedObs(o)
	return Event{
		At: c.in.Now, Metric: o.Metric, MetricLabel: c.label(o.Metric),
		Source: c.in.Source.ID, SourceName: c.in.Source.Name, Authority: c.in.Source.Authority,
		DocID: doc.ID, URL: doc.URL, Title: doc.Title, Published: doc.Published,
		New: &n,
	}
}

func (c *comparer) label(metric string) string {
	if m, ok := c.in.Metrics[metric]; ok && m.Label != "" {
		return m.Label
	}
	return metric
}

// observations turns every figure of doc that reports a metric into an
// observation with its period, and returns with them the index of each
// one's figure.
func (c *comparer) observations(doc source.Document, figs []extract.Figure, frames []string) ([]store.Observation, []int, error) {
	var (
		out []store.Observation
		idx []int
		dp  *docPeriods
	)
	paged := strings.IndexByte(doc.Text, '\f') >= 0
	for i, f := range figs {
		if f.Metric == "" {
			continue
		}
		if dp == nil {
			// Found once per document, and only for one with tracked
			// figures: it runs on every changed document.
			dp = newDocPeriods(c.in.Periods, doc.Text, doc.Published, c.in.Now)
		}
		frame := ""
		if i < len(frames) {
			frame = frames[i]
		}
		p := dp.forFigure(f, frame, c.in.Metrics[f.Metric].Series)
		quote, mark := quoteOf(f)
		page := 0
		if paged {
			page = source.PageAt(doc.Text, f.Start)
		}
		outlet := c.outlet(doc)
		out = append(out, store.Observation{
			Metric: f.Metric, Value: f.Value, High: f.High, Unit: f.Unit, Page: page,
			Qualifier: string(f.Qualifier), QualifierText: f.QualifierText, Text: f.Text,
			Quote: quote, QuoteMark: mark,
			Source: c.in.Source.ID, SourceName: c.in.Source.Name, Outlet: outlet, Authority: c.in.Source.Authority,
			DocID: doc.ID, URL: doc.URL, Title: doc.Title,
			Published: doc.Published, Observed: c.in.Now,
			Period: p, AsOf: asOf(p),
		})
		idx = append(idx, i)
	}
	if c.in.Source.Authority == Official {
		if err := c.recaps(out); err != nil {
			return nil, nil, err
		}
	}
	return out, idx, nil
}

// outlet is who a press document's claims are credited to: the publisher
// the document names (an aggregator item's <source>, og:site_name), not
// the feed that carried it. An outlet that is only the host of the
// document's own URL (source.HostOutlet's last resort) gives way to the
// source's configured name, which the newsroom chose for that feed; it is
// kept for a source without a name. Official documents have no outlet.
func (c *comparer) outlet(doc source.Document) string {
	if c.in.Source.Authority == Official {
		return ""
	}
	if doc.Outlet == source.HostOutlet(doc.URL) && c.in.Source.Name != "" && c.in.Source.Name != c.in.Source.ID {
		return ""
	}
	return doc.Outlet
}

// asOf is the instant a value for p is current at: the end of the period,
// its start when open.
func asOf(p store.Period) time.Time {
	if p.End.IsZero() {
		return p.Start
	}
	return p.End
}

// stated converts a stored figure of doc into the form events carry.
func (c *comparer) stated(doc source.Document) func(store.Figure) *Stated {
	return func(f store.Figure) *Stated {
		quote, mark := markIn(f.Sentence, f.Text)
		return &Stated{
			Value: f.Value, Unit: f.Unit, Qualifier: f.Qualifier,
			Wording: Wording(f.QualifierText, f.Text), Text: f.Text, Quote: quote, Mark: mark, Page: f.Page,
			Metric: f.Metric, Source: c.in.Source.ID, SourceName: c.in.Source.Name, Authority: c.in.Source.Authority,
			DocID: doc.ID, URL: doc.URL, Title: doc.Title, Published: doc.Published, Seen: c.in.Now,
			PeriodKey: f.Period,
		}
	}
}

func (c *comparer) statedObs(o store.Observation) Stated {
	return Stated{
		Value: o.Value, Unit: o.Unit, Qualifier: o.Qualifier,
		Wording: Wording(o.QualifierText, o.Text), Text: o.Text, Quote: o.Quote, Mark: o.QuoteMark, Page: o.Page,
		Metric: o.Metric, Source: o.Source, SourceName: o.SourceName, Outlet: o.Outlet, Authority: o.Authority,
		DocID: o.DocID, URL: o.URL, Title: o.Title, Published: o.Published, Seen: o.Observed,
		Period: o.Period.Label, PeriodKey: o.Period.Key, PeriodFrom: o.Period.From, AsOf: o.AsOf,
	}
}

// Wording is a figure as written with its qualifier: "more than 291,000".
func Wording(qualifierText, text string) string {
	if qualifierText == "" {
		return text
	}
	// Lower-cased: "More than" opening a sentence reads wrong mid-message.
	return strings.ToLower(qualifierText) + " " + text
}

// storeFigures copies figures for the store, with the PDF page of each
// when the text is a PDF's (pdftotext separates pages by form feeds).
func storeFigures(figs []extract.Figure, text string) []store.Figure {
	paged := strings.IndexByte(text, '\f') >= 0
	out := make([]store.Figure, 0, len(figs))
	for _, f := range figs {
		sf := store.Figure{
			Value: f.Value, High: f.High, Unit: f.Unit, Qualifier: string(f.Qualifier),
			QualifierText: f.QualifierText, Metric: f.Metric, Text: f.Text,
			Sentence: f.Sentence, Start: f.Start, End: f.End,
		}
		if paged {
			sf.Page = source.PageAt(text, f.Start)
		}
		out = append(out, sf)
	}
	return out
}

// figureChanges lists the figures whose value changed between two versions
// of a document, and those added or removed, by metric and period. Only
// tracked metrics count: an edit to an untracked number (a date in a
// byline, a page count) is not something a reporter wants pinged about. A
// version stored before figures had periods is compared metric by metric,
// first figure of each, as it was then.
func figureChanges(before, after []store.Figure, stated func(store.Figure) *Stated) []Change {
	byPeriod := slices.ContainsFunc(before, func(f store.Figure) bool { return f.Metric != "" && f.Period != "" })
	key := func(f store.Figure) string {
		if byPeriod {
			return f.Metric + "\x00" + f.Period
		}
		return f.Metric
	}
	first := func(figs []store.Figure) (map[string]store.Figure, []string) {
		m := map[string]store.Figure{}
		var order []string
		for _, f := range figs {
			if f.Metric == "" {
				continue
			}
			k := key(f)
			if _, ok := m[k]; !ok {
				m[k] = f
				order = append(order, k)
			}
		}
		return m, order
	}
	b, bOrder := first(before)
	a, aOrder := first(after)
	var out []Change
	for _, k := range aOrder {
		af := a[k]
		bf, ok := b[k]
		switch {
		case !ok:
			out = append(out, Change{Metric: af.Metric, After: stated(af)})
		case bf.Value != af.Value || bf.High != af.High || bf.Qualifier != af.Qualifier:
			out = append(out, Change{Metric: af.Metric, Before: stated(bf), After: stated(af)})
		}
	}
	for _, k := range bOrder {
		if _, ok := a[k]; !ok {
			bf := b[k]
			out = append(out, Change{Metric: bf.Metric, Before: stated(bf)})
		}
	}
	slices.SortStableFunc(out, func(x, y Change) int { return cmp.Compare(x.Metric, y.Metric) })
	return out
}

// stillStated reports whether the previous version of the document stated
// o already: the same metric and value, for the same period when the
// previous version knew periods.
func stillStated(prev []store.Figure, o store.Observation) bool {
	for _, f := range prev {
		if f.Metric == o.Metric && (f.Period == "" || f.Period == o.Period.Key) && f.Value == o.Value && f.High == o.High {
			return true
		}
	}
	return false
}

func sameValue(a, b store.Observation) bool {
	return nearlyEqual(a.Value, b.Value) && nearlyEqual(a.High, b.High) && a.Unit == b.Unit
}

func nearlyEqual(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

func withinTolerance(official, claim, tol float64) bool {
	if official == 0 {
		return claim == 0
	}
	return math.Abs(claim-official)/math.Abs(official) <= tol+1e-12
}

func quoteOf(f extract.Figure) (string, [2]int) { return markIn(f.Sentence, f.Text) }

// markIn finds the figure's text in its (cleaned) sentence so renderers can
// bold it.
func markIn(sentence, text string) (string, [2]int) {
	if text == "" {
		return sentence, [2]int{}
	}
	if i := strings.Index(sentence, text); i >= 0 {
		return sentence, [2]int{i, i + len(text)}
	}
	return sentence, [2]int{}
}
