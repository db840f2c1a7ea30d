package diff

import "time"

// Kind names what happened; it is the event's type in logs, routing and Slack.
type Kind string

// The event kinds. DESIGN.md describes when each is raised.
const (
	MetricNew       Kind = "metric_new"
	MetricChanged   Kind = "metric_changed"
	DocumentRevised Kind = "document_revised"
	NewReport       Kind = "new_report"
	ClaimMismatch   Kind = "claim_mismatch"
	// PeriodNew is a series metric's official value for a period it had
	// none for (July 2024: 56,408); Old is the previous period's value.
	PeriodNew       Kind = "period_new"
	SourceFailing   Kind = "source_failing"
	SourceRecovered Kind = "source_recovered"
)

// Kinds lists every kind, in the order documentation and samples show them.
var Kinds = []Kind{MetricNew, MetricChanged, PeriodNew, DocumentRevised, NewReport, ClaimMismatch, SourceFailing, SourceRecovered}

// Stated is one figure as a document states it, with everything a reporter
// needs to check it: the wording, the quote and where it came from.
type Stated struct {
	Value     float64 `json:"value"`
	Unit      string  `json:"unit,omitempty"`      // "percent", "usd", a counted noun, or ""
	Qualifier string  `json:"qualifier,omitempty"` // exact, over, under, nearly, approx, up_to, at_least
	// Wording is the figure as written with its qualifier: "more than 291,000".
	Wording string `json:"wording,omitempty"`
	// Text is the number as written: "291,000".
	Text string `json:"text,omitempty"`
	// Quote is the sentence the figure stands in; Mark is the byte range of
	// Text inside Quote (both zero when unknown), so renderers can bold it.
	Quote string `json:"quote,omitempty"`
	Mark  [2]int `json:"mark,omitempty"`
	// Page is the page of a PDF the quote is on (1-based), 0 otherwise.
	Page int `json:"page,omitempty"`

	// Period is what the value is for, as a reporter writes it: "January
	// 2025", "FY2023", "as of January 2025"; PeriodKey names it
	// canonically ("2025-01", "FY2023", "@2025-01"). PeriodFrom says where
	// it was found: "frame" (the extraction stage's period words),
	// "sentence", "table", "paragraph", "heading", "recap"
	// (an older official figure restated) or "document" (the document's
	// date, when the text gives none). AsOf is when the value is current.
	Period     string    `json:"period,omitempty"`
	PeriodKey  string    `json:"period_key,omitempty"`
	PeriodFrom string    `json:"period_from,omitempty"`
	AsOf       time.Time `json:"as_of,omitzero"`

	Metric     string `json:"metric,omitempty"`
	Source     string `json:"source,omitempty"`      // source id
	SourceName string `json:"source_name,omitempty"` // the source's display name
	// Outlet is the publisher of a press figure's article when the
	// document names one (og:site_name, JSON-LD publisher, an aggregator
	// feed item's <source>): the claim is credited to it, not to the feed.
	Outlet    string    `json:"outlet,omitempty"`
	Authority string    `json:"authority,omitempty"` // official or press
	DocID     string    `json:"doc_id,omitempty"`
	URL       string    `json:"url,omitempty"`
	Title     string    `json:"title,omitempty"`
	Published time.Time `json:"published,omitzero"` // when the document says it was published
	Seen      time.Time `json:"seen,omitzero"`      // when watcher first saw it
}

// Change is one figure of a revised document, before and after. Either side
// is nil when the figure was added or removed.
type Change struct {
	Metric string  `json:"metric,omitempty"`
	Before *Stated `json:"before,omitempty"`
	After  *Stated `json:"after,omitempty"`
}

// Event is what a reporter is told. Which fields are set depends on Kind:
//   - metric_new, metric_changed, claim_mismatch: Metric, New (and Old, the
//     previous official value, for metric_changed and claim_mismatch);
//   - document_revised: Changes, FirstSeen;
//   - new_report: Figures;
//   - claim_mismatch: Old is the current official value, New the claim,
//     Figures the earlier official values the claim repeats (within half a
//     percent, oldest first), so the message can say "matches the August
//     2024 figure, since revised"; Note when the claim is a sum of official
//     figures;
//   - period_new: Metric, New (the new period's value), Old (the previous
//     period's, when there is one);
//   - metric_changed, period_new: Period when the value is for a past
//     period (a revised month of a series), Conflict and Conflicts when the
//     document states other values for the same period;
//   - claim_mismatch: Old is the official value for the period the claim
//     is about when it names one, else the current official value;
//   - source_failing, source_recovered: Error, FailingSince.
type Event struct {
	Kind        Kind      `json:"kind"`
	At          time.Time `json:"at"`
	Metric      string    `json:"metric,omitempty"`
	MetricLabel string    `json:"metric_label,omitempty"`

	Source     string `json:"source"`
	SourceName string `json:"source_name,omitempty"`
	Authority  string `json:"authority,omitempty"`

	DocID     string    `json:"doc_id,omitempty"`
	URL       string    `json:"url,omitempty"`
	Title     string    `json:"title,omitempty"`
	Published time.Time `json:"published,omitzero"`
	FirstSeen time.Time `json:"first_seen,omitzero"`

	Old *Stated `json:"old,omitempty"`
	New *Stated `json:"new,omitempty"`

	Changes []Change `json:"changes,omitempty"`
	Figures []Stated `json:"figures,omitempty"`

	// Note explains a claim_mismatch further: the claim is a sum of two
	// official figures that no official source states as such.
	Note string `json:"note,omitempty"`

	// Period is the label of the period the event is about ("October
	// 2024"), set for series and for revisions of a past period.
	Period string `json:"period,omitempty"`
	// Conflict is set when one official document states different values
	// for the metric and period: New is the first stated, Conflicts the
	// others. Nothing is picked silently.
	Conflict  bool     `json:"conflict,omitempty"`
	Conflicts []Stated `json:"conflicts,omitempty"`

	Error        string    `json:"error,omitempty"`
	FailingSince time.Time `json:"failing_since,omitzero"`
}
