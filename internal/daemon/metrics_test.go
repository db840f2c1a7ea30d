package daemon

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/figwatch/watcher/internal/buildinfo"
	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
)

// maxSeriesPerSource is what /metrics may export per configured source by
// default (issue #16): 10,000 sources must not mean 200,000 series.
const maxSeriesPerSource = 5

// seriesCount is the number of time series a scrape of fams holds, as
// Prometheus stores them: a histogram is its buckets (+Inf included),
// _sum and _count; a summary its quantiles, _sum and _count.
func seriesCount(fams map[string]*dto.MetricFamily, keep func(*dto.Metric) bool) int {
	n := 0
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			if !keep(m) {
				continue
			}
			switch {
			case m.Histogram != nil:
				n += len(m.GetHistogram().GetBucket()) + 1 + 2
			case m.Summary != nil:
				n += len(m.GetSummary().GetQuantile()) + 2
			default:
				n++
			}
		}
	}
	return n
}

// scrapeAfterCycles polls n sources (half official, half press; every
// fourth one failing) through a first cycle, a 304 cycle and a changed
// one, and gathers everything /metrics would serve.
func scrapeAfterCycles(t *testing.T, n int) map[string]*dto.MetricFamily {
	t.Helper()
	srcs := make([]sourceYAML, n)
	for i := range srcs {
		auth := "official"
		if i%2 == 1 {
			auth = "press"
		}
		srcs[i] = sourceYAML{id: fmt.Sprintf("s%02d", i), path: fmt.Sprintf("/s%02d.xml", i), authority: auth, firstPollAlerts: true}
	}
	h := newHarness(t, srcs, "")
	reg := prometheus.NewRegistry()
	d, err := New(Options{Config: h.cfg, DB: h.db, Fetcher: h.d.fetcher, Notifier: h.d.rt.Load().notifier, Now: h.clock.Now, MaxJitter: -1, Logger: h.d.log,
		Metrics: NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	reg.MustRegister(d.Collector())
	for cycle, text := range []string{aug2024, aug2024, "Officials said nearly 300,000 children were never served a notice to appear."} {
		for i, s := range srcs {
			if i%4 == 3 {
				continue // never served: a 404, a failing source
			}
			h.feeds.set(s.path, feedResponse{etag: fmt.Sprintf(`"%d"`, cycle/2), body: rss(s.id, [4]string{fmt.Sprintf("item-%d", cycle/2), "Report", text, pubAug})})
		}
		_ = h.once()
		h.clock.Add(time.Hour)
	}
	return gather(t, reg)
}

// /metrics exports at most maxSeriesPerSource series per source: those
// labelled with it, and (counted by growth, whatever their labels) those
// that more sources add.
func TestMetricsSeriesPerSourceAreBounded(t *testing.T) {
	const small, large = 4, 12
	fewer, more := scrapeAfterCycles(t, small), scrapeAfterCycles(t, large)
	perSource := map[string]int{}
	for name, f := range more {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "source" {
					perSource[lp.GetValue()] += seriesCount(map[string]*dto.MetricFamily{name: {Metric: []*dto.Metric{m}}}, func(*dto.Metric) bool { return true })
				}
			}
		}
	}
	if len(perSource) != large {
		t.Fatalf("series labelled with %d sources, want %d", len(perSource), large)
	}
	for src, n := range perSource {
		if n > maxSeriesPerSource {
			t.Errorf("source %s has %d series, want at most %d", src, n, maxSeriesPerSource)
		}
	}
	all := func(*dto.Metric) bool { return true }
	grown := float64(seriesCount(more, all)-seriesCount(fewer, all)) / (large - small)
	if grown > maxSeriesPerSource {
		t.Errorf("each added source adds %.1f series to /metrics, want at most %d", grown, maxSeriesPerSource)
	}
	t.Logf("series: %d at %d sources, %d at %d; %.1f per added source", seriesCount(fewer, all), small, seriesCount(more, all), large, grown)
}

