// Package daemon runs watcher: a cron entry per source, one poll cycle per
// source (fetch → parse → extract → diff+store in one transaction), and the
// outbox loop that delivers alerts. It owns lifetimes and wiring, not any
// stage's logic.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/outbox"
	"github.com/figwatch/watcher/internal/period"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// Fetcher gets one URL, conditionally; *fetch.Client implements it.
type Fetcher interface {
	Get(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Options wires a Daemon. Config, DB, Fetcher and Notifier are required.
type Options struct {
	Config   *config.Config
	DB       *store.DB
	Fetcher  Fetcher
	Notifier notify.Notifier
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxJitter bounds the per-source delay before a scheduled poll, so that
	// sources sharing a schedule do not hit the network in the same
	// millisecond. Default 3s; tests set a negative value for none.
	MaxJitter time.Duration
	// CycleTimeout bounds one source's poll, articles included. Default:
	// fetch.cycle_timeout.
	CycleTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for in-flight polls and a
	// last delivery pass after its context is cancelled. Default 30s.
	ShutdownTimeout time.Duration
	// Metrics, when set, receives the daemon's counts and the outbox's
	// deliveries (NewMetrics on the registry /metrics serves).
	Metrics *Metrics
	// SdNotify, when set, is called with systemd notify states
	// ("READY=1", "STOPPING=1", "WATCHDOG=1"); WatchdogInterval > 0 turns
	// on watchdog pings at that interval.
	SdNotify         func(state string)
	WatchdogInterval time.Duration
	// MaxStoreFailures is how many polls in a row may fail to be written
	// before Healthy fails; DefaultMaxStoreFailures when zero.
	MaxStoreFailures int
	// Reload, with Loader, makes Run reload the config each time it fires
	// (cmd hands it the SIGHUP channel from signal.Notify as it is, so no
	// goroutine of its own forwards signals). Either nil: no reloads.
	Reload <-chan os.Signal
	Loader Loader
	// Getenv reads the sources' secret headers from the environment
	// (os.Getenv when nil; tests pass their own).
	Getenv func(string) string
	// App, when set, is the Slack app's Socket Mode connection, run and
	// waited for by Run (slackapp.go).
	App SocketApp
}

// Daemon is the running pipeline.
type Daemon struct {
	db      *store.DB
	fetcher Fetcher
	log     *slog.Logger
	now     func() time.Time
	opts    Options
	started time.Time

	// rt is what a config reload replaces, as one unit: a poll or a
	// delivery reads it once per use and never sees half of two configs.
	rt atomic.Pointer[runtime]
	// schedMu guards sched, the cron entries of the running schedule.
	schedMu sync.Mutex
	sched   *schedule

	// slots bounds the polls running at once and guards each source
	// against overlapping polls, whichever of cron, start-up catch-up or
	// `once` started them.
	slots *slots
	// wake nudges the outbox loop after a poll queued alerts.
	wake chan struct{}
	// outbox queues and delivers alerts under the runtime's policy and
	// notifier.
	outbox *outbox.Outbox

	// stats counts for /metrics; nil counts nothing.
	stats *Metrics
	// descs are the scrape-time gauges' descriptions (Collect).
	descs statusDescs

	// retain enforces the retention settings.
	retain *retainer
	// writes is the run of polls that could not be written.
	writes writeHealth

	schedBeat atomic.Int64 // unix nanos of the scheduler's last heartbeat

	// cycle is Once's pass over the sources while it runs, nil
	// otherwise (see cycle).
	cycle atomic.Pointer[cycle]
	// statusCache keeps the metric histories and alert descriptions
	// statuses read.
	statusCache statusCache
}

// New checks the options and compiles the metric rules.
func New(opts Options) (*Daemon, error) {
	if opts.Config == nil || opts.DB == nil || opts.Fetcher == nil || opts.Notifier == nil {
		return nil, errors.New("daemon: config, database, fetcher and notifier are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxJitter == 0 {
		opts.MaxJitter = 3 * time.Second
	}
	if opts.CycleTimeout <= 0 {
		opts.CycleTimeout = time.Duration(opts.Config.Fetch.CycleTimeout)
	}
	if opts.CycleTimeout <= 0 {
		opts.CycleTimeout = 2*time.Duration(opts.Config.Fetch.Timeout) + time.Minute
	}
	if opts.MaxStoreFailures <= 0 {
		opts.MaxStoreFailures = DefaultMaxStoreFailures
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	rt, err := newRuntime(opts.Config, opts.Notifier, opts.Getenv, opts.Logger)
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		db: opts.DB, fetcher: opts.Fetcher, log: opts.Logger, now: opts.Now, opts: opts,
		wake: make(chan struct{}, 1), stats: opts.Metrics, descs: newStatusDescs(), started: opts.Now(),
		slots: newSlots(max(16, 4*opts.Config.Fetch.Concurrency), opts.Logger),
	}
	d.rt.Store(rt)
	var om *outbox.Metrics
	if opts.Metrics != nil {
		om = opts.Metrics.outbox
	}
	if d.outbox, err = newOutbox(d, om); err != nil {
		return nil, err
	}
	d.retain = &retainer{db: d.db, log: d.log, now: d.now, conf: d.conf}
	d.stats.reloaded(true, opts.Now())
	return d, nil
}

// runtime is everything derived from one config.
type runtime struct {
	cfg      *config.Config
	ext      *extract.Extractor
	metrics  map[string]diff.Metric
	notifier notify.Notifier
	policy   *outbox.Policy
	// secrets are the sources' secret headers (secret_headers), read
	// when the config is loaded: source id → header → value.
	secrets map[string]map[string]config.Secret
	// specs are the sources as internal/source reads them, by id.
	specs map[string]source.Spec
	// readWith is the digest of the settings every source is read with
	// (metric rules, fiscal year, time zone, feed caps) and the watcher
	// version (see readWith; contentHash adds the source's own); empty
	// when it could not be made.
	readWith []byte
}

func newRuntime(cfg *config.Config, n notify.Notifier, getenv func(string) string, log *slog.Logger) (*runtime, error) {
	ext, err := NewExtractor(cfg)
	if err != nil {
		return nil, err
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	secrets, err := cfg.SourceSecrets(getenv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	// What internal/source needs of the sources with jq or discover
	// expressions or CSV mappings, compiled once per config rather than
	// at every poll (and checked here, so that a bad one stops the start).
	// The other sources' specs are a few fields of the config, nothing
	// compiled, built by each poll: held for all of 10,000 sources they
	// were 3 MB for the whole of a cycle.
	specs := make(map[string]source.Spec)
	for _, src := range cfg.Sources {
		if !compiledSpec(src) {
			continue
		}
		spec, err := sourceSpec(cfg, src)
		if err != nil {
			return nil, fmt.Errorf("%s: source %s: %w", cfg.Path, src.ID, err)
		}
		specs[src.ID] = spec
	}
	for _, src := range cfg.Sources {
		if src.Enabled && src.Kind == config.KindPDF {
			if err := source.PDFToTextAvailable(); err != nil {
				log.Error("PDF sources will fail", "source", src.ID, "err", err)
			}
		}
	}
	metrics := make(map[string]diff.Metric, len(cfg.Metrics))
	for _, m := range cfg.Metrics {
		dm := diff.Metric{Label: m.Label, Tolerance: float64(m.Tolerance), Series: period.Kind(m.Series)}
		switch {
		case m.MinChange.Pct > 0:
			dm.MinChange, dm.MinChangeRelative = m.MinChange.Pct/100, true
		case m.MinChange.Abs > 0:
			dm.MinChange = m.MinChange.Abs
		}
		metrics[m.ID] = dm
	}
	return &runtime{cfg: cfg, ext: ext, metrics: metrics, notifier: n, policy: outbox.NewPolicy(cfg), secrets: secrets, specs: specs,
		readWith: readWith(cfg)}, nil
}

// conf is the config in force.
func (d *Daemon) conf() *config.Config { return d.rt.Load().cfg }

// NewExtractor compiles the config's metric rules into an extractor.
func NewExtractor(cfg *config.Config) (*extract.Extractor, error) {
	rules := make([]extract.Rule, 0, len(cfg.Metrics))
	for _, m := range cfg.Metrics {
		rules = append(rules, extract.Rule{Metric: m.ID, Any: m.Any, All: m.All, None: m.None, Units: m.Units})
	}
	ext, err := extract.New(rules)
	if err != nil {
		return nil, fmt.Errorf("compile metric rules of %s: %w", cfg.Path, err)
	}
	return ext, nil
}

// jitter is a stable per-source delay in [0, MaxJitter): stable so that a
// source keeps its slot from one run to the next.
func jitter(id string, maxJitter time.Duration) time.Duration {
	if maxJitter <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return time.Duration(h.Sum64() % uint64(maxJitter))
}

// kick nudges the loop waiting on wake, without waiting itself.
func kick(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// pollHeld polls a claimed source holding a slot, bounded by the cycle
// timeout, with a panic turned into an error.
func (d *Daemon) pollHeld(ctx context.Context, src config.Source) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("poll %s: panic: %v", src.ID, r)
			d.log.Error("poll panicked", "source", src.ID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, d.opts.CycleTimeout)
	defer cancel()
	return d.Poll(ctx, src)
}
