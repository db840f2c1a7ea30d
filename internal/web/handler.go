package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

//go:embed templates/status.html
var templateFS embed.FS

// Chart size on the status page.
const (
	chartW = 480
	chartH = 120
)

// Options configures Handler. Everything is optional: a nil Status serves
// 503 on the status page, a nil Health is always healthy, a nil Gatherer
// serves no /metrics, a nil Backup no /api/backup.
type Options struct {
	Status StatusProvider
	// Health returns nil while the daemon is healthy; /healthz answers 503
	// with its error otherwise.
	Health func() error
	// Gatherer is the registry /metrics serves. The collectors belong to
	// the components that count; this package only serves them.
	Gatherer prometheus.Gatherer
	// Backup writes a hot, consistent copy of the database, for
	// /api/backup (`watcher backup` and the inspection commands while the
	// daemon holds the file).
	Backup func(ctx context.Context, w io.Writer) (int64, error)
	// Pprof serves Go's profiler under /debug/pprof/; off by default.
	Pprof bool
	// Token is the bearer token /api/backup and /debug/pprof/ require
	// (they hand out the database and the process's memory). Empty, they
	// answer 401 to every request over TCP. Requests over a Unix socket
	// need none: the socket's file mode says who may connect.
	Token string
	// Listen is the configured listen address (host:port). Requests are
	// served only when their Host names it, localhost or a loopback IP
	// (or one of Hosts), so a web page a reporter opens cannot reach the
	// listener through DNS rebinding. On an unspecified address (0.0.0.0,
	// [::]) any IP literal is accepted too: rebinding needs a name.
	Listen string
	// Hosts are further names the listener answers to (a reverse proxy's).
	Hosts  []string
	Logger *slog.Logger
}

// Handler serves /healthz, /metrics, / (the status page, or its data with
// ?format=json), /api/backup and, when asked for, /debug/pprof/.
func Handler(opts Options) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	health := opts.Health
	if health == nil {
		health = func() error { return nil }
	}
	s := &server{
		st:     opts.Status,
		health: health,
		backup: opts.Backup,
		log:    log,
		// The template is embedded: a parse error is a bug that every
		// test of this package would catch, not a runtime condition.
		page: template.Must(template.New("status.html").ParseFS(templateFS, "templates/status.html")),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /{$}", s.status)
	auth := bearer(opts.Token)
	if opts.Backup != nil {
		mux.Handle("GET /api/backup", auth(http.HandlerFunc(s.serveBackup)))
	}
	if opts.Pprof {
		// Go's profiler, as Prometheus and Alertmanager serve it behind a
		// switch: a slow cycle in production is diagnosed with
		// `go tool pprof -http : 'http://…/debug/pprof/profile?seconds=20'`
		// (with the token in an Authorization header). A profile must end
		// within the server's 30 s write timeout.
		mux.Handle("GET /debug/pprof/", auth(http.HandlerFunc(pprof.Index)))
		mux.Handle("GET /debug/pprof/cmdline", auth(http.HandlerFunc(pprof.Cmdline)))
		mux.Handle("GET /debug/pprof/profile", auth(http.HandlerFunc(pprof.Profile)))
		mux.Handle("GET /debug/pprof/symbol", auth(http.HandlerFunc(pprof.Symbol)))
		mux.Handle("POST /debug/pprof/symbol", auth(http.HandlerFunc(pprof.Symbol)))
		mux.Handle("GET /debug/pprof/trace", auth(http.HandlerFunc(pprof.Trace)))
	}
	if g := opts.Gatherer; g != nil {
		// The handler's own request counters go on a registry of their
		// own, so handlers built twice over one Gatherer (a test, a
		// replay) never collide on it.
		own := prometheus.NewRegistry()
		mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(own,
			promhttp.HandlerFor(prometheus.Gatherers{g, own}, promhttp.HandlerOpts{
				// A failing status read must not hide the counters.
				ErrorHandling:     promhttp.ContinueOnError,
				ErrorLog:          promLogger{log},
				Registry:          own,
				EnableOpenMetrics: true,
			})))
	}
	return s.logRequests(allowHosts(opts.Listen, opts.Hosts, mux))
}

// server holds what the handlers share.
type server struct {
	st     StatusProvider
	health func() error
	backup func(ctx context.Context, w io.Writer) (int64, error)
	log    *slog.Logger
	page   *template.Template
	// pageSize is the size of the last status page rendered: the next is
	// rendered into a buffer that large, rather than one that doubles its
	// way to a few hundred kilobytes (a tenth of the page's cost).
	pageSize atomic.Int64
	charts   charts
}

// charts keeps the charts the status page drew, by metric and history
// version: a page asked for every few seconds draws a chart again only
// when its metric's history changed (drawing them was a third of a page).
type charts struct {
	mu sync.Mutex
	m  map[chartKey]template.HTML
}

type chartKey struct {
	metric  string
	version uint64
	w, h    int
}

