package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// Options configures a replay.
type Options struct {
	// Metrics are the tracked metrics and their wording rules: the
	// shipped config's, so the demo shows what a newsroom would get.
	Metrics []config.Metric
	// Out receives the narration and, with the console notifier, the
	// alerts.
	Out io.Writer
	// Notifier delivers the alerts; the console on Out when nil.
	Notifier notify.Notifier
	Logger   *slog.Logger
	// Dir holds the temporary database; a new temporary directory, removed
	// afterwards, when empty.
	Dir string
	// Serve, when set (host:port), keeps serving the status page, /metrics
	// and /healthz of the replayed database there until ctx ends, so the
	// page can be seen with the story's data.
	Serve string
}

// NoMatchError is Run's answer to metrics of which none states a figure of
// the replayed story: the replay would print its steps with no alert
// under any of them.
type NoMatchError struct {
	// Metrics are the ids of the metrics given, none of which matches.
	Metrics []string
}

func (e *NoMatchError) Error() string {
	const story = "the demo replays the DHS OIG unaccompanied-children story; run it without --config to see it"
	if len(e.Metrics) == 0 {
		return "the config has no metrics, so nothing in the demo's story would alert; " + story
	}
	return fmt.Sprintf("none of your metrics (%s) match the demo's story; %s", strings.Join(e.Metrics, ", "), story)
}

// Check tells which of metrics state no figure anywhere in the scenario,
// by running their rules over every item the replay serves. When none
// matches (or there are none) the error is a *NoMatchError.
func Check(metrics []config.Metric) (unmatched []string, err error) {
	ext, err := daemon.NewExtractor(&config.Config{Path: "demo", Metrics: metrics})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	matched := map[string]bool{}
	for _, step := range Scenario() {
		for _, items := range step.Feeds {
			for _, it := range items {
				for _, text := range []string{it.Title, it.Text} {
					for _, f := range ext.Extract(text) {
						matched[f.Metric] = true
					}
				}
			}
		}
	}
	var ids []string
	for _, m := range metrics {
		ids = append(ids, m.ID)
		if !matched[m.ID] {
			unmatched = append(unmatched, m.ID)
		}
	}
	if len(unmatched) == len(metrics) {
		return unmatched, &NoMatchError{Metrics: ids}
	}
	return unmatched, nil
}

// Run replays Scenario through the real daemon: each step's feeds are
// served from memory, every source is polled once, and the alerts are
// delivered.
func Run(ctx context.Context, opts Options) error {
	r, err := replay(ctx, &opts)
	if r != nil {
		defer r.close()
	}
	if err != nil || opts.Serve == "" {
		return err
	}
	fmt.Fprintf(opts.Out, "\n━━ The status page of this replay: http://%s/ (Ctrl-C to stop)\n", opts.Serve)
	return web.Serve(ctx, opts.Serve, r.handler(opts), opts.Logger)
}

// replayed is a finished replay: its daemon, the registry its metrics are
// on, and the clock it ran on.
type replayed struct {
	d     *daemon.Daemon
	reg   *prometheus.Registry
	clock *clock
	// began is when the replay began, in real time.
	began time.Time
	close func()
}

// status is the daemon's status as the demo's page shows it. The daemon
// started, by its clock, on the story's first day; read against the end
// of the story its uptime would be the story's 218 days. The demo has been
// up only since the replay began, so Started is that long before the
// daemon's Now: uptime and the "ago" columns then read on the one clock.
func (r *replayed) status(ctx context.Context) (web.Status, error) {
	st, err := r.d.Status(ctx)
	if err != nil {
		return st, err
	}
	st.Started = st.Now.Add(-time.Since(r.began))
	return st, nil
}

func (r *replayed) handler(opts Options) http.Handler {
	return web.Handler(web.Options{
		Status: web.StatusProviderFunc(r.status), Health: r.d.Healthy, Gatherer: r.reg, Listen: opts.Serve, Logger: opts.Logger,
	})
}

