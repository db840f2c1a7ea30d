package outbox

import "github.com/prometheus/client_golang/prometheus"

// Reasons an alert failed for good: the values of
// watcher_alerts_failed_total{reason}.
const (
	FailPermanent = "permanent" // the destination refused it for good
	FailExpired   = "expired"   // retried until delivery.max_age ran out
)

// Metrics are the outbox's Prometheus collectors. Counting happens here,
// with the component that knows what happened; the web listener only
// serves the registry they are registered on.
type Metrics struct {
	sent    *prometheus.CounterVec // watcher_alerts_sent_total{kind}
	updated *prometheus.CounterVec // watcher_alerts_updated_total{kind}
	failed  *prometheus.CounterVec // watcher_alerts_failed_total{kind,reason}
}

// NewMetrics builds the outbox's collectors and registers them on reg. A
// nil reg leaves them unregistered but usable, for tests and for runs
// without a listener.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_alerts_sent_total",
			// Help as web.Metrics had it: a registry refuses a name again
			// with another help string, even after unregistering it.
			Help: "Alerts delivered, by event kind.",
		}, []string{"kind"}),
		updated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_alerts_updated_total",
			Help: "Messages rewritten in place to list one more outlet repeating a claim, by event kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_alerts_failed_total",
			Help: "Alerts given up on, by event kind and reason: permanent (refused) or expired (undelivered for too long).",
		}, []string{"kind", "reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.updated, m.failed)
	}
	return m
}
