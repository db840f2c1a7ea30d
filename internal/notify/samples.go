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

// Story is what SamplesFor needs to know of a newsroom's own config: its
// metrics and its enabled sources, in file order. It is a plain
// description, so that notify does not depend on the config package.
type Story struct {
	Metrics []StoryMetric
	Sources []StorySource
}

// StoryMetric is a tracked metric: its id, label, and the unit its
// figures count (the first of the metric's units; "" for any).
type StoryMetric struct {
	ID, Label, Unit string
}

// StorySource is a source: its id, display name, authority (official or
// press) and URL.
type StorySource struct {
	ID, Name, Authority, URL string
}

// sampleNotice is the sentence every quote of a config-built sample
// carries, and sampleDocBase the reserved domain of its documents: the
// figures are made up, so no sample may point a newsroom at a real page
// as if it had said them.
const (
	sampleNotice  = "Sample sentence from watcher test-alert, not from any document: the figure stood at "
	sampleDocBase = "https://example.com/watcher-sample/"
)

// SamplesFor returns one event of each kind, in the order of diff.Kinds,
// built from the newsroom's own metrics and sources: their ids, labels,
// names and authorities, so that each sample is routed as a real alert
// about them would be (a channel set on a metric or a source is
// exercised). The metric kinds take the metrics in turn (metric_new the
// first, metric_changed the second, claim_mismatch the third, wrapping
// around), so a short list has each of its metrics' routes tried. The
// figures are made up and say so in their quotes, and the documents live
// on a reserved domain. With no metrics it returns Samples(now), the
// built-in story.
func SamplesFor(st Story, now time.Time) []diff.Event {
	if len(st.Metrics) == 0 {
		return Samples(now)
	}
	now = now.UTC()
	metric := func(i int) StoryMetric { return st.Metrics[i%len(st.Metrics)] }
	official, press := sampleSources(st.Sources)
	health := official
	if health.ID == sampleOfficialID && len(st.Sources) > 0 {
		health = st.Sources[0]
	}

	report := func(src StorySource, slug, title string, published time.Time) func(diff.Stated) diff.Stated {
		return func(s diff.Stated) diff.Stated {
			s.Source, s.SourceName, s.Authority = src.ID, nameOf(src), src.Authority
			s.DocID, s.URL, s.Title, s.Published = src.ID+":"+slug, sampleDocBase+src.ID+"/"+slug, title, published
			s.Seen = published.Add(20 * time.Minute)
			return s
		}
	}
	older := report(official, "earlier-report", "Sample earlier report (made up by watcher test-alert)", now.Add(-40*24*time.Hour).Truncate(time.Hour))
	newer := report(official, "new-report", "Sample new report (made up by watcher test-alert)", now.Add(-2*time.Hour).Truncate(time.Hour))
	story := report(press, "story", "Sample story (made up by watcher test-alert)", now.Add(-90*time.Minute).Truncate(time.Minute))
	revised := report(press, "revised-story", "Sample revised story (made up by watcher test-alert)", now.Add(-30*time.Hour).Truncate(time.Minute))

	mNew, mChanged, mClaim, mRevised := metric(0), metric(1), metric(2), metric(3)
	created := newer(storyFigure(mNew, 0))
	was, current := older(storyFigure(mChanged, 0)), newer(storyFigure(mChanged, 1))
	official3 := newer(storyFigure(mClaim, 1))
	claim := story(storyFigure(mClaim, 2))
	before, after := revised(storyFigure(mRevised, 0)), revised(storyFigure(mRevised, 1))
	before.Seen, after.Seen = now.Add(-29*time.Hour), now.Add(-4*time.Minute)

	var figures []diff.Stated
	for i := 0; i < len(st.Metrics) && i < 3; i++ {
		figures = append(figures, newer(storyFigure(metric(i), 1)))
	}
	failingSince := now.Add(-3*time.Hour - 20*time.Minute)
	failure := "sample error from watcher test-alert: the server answered 503 Service Unavailable"
	healthURL := health.URL
	if healthURL == "" {
		healthURL = sampleDocBase + health.ID
	}
	event := func(kind diff.Kind, ago time.Duration, src StorySource, m *StoryMetric) diff.Event {
		ev := diff.Event{Kind: kind, At: now.Add(-ago), Source: src.ID, SourceName: nameOf(src), Authority: src.Authority}
		if m != nil {
			ev.Metric, ev.MetricLabel = m.ID, m.Label
		}
		return ev
	}
	doc := func(ev diff.Event, s diff.Stated) diff.Event {
		ev.DocID, ev.URL, ev.Title, ev.Published = s.DocID, s.URL, s.Title, s.Published
		return ev
	}

	evs := make([]diff.Event, 0, len(diff.Kinds))
	ev := doc(event(diff.MetricNew, 6*time.Minute, official, &mNew), created)
	ev.New = &created
	evs = append(evs, ev)
	ev = doc(event(diff.MetricChanged, 5*time.Minute, official, &mChanged), current)
	ev.Old, ev.New = &was, &current
	evs = append(evs, ev)
	// A series metric's new period: last month's figure, then this month's.
	prevMonth, thisMonth := now.AddDate(0, -2, 0), now.AddDate(0, -1, 0)
	lastPeriod, newPeriod := was, current
	lastPeriod.Period, lastPeriod.PeriodKey = prevMonth.Format("January 2006"), prevMonth.Format("2006-01")
	newPeriod.Period, newPeriod.PeriodKey = thisMonth.Format("January 2006"), thisMonth.Format("2006-01")
	ev = doc(event(diff.PeriodNew, 270*time.Second, official, &mChanged), newPeriod)
	ev.Old, ev.New, ev.Period = &lastPeriod, &newPeriod, newPeriod.Period
	evs = append(evs, ev)
	ev = doc(event(diff.DocumentRevised, 4*time.Minute, press, nil), before)
	ev.FirstSeen = before.Seen
	ev.Changes = []diff.Change{{Metric: mRevised.ID, Before: &before, After: &after}}
	evs = append(evs, ev)
	ev = doc(event(diff.NewReport, 3*time.Minute, official, nil), figures[0])
	ev.Figures = figures
	evs = append(evs, ev)
	ev = doc(event(diff.ClaimMismatch, 2*time.Minute, press, &mClaim), claim)
	ev.Old, ev.New = &official3, &claim
	evs = append(evs, ev)
	ev = event(diff.SourceFailing, time.Minute, health, nil)
	ev.URL, ev.Error, ev.FailingSince = healthURL, failure, failingSince
	evs = append(evs, ev)
	ev = event(diff.SourceRecovered, 0, health, nil)
	ev.URL, ev.Error, ev.FailingSince = healthURL, failure, failingSince
	evs = append(evs, ev)
	return evs
}

