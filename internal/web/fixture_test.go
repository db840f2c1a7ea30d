package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/store"
)

var errStoreClosed = errors.New("database not open")

// day returns midnight UTC of a day in 2024.
func day(month time.Month, d int) time.Time {
	return time.Date(2024, month, d, 0, 0, 0, 0, time.UTC)
}

// goldenHistory is the history of the README's scenario: payrolls stated
// at 291,000 then revised to 233,000 by the official source, with two
// press claims of 320,000 and 30,000.
func goldenHistory() []store.Observation {
	return []store.Observation{
		{Metric: "payrolls", Value: 291000, Unit: "jobs", Qualifier: "exact", Text: "291,000",
			Quote: "Total nonfarm payroll employment rose by 291,000 in May.", Source: "bls", Authority: "official",
			URL: "https://www.bls.gov/news.release/empsit.nr0.htm", Title: "The Employment Situation — May 2024",
			Published: day(time.June, 7), Observed: day(time.June, 7).Add(time.Hour)},
		{Metric: "payrolls", Value: 320000, Unit: "jobs", Qualifier: "over", QualifierText: "more than",
			Quote: "Employers added more than 320,000 jobs, the paper said.", Source: "daily", Authority: "press",
			Published: day(time.June, 8), Observed: day(time.June, 8).Add(time.Hour)},
		{Metric: "payrolls", Value: 233000, Unit: "jobs", Qualifier: "exact", Text: "233,000",
			Quote: "May was revised down to 233,000.", Source: "bls", Authority: "official",
			URL: "https://www.bls.gov/news.release/empsit.nr0.htm", Title: "The Employment Situation — June 2024",
			Published: day(time.July, 5), Observed: day(time.July, 5).Add(time.Hour)},
		{Metric: "payrolls", Value: 30000, Unit: "jobs", Qualifier: "approx", QualifierText: "about",
			Quote: `A "blogger" wrote <about 30,000> & more.`, Source: "blog", Authority: "press",
			Published: day(time.July, 9), Observed: day(time.July, 9).Add(time.Hour)},
	}
}

// hostileName is a source name and quote that would run script if the page
// failed to escape it.
const hostileName = `<script>alert("pwned")</script>`

// testStatus is a status with one source in each state, two metrics and a
// few alerts.
func testStatus() Status {
	now := day(time.July, 10).Add(12 * time.Hour)
	hist := goldenHistory()
	current := hist[2]
	return Status{
		Now:     now,
		Version: "1.2.3",
		Started: now.Add(-(3*24*time.Hour + 4*time.Hour)),
		Sources: []SourceStatus{
			{ID: "bls", Name: "BLS Employment Situation", Kind: "page", URL: "https://www.bls.gov/news.release/empsit.nr0.htm",
				Authority: "official", Enabled: true, NextRun: now.Add(15 * time.Minute),
				State: store.FetchState{Source: "bls", LastStatus: 200, LastPoll: now.Add(-5 * time.Minute),
					LastSuccess: now.Add(-5 * time.Minute), Polls: 12}},
			{ID: "daily", Name: hostileName, Kind: "feed", URL: "https://example.com/feed.xml",
				Authority: "press", Enabled: true, NextRun: now.Add(2 * time.Minute),
				State: store.FetchState{Source: "daily", LastStatus: 503, LastPoll: now.Add(-2 * time.Minute),
					LastSuccess: now.Add(-3 * time.Hour), LastError: `GET https://example.com/feed.xml: 503 "<b>busy</b>"`,
					ConsecutiveFailures: 4, FailingSince: now.Add(-time.Hour)}},
			{ID: "blog", Name: "Some Blog", Kind: "feed", URL: "https://blog.example.org/rss",
				Authority: "press", Enabled: true, NextRun: now.Add(time.Hour)},
			{ID: "old", Name: "Retired report", Kind: "pdf", URL: "https://example.org/report.pdf",
				Authority: "official", Enabled: false},
		},
		Metrics: []MetricStatus{
			{ID: "payrolls", Label: "Nonfarm payrolls, monthly change", Current: &current, History: hist},
			{ID: "unemployment", Label: "Unemployment rate"},
		},
		Outbox: OutboxStatus{
			Pending: 2, Sent: 7, Failed: 1,
			Recent: []AlertStatus{
				{Alert: store.Alert{ID: 10, Kind: "claim_mismatch", Metric: "payrolls", Channel: "C123", Status: store.StatusPending,
					Attempts: 2, LastError: "slack: ratelimited", Created: now.Add(-10 * time.Minute), NextAttempt: now.Add(time.Minute)},
					Headline: "Nonfarm payrolls, monthly change: The Daily claims more than 320,000 jobs, official figure is 233,000 jobs (+87,000, +37.3%)",
					Link:     "https://example.com/daily/payrolls-story"},
				{Alert: store.Alert{ID: 9, Kind: "metric_changed", Metric: "payrolls", Channel: "C123", Status: store.StatusSent,
					Attempts: 1, Created: now.Add(-time.Hour), SentAt: now.Add(-59 * time.Minute), SentTS: "1720000000.000100"},
					Headline: "Nonfarm payrolls, monthly change: 291,000 jobs → 233,000 jobs (−58,000, −19.9%)",
					Link:     "https://www.bls.gov/news.release/empsit.nr0.htm"},
				{Alert: store.Alert{ID: 8, Kind: "new_report", Channel: "C123", Status: store.StatusFailed,
					Attempts: 1, LastError: "slack: channel_not_found", Created: now.Add(-2 * time.Hour)}},
			},
		},
		DBSize:       3 << 20,
		RetentionRan: now.Add(-20 * time.Minute),
	}
}

// fixedProvider serves a fixed status, or an error.
type fixedProvider struct {
	st  Status
	err error
}

func (p fixedProvider) Status(ctx context.Context) (Status, error) {
	if err := ctx.Err(); err != nil {
		return Status{}, fmt.Errorf("status: %w", err)
	}
	return p.st, p.err
}
