package daemon

import (
	"fmt"
	"testing"

	"github.com/figwatch/watcher/internal/web"
)

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
	m := web.NewMetrics("test", nil)
	h.d.stats = stats{m: m}
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
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var queued float64
	for _, mf := range families {
		if mf.GetName() == "watcher_alerts_queued_total" {
			for _, s := range mf.GetMetric() {
				queued += s.GetCounter().GetValue()
			}
		}
	}
	if int(queued) != alerts {
		t.Errorf("watcher_alerts_queued_total = %v, outbox holds %d alerts", queued, alerts)
	}
}

// The outbox's counters are served on the listener's registry in place
// of the ones web.Metrics defined, same names and labels.
func TestOutboxCountersAreServed(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true}}, "")
	m := web.NewMetrics("test", nil)
	d, err := New(Options{Config: h.cfg, DB: h.db, Fetcher: h.d.fetcher, Notifier: h.d.notifier(), Now: h.clock.Now, MaxJitter: -1, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range families {
		for _, s := range mf.GetMetric() {
			got[mf.GetName()] += s.GetCounter().GetValue()
		}
	}
	_, sent, _ := h.outbox()
	if sent == 0 || got["watcher_alerts_sent_total"] != float64(sent) {
		t.Errorf("watcher_alerts_sent_total = %v, outbox sent %d", got["watcher_alerts_sent_total"], sent)
	}
	if _, ok := got["watcher_alerts_updated_total"]; ok {
		t.Error("watcher_alerts_updated_total has a series though nothing was updated")
	}
}
