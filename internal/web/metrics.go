package web

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Label values of watcher_polls_total{result}.
const (
	PollOK          = "ok"
	PollNotModified = "not_modified"
	PollError       = "error"
)

// Label values of watcher_alerts_failed_total{reason}.
const (
	FailPermanent = "permanent" // the destination refused it for good
	FailExpired   = "expired"   // retried until delivery.max_age ran out
)

// scrapeTimeout bounds the Status call made by a /metrics scrape when the
// scrape's own context carries no deadline: a wedged store must not pile
// up scrapes.
const scrapeTimeout = 5 * time.Second

// Metrics are the Prometheus collectors the daemon updates. NewMetrics
// registers them, the scrape-time gauges, and the Go runtime and process
// collectors on a private registry, so nothing depends on the global one.
type Metrics struct {
	Polls         *prometheus.CounterVec   // watcher_polls_total{source,result="ok|not_modified|error"}
	FetchDuration *prometheus.HistogramVec // watcher_fetch_duration_seconds{source}
	FetchBytes    *prometheus.CounterVec   // watcher_fetch_bytes_total{source}
	Figures       *prometheus.CounterVec   // watcher_figures_extracted_total{source}
	Events        *prometheus.CounterVec   // watcher_events_total{kind}
	AlertsQueued  *prometheus.CounterVec   // watcher_alerts_queued_total{kind}
	AlertsSent    *prometheus.CounterVec   // watcher_alerts_sent_total{kind}
	AlertsFailed  *prometheus.CounterVec   // watcher_alerts_failed_total{kind,reason="permanent|expired"}

	// Registry holds the collectors above plus gauges computed at scrape
	// time from the StatusProvider: watcher_outbox_pending,
	// watcher_db_size_bytes, watcher_source_consecutive_failures{source},
	// watcher_source_last_success_timestamp_seconds{source} and
	// watcher_build_info{version}.
	Registry *prometheus.Registry
}

// NewMetrics builds the collectors and registers them on a new private
// registry. st may be nil, in which case only watcher_build_info of the
// scrape-time gauges is exported.
func NewMetrics(version string, st StatusProvider) *Metrics {
	m := &Metrics{
		Polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_polls_total",
			Help: "Polls of a source, by result: ok, not_modified (HTTP 304) or error.",
		}, []string{"source", "result"}),
		FetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "watcher_fetch_duration_seconds",
			Help: "Time to fetch a source, body included.",
			// From a fast 304 (tens of milliseconds) up to the default
			// whole-request timeout of 60s.
			Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"source"}),
		FetchBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_fetch_bytes_total",
			Help: "Body bytes fetched from a source, after decompression.",
		}, []string{"source"}),
		Figures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_figures_extracted_total",
			Help: "Figures extracted from a source's documents.",
		}, []string{"source"}),
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_events_total",
			Help: "Events found by comparing snapshots, by kind.",
		}, []string{"kind"}),
		AlertsQueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_alerts_queued_total",
			Help: "Alerts queued in the outbox, by event kind.",
		}, []string{"kind"}),
		AlertsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_alerts_sent_total",
			Help: "Alerts delivered, by event kind.",
		}, []string{"kind"}),
		AlertsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_alerts_failed_total",
			Help: "Alerts given up on, by event kind and reason: permanent (refused) or expired (undelivered for too long).",
		}, []string{"kind", "reason"}),
		Registry: prometheus.NewRegistry(),
	}
	m.Registry.MustRegister(
		m.Polls, m.FetchDuration, m.FetchBytes, m.Figures,
		m.Events, m.AlertsQueued, m.AlertsSent, m.AlertsFailed,
		newStatusCollector(version, st),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// statusCollector computes gauges from a StatusProvider at scrape time, so
// they are never stale and the daemon need not remember to update them.
type statusCollector struct {
	st        StatusProvider
	buildInfo prometheus.Metric

	outboxPending *prometheus.Desc
	dbSize        *prometheus.Desc
	retentionRan  *prometheus.Desc
	failures      *prometheus.Desc
	lastSuccess   *prometheus.Desc
	buildDesc     *prometheus.Desc
}

func newStatusCollector(version string, st StatusProvider) *statusCollector {
	c := &statusCollector{
		st: st,
		outboxPending: prometheus.NewDesc("watcher_outbox_pending",
			"Alerts waiting in the outbox for delivery.", nil, nil),
		dbSize: prometheus.NewDesc("watcher_db_size_bytes",
			"Size of the database file.", nil, nil),
		failures: prometheus.NewDesc("watcher_source_consecutive_failures",
			"Polls of a source that failed in a row; 0 while healthy.", []string{"source"}, nil),
		retentionRan: prometheus.NewDesc("watcher_retention_last_run_timestamp_seconds",
			"Unix time retention last completed; absent until it has.", nil, nil),
		lastSuccess: prometheus.NewDesc("watcher_source_last_success_timestamp_seconds",
			"Unix time of a source's last successful poll; absent until it has one.", []string{"source"}, nil),
		buildDesc: prometheus.NewDesc("watcher_build_info",
			"Always 1; the version label says which watcher is running.", []string{"version"}, nil),
	}
	c.buildInfo = prometheus.MustNewConstMetric(c.buildDesc, prometheus.GaugeValue, 1, version)
	return c
}

// Describe implements prometheus.Collector.
func (c *statusCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.outboxPending
	ch <- c.dbSize
	ch <- c.retentionRan
	ch <- c.failures
	ch <- c.lastSuccess
	ch <- c.buildDesc
}

// Collect implements prometheus.Collector. The Collector interface carries
// no context, so the Status call gets its own bounded one.
func (c *statusCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- c.buildInfo
	if c.st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	s, err := c.st.Status(ctx)
	if err != nil {
		// An invalid metric makes the registry report the error; the
		// handler serves the counters anyway (ContinueOnError) and logs it.
		ch <- prometheus.NewInvalidMetric(c.outboxPending, fmt.Errorf("read status for scrape-time gauges: %w", err))
		return
	}
	ch <- prometheus.MustNewConstMetric(c.outboxPending, prometheus.GaugeValue, float64(s.Outbox.Pending))
	ch <- prometheus.MustNewConstMetric(c.dbSize, prometheus.GaugeValue, float64(s.DBSize))
	if !s.RetentionRan.IsZero() {
		ch <- prometheus.MustNewConstMetric(c.retentionRan, prometheus.GaugeValue, float64(s.RetentionRan.UnixNano())/1e9)
	}
	for _, src := range s.Sources {
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(src.State.ConsecutiveFailures), src.ID)
		// A zero time would read as 1970 and set off every "stale for
		// too long" alert rule; absence is the honest answer.
		if !src.State.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue,
				float64(src.State.LastSuccess.UnixNano())/1e9, src.ID)
		}
	}
}
