package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/figwatch/watcher/internal/buildinfo"
	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/outbox"
	"github.com/figwatch/watcher/internal/store"
)

// Label values of watcher_polls_total{result}.
const (
	pollOK          = "ok"
	pollNotModified = "not_modified"
	pollError       = "error"
)

// Metrics are the collectors the daemon counts on, as Alertmanager's
// notify.Metrics: created by the component that counts, registered on the
// registry the caller serves. A nil *Metrics counts nothing, so a daemon
// without a listener (`watcher once`, tests) needs none.
//
// Following Prometheus's cardinality guidance, what the daemon counts is
// labelled by source kind and authority (a handful of values), never by
// source: a newsroom with 10,000 sources would otherwise export 200,000
// series. The only series per source are the scrape-time gauges that find
// a broken source (statusDescs); docs/readme-scale.md lists every series.
type Metrics struct {
	// outbox are the delivery counters, the outbox's own collectors,
	// registered on the same registry.
	outbox             *outbox.Metrics
	polls              *prometheus.CounterVec
	fetchDuration      *prometheus.HistogramVec
	fetchBytes         *prometheus.CounterVec
	figuresTotal       *prometheus.CounterVec
	events             *prometheus.CounterVec
	alertsQueued       *prometheus.CounterVec
	storeWriteFailures prometheus.Counter
	reloadOK           prometheus.Gauge
	reloadTime         prometheus.Gauge
}

// NewMetrics creates the daemon's collectors and registers them on reg.
// The scrape-time gauges read from the database are the Daemon's own
// Collector, registered separately once the Daemon exists.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_polls_total",
			Help: "Polls of sources, by source kind and authority and by result: ok, not_modified (HTTP 304) or error.",
		}, []string{"kind", "authority", "result"}),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "watcher_fetch_duration_seconds",
			Help: "Time to fetch a source, body included, by source kind.",
			// From a fast 304 (tens of milliseconds) up to the default
			// whole-request timeout of 60s.
			Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
		fetchBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_fetch_bytes_total",
			Help: "Body bytes fetched from sources, after decompression, by source kind and authority.",
		}, []string{"kind", "authority"}),
		figuresTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_figures_extracted_total",
			Help: "Figures extracted from sources' documents, by source kind and authority.",
		}, []string{"kind", "authority"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_events_total",
			Help: "Events found by comparing snapshots, by kind.",
		}, []string{"kind"}),
		alertsQueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_alerts_queued_total",
			Help: "Alerts queued in the outbox, by event kind.",
		}, []string{"kind"}),
		storeWriteFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watcher_store_write_failures_total",
			Help: "Polls whose results could not be written to the database (a full disk, say); each is a lost poll.",
		}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "watcher_config_last_reload_successful",
			Help: "Whether the last configuration reload attempt was successful.",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "watcher_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration reload (or of the start).",
		}),
	}
	reg.MustRegister(m.polls, m.fetchDuration, m.fetchBytes, m.figuresTotal, m.events,
		m.alertsQueued, m.storeWriteFailures, m.reloadOK, m.reloadTime)
	m.outbox = outbox.NewMetrics(reg)
	return m
}

func (m *Metrics) fetched(src config.Source, r *fetch.Response) {
	if m == nil {
		return
	}
	m.fetchDuration.WithLabelValues(src.Kind).Observe(r.Duration.Seconds())
	m.fetchBytes.WithLabelValues(src.Kind, src.Authority).Add(float64(r.Bytes))
}

func (m *Metrics) poll(src config.Source, result string) {
	if m != nil {
		m.polls.WithLabelValues(src.Kind, src.Authority, result).Inc()
	}
}

func (m *Metrics) figures(src config.Source, n int) {
	if m != nil {
		m.figuresTotal.WithLabelValues(src.Kind, src.Authority).Add(float64(n))
	}
}

func (m *Metrics) event(kind diff.Kind) {
	if m != nil {
		m.events.WithLabelValues(string(kind)).Inc()
	}
}

func (m *Metrics) queued(kind diff.Kind) {
	if m != nil {
		m.alertsQueued.WithLabelValues(string(kind)).Inc()
	}
}

func (m *Metrics) storeFailed() {
	if m != nil {
		m.storeWriteFailures.Inc()
	}
}

// reloaded records a reload attempt; a start counts as a successful one,
// as in Alertmanager, so the timestamp is never absent.
func (m *Metrics) reloaded(ok bool, at time.Time) {
	if m == nil {
		return
	}
	if !ok {
		m.reloadOK.Set(0)
		return
	}
	m.reloadOK.Set(1)
	m.reloadTime.Set(float64(at.UnixNano()) / 1e9)
}

// scrapeTimeout bounds the status read made by a /metrics scrape: the
// Collector interface carries no context, and a wedged store must not
// pile up scrapes.
const scrapeTimeout = 5 * time.Second

