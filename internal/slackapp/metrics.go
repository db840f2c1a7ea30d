package slackapp

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the Slack app's Prometheus collectors.
type Metrics struct {
	envelopes   *prometheus.CounterVec // watcher_slack_envelopes_total{type,outcome}
	connections prometheus.Counter     // watcher_slack_socket_connections_total
	connected   prometheus.Gauge       // watcher_slack_socket_connected
}

// Envelope outcomes: the values of watcher_slack_envelopes_total{outcome}.
const (
	OutcomeHandled     = "handled"
	OutcomeRedelivered = "redelivered" // acknowledged, not handled again
	OutcomeFailed      = "failed"
)

// NewMetrics builds the app's collectors and registers them on reg; a nil
// reg leaves them unregistered but usable.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watcher_slack_envelopes_total",
			Help: "Socket Mode envelopes received, by type (slash_commands, interactive, events_api) and outcome (handled, redelivered, failed).",
		}, []string{"type", "outcome"}),
		connections: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "watcher_slack_socket_connections_total",
			Help: "Socket Mode connections opened (a reconnection counts again).",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "watcher_slack_socket_connected",
			Help: "1 while the Socket Mode connection is open.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.envelopes, m.connections, m.connected)
	}
	return m
}

func (m *Metrics) envelope(typ, outcome string) { m.envelopes.WithLabelValues(typ, outcome).Inc() }

func (m *Metrics) setConnected(on bool) {
	if on {
		m.connected.Set(1)
	} else {
		m.connected.Set(0)
	}
}
