package notify

import (
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/diff"
)

// The official reports the samples cite: DHS OIG's management alert of
// August 2024 and its audit of March 2025 on unaccompanied children.
const (
	sampleOIGSource = "dhs-oig-ice-reports"
	sampleOIGName   = "DHS OIG reports on ICE"
	sampleOIGList   = "https://www.oig.dhs.gov/reports/audits-inspections-and-evaluations?field_dhs_agency_target_id=3&field_oversight_area=All&field_fy_value=All"

	sample2024Title = "OIG-24-46: ICE Cannot Monitor All Unaccompanied Migrant Children Released from DHS and U.S. Department of Health and Human Services' Custody"
	sample2024URL   = "https://www.oig.dhs.gov/sites/default/files/assets/2024-08/OIG-24-46-Aug24.pdf"
	sample2025Title = "OIG-25-21: ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children After Federal Custody"
	sample2025URL   = "https://www.oig.dhs.gov/sites/default/files/assets/2025-03/OIG-25-21-Mar25.pdf"

	// The press sample is a made-up outlet on a reserved domain: a sample
	// must never send a newsroom to a real article that did not say it.
	samplePressSource  = "example-courier"
	samplePressName    = "The Example Courier (sample outlet)"
	samplePressTitle   = "Migrant children missed their day in court, watchdog found"
	samplePressURL     = "https://news.example.com/immigration/children-missed-court"
	sampleRevisedTitle = "Auditors say thousands of released children skipped immigration court"
	sampleRevisedURL   = "https://news.example.com/immigration/children-skipped-court"

	sampleNoNTA        = "uc_no_nta"
	sampleNoNTALabel   = "Children not served a notice to appear"
	sampleFTA          = "uc_failed_to_appear"
	sampleFTALabel     = "Children who failed to appear in immigration court"
	sampleTransfer     = "uc_transferred_hhs"
	sampleTransferLbl  = "Children transferred from DHS to HHS"
	sampleAddress      = "uc_bad_address"
	sampleAddressLabel = "Release records with missing or undeliverable addresses"

	// CBP's monthly southwest border encounters: a series, one official
	// value per month.
	sampleCBPSource   = "cbp-sw-encounters"
	sampleCBPName     = "CBP southwest land border encounters"
	sampleCBPTitle    = "Southwest Land Border Encounters"
	sampleCBPURL      = "https://www.cbp.gov/newsroom/stats/southwest-land-border-encounters"
	sampleEncounters  = "sw_encounters"
	sampleEncountersL = "Southwest border encounters"
)

// samplePeriod gives s the period its sentence states.
func samplePeriod(s diff.Stated, label, key string, asOf time.Time) diff.Stated {
	s.Period, s.PeriodKey, s.PeriodFrom, s.AsOf = label, key, "sentence", asOf
	return s
}

// sampleMonth is CBP's figure for one month of 2024, from a table row.
func sampleMonth(month time.Month, value float64, text string, published time.Time) diff.Stated {
	start := time.Date(2024, month, 1, 0, 0, 0, 0, time.UTC)
	row := "Southwest border encounters | " + start.Format("Jan 2006") + " | " + text
	return diff.Stated{
		Value: value, Qualifier: "exact", Wording: text, Text: text, Quote: row,
		Mark:   [2]int{len(row) - len(text), len(row)},
		Metric: sampleEncounters, Source: sampleCBPSource, SourceName: sampleCBPName, Authority: "official",
		DocID: sampleCBPSource + ":data", URL: sampleCBPURL, Title: sampleCBPTitle,
		Published: published, Seen: published.Add(2 * time.Hour),
		Period: start.Format("January 2006"), PeriodKey: start.Format("2006-01"), PeriodFrom: "table",
		AsOf: start.AddDate(0, 1, 0),
	}
}