// statusDescs are the gauges computed at scrape time from the database,
// so they are never stale and nothing has to remember to set them. Three
// of them are per source, the least that finds a broken source: whether
// its last poll worked, how many in a row failed, and when one last did.
type statusDescs struct {
	outboxPending, dbSize, retentionRan, up, failures, lastSuccess, build *prometheus.Desc
}

func newStatusDescs() statusDescs {
	return statusDescs{
		outboxPending: prometheus.NewDesc("watcher_outbox_pending",
			"Alerts waiting in the outbox for delivery.", nil, nil),
		dbSize: prometheus.NewDesc("watcher_db_size_bytes",
			"Size of the database file.", nil, nil),
		up: prometheus.NewDesc("watcher_source_up",
			"1 if a source's last poll succeeded, 0 if it failed; absent until it is polled.", []string{"source"}, nil),
		failures: prometheus.NewDesc("watcher_source_consecutive_failures",
			"Polls of a source that failed in a row; 0 while healthy.", []string{"source"}, nil),
		retentionRan: prometheus.NewDesc("watcher_retention_last_run_timestamp_seconds",
			"Unix time retention last completed; absent until it has.", nil, nil),
		lastSuccess: prometheus.NewDesc("watcher_source_last_success_timestamp_seconds",
			"Unix time of a source's last successful poll; absent until it has one.", []string{"source"}, nil),
		build: prometheus.NewDesc("watcher_build_info",
			"Always 1; the version label says which watcher is running.", []string{"version"}, nil),
	}
}

// Collector is the daemon's scrape-time gauges (the outbox, the file, each
// source's health, the build), read from the database at each scrape so
// they are never stale; register it on the registry /metrics serves.
func (d *Daemon) Collector() prometheus.Collector { return statusCollector{d} }

type statusCollector struct{ d *Daemon }

// Describe implements prometheus.Collector.
func (sc statusCollector) Describe(ch chan<- *prometheus.Desc) {
	c := sc.d.descs
	for _, desc := range []*prometheus.Desc{c.outboxPending, c.dbSize, c.retentionRan, c.up, c.failures, c.lastSuccess, c.build} {
		ch <- desc
	}
}

// scrapeState is what a scrape reads from the database: the sources'
// health and the outbox, not the metrics' histories the status page
// shows, so a scrape costs the same after a year as after a day.
type scrapeState struct {
	sources       []store.FetchState // of the configured sources, in config order
	outboxPending int
	retentionRan  time.Time
	dbSize        int64
}

func (d *Daemon) readScrapeState(ctx context.Context) (scrapeState, error) {
	var s scrapeState
	cfg := d.conf()
	err := d.db.View(ctx, func(tx *store.Tx) error {
		s.sources = make([]store.FetchState, 0, len(cfg.Sources))
		for _, src := range cfg.Sources {
			fs, _, err := tx.FetchState(src.ID)
			if err != nil {
				return err
			}
			fs.Source = src.ID
			s.sources = append(s.sources, fs)
		}
		var err error
		if s.outboxPending, err = tx.PendingCount(); err != nil {
			return err
		}
		s.retentionRan, err = tx.RetentionRan()
		return err
	})
	if err != nil {
		return s, fmt.Errorf("read state for scrape-time gauges: %w", err)
	}
	if s.dbSize, err = d.db.Size(ctx); err != nil {
		return s, fmt.Errorf("read state for scrape-time gauges: %w", err)
	}
	return s, nil
}

// Collect implements prometheus.Collector: it reads the database once per
// scrape.
func (sc statusCollector) Collect(ch chan<- prometheus.Metric) {
	d := sc.d
	c := d.descs
	ch <- prometheus.MustNewConstMetric(c.build, prometheus.GaugeValue, 1, buildinfo.Version())
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	s, err := d.readScrapeState(ctx)
	if err != nil {
		// An invalid metric makes the registry report the error; the
		// handler serves the counters anyway (ContinueOnError) and logs it.
		ch <- prometheus.NewInvalidMetric(c.outboxPending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.outboxPending, prometheus.GaugeValue, float64(s.outboxPending))
	ch <- prometheus.MustNewConstMetric(c.dbSize, prometheus.GaugeValue, float64(s.dbSize))
	if !s.retentionRan.IsZero() {
		ch <- prometheus.MustNewConstMetric(c.retentionRan, prometheus.GaugeValue, float64(s.retentionRan.UnixNano())/1e9)
	}
	for _, st := range s.sources {
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(st.ConsecutiveFailures), st.Source)
		if !st.LastPoll.IsZero() {
			up := 0.0
			if st.ConsecutiveFailures == 0 {
				up = 1
			}
			ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, st.Source)
		}
		// A zero time would read as 1970 and set off every "stale for
		// too long" alert rule; absence is the honest answer.
		if !st.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue,
				float64(st.LastSuccess.UnixNano())/1e9, st.Source)
		}
	}
}
