// Package diff compares what a poll found with what is stored and says what
// changed, as Events. It reads stored state through a small interface and
// returns the records to write; the caller writes both in one transaction so
// an event never exists without the snapshot that caused it.
package diff

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// DefaultTouchInterval is how stale an unchanged document's LastSeen may
// get before a poll that sees it again rewrites it, when Input says not.
const DefaultTouchInterval = 24 * time.Hour

// Authorities of a source.
const (
	Official = "official"
	Press    = "press"
)

// State is the stored state diff reads; *store.Tx implements it.
type State interface {
	Snapshot(docID string) (store.Snapshot, bool, error)
	LatestObservation(metric, authority string) (store.Observation, bool, error)
	// OfficialValuesNear is, for each distinct official value of a metric
	// within tol of value, the first observation stating it, oldest first.
	OfficialValuesNear(metric string, value, tol float64) ([]store.Observation, error)
}

// SourceInfo describes the polled source.
type SourceInfo struct {
	ID, Name, Authority string
	// FirstPoll is true when the source has never been polled successfully;
	// its findings then set the baseline silently unless AlertOnFirstPoll.
	FirstPoll        bool
	AlertOnFirstPoll bool
}

// Metric is what diff needs to know of a tracked metric.
type Metric struct {
	Label string
	// Tolerance is the relative difference (0.05 = 5%) within which a press
	// claim is taken to agree with the official value.
	Tolerance float64
}

// Doc is one document found by a poll, with its figures.
type Doc struct {
	Document source.Document
	Figures  []extract.Figure
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
	c := comparer{st: st, in: in, official: map[string]store.Observation{}}
	docs := slices.Clone(in.Docs)
	slices.SortStableFunc(docs, func(a, b Doc) int {
		return a.Document.Published.Compare(b.Document.Published)
	})
	for _, d := range docs {
		if err := c.doc(d); err != nil {
			return Result{}, err
		}
	}
	if in.Source.FirstPoll && !in.Source.AlertOnFirstPoll {
		c.res.Events = nil
	}
	return c.res, nil
}

type comparer struct {
	st  State
	in  Input
	res Result
	// official overlays the store with official values set earlier in this
	// poll, so two items stating one new value make one metric_changed.
	official map[string]store.Observation
}

func (c *comparer) doc(d Doc) error {
	doc := d.Document
	prev, seen, err := c.st.Snapshot(doc.ID)
	if err != nil {
		return fmt.Errorf("read snapshot %s: %w", doc.ID, err)
	}
	if seen && prev.Hash == doc.Hash {
		c.res.Unchanged++
		// Refresh LastSeen at most daily: retention drops documents not
		// seen for a long time, and one still in its feed must not be
		// dropped (it would come back as new), but rewriting every
		// unchanged document on every poll would cost a write each.
		touch := c.in.TouchInterval
		if touch <= 0 {
			touch = DefaultTouchInterval
		}
		if c.in.Now.Sub(prev.LastSeen) >= touch {
			prev.LastSeen = c.in.Now
			c.res.Snapshots = append(c.res.Snapshots, prev)
		}
		return nil
	}
	now := c.in.Now
	snap := store.Snapshot{
		DocID: doc.ID, Source: doc.Source, URL: doc.URL, Title: doc.Title,
		Published: doc.Published, Hash: doc.Hash,
		FirstSeen: now, LastSeen: now, LastChanged: now, Revision: 1,
	}
	if seen {
		snap.FirstSeen = prev.FirstSeen
		snap.Revision = prev.Revision + 1
	}
	snap.Figures = storeFigures(d.Figures, doc.Text)
	c.res.Snapshots = append(c.res.Snapshots, snap)

	// The observations a document contributes: the first figure stated for
	// each metric (reports lead with the current figure and cite older
	// ones later), and only those that are new or changed on a revision.
	obs := c.observations(doc, d.Figures)
	if seen {
		changes := figureChanges(prev.Figures, snap.Figures, c.stated(doc))
		if len(changes) > 0 {
			c.emit(Event{
				Kind: DocumentRevised, At: now, FirstSeen: prev.FirstSeen,
				Source: c.in.Source.ID, SourceName: c.in.Source.Name, Authority: c.in.Source.Authority,
				DocID: doc.ID, URL: doc.URL, Title: doc.Title, Published: doc.Published,
				Changes: changes,
			})
		}
		obs = slices.DeleteFunc(obs, func(o store.Observation) bool {
			return stillStated(prev.Figures, o)
		})
	}
	var figs []Stated
	for _, o := range obs {
		c.res.Observations = append(c.res.Observations, o)
		figs = append(figs, c.statedObs(o))
		if c.in.Source.Authority == Official {
			if err := c.officialFigure(doc, o); err != nil {
				return err
			}
		} else if !c.silent() {
			if err := c.claim(doc, o); err != nil {
				return err
			}
		}
	}
	if !seen && c.in.Source.Authority == Official && len(figs) > 0 {
		c.emit(Event{
			Kind: NewReport, At: now,
			Source: c.in.Source.ID, SourceName: c.in.Source.Name, Authority: Official,
			DocID: doc.ID, URL: doc.URL, Title: doc.Title, Published: doc.Published,
			Figures: figs,
		})
	}
	return nil
}

