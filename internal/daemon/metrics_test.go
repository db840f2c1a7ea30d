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
