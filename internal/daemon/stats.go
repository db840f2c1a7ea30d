package daemon

import (
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/web"
)

// stats feeds the Prometheus collectors; without a listener (nil metrics)
// it counts nothing.
type stats struct{ m *web.Metrics }

func (s stats) fetched(source string, r *fetch.Response) {
	if s.m == nil {
		return
	}
	s.m.FetchDuration.WithLabelValues(source).Observe(r.Duration.Seconds())
	s.m.FetchBytes.WithLabelValues(source).Add(float64(r.Bytes))
}

// Poll results.
const (
	pollOK          = "ok"
	pollNotModified = "not_modified"
	pollError       = "error"
)

func (s stats) poll(source, result string) {
	if s.m != nil {
		s.m.Polls.WithLabelValues(source, result).Inc()
	}
}

func (s stats) figures(source string, n int) {
	if s.m != nil {
		s.m.Figures.WithLabelValues(source).Add(float64(n))
	}
}

func (s stats) event(kind diff.Kind) {
	if s.m != nil {
		s.m.Events.WithLabelValues(string(kind)).Inc()
	}
}

func (s stats) queued(kind diff.Kind) {
	if s.m != nil {
		s.m.AlertsQueued.WithLabelValues(string(kind)).Inc()
	}
}