// gather collects reg into families by name.
func gather(t *testing.T, reg prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// value is the value of the family's sample with the given labels, and
// whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
next:
	for _, m := range fams[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsExposeEveryFamily(t *testing.T) {
	h := newHarness(t, []sourceYAML{
		{id: "dhs-oig", path: "/oig.xml", authority: "official", firstPollAlerts: true},
		{id: "gone", path: "/gone.xml", authority: "press"},
	}, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG",
		[4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", aug2024, pubAug})})
	reg := prometheus.NewRegistry()
	h.d.stats = NewMetrics(reg)
	h.d.stats.reloaded(true, h.clock.Now())
	reg.MustRegister(h.d.Collector())
	_ = h.once() // "gone" fails: a 404

	fams := gather(t, reg)
	for _, tc := range []struct {
		name   string
		family string
		labels map[string]string
		want   float64 // < 0: any value
	}{
		{"ok poll", "watcher_polls_total", map[string]string{"kind": "feed", "authority": "official", "result": "ok"}, 1},
		{"failed poll", "watcher_polls_total", map[string]string{"kind": "feed", "authority": "press", "result": "error"}, 1},
		{"fetch duration", "watcher_fetch_duration_seconds", map[string]string{"kind": "feed"}, 1},
		{"fetch bytes", "watcher_fetch_bytes_total", map[string]string{"kind": "feed", "authority": "official"}, -1},
		{"figures", "watcher_figures_extracted_total", map[string]string{"kind": "feed", "authority": "official"}, -1},
		{"events", "watcher_events_total", map[string]string{"kind": "metric_new"}, -1},
		{"queued", "watcher_alerts_queued_total", map[string]string{"kind": "metric_new"}, -1},
		{"store failures", "watcher_store_write_failures_total", nil, 0},
		{"reload ok", "watcher_config_last_reload_successful", nil, 1},
		{"reload time", "watcher_config_last_reload_success_timestamp_seconds", nil, float64(h.clock.Now().Unix())},
		{"outbox pending", "watcher_outbox_pending", nil, -1},
		{"db size", "watcher_db_size_bytes", nil, -1},
		{"failing source", "watcher_source_consecutive_failures", map[string]string{"source": "gone"}, 1},
		{"healthy source", "watcher_source_consecutive_failures", map[string]string{"source": "dhs-oig"}, 0},
		{"source up", "watcher_source_up", map[string]string{"source": "dhs-oig"}, 1},
		{"source down", "watcher_source_up", map[string]string{"source": "gone"}, 0},
		{"last success", "watcher_source_last_success_timestamp_seconds", map[string]string{"source": "dhs-oig"}, float64(h.clock.Now().Unix())},
		{"build info", "watcher_build_info", map[string]string{"version": buildinfo.Version()}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := value(fams, tc.family, tc.labels)
			if !ok {
				t.Fatalf("%s%v missing", tc.family, tc.labels)
			}
			if tc.want >= 0 && got != tc.want {
				t.Errorf("%s%v = %v, want %v", tc.family, tc.labels, got, tc.want)
			}
		})
	}
	// A source never polled successfully has no last-success sample: a
	// zero would read as 1970.
	if _, ok := value(fams, "watcher_source_last_success_timestamp_seconds", map[string]string{"source": "gone"}); ok {
		t.Error("last success exported for a source that never succeeded")
	}
}

func TestMetricsServeCountersWhenStatusFails(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "dhs-oig", path: "/oig.xml", authority: "official"}}, "")
	reg := prometheus.NewRegistry()
	h.d.stats = NewMetrics(reg)
	reg.MustRegister(h.d.Collector())
	h.d.stats.poll(h.d.conf().Sources[0], pollOK)
	h.stop() // the database closes under the collector
	fams, err := reg.Gather()
	if err == nil {
		t.Error("Gather with the database closed reported no error")
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		byName[f.GetName()] = f
	}
	if got, ok := value(byName, "watcher_polls_total", map[string]string{"result": "ok"}); !ok || got != 1 {
		t.Errorf("watcher_polls_total = %v (present %t), want the counter served anyway", got, ok)
	}
	if _, ok := byName["watcher_outbox_pending"]; ok {
		t.Error("watcher_outbox_pending exported although the status read failed")
	}
}

