package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/figwatch/watcher/internal/store"
)

// benchHistory is n observations of a metric, one a day, every fifth a
// press claim, with quotes of realistic length.
func benchHistory(metric string, n int, start time.Time) []store.Observation {
	hist := make([]store.Observation, n)
	for i := range hist {
		authority, source := "official", "bls"
		if i%5 == 4 {
			authority, source = "press", "daily"
		}
		v := 200000 + float64((i*7919)%120000)
		t := start.Add(time.Duration(i) * 24 * time.Hour)
		hist[i] = store.Observation{Metric: metric, Value: v, Unit: "jobs", Authority: authority, Source: source,
			Quote:     fmt.Sprintf("Total nonfarm payroll employment rose by %s in the month, the agency said on its release.", formatNumber(v)),
			URL:       "https://www.bls.gov/news.release/empsit.nr0.htm",
			Published: t, Observed: t.Add(time.Hour)}
	}
	return hist
}

// benchStatus is the status of a large deployment after 30 changed cycles
// of issue #16's load (1,000 feeds following links, 5% changed a cycle,
// ~190 alerts a cycle): 1,000 sources, a tenth of them failing; the 6
// metrics of the shipped config, each with the 250 newest observations
// the daemon reads for a status; the outbox's 20 newest alerts and its
// counts.
func benchStatus() Status {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	st := testStatus()
	st.Now = now
	st.Sources = make([]SourceStatus, 1000)
	for i := range st.Sources {
		id := fmt.Sprintf("source-%04d", i)
		fs := store.FetchState{Source: id, LastStatus: 200, LastPoll: now.Add(-time.Duration(i) * time.Second),
			LastSuccess: now.Add(-time.Duration(i) * time.Second), Polls: i}
		if i%10 == 0 {
			fs.ConsecutiveFailures, fs.FailingSince, fs.LastError = 3, now.Add(-time.Hour), "GET https://example.com/: 503 Service Unavailable"
		}
		authority := "official"
		if i%5 == 4 {
			authority = "press"
		}
		st.Sources[i] = SourceStatus{ID: id, Name: "Source " + id, Kind: "feed", URL: "https://example.com/" + id + "/feed.xml",
			Authority: authority, Enabled: true, State: fs, NextRun: now.Add(time.Duration(i%900) * time.Second)}
	}
	st.Metrics = make([]MetricStatus, 6)
	for i := range st.Metrics {
		id := fmt.Sprintf("metric-%d", i)
		hist := benchHistory(id, 250, now.Add(-250*24*time.Hour))
		cur := hist[len(hist)-2]
		st.Metrics[i] = MetricStatus{ID: id, Label: "Metric " + id, Current: &cur, History: hist}
	}
	recent := st.Outbox.Recent
	st.Outbox = OutboxStatus{Pending: 3, Sent: 30 * 190, Failed: 12}
	for i := range 20 {
		a := recent[i%len(recent)]
		a.ID = uint64(30*190 + 15 - i)
		st.Outbox.Recent = append(st.Outbox.Recent, a)
	}
	return st
}

func BenchmarkStatusPage(b *testing.B) {
	h := Handler(Options{Status: fixedProvider{st: benchStatus()}})
	req := httptest.NewRequest(http.MethodGet, "http://localhost/", nil)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET / = %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "page-bytes")
}

func BenchmarkStatusJSON(b *testing.B) {
	h := Handler(Options{Status: fixedProvider{st: benchStatus()}})
	req := httptest.NewRequest(http.MethodGet, "http://localhost/?format=json", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET /?format=json = %d", rec.Code)
		}
	}
}

func BenchmarkMetricsScrape(b *testing.B) {
	st := benchStatus()
	reg := prometheus.NewRegistry()
	polls := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "watcher_polls_total", Help: "Polls."}, []string{"source", "result"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "watcher_fetch_duration_seconds", Help: "Fetch time."}, []string{"source"})
	reg.MustRegister(polls, dur)
	for _, s := range st.Sources {
		polls.WithLabelValues(s.ID, "ok").Inc()
		dur.WithLabelValues(s.ID).Observe(0.2)
	}
	h := Handler(Options{Status: fixedProvider{st: st}, Gatherer: reg})
	req := httptest.NewRequest(http.MethodGet, "http://localhost/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET /metrics = %d", rec.Code)
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}