// render is RenderSVG of m's history through the cache; c may be nil,
// and a history without a version is drawn every time.
func (c *charts) render(m MetricStatus, w, h int) template.HTML {
	if c == nil || m.HistoryVersion == 0 {
		return RenderSVG(m.History, w, h)
	}
	k := chartKey{m.ID, m.HistoryVersion, w, h}
	c.mu.Lock()
	svg, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return svg
	}
	svg = RenderSVG(m.History, w, h)
	c.mu.Lock()
	// A chart per metric is current; the others are from older versions.
	for old := range c.m {
		if old.metric == m.ID {
			delete(c.m, old)
		}
	}
	if c.m == nil {
		c.m = map[chartKey]template.HTML{}
	}
	c.m[k] = svg
	c.mu.Unlock()
	return svg
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := s.health(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, err.Error())
		return
	}
	fmt.Fprintln(w, "ok")
}

func (s *server) serveBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="watcher.db"`)
	start := time.Now()
	n, err := s.backup(r.Context(), w)
	if err != nil {
		// Headers are gone; the client sees a short body and the length
		// check in `watcher backup` fails it.
		s.log.ErrorContext(r.Context(), "backup over HTTP", "err", err, "bytes", n)
		return
	}
	s.log.InfoContext(r.Context(), "backup over HTTP", "bytes", n, "dur", time.Since(start).Round(time.Millisecond), "remote", r.RemoteAddr)
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "html" && format != "json" {
		http.Error(w, fmt.Sprintf("unknown format %q: want html or json", format), http.StatusBadRequest)
		return
	}
	sq, err := parseSourceQuery(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if s.st == nil {
		http.Error(w, "no status provider", http.StatusServiceUnavailable)
		return
	}
	st, err := s.st.Status(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "read status", "err", err)
		http.Error(w, "read status: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if format == "json" {
		h.Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			s.log.WarnContext(r.Context(), "write status json", "err", err)
		}
		return
	}
	// Render fully before writing, so that a failure is a clean 500
	// rather than half a page with a 200.
	var buf bytes.Buffer
	buf.Grow(int(s.pageSize.Load()) + 4096)
	view := newPageView(st, sq, &s.charts)
	if err := s.health(); err != nil {
		view.Unhealthy = err.Error()
	}
	if err := s.page.Execute(&buf, view); err != nil {
		s.log.ErrorContext(r.Context(), "render status page", "err", err)
		http.Error(w, "render status page", http.StatusInternalServerError)
		return
	}
	s.pageSize.Store(int64(buf.Len()))
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The page has inline CSS and inline SVG, and nothing else: no
	// scripts, no external assets, no frames.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if _, err := buf.WriteTo(w); err != nil {
		s.log.DebugContext(r.Context(), "write status page", "err", err)
	}
}

// logRequests logs each request at debug level: the status page and
// /metrics are polled often and are not worth an operator's attention.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.DebugContext(r.Context(), "http request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "remote", r.RemoteAddr, "dur", time.Since(start))
	})
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer (promhttp
// flushes through it).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// promLogger adapts slog to promhttp's Println logger.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error("serve metrics", "err", strings.TrimSpace(fmt.Sprintln(v...)))
}

// The view model: everything the template shows, formatted, so that the
// template holds layout only.

type pageView struct {
	Version   string
	Unhealthy string // the health check's error; "" while healthy
	Generated timeView
	Started   timeView
	Uptime    string
	DBSize    string
	Retention timeView // when retention last ran
	// StoreError says why the last write failed, while writes fail.
	StoreFailures int
	StoreError    string
	StoreSince    timeView
	// Sources are the rows of the sources table: every source, or when
	// there are many the listing and page asked for (Listing says which).
	Sources    []sourceView
	Configured int
	Listing    listingView
	Healthy    int
	Failing    int
	Never      int
	Disabled   int
	Metrics    []metricView
	Outbox     OutboxStatus
	Alerts     []alertView
}

type timeView struct {
	Zero bool
	ISO  string // RFC 3339, for <time datetime>
	Abs  string // "7 Jun 2024 13:30 UTC", or a date for a calendar day
	Rel  string // "3m 10s ago"
}

type sourceView struct {
	ID, Name, Kind, Authority, URL string
	Enabled                        bool
	// Class is healthy, failing, never or disabled; Text says it in words.
	Class, Text string
	Since       timeView
	LastError   string
	LastStatus  int
	Failures    int
	LastPoll    timeView
	LastSuccess timeView
	NextRun     timeView
}

type metricView struct {
	ID, Label  string
	HasCurrent bool
	Qualifier  string
	Value      string
	Period     string // what the value is for ("as of January 2025"); "" when dated by its document
	Conflict   bool   // its report states another value for the same period
	Date       timeView
	Source     string
	URL, Title string
	Quote      string
	Official   int
	Press      int
	Chart      template.HTML
}

type alertView struct {
	ID                     uint64
	Kind, Metric, Channel  string
	Headline, Link         string
	Status, LastError      string
	Attempts               int
	Created, SentOrNextTry timeView
	SentOrNextLabel        string
	// AckedBy is the Slack user who acknowledged the alert, if anyone.
	AckedBy string
	AckedAt timeView
}

func newPageView(st Status, sq sourceQuery, cs *charts) pageView {
	now := st.Now
	if now.IsZero() {
		now = time.Now()
	}
	// Times read in the zone of Now, the newsroom's (config timezone), in
	// the format and with the zone label alerts use.
	loc := now.Location()
	tv := func(t time.Time) timeView {
		if t.IsZero() {
			return timeView{Zero: true}
		}
		t = t.In(loc)
		return timeView{
			ISO: t.Format(time.RFC3339),
			Abs: notify.StampIn(t, loc),
			Rel: relativeTime(t, now),
		}
	}
	v := pageView{
		Version:       st.Version,
		Generated:     tv(now),
		Started:       tv(st.Started),
		DBSize:        humanBytes(st.DBSize),
		Retention:     tv(st.RetentionRan),
		StoreFailures: st.Store.ConsecutiveFailures,
		StoreError:    st.Store.LastError,
		StoreSince:    tv(st.Store.LastFailure),
		Outbox:        st.Outbox,
		Configured:    len(st.Sources),
		Metrics:       make([]metricView, 0, len(st.Metrics)),
		Alerts:        make([]alertView, 0, len(st.Outbox.Recent)),
	}
	if !st.Started.IsZero() {
		v.Uptime = humanDuration(now.Sub(st.Started))
	}
	classes := make([]string, len(st.Sources))
	for i, src := range st.Sources {
		classes[i] = sourceClass(src)
		switch classes[i] {
		case classDisabled:
			v.Disabled++
		case classFailing:
			v.Failing++
		case classNever:
			v.Never++
		default:
			v.Healthy++
		}
	}
	var rows []int
	rows, v.Listing = selectSources(st.Sources, classes, sq)
	v.Sources = make([]sourceView, 0, len(rows))
	for _, i := range rows {
		src := st.Sources[i]
		fs := src.State
		sv := sourceView{
			ID: src.ID, Name: src.Name, Kind: src.Kind, Authority: src.Authority, URL: src.URL,
			Enabled:     src.Enabled,
			LastStatus:  fs.LastStatus,
			Failures:    fs.ConsecutiveFailures,
			LastPoll:    tv(fs.LastPoll),
			LastSuccess: tv(fs.LastSuccess),
			NextRun:     tv(src.NextRun),
			Class:       classes[i],
		}
		if sv.Name == "" {
			sv.Name = src.ID
		}
		switch sv.Class {
		case classDisabled:
			sv.Text = "disabled"
		case classFailing:
			since := fs.FailingSince
			if since.IsZero() {
				since = fs.LastPoll
			}
			sv.Text, sv.Since, sv.LastError = "failing", tv(since), fs.LastError
		case classNever:
			sv.Text = "never polled"
		default:
			sv.Text = "healthy"
		}
		v.Sources = append(v.Sources, sv)
	}
	for _, m := range st.Metrics {
		mv := metricView{ID: m.ID, Label: m.Label, Chart: cs.render(m, chartW, chartH)}
		if mv.Label == "" {
			mv.Label = m.ID
		}
		for _, o := range m.History {
			if o.Authority == "official" {
				mv.Official++
			} else {
				mv.Press++
			}
		}
		if c := m.Current; c != nil {
			mv.HasCurrent = true
			mv.Qualifier = observationQualifier(*c)
			mv.Value = formatObservationValue(*c)
			// A publication date is a calendar day: shown as one, it keeps
			// its day in every zone.
			at := publishedTime(*c)
			if c.Period.Label != "" && c.Period.From != "document" {
				mv.Period = c.Period.Label
			}
			mv.Conflict = c.Conflict
			mv.Date = tv(at)
			mv.Date.Abs = notify.DateIn(at, loc)
			if u := at.UTC(); u.Equal(u.Truncate(24 * time.Hour)) {
				mv.Date.ISO = u.Format(time.DateOnly)
			}
			mv.Source, mv.URL, mv.Title = c.Source, c.URL, c.Title
			if mv.Title == "" {
				mv.Title = c.URL
			}
			mv.Quote = strings.Join(strings.Fields(c.Quote), " ")
		}
		v.Metrics = append(v.Metrics, mv)
	}
	for _, a := range st.Outbox.Recent {
		av := alertView{
			ID: a.ID, Kind: a.Kind, Metric: a.Metric, Channel: a.Channel,
			Headline: a.Headline, Link: a.Link,
			Status: a.Status, LastError: a.LastError, Attempts: a.Attempts,
			Created: tv(a.Created),
		}
		switch a.Status {
		case store.StatusSent:
			av.SentOrNextLabel, av.SentOrNextTry = "sent", tv(a.SentAt)
		case store.StatusPending:
			if !a.NextAttempt.IsZero() {
				av.SentOrNextLabel, av.SentOrNextTry = "next try", tv(a.NextAttempt)
			}
		}
		for _, ak := range st.Slack.Acks {
			if ak.AlertID == a.ID {
				av.AckedBy, av.AckedAt = ak.User, tv(ak.At)
			}
		}
		v.Alerts = append(v.Alerts, av)
	}
	return v
}