// sampleFigure builds a stated figure, marking text inside quote.
func sampleFigure(metric string, value float64, qualifier, wording, text, quote string) diff.Stated {
	s := diff.Stated{
		Value: value, Qualifier: qualifier, Wording: wording, Text: text, Quote: quote,
		Unit: "children", Metric: metric,
	}
	if i := strings.Index(quote, text); i >= 0 {
		s.Mark = [2]int{i, i + len(text)}
	}
	return s
}

func fromReport(s diff.Stated, year int) diff.Stated {
	s.Source, s.Authority = sampleOIGSource, "official"
	if year == 2024 {
		s.DocID, s.URL, s.Title, s.Published = "OIG-24-46", sample2024URL, sample2024Title, time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC)
	} else {
		s.DocID, s.URL, s.Title, s.Published = "OIG-25-21", sample2025URL, sample2025Title, time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)
	}
	s.Seen = s.Published.Add(15 * time.Hour)
	return s
}

// Samples returns one realistic event of each kind, in the order of
// diff.Kinds, for `watcher test-alert`: a newsroom sees every layout
// before going live. They retell the DHS OIG reports of August 2024
// (OIG-24-46) and March 2025 (OIG-25-21) on unaccompanied children, with
// links to the real reports; the one press outlet is made up. Every event
// happens at now, or shortly before it.
func Samples(now time.Time) []diff.Event {
	now = now.UTC()

	transferred := fromReport(sampleFigure(sampleTransfer, 448000, "over", "more than 448,000", "448,000",
		"From fiscal year 2019 through fiscal year 2023, ICE transferred more than 448,000 unaccompanied children to HHS."), 2024)
	noNTA2024 := samplePeriod(fromReport(sampleFigure(sampleNoNTA, 291000, "over", "more than 291,000", "291,000",
		"As of May 2024, more than 291,000 of those children had not been served a notice to appear in immigration court."), 2024),
		"as of May 2024", "@2024-05", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	noNTA2025 := samplePeriod(fromReport(sampleFigure(sampleNoNTA, 233000, "exact", "233,000", "233,000",
		"As of January 2025, ICE had not served a notice to appear on 233,000 children released from federal custody."), 2025),
		"as of January 2025", "@2025-01", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	fta2024 := fromReport(sampleFigure(sampleFTA, 32000, "over", "more than 32,000", "32,000",
		"More than 32,000 children who were released did not appear for their scheduled immigration court hearings."), 2024)
	fta2025 := fromReport(sampleFigure(sampleFTA, 43000, "over", "more than 43,000", "43,000",
		"By October 2024, more than 43,000 children had failed to appear in immigration court."), 2025)
	address2025 := fromReport(sampleFigure(sampleAddress, 31000, "over", "more than 31,000", "31,000",
		"In more than 31,000 release records the address was blank, could not receive mail or lacked an apartment number."), 2025)

	press := func(s diff.Stated, url, title string, age time.Duration) diff.Stated {
		s.Source, s.Authority = samplePressSource, "press"
		s.DocID, s.URL, s.Title = samplePressSource+":"+url[strings.LastIndexByte(url, '/')+1:], url, title
		s.Published = now.Add(-age)
		s.Seen = now.Add(-age + 20*time.Minute)
		return s
	}
	claim := press(sampleFigure(sampleFTA, 32000, "exact", "32,000", "32,000",
		"Federal auditors found that 32,000 children released to sponsors never showed up for their immigration hearings."),
		samplePressURL, samplePressTitle, 2*time.Hour)
	// An older story, corrected after the March 2025 audit.
	revisedBefore := press(sampleFigure(sampleFTA, 32000, "over", "more than 32,000", "32,000",
		"More than 32,000 of the children skipped their hearings in immigration court, according to the inspector general."),
		sampleRevisedURL, sampleRevisedTitle, 30*time.Hour)
	revisedAfter := press(sampleFigure(sampleFTA, 43000, "over", "more than 43,000", "43,000",
		"More than 43,000 of the children skipped their hearings in immigration court, according to the inspector general."),
		sampleRevisedURL, sampleRevisedTitle, 30*time.Hour)
	revisedAfter.Seen = now.Add(-4 * time.Minute)

	// CBP published November's figure in mid-December 2024.
	october := sampleMonth(time.October, 106321, "106,321", time.Date(2024, 11, 15, 0, 0, 0, 0, time.UTC))
	november := sampleMonth(time.November, 94190, "94,190", time.Date(2024, 12, 17, 0, 0, 0, 0, time.UTC))

	failingSince := now.Add(-3*time.Hour - 20*time.Minute)
	accessDenied := `no report rows on the page: the server answered 200 OK with an "Access Denied" challenge page`

	return []diff.Event{
		{
			Kind: diff.MetricNew, At: now.Add(-6 * time.Minute),
			Metric: sampleTransfer, MetricLabel: sampleTransferLbl,
			Source: sampleOIGSource, SourceName: sampleOIGName, Authority: "official",
			DocID: transferred.DocID, URL: sample2024URL, Title: sample2024Title, Published: transferred.Published,
			New: &transferred,
		},
		{
			Kind: diff.MetricChanged, At: now.Add(-5 * time.Minute),
			Metric: sampleNoNTA, MetricLabel: sampleNoNTALabel,
			Source: sampleOIGSource, SourceName: sampleOIGName, Authority: "official",
			DocID: noNTA2025.DocID, URL: sample2025URL, Title: sample2025Title, Published: noNTA2025.Published,
			Old: &noNTA2024, New: &noNTA2025,
		},
		{
			Kind: diff.PeriodNew, At: now.Add(-270 * time.Second),
			Metric: sampleEncounters, MetricLabel: sampleEncountersL,
			Source: sampleCBPSource, SourceName: sampleCBPName, Authority: "official",
			DocID: november.DocID, URL: sampleCBPURL, Title: sampleCBPTitle, Published: november.Published,
			Period: november.Period, Old: &october, New: &november,
		},
		{
			Kind: diff.DocumentRevised, At: now.Add(-4 * time.Minute),
			Source: samplePressSource, SourceName: samplePressName, Authority: "press",
			DocID: revisedBefore.DocID, URL: sampleRevisedURL, Title: sampleRevisedTitle, Published: revisedBefore.Published,
			FirstSeen: revisedBefore.Seen,
			Changes:   []diff.Change{{Metric: sampleFTA, Before: &revisedBefore, After: &revisedAfter}},
		},
		{
			Kind: diff.NewReport, At: now.Add(-3 * time.Minute),
			Source: sampleOIGSource, SourceName: sampleOIGName, Authority: "official",
			DocID: noNTA2025.DocID, URL: sample2025URL, Title: sample2025Title, Published: noNTA2025.Published,
			Figures: []diff.Stated{noNTA2025, fta2025, address2025},
		},
		{
			Kind: diff.ClaimMismatch, At: now.Add(-2 * time.Minute),
			Metric: sampleFTA, MetricLabel: sampleFTALabel,
			Source: samplePressSource, SourceName: samplePressName, Authority: "press",
			DocID: claim.DocID, URL: samplePressURL, Title: samplePressTitle, Published: claim.Published,
			Old: &fta2025, New: &claim,
			// The claim repeats the August 2024 figure, revised in March 2025.
			Figures: []diff.Stated{fta2024},
		},
		{
			Kind: diff.SourceFailing, At: now.Add(-1 * time.Minute),
			Source: sampleOIGSource, SourceName: sampleOIGName, Authority: "official",
			URL: sampleOIGList, Error: accessDenied, FailingSince: failingSince,
		},
		{
			Kind: diff.SourceRecovered, At: now,
			Source: sampleOIGSource, SourceName: sampleOIGName, Authority: "official",
			URL: sampleOIGList, Error: accessDenied, FailingSince: failingSince,
		},
	}
}