func TestMetricsRegistriesArePrivate(t *testing.T) {
	// Two daemons in one process (tests, the demo) must not collide.
	a, b := prometheus.NewRegistry(), prometheus.NewRegistry()
	ma, _ := NewMetrics(a), NewMetrics(b)
	ma.poll(config.Source{ID: "x", Kind: config.KindFeed, Authority: "press"}, pollOK)
	if _, ok := value(gather(t, b), "watcher_polls_total", nil); ok {
		t.Error("a counter incremented on one registry shows in another")
	}
}

// Polls that change something commit through Batch, which bbolt may run
// again; what they count in /metrics must still match what the outbox
// holds, with many sources committing at once.
func TestConcurrentPollsCountEachQueuedAlertOnce(t *testing.T) {
	var srcs []sourceYAML
	for i := range 12 {
		auth := "official"
		if i%2 == 1 {
			auth = "press"
		}
		srcs = append(srcs, sourceYAML{id: fmt.Sprintf("s%02d", i), path: fmt.Sprintf("/s%02d.xml", i), authority: auth, firstPollAlerts: true})
	}
	h := newHarness(t, srcs, "")
	reg := prometheus.NewRegistry()
	h.d.stats = NewMetrics(reg)
	for i, s := range srcs {
		text := aug2024
		if i%2 == 1 {
			text = "Officials said nearly 300,000 children were never served a notice to appear."
		}
		h.feeds.set(s.path, feedResponse{body: rss(s.id, [4]string{fmt.Sprintf("item-%d", i), "Report", text, pubAug})})
	}
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	p, s, f := h.outbox()
	alerts := p + s + f
	if alerts == 0 {
		t.Fatal("no alerts queued")
	}
	var queued float64
	for _, m := range gather(t, reg)["watcher_alerts_queued_total"].GetMetric() {
		queued += m.GetCounter().GetValue()
	}
	if int(queued) != alerts {
		t.Errorf("watcher_alerts_queued_total = %v, outbox holds %d alerts", queued, alerts)
	}
}

// The outbox counts its deliveries on the registry /metrics serves, next
// to the daemon's collectors.
func TestOutboxCountersAreServed(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true}}, "")
	reg := prometheus.NewRegistry()
	d, err := New(Options{Config: h.cfg, DB: h.db, Fetcher: h.d.fetcher, Notifier: h.d.rt.Load().notifier, Now: h.clock.Now, MaxJitter: -1,
		Metrics: NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	fams := gather(t, reg)
	var got float64
	for _, m := range fams["watcher_alerts_sent_total"].GetMetric() {
		got += m.GetCounter().GetValue()
	}
	_, sent, _ := h.outbox()
	if sent == 0 || got != float64(sent) {
		t.Errorf("watcher_alerts_sent_total = %v, outbox sent %d", got, sent)
	}
	if _, ok := fams["watcher_alerts_updated_total"]; ok {
		t.Error("watcher_alerts_updated_total has a series though nothing was updated")
	}
}

// A status reads each metric's history again only when it changed: two
// statuses with no poll between share it; a poll that adds figures gives
// the next status the new history.
func TestStatusKeepsUnchangedHistories(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	h.feeds.set("/oig.xml", feedResponse{etag: `"v1"`, body: rss("DHS OIG",
		[4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	history := func() []store.Observation {
		t.Helper()
		st, err := h.d.Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range st.Metrics {
			if m.ID == "uc_no_nta" {
				return m.History
			}
		}
		t.Fatal("no uc_no_nta in the status")
		return nil
	}
	first, again := history(), history()
	if len(first) != 1 || len(again) != 1 || &first[0] != &again[0] {
		t.Fatalf("two statuses with no poll between read the history twice (%d, %d observations)", len(first), len(again))
	}

	h.clock.Add(time.Hour)
	h.feeds.set("/oig.xml", feedResponse{etag: `"v2"`, body: rss("DHS OIG",
		[4]string{"OIG-25-21", "ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children", mar2025, pubMar},
		[4]string{"OIG-24-46", "ICE Cannot Monitor All Unaccompanied Migrant Children", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	if after := history(); len(after) != 2 || after[1].Value != 233000 {
		t.Errorf("after the 2025 report the status shows %d observations (%+v), want the 233,000 added", len(after), after)
	}
}