// replay runs the scenario. The returned replay, when not nil, must be
// closed, even with an error.
func replay(ctx context.Context, opts *Options) (*replayed, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Notifier == nil {
		opts.Notifier = console.New(opts.Out)
	}
	unmatched, err := Check(opts.Metrics)
	if err != nil {
		return nil, err
	}
	r := &replayed{began: time.Now(), close: func() {}}
	var closers []func()
	r.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "watcher-demo-")
		if err != nil {
			return nil, fmt.Errorf("demo: temporary directory: %w", err)
		}
		closers = append(closers, func() { os.RemoveAll(dir) })
		opts.Dir = dir
	}
	if len(unmatched) > 0 {
		fmt.Fprintf(opts.Out, "\nNote: %s %s no figure in this story, so %s silent below.\n",
			strings.Join(unmatched, ", "), plural(len(unmatched), "matches", "match"), plural(len(unmatched), "it stays", "they stay"))
	}

	// The scenario is served from memory through the daemon's Fetcher
	// interface: no socket, and no test server in the shipped binary.
	srv := &server{base: "http://demo.invalid", feeds: map[string][]Item{}}
	cfg, err := config.Parse("demo.yaml", []byte(configYAML(srv.base, filepath.Join(opts.Dir, "demo.db"), opts.Metrics)))
	if err != nil {
		return r, fmt.Errorf("demo: config: %w", err)
	}
	db, err := store.Open(cfg.Storage.Path, store.Options{})
	if err != nil {
		return r, fmt.Errorf("demo: %w", err)
	}
	closers = append(closers, func() { db.Close() })
	r.clock = &clock{}
	r.clock.Set(Scenario()[0].At)
	r.reg = prometheus.NewRegistry()
	r.d, err = daemon.New(daemon.Options{
		Config: cfg, DB: db, Fetcher: srv, Notifier: opts.Notifier, Logger: opts.Logger,
		Now: r.clock.Now, MaxJitter: -1, Metrics: daemon.NewMetrics(r.reg),
	})
	if err != nil {
		return r, fmt.Errorf("demo: %w", err)
	}
	r.reg.MustRegister(r.d.Collector())
	for _, step := range Scenario() {
		r.clock.Set(step.At)
		srv.set(step.Feeds)
		fmt.Fprintf(opts.Out, "\n━━ %s\n\n", step.Say)
		if err := r.d.Once(ctx); err != nil {
			return r, fmt.Errorf("demo: %w", err)
		}
	}
	// From here the story's clock runs on in real time, so the status
	// page's "ago" columns move as a running daemon's do.
	r.clock.Run()
	return r, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func configYAML(base, dbPath string, metrics []config.Metric) string {
	var b strings.Builder
	fmt.Fprintf(&b, "storage:\n  path: %q\n", dbPath)
	b.WriteString("fetch:\n  user_agent: \"watcher-demo (+https://github.com/figwatch/watcher)\"\n")
	// Stories three days apart are one wave of coverage.
	b.WriteString("alerts:\n  dedupe_window: 7d\n")
	b.WriteString("sources:\n")
	for _, f := range Feeds {
		fmt.Fprintf(&b, "  - id: %s\n    name: %q\n    url: %s/feed/%s.xml\n    authority: %s\n    alert_on_first_poll: true\n", f[0], f[1], base, f[0], f[2])
	}
	if len(metrics) > 0 {
		b.WriteString("metrics:\n")
	}
	list := func(xs []string) string {
		if xs == nil {
			xs = []string{}
		}
		j, _ := json.Marshal(xs)
		return string(j)
	}
	for _, m := range metrics {
		fmt.Fprintf(&b, "  - id: %s\n    label: %q\n    tolerance: %q\n    any: %s\n    all: %s\n    none: %s\n    units: %s\n",
			m.ID, m.Label, m.Tolerance.String(), list(m.Any), list(m.All), list(m.None), list(m.Units))
	}
	return b.String()
}

// server plays the scenario's feeds.
type server struct {
	base  string
	mu    sync.Mutex
	feeds map[string][]Item
}

func (s *server) set(feeds map[string][]Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, items := range feeds {
		s.feeds[id] = items
	}
}

// Get implements daemon.Fetcher: it answers a feed URL with the feed's
// items at the current step, as an RSS document.
func (s *server) Get(ctx context.Context, req fetch.Request) (*fetch.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path, ok := strings.CutPrefix(req.URL, s.base)
	id, ok2 := strings.CutPrefix(path, "/feed/")
	id, ok3 := strings.CutSuffix(id, ".xml")
	title, known := "", false
	for _, f := range Feeds {
		if f[0] == id {
			title, known = f[1], true
		}
	}
	if !ok || !ok2 || !ok3 || !known {
		return nil, &fetch.StatusError{URL: req.URL, Status: http.StatusNotFound}
	}
	s.mu.Lock()
	items := s.feeds[id]
	s.mu.Unlock()
	body := []byte(RSS(title, s.base+"/"+id, items))
	return &fetch.Response{
		URL: req.URL, Status: http.StatusOK, Body: body, Bytes: int64(len(body)),
		ContentType: "application/rss+xml; charset=utf-8",
	}, nil
}

// clock is the replay's clock: set to each step's time, then, once Run,
// advancing in real time from the last one.
type clock struct {
	mu      sync.Mutex
	t       time.Time
	running time.Time // when Run was called; zero while the clock is set by hand
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.t.IsZero():
		return time.Now()
	case !c.running.IsZero():
		return c.t.Add(time.Since(c.running))
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.running = t, time.Time{}
}

// Run lets the clock advance in real time from where it stands.
func (c *clock) Run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running = time.Now()
}
