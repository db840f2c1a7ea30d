package store

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// appendObservation writes what encoding/json writes, byte for byte.
func TestAppendObservationMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 25, 17, 4, 5, 123456789, time.UTC)
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		o    Observation
	}{
		{name: "minimal", o: Observation{Metric: "m", Observed: at}},
		{name: "a figure of the story", o: Observation{Metric: "uc_no_nta", Value: 291000, Unit: "children", Qualifier: "over", QualifierText: "more than",
			Text: "291,000", Quote: "ICE had not served notices to appear on more than 291,000 children.", QuoteMark: [2]int{53, 60}, Page: 2,
			Source: "oig", SourceName: "DHS OIG", Authority: "official", DocID: "OIG-24-46", URL: "https://oig.example/a?b=1&c=<2>", Title: "ICE \"cannot\" monitor",
			Published: day, Observed: at, Period: Period{Kind: "fiscal_year", Start: day, End: day.AddDate(1, 0, 0), Key: "FY2025", Label: "FY 2025", From: "sentence"}, Conflict: true}},
		{name: "document period, compacted", o: Observation{Metric: "m", Value: 1.5, Published: day, Observed: at, Period: DocumentPeriod(day), AsOf: DocumentPeriod(day).End}},
		{name: "as-of kept when not the end", o: Observation{Metric: "m", Value: -3, High: 7.25, Observed: at, Period: Period{Kind: "as_of", Start: at, Key: "@x"}, AsOf: at.Add(time.Hour)}},
		{name: "floats", o: Observation{Metric: "m", Value: 1e21, High: 1e-7, Observed: at}},
		{name: "small float", o: Observation{Metric: "m", Value: 0.000001, High: 123456789012345678, Observed: at}},
		{name: "hostile strings", o: Observation{Metric: "m\u2028", Quote: "tab\tnl\nnul\x00 bell\a <b>&amp;</b> \\ \"q\" \xff\xfe é 😀 \u2029 \x7f", Observed: at}},
		{name: "zone offset", o: Observation{Metric: "m", Observed: time.Date(2025, 3, 25, 9, 0, 0, 0, time.FixedZone("EST", -5*3600))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, err := encodeJSON(compactObservation(tc.o))
			if err != nil {
				t.Fatal(err)
			}
			got, err := encode(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("appendObservation:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// A value encoding/json refuses is refused too.
func TestAppendObservationRefuses(t *testing.T) {
	t.Parallel()
	for _, o := range []Observation{
		{Metric: "m", Value: math.NaN()},
		{Metric: "m", High: math.Inf(1)},
		{Metric: "m", Observed: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := encode(o); err == nil {
			t.Errorf("encode(%+v) succeeded", o)
		}
		if _, err := encodeJSON(compactObservation(o)); err == nil {
			t.Errorf("encoding/json accepted %+v: the case tests nothing", o)
		}
	}
}

func FuzzAppendObservation(f *testing.F) {
	f.Add("uc_no_nta", 291000.0, 0.0, "more than 291,000 <children> & \"kids\"", "oig", int64(1742893200), int64(5), "FY2025", "sentence", 3, true)
	f.Add("m", 1e-9, 2e22, "\xff\u2028", "", int64(-62135596800), int64(0), "", "document", 0, false)
	f.Fuzz(func(t *testing.T, metric string, value, high float64, quote, source string, sec, nsec int64, key, from string, page int, conflict bool) {
		at := time.Unix(sec, nsec%1e9).UTC()
		o := Observation{Metric: metric, Value: value, High: high, Quote: quote, Text: strings.ToUpper(quote), Source: source, Page: page,
			QuoteMark: [2]int{page, -page}, Published: at, Observed: at.Add(time.Hour), Conflict: conflict,
			Period: Period{Kind: "month", Start: at, End: at.AddDate(0, 1, 0), Key: key, Label: quote, From: from}}
		want, werr := encodeJSON(compactObservation(o))
		got, gerr := encode(o)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("encoding/json error %v, appendObservation error %v", werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Errorf("appendObservation:\n got %s\nwant %s", got, want)
		}
	})
}

func BenchmarkEncodeObservation(b *testing.B) {
	o := Observation{Metric: "uc_no_nta", Value: 291000, Unit: "children", Qualifier: "over", QualifierText: "more than",
		Text: "291,000", Quote: "As of May 2024, ICE had not served notices to appear on more than 291,000 of those children.", QuoteMark: [2]int{70, 77},
		Source: "oig", SourceName: "DHS OIG", Authority: "official", DocID: "OIG-24-46", URL: "https://oig.example/OIG-24-46.pdf", Title: "OIG-24-46",
		Published: t0, Observed: t0.Add(time.Hour), Period: Period{Kind: "as_of", Start: t0, End: t0.AddDate(0, 0, 1), Key: "@2025-03-25", Label: "as of 25 March 2025", From: "sentence"}}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeObservation(o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeJSON(compactObservation(o)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
