package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

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

// Run replays Scenario through the real daemon: each step's feeds are
// served on a loopback server, every source is polled once, and the alerts
// are delivered.
func Run(ctx context.Context, opts Options) error {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Notifier == nil {
		opts.Notifier = console.New(opts.Out)
	}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "watcher-demo-")
		if err != nil {
			return fmt.Errorf("demo: temporary directory: %w", err)
		}
		defer os.RemoveAll(dir)
		opts.Dir = dir
	}

	srv := &server{feeds: map[string][]Item{}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	srv.base = hs.URL

	cfg, err := config.Parse("demo.yaml", []byte(configYAML(hs.URL, filepath.Join(opts.Dir, "demo.db"), opts.Metrics)))
	if err != nil {
		return fmt.Errorf("demo: config: %w", err)
	}
	db, err := store.Open(cfg.Storage.Path, store.Options{})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer db.Close()
	// The scenario is served on this host's loopback, which the egress
	// policy refuses unless listed.
	f := fetch.New(fetch.Options{UserAgent: cfg.Fetch.UserAgent, Timeout: 10 * time.Second, Logger: opts.Logger,
		AllowPrivate: fetch.LoopbackPrefixes()})
	defer f.Close()
	clock := &clock{}
	clock.Set(Scenario()[0].At)
	var d *daemon.Daemon
	metrics := web.NewMetrics(daemon.Version(), web.StatusProviderFunc(func(ctx context.Context) (web.Status, error) {
		return d.Status(ctx)
	}))
	d, err = daemon.New(daemon.Options{
		Config: cfg, DB: db, Fetcher: f, Notifier: opts.Notifier, Logger: opts.Logger,
		Now: clock.Now, MaxJitter: -1, Metrics: metrics,
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, step := range Scenario() {
		clock.Set(step.At)
		srv.set(step.Feeds)
		fmt.Fprintf(opts.Out, "\n━━ %s\n\n", step.Say)
		if err := d.Once(ctx); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if opts.Serve == "" {
		return nil
	}
	fmt.Fprintf(opts.Out, "\n━━ The status page of this replay: http://%s/ (Ctrl-C to stop)\n", opts.Serve)
	return web.Serve(ctx, opts.Serve, d.HTTPHandler(metrics), opts.Logger)
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

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/feed/")
	id, ok2 := strings.CutSuffix(id, ".xml")
	if !ok || !ok2 {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	items, known := s.feeds[id]
	s.mu.Unlock()
	var title string
	for _, f := range Feeds {
		if f[0] == id {
			title, known = f[1], true
		}
	}
	if !known {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	io.WriteString(w, RSS(title, s.base+"/"+id, items))
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
