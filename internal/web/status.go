// Package web owns watcher's HTTP surface: /healthz for supervisors,
// /metrics in the Prometheus text format from a private registry, and / a
// server-rendered status page (with ?format=json for tools) that tells a
// reporter what watcher watches and what it last saw.
//
// The package reads the daemon's state only through StatusProvider, so it
// knows nothing of the scheduler or of how the store is opened.
package web

import (
	"context"
	"time"

	"github.com/figwatch/watcher/internal/store"
)

// StatusProvider is what the status page and the scrape-time gauges read.
// The daemon implements it over the store. Status is called once per page
// view and once per /metrics scrape, with the request's context.
type StatusProvider interface {
	Status(ctx context.Context) (Status, error)
}

// StatusProviderFunc adapts a function to StatusProvider.
type StatusProviderFunc func(ctx context.Context) (Status, error)

// Status calls f.
func (f StatusProviderFunc) Status(ctx context.Context) (Status, error) { return f(ctx) }

// Status is a point-in-time view of the daemon. It is also the JSON
// document served by /?format=json.
type Status struct {
	// Now is when the status was taken; the page shows times in its
	// location.
	Now     time.Time      `json:"now"`
	Version string         `json:"version"`
	Started time.Time      `json:"started"`
	Sources []SourceStatus `json:"sources"` // config order
	Metrics []MetricStatus `json:"metrics"` // config order
	Outbox  OutboxStatus   `json:"outbox"`
	DBSize  int64          `json:"db_size"` // bytes
	// RetentionRan is when retention last completed; zero when it never has.
	RetentionRan time.Time `json:"retention_ran,omitzero"`
	// Store is the running daemon's record of failed writes; zero when
	// the status was read from a file.
	Store StoreHealth `json:"store,omitzero"`
	// Unhealthy is why the running daemon's /healthz fails; empty while
	// it is healthy, and when the status was read from a file.
	Unhealthy string `json:"unhealthy,omitempty"`
	// Slack is what people did through the Slack app.
	Slack SlackStatus `json:"slack,omitzero"`
}

// SlackStatus is what people did through the Slack app: the mutes in
// force, who acknowledged the recent alerts, and the latest actions.
type SlackStatus struct {
	Mutes   []store.Mute   `json:"mutes,omitempty"`
	Acks    []store.Ack    `json:"acks,omitempty"` // of Outbox.Recent's alerts
	Actions []store.Action `json:"actions,omitempty"`
}

// StoreHealth counts the polls whose results could not be written (a full
// disk, say): each one is a poll lost.
type StoreHealth struct {
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastError           string    `json:"last_error,omitempty"`
	LastFailure         time.Time `json:"last_failure,omitzero"`
}

// SourceStatus is one configured source and what polling it last did.
type SourceStatus struct {
	ID        string           `json:"id"`
	Name      string           `json:"name,omitempty"`
	Kind      string           `json:"kind"`
	URL       string           `json:"url"`
	Authority string           `json:"authority"`
	Enabled   bool             `json:"enabled"`
	State     store.FetchState `json:"state"`
	// NextRun is the next scheduled poll; zero when none is scheduled
	// (a disabled source).
	NextRun time.Time `json:"next_run,omitzero"`
}

// MetricStatus is one tracked metric.
type MetricStatus struct {
	ID    string `json:"id"`
	Label string `json:"label,omitempty"`
	// Current is the latest official observation; nil when no official
	// source has stated the metric yet.
	Current *store.Observation `json:"current,omitempty"`
	// History holds official and press observations, oldest first.
	History []store.Observation `json:"history,omitempty"`
	// HistoryVersion, when not 0, changes whenever History does (the
	// store's HistoryVersion): the page draws a metric's chart again only
	// when it changed.
	HistoryVersion uint64 `json:"-"`
}

// OutboxStatus counts the outbox by alert status.
type OutboxStatus struct {
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	// Recent holds up to 20 alerts of any status, newest first.
	Recent []AlertStatus `json:"recent,omitempty"`
}

// AlertStatus is an outbox alert with what it said: a reporter reading the
// status page sees the alert's headline and can open its document.
type AlertStatus struct {
	store.Alert
	// Headline is the alert's headline as it was sent, times in the
	// newsroom's zone; "" when the alert could not be read.
	Headline string `json:"headline,omitempty"`
	// Link is the document the alert is about (the report, the claim, the
	// failing source); "" when it has none.
	Link string `json:"link,omitempty"`
}
