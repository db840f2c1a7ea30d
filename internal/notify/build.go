package notify

import (
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

// Build turns an alert into its Message, with times in UTC: BuildIn(a,
// time.UTC).
func Build(a Alert) Message { return BuildIn(a, time.UTC) }

// BuildIn turns an alert into its Message, showing every time a person
// reads (first seen, published, revised, failing since) in loc, the
// newsroom's zone, labelled with the zone's name. A nil loc is UTC.
//
// Each event kind is described by one function here; renderers never look
// at the kind.
func BuildIn(a Alert, loc *time.Location) Message {
	b := builder{loc: zoneOrUTC(loc)}
	ev := a.Event
	m := Message{
		Kind:     string(ev.Kind),
		At:       ev.At,
		When:     b.stamp(ev.At),
		Headline: b.headline(ev),
		Source:   sourceName(ev),
		Metric:   Clean(ev.Metric),
	}
	m.HeadlineNote = b.headlineNote(ev)
	switch ev.Kind {
	case diff.MetricChanged, diff.MetricNew, diff.PeriodNew:
		b.metric(&m, ev)
	case diff.ClaimMismatch:
		b.claim(&m, ev)
	case diff.DocumentRevised:
		b.revised(&m, ev)
	case diff.NewReport:
		b.newReport(&m, ev)
	case diff.SourceFailing, diff.SourceRecovered:
		b.sourceHealth(&m, ev)
	default:
		b.other(&m, ev)
	}
	m.Also, m.AlsoMore = b.also(a)
	return m
}

func zoneOrUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// builder holds what every kind's function needs: the zone times are
// shown in.
type builder struct{ loc *time.Location }

func (b builder) date(t time.Time) string  { return DateIn(t, b.loc) }
func (b builder) stamp(t time.Time) string { return StampIn(t, b.loc) }

// headline is the event in one line: "Children not served a notice to
// appear: more than 291,000 → 233,000 (−58,000, −19.9%)". A claim's note
// on a revised official figure is Message.HeadlineNote, not part of it.
func (b builder) headline(ev diff.Event) string {
	switch ev.Kind {
	case diff.MetricChanged:
		if ev.Old == nil || ev.New == nil {
			return fmt.Sprintf("%s: now %s", label(ev), withPeriod(ev.New))
		}
		if ev.Period != "" {
			// A revised past period of a series: the period leads, once.
			return fmt.Sprintf("%s: %s revised: %s → %s (%s)", label(ev), Clean(ev.Period), wording(ev.Old), wording(ev.New), changeOf(ev.Old, ev.New))
		}
		return fmt.Sprintf("%s: %s → %s (%s)", label(ev), withPeriod(ev.Old), withPeriod(ev.New), changeOf(ev.Old, ev.New))
	case diff.MetricNew:
		return fmt.Sprintf("%s: %s (new metric)", label(ev), withPeriod(ev.New))
	case diff.PeriodNew:
		return fmt.Sprintf("%s: %s", label(ev), periodNewText(ev))
	case diff.ClaimMismatch:
		if ev.Old == nil {
			h := fmt.Sprintf("%s: %s claims %s", label(ev), claimant(ev), withPeriod(ev.New))
			if ev.Note != "" {
				h += ", a sum of official figures"
			}
			return h
		}
		return fmt.Sprintf("%s: %s claims %s, official figure is %s (%s)",
			label(ev), claimant(ev), withPeriod(ev.New), withPeriod(ev.Old), changeOf(ev.Old, ev.New))
	case diff.DocumentRevised:
		if len(ev.Changes) == 1 {
			c := ev.Changes[0]
			return fmt.Sprintf("Revised: %s: %s → %s", docTitle(ev), before(c), after(c))
		}
		return fmt.Sprintf("Revised: %s: %d figures changed", docTitle(ev), len(ev.Changes))
	case diff.NewReport:
		return fmt.Sprintf("New report from %s: %s (%s)", sourceName(ev), docTitle(ev), plural(len(ev.Figures), "tracked figure"))
	case diff.SourceFailing:
		return fmt.Sprintf("Source failing: %s: %s", sourceName(ev), Truncate(Clean(ev.Error), headlineErrMax))
	case diff.SourceRecovered:
		if !ev.FailingSince.IsZero() && !ev.At.IsZero() && ev.At.After(ev.FailingSince) {
			return fmt.Sprintf("Source recovered: %s after %s failing", sourceName(ev), duration(ev.At.Sub(ev.FailingSince)))
		}
		return fmt.Sprintf("Source recovered: %s", sourceName(ev))
	}
	return fmt.Sprintf("%s: %s %s", Clean(string(ev.Kind)), sourceName(ev), docTitle(ev))
}

// fullHeadline is the headline with its note, as Message.FullHeadline
// says it, without building the rest of the message (a digest lists
// hundreds).
func (b builder) fullHeadline(ev diff.Event) string {
	h := b.headline(ev)
	if n := b.headlineNote(ev); n != "" {
		h += "; " + n
	}
	return h
}

// headlineNote is what follows the headline where there is room: for a
// claim, the revised official figure it repeats; for an official value,
// the other values its report states for the same period (a conflict
// watcher does not settle silently).
func (b builder) headlineNote(ev diff.Event) string {
	switch ev.Kind {
	case diff.ClaimMismatch:
		return b.pastMatchText(ev)
	case diff.MetricChanged, diff.MetricNew, diff.PeriodNew:
		if c := conflictText(ev); c != "" {
			return "conflict: " + c
		}
	}
	return ""
}

// metric is metric_changed, metric_new and period_new: the value before
// and after (for period_new, the previous period's), the change, any
// other value the same report states for the period, and the report that
// states it with its quote.
func (b builder) metric(m *Message, ev diff.Event) {
	changed := ev.Kind == diff.MetricChanged || ev.Kind == diff.PeriodNew
	was := "Was"
	if ev.Kind == diff.PeriodNew {
		was = "Before"
	}
	if changed && ev.Old != nil {
		m.Parts = append(m.Parts, b.stated(was, ev.Old, ""))
	}
	m.Parts = append(m.Parts, b.stated("Now", ev.New, ""))
	if changed && ev.Old != nil && ev.New != nil {
		m.Parts = append(m.Parts, Part{Label: "Change", Value: changeOf(ev.Old, ev.New)})
	}
	if c := conflictText(ev); c != "" {
		m.Parts = append(m.Parts, Part{Label: "Conflict", Text: c})
	}
	m.Parts = append(m.Parts,
		Part{Label: "Source", Value: sourceWithAuthority(ev)},
		Part{Label: "Report", Doc: &Ref{Title: docTitle(ev), URL: docURL(ev)}, LinkLabel: "Link"})
	m.Links = append(m.Links, Link{ID: "open_document", Label: "Open report", URL: docURL(ev)})
	if changed && ev.Old != nil && ev.Old.URL != "" && ev.Old.URL != docURL(ev) {
		m.Parts = append(m.Parts, Part{Label: "Was in", Doc: &Ref{Title: Clean(ev.Old.Title), URL: Clean(ev.Old.URL)}})
		m.Links = append(m.Links, Link{ID: "open_previous", Label: "Open previous report", URL: ev.Old.URL})
	}
	if ev.New != nil {
		q := quoteOf(*ev.New)
		m.Parts = append(m.Parts, Part{Label: "Quote", Quote: &q})
	}
}

// claim is claim_mismatch: the claim and the official figure, each with
// its document and quote, the difference, and what may explain it.
func (b builder) claim(m *Message, ev diff.Event) {
	if ev.New != nil {
		m.Parts = append(m.Parts, b.withEvidence(b.stated("Claim", ev.New, claimant(ev)), ev.New))
		m.Links = append(m.Links, Link{ID: "open_claim", Label: "Open claim", URL: ev.New.URL})
	}
	if ev.Old != nil {
		m.Parts = append(m.Parts, b.withEvidence(b.stated("Official", ev.Old, statedSource(ev.Old)), ev.Old))
		m.Links = append(m.Links, Link{ID: "open_official", Label: "Open official source", URL: ev.Old.URL})
		if ev.New != nil {
			m.Parts = append(m.Parts, Part{Label: "Difference", Value: changeOf(ev.Old, ev.New) + " against the official figure"})
		}
	}
	if ev.Note != "" {
		m.Parts = append(m.Parts, Part{Label: "Note", Text: Clean(ev.Note)})
	}
	if p, ok := pastMatch(ev); ok {
		note := b.withEvidence(b.stated("Note", &p, statedSource(&p)), &p)
		note.Value = "The claim " + b.pastMatchText(ev) + ": " + note.Value
		note.Aside = true
		m.Parts = append(m.Parts, note)
		m.Links = append(m.Links, Link{ID: "open_past_official", Label: "Open earlier report", URL: p.URL})
	}
}

// revised is document_revised: the document, when it was first seen and
// revised, and each changed figure with its quotes before and after.
func (b builder) revised(m *Message, ev diff.Event) {
	m.Parts = append(m.Parts,
		Part{Label: "Document", Doc: &Ref{Title: docTitle(ev), URL: docURL(ev)}, LinkLabel: "Link"},
		Part{Label: "Source", Value: sourceWithAuthority(ev)},
		Part{Label: "First seen", Value: b.stamp(ev.FirstSeen)},
		Part{Label: "Revised", Value: b.stamp(ev.At)})
	list := Part{Label: "Changes", Value: plural(len(ev.Changes), "figure"), ItemNoun: "changed figure"}
	for _, c := range ev.Changes {
		it := Item{Name: changeLabel(c), Text: before(c) + " → " + after(c)}
		if c.Before != nil {
			q := quoteOf(*c.Before)
			q.Label = "before"
			it.Quotes = append(it.Quotes, q)
		}
		if c.After != nil {
			q := quoteOf(*c.After)
			q.Label = "after"
			it.Quotes = append(it.Quotes, q)
		}
		list.Items = append(list.Items, it)
	}
	m.Parts = append(m.Parts, list)
	m.Links = append(m.Links, Link{ID: "open_document", Label: "Open document", URL: ev.URL})
}

// newReport is new_report: the report, when it was published, and each
// tracked figure it states with its quote.
func (b builder) newReport(m *Message, ev diff.Event) {
	m.Parts = append(m.Parts,
		Part{Label: "Report", Doc: &Ref{Title: docTitle(ev), URL: docURL(ev)}, LinkLabel: "Link"},
		Part{Label: "Source", Value: sourceWithAuthority(ev)},
		Part{Label: "Published", Value: b.date(ev.Published)})
	list := Part{Label: "Figures", Value: plural(len(ev.Figures), "tracked figure"), ItemNoun: "tracked figure"}
	for _, f := range ev.Figures {
		list.Items = append(list.Items, Item{Name: statedLabel(f), Text: withPeriod(&f), Quotes: []Quote{quoteOf(f)}})
	}
	m.Parts = append(m.Parts, list)
	m.Links = append(m.Links, Link{ID: "open_document", Label: "Open report", URL: ev.URL})
}

// sourceHealth is source_failing and source_recovered: the source, since
// when and for how long it failed, and the error.
func (b builder) sourceHealth(m *Message, ev diff.Event) {
	since := Part{Label: "Since", Value: b.stamp(ev.FailingSince)}
	if since.Value != "" && !ev.At.IsZero() && ev.At.After(ev.FailingSince) {
		since.Note = duration(ev.At.Sub(ev.FailingSince))
	}
	m.Parts = append(m.Parts,
		Part{Label: "Source", Value: sourceWithAuthority(ev)},
		Part{Label: "URL", Doc: &Ref{URL: Clean(ev.URL)}},
		since)
	errLabel := "Error"
	if ev.Kind == diff.SourceRecovered {
		m.Parts = append(m.Parts, Part{Label: "Recovered", Value: b.stamp(ev.At)})
		errLabel = "Last error"
	}
	m.Parts = append(m.Parts, Part{Label: errLabel, Text: Clean(ev.Error)})
	m.Links = append(m.Links, Link{ID: "open_source", Label: "Open source", URL: ev.URL})
}

// other is an event kind this version does not describe: its source and
// document, so that it is still seen.
func (b builder) other(m *Message, ev diff.Event) {
	m.Parts = append(m.Parts,
		Part{Label: "Source", Value: sourceWithAuthority(ev)},
		Part{Label: "Document", Doc: &Ref{Title: docTitle(ev), URL: docURL(ev)}, LinkLabel: "Link"})
	m.Links = append(m.Links, Link{ID: "open_document", Label: "Open document", URL: docURL(ev)})
}

// stated is a fact stating s: its wording and period, where and when it
// was reported. When the figure has a period of its own and its document
// no publication date, the date shown is the period, not the day watcher
// happened to poll the document.
func (b builder) stated(label string, s *diff.Stated, from string) Part {
	if s == nil {
		return Part{Label: label, Value: "(none)"}
	}
	p := Part{Label: label, Value: withPeriod(s), From: from}
	if periodOf(s) == "" || !s.Published.IsZero() {
		p.Reported = b.date(reported(s))
	}
	return p
}

// withEvidence attaches the document and quote stating s to p.
func (b builder) withEvidence(p Part, s *diff.Stated) Part {
	p.Doc = &Ref{Title: Clean(s.Title), URL: Clean(s.URL)}
	q := quoteOf(*s)
	p.Quote = &q
	return p
}

// also is the other documents repeating the alert's claim (Alert.Also).
func (b builder) also(a Alert) ([]Ref, int) {
	shown, more := alsoReported(a)
	var refs []Ref
	for _, s := range shown {
		refs = append(refs, Ref{Title: alsoTitle(s), URL: Clean(s.URL), Source: statedSource(&s), Date: b.date(reported(&s))})
	}
	return refs, more
}