// silent reports a first poll whose events are dropped: a press source's
// claims need not be checked then, only stored.
func (c *comparer) silent() bool {
	return c.in.Source.FirstPoll && !c.in.Source.AlertOnFirstPoll
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

func (c *comparer) officialFigure(doc source.Document, o store.Observation) error {
	prev, ok, err := c.latestOfficial(o.Metric)
	if err != nil {
		return err
	}
	c.official[o.Metric] = o
	ev := c.metricEvent(doc, o)
	switch {
	case !ok:
		ev.Kind = MetricNew
	case sameValue(prev, o):
		return nil
	default:
		ev.Kind = MetricChanged
		old := c.statedObs(prev)
		ev.Old = &old
	}
	c.emit(ev)
	return nil
}

func (c *comparer) claim(doc source.Document, o store.Observation) error {
	off, ok, err := c.latestOfficial(o.Metric)
	if err != nil {
		return err
	}
	if !ok {
		// No official figure for this metric: the claim can only be
		// checked as a sum of official figures of other metrics.
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

func (c *comparer) emit(ev Event) { c.res.Events = append(c.res.Events, ev) }

func (c *comparer) observations(doc source.Document, figs []extract.Figure) []store.Observation {
	var out []store.Observation
	done := map[string]bool{}
	for _, f := range figs {
		if f.Metric == "" || done[f.Metric] {
			continue
		}
		done[f.Metric] = true
		quote, mark := quoteOf(f)
		page := 0
		if strings.IndexByte(doc.Text, '\f') >= 0 {
			page = source.PageAt(doc.Text, f.Start)
		}
		out = append(out, store.Observation{
			Metric: f.Metric, Value: f.Value, High: f.High, Unit: f.Unit, Page: page,
			Qualifier: string(f.Qualifier), QualifierText: f.QualifierText, Text: f.Text,
			Quote: quote, QuoteMark: mark,
			Source: c.in.Source.ID, SourceName: c.in.Source.Name, Authority: c.in.Source.Authority,
			DocID: doc.ID, URL: doc.URL, Title: doc.Title,
			Published: doc.Published, Observed: c.in.Now,
		})
	}
	return out
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
		}
	}
}

func (c *comparer) statedObs(o store.Observation) Stated {
	return Stated{
		Value: o.Value, Unit: o.Unit, Qualifier: o.Qualifier,
		Wording: Wording(o.QualifierText, o.Text), Text: o.Text, Quote: o.Quote, Mark: o.QuoteMark, Page: o.Page,
		Metric: o.Metric, Source: o.Source, SourceName: o.SourceName, Authority: o.Authority,
		DocID: o.DocID, URL: o.URL, Title: o.Title, Published: o.Published, Seen: o.Observed,
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

// figureKey identifies a figure across revisions of a document: its metric
// and value, or for untracked figures its written text in its sentence.
func figureKey(f store.Figure) string {
	if f.Metric != "" {
		return f.Metric
	}
	return "\x00" + f.Text + "\x00" + f.Sentence
}

// figureChanges lists the figures whose value changed between two versions
// of a document, and those added or removed. Only tracked metrics count: an
// edit to an untracked number (a date in a byline, a page count) is not
// something a reporter wants pinged about.
func figureChanges(before, after []store.Figure, stated func(store.Figure) *Stated) []Change {
	first := func(figs []store.Figure) (map[string]store.Figure, []string) {
		m := map[string]store.Figure{}
		var order []string
		for _, f := range figs {
			if f.Metric == "" {
				continue
			}
			k := figureKey(f)
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

func stillStated(prev []store.Figure, o store.Observation) bool {
	for _, f := range prev {
		if f.Metric == o.Metric {
			return f.Value == o.Value && f.High == o.High
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