// sampleOfficialID is the official source SamplesFor makes up when the
// config has none.
const sampleOfficialID = "sample-official"

// sampleSources picks the first official and the first press source of
// the story; a role with no source of its own is played by a made-up one
// that says so.
func sampleSources(srcs []StorySource) (official, press StorySource) {
	official = StorySource{ID: sampleOfficialID, Name: "Official source (made up: the config has none)", Authority: diff.Official}
	press = StorySource{ID: samplePressSource, Name: samplePressName, Authority: diff.Press}
	var haveOfficial, havePress bool
	for _, s := range srcs {
		switch {
		case s.Authority == diff.Official && !haveOfficial:
			official, haveOfficial = s, true
		case s.Authority != diff.Official && !havePress:
			press, havePress = s, true
		}
	}
	return official, press
}

func nameOf(s StorySource) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// storyFigure is a made-up figure of m: step 0 is the earlier official
// value, 1 the current one, 2 a press claim 14.5% above it. The values
// suit the metric's unit, so percentages and dollars read right.
func storyFigure(m StoryMetric, step int) diff.Stated {
	values := [3]float64{12400, 13100, 15000}
	switch strings.ToLower(m.Unit) {
	case "percent", "percentage points":
		values = [3]float64{12.4, 13.1, 15}
	case "usd":
		values = [3]float64{4.2e9, 4.6e9, 5.3e9}
	}
	// A fraction is shown as a plain number, and percentage points as a
	// percentage: FormatNumber knows neither as a unit.
	unit := strings.ToLower(m.Unit)
	switch unit {
	case "fraction":
		unit = ""
	case "percentage points":
		unit = "percent"
	}
	text := FormatNumber(values[step], unit)
	s := diff.Stated{
		Value: values[step], Unit: unit, Qualifier: "exact", Wording: text, Text: text,
		Quote: sampleNotice + text + ".", Metric: m.ID,
	}
	s.Mark = [2]int{len(sampleNotice), len(sampleNotice) + len(text)}
	return s
}
