// Command loadgen is watcher's load harness (issue #7): a loopback site of
// N feeds of K items, each item linking to a realistic article page, and a
// driver that runs `watcher once` (or `watcher run`) against it and reports
// the cost of each cycle; optionally urlwatch on the same feeds as the
// reference. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// Options are the command-line flags.
type Options struct {
	Watcher, URLWatch, MetricsFrom  string
	N, K, Runs, Cycles, Concurrency int
	Warm                            int // warm cycles per run
	PressEvery, PerHost             int
	HostDelay                       time.Duration
	// Retain, when set, gives the generated config retention ages of that
	// length (and a retention run as often), so a run of minutes shows
	// whether the database stays bounded.
	Retain                   time.Duration
	P                        float64
	Follow, Daemon, Keep     bool
	Interval, Timeout, Serve time.Duration
	// Floor runs the floor client (floor.go) before watcher in every
	// cycle; Startup times `watcher validate` (a full config parse) in
	// every run.
	Floor, Startup bool
	// AllowPrivate writes fetch.allow_private: [127.0.0.1/32], without
	// which a watcher with the egress policy refuses the loopback site.
	// Left out, with a warning, when the build rejects the key.
	AllowPrivate bool
	// ScrapeAt lists the daemon cycles after which /metrics and the
	// status page are requested and measured.
	ScrapeAt     string
	ScrapeRepeat int
	// Profile, in daemon mode, saves a CPU profile of ProfileSeconds
	// taken from /debug/pprof at the start of cycle ProfileCycle.
	Profile        string
	ProfileCycle   int
	ProfileSeconds int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == floorCommand {
		os.Exit(floorMain(os.Args[2:]))
	}
	os.Exit(run())
}

func run() int {
	var o Options
	flag.StringVar(&o.Watcher, "watcher", "/tmp/watcher-bench", "watcher binary (go build -o /tmp/watcher-bench ./cmd/watcher)")
	flag.StringVar(&o.URLWatch, "urlwatch", "", "urlwatch binary: also run urlwatch on the same feeds as the reference")
	flag.StringVar(&o.MetricsFrom, "metrics-from", "config/watcher.yaml", "watcher config whose metrics: section the generated config copies")
	flag.IntVar(&o.N, "n", 1000, "feeds")
	flag.IntVar(&o.K, "k", 20, "items per feed")
	flag.Float64Var(&o.P, "p", 5, "percent of feeds changed before each changed cycle")
	flag.IntVar(&o.Cycles, "cycles", 1, "changed cycles per run (once mode); daemon cycles (-daemon)")
	flag.IntVar(&o.Runs, "runs", 5, "repetitions; the summary reports medians")
	flag.IntVar(&o.Warm, "warm", 1, "warm (all-304) cycles per run, each a sample of the warm median")
	flag.BoolVar(&o.Follow, "follow", true, "follow_links on every source (fetch each item's article)")
	flag.IntVar(&o.Concurrency, "concurrency", 8, "watcher fetch.concurrency")
	flag.IntVar(&o.PerHost, "per-host", 8, "watcher fetch.per_host: all feeds share 127.0.0.1 but stand for distinct sites (0: leave fetch.per_host and fetch.host_delay out)")
	flag.DurationVar(&o.HostDelay, "host-delay", 0, "watcher fetch.host_delay (its default, 1s, would space all N feeds' requests a second apart)")
	flag.IntVar(&o.PressEvery, "press-every", 5, "every n-th source is a press source (0: all official)")
	flag.BoolVar(&o.Daemon, "daemon", false, "run `watcher run` for -cycles cycles and sample its RSS")
	flag.DurationVar(&o.Interval, "interval", 10*time.Second, "daemon mode: the sources' @every schedule")
	flag.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "limit on one measured process")
	flag.BoolVar(&o.Keep, "keep", false, "keep the work directory (configs, databases) and print its path")
	flag.DurationVar(&o.Retain, "retain", 0, "retention ages (alerts, observations, documents) and interval in the generated config, e.g. 2m (0: the defaults, days)")
	flag.DurationVar(&o.Serve, "serve", 0, "only serve the feeds for this long (admin: /_admin/change?pct=5, /_admin/stats?reset=1)")
	flag.BoolVar(&o.Floor, "floor", true, "run the floor client (only the N conditional GETs) before watcher in every cycle, for ratios to the floor")
	flag.BoolVar(&o.Startup, "startup", true, "time `watcher validate` (a full config parse, which `once` skips when its config cache is current) in every run")
	flag.BoolVar(&o.AllowPrivate, "allow-private", true, "write fetch.allow_private: [127.0.0.1/32] (left out when the build rejects the key)")
	flag.StringVar(&o.ScrapeAt, "scrape-at", "1,30", "daemon mode: cycles after which /metrics and the status page are measured (empty: none)")
	flag.IntVar(&o.ScrapeRepeat, "scrape-repeat", 3, "daemon mode: scrapes of each path per -scrape-at cycle; the table gives medians")
	flag.StringVar(&o.Profile, "profile", "", "daemon mode: save a CPU profile from /debug/pprof to this file")
	flag.IntVar(&o.ProfileCycle, "profile-cycle", 1, "daemon mode: the cycle at whose start -profile begins")
	flag.IntVar(&o.ProfileSeconds, "profile-seconds", 20, "daemon mode: length of the -profile CPU profile")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if o.N < 1 || o.K < 1 || o.Runs < 1 || o.Cycles < 0 || o.P < 0 || o.P > 100 {
		log.Error("bad flags: need n, k, runs ≥ 1, cycles ≥ 0, 0 ≤ p ≤ 100")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := NewServer(o.N, o.K)
	if err != nil {
		log.Error("start server", "err", err)
		return 1
	}
	defer srv.Close()

	if o.Serve > 0 {
		log.Info("serving", "url", srv.URL(), "feeds", o.N, "items", o.K, "for", o.Serve)
		select {
		case <-ctx.Done():
		case <-time.After(o.Serve):
		}
		return 0
	}
	if _, err := os.Stat(o.Watcher); err != nil {
		log.Error("watcher binary: build it with go build -o /tmp/watcher-bench ./cmd/watcher", "err", err)
		return 2
	}
	metrics, err := MetricsSection(o.MetricsFrom)
	if err != nil {
		log.Error("metrics", "err", err)
		return 2
	}
	if o.AllowPrivate {
		o.AllowPrivate = probeAllowPrivate(ctx, log, srv, o, metrics)
	}
	if o.Daemon {
		err = runDaemon(ctx, log, os.Stdout, srv, o, metrics)
	} else {
		err = runOnce(ctx, log, os.Stdout, srv, o, metrics)
	}
	if err != nil {
		log.Error("bench failed", "err", err)
		return 1
	}
	return 0
}

// workDir makes a directory for one run's files, removed unless -keep.
func workDir(log *slog.Logger, keep bool) (string, func(), error) {
	dir, err := os.MkdirTemp("", "watcher-loadgen-")
	if err != nil {
		return "", nil, fmt.Errorf("make work directory: %w", err)
	}
	return dir, func() {
		if keep {
			log.Info("kept work directory", "dir", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}, nil
}

// runOnce is the default mode: per run, a cold cycle, a warm cycle and
// -cycles cycles with P% of the feeds changed, each with `watcher once`
// and, with -urlwatch, urlwatch right after it on the same server state.
func runOnce(ctx context.Context, log *slog.Logger, out io.Writer, srv *Server, o Options, metrics string) error {
	var all []Result
	for r := 1; r <= o.Runs; r++ {
		res, err := oneRun(ctx, log, srv, o, metrics, r)
		all = append(all, res...)
		if err != nil {
			return fmt.Errorf("run %d: %w", r, err)
		}
	}
	printSummary(out, o, all)
	return nil
}

func oneRun(ctx context.Context, log *slog.Logger, srv *Server, o Options, metrics string, run int) ([]Result, error) {
	dir, cleanup, err := workDir(log, o.Keep)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	srv.Reset()
	w := Watcher{Bin: o.Watcher, Config: filepath.Join(dir, "watcher.yaml"), DBPath: filepath.Join(dir, "watcher.db"), Sources: o.N, Timeout: o.Timeout}
	if err := WriteConfig(w.Config, srv, ConfigOptions{
		N: o.N, Follow: o.Follow, DBPath: w.DBPath, Schedule: "@every 15m",
		Concurrency: o.Concurrency, PerHost: o.PerHost, HostDelay: o.HostDelay,
		PressEvery: o.PressEvery, Metrics: metrics, Retain: o.Retain, AllowPrivate: o.AllowPrivate,
	}); err != nil {
		return nil, err
	}
	var fl *Floor
	if o.Floor {
		fdir := filepath.Join(dir, "floor")
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find this program for the floor client: %w", err)
		}
		if err := os.Mkdir(fdir, 0o700); err != nil {
			return nil, fmt.Errorf("make floor directory: %w", err)
		}
		fl = &Floor{Bin: self, Dir: fdir, Concurrency: o.Concurrency, Timeout: o.Timeout}
		if err := fl.Setup(srv, o.N); err != nil {
			return nil, err
		}
	}
	var uw *URLWatch
	if o.URLWatch != "" {
		udir := filepath.Join(dir, "urlwatch")
		if err := os.Mkdir(udir, 0o700); err != nil {
			return nil, fmt.Errorf("make urlwatch directory: %w", err)
		}
		uw = &URLWatch{Bin: o.URLWatch, Dir: udir, Timeout: o.Timeout}
		if err := uw.Setup(srv, o.N); err != nil {
			return nil, err
		}
	}

	var results []Result
	step := func(scenario string, cycle int) error {
		// The floor first, then watcher: interleaved, so that load from
		// elsewhere on the machine touches both alike.
		var tools []func(context.Context) (Result, error)
		if fl != nil {
			tools = append(tools, fl.Once)
		}
		tools = append(tools, w.Once)
		if o.Startup && scenario == "warm" {
			tools = append(tools, w.Validate)
		}
		if uw != nil {
			tools = append(tools, uw.Once)
		}
		for _, once := range tools {
			srv.Stats(true)
			res, err := once(ctx)
			if err != nil {
				return fmt.Errorf("%s cycle: %w", scenario, err)
			}
			res.Scenario, res.Cycle, res.Server, res.Items = scenario, cycle, srv.Stats(true), srv.ItemsServed()
			results = append(results, res)
			log.Info("cycle", "run", run, "tool", res.Tool, "scenario", scenario, "cycle", cycle,
				"wall", res.Wall.Round(time.Millisecond), "cpu", res.CPU.Round(time.Millisecond),
				"rss_mb", mb(res.MaxRSS), "requests", res.Server.Requests, "not_modified", res.Server.NotModified,
				"articles", res.Server.Articles, "served_mb", mb(res.Server.Bytes), "figures", res.Log.Figures,
				"events", res.Log.Events, "failed", res.Log.Failed, "db_mb", mb(res.DBSize))
		}
		return nil
	}
	if err := step("cold", 0); err != nil {
		return results, err
	}
	// Several warm cycles per run give the medians their samples without
	// paying a cold cycle for each, which at N=10,000 takes minutes.
	for range max(o.Warm, 1) {
		if err := step("warm", 0); err != nil {
			return results, err
		}
	}
	for c := 1; c <= o.Cycles; c++ {
		srv.Change(o.P)
		if err := step("changed", c); err != nil {
			return results, err
		}
	}
	return results, nil
}

// runDaemon runs `watcher run` with every source on "@every interval" for
// o.Cycles cycles. A cycle ends when every source has logged its poll; the
// driver then samples the process's RSS and changes P% of the feeds for
// the next one.
func runDaemon(ctx context.Context, log *slog.Logger, out io.Writer, srv *Server, o Options, metrics string) error {
	dir, cleanup, err := workDir(log, o.Keep)
	if err != nil {
		return err
	}
	defer cleanup()
	srv.Reset()
	cfgPath, dbPath := filepath.Join(dir, "watcher.yaml"), filepath.Join(dir, "watcher.db")
	listen, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	// The profiler hands out the process's memory, so watcher serves it
	// only with http.pprof on and behind a bearer token.
	var token string
	if o.Profile != "" {
		if token, err = newToken(); err != nil {
			return err
		}
	}
	scrapeAt, err := parseCycles(o.ScrapeAt)
	if err != nil {
		return err
	}
	if err := WriteConfig(cfgPath, srv, ConfigOptions{
		N: o.N, Follow: o.Follow, DBPath: dbPath, Schedule: "@every " + o.Interval.String(),
		Concurrency: o.Concurrency, PerHost: o.PerHost, HostDelay: o.HostDelay,
		PressEvery: o.PressEvery, Metrics: metrics, Retain: o.Retain, AllowPrivate: o.AllowPrivate,
		Listen: listen, PprofToken: token != "",
	}); err != nil {
		return err
	}
	var env []string
	if token != "" {
		env = append(env, pprofTokenEnv+"="+token)
	}
	d, err := StartDaemon(ctx, o.Watcher, cfgPath, env...)
	if err != nil {
		return err
	}
	var samples []DaemonSample
	var scrapes []Scrape
	var profDone <-chan error
	runErr := func() error {
		for c := 1; c <= o.Cycles; c++ {
			if o.Profile != "" && c == o.ProfileCycle {
				profDone = startProfile(ctx, log, "http://"+listen, token, o.Profile, o.ProfileSeconds)
			}
			// The first cycle fetches every article; later ones a few.
			limit := 5*o.Interval + time.Minute
			if c == 1 {
				limit = o.Timeout
			}
			if err := d.WaitPolls(ctx, c*o.N, limit); err != nil {
				return fmt.Errorf("cycle %d: %w", c, err)
			}
			s, err := d.Sample()
			if err != nil {
				return fmt.Errorf("cycle %d: %w", c, err)
			}
			s.Cycle, s.Server = c, srv.Stats(true)
			if fi, err := os.Stat(dbPath); err == nil {
				s.DBSize = fi.Size()
			}
			s.Items = srv.ItemsServed()
			samples = append(samples, s)
			if scrapeAt[c] {
				// The cycle's alerts out and the daemon idle, so that its
				// CPU time during a scrape is the scrape's.
				if idle, err := d.WaitIdle(ctx, 500*time.Millisecond, 10*time.Second); err != nil {
					return fmt.Errorf("cycle %d: %w", c, err)
				} else if !idle {
					log.Warn("daemon still busy 10 s after the cycle: the scrapes' CPU times include other work", "cycle", c)
				}
				for _, path := range []string{"/metrics", "/"} {
					var reps []Scrape
					for range max(o.ScrapeRepeat, 1) {
						sc, err := d.Scrape(ctx, "http://"+listen, path, o.N)
						if err != nil {
							return fmt.Errorf("cycle %d: %w", c, err)
						}
						reps = append(reps, sc)
					}
					sc := medianScrape(reps)
					sc.Cycle = c
					scrapes = append(scrapes, sc)
					log.Info("scrape", "cycle", c, "path", path, "wall", sc.Wall.Round(time.Millisecond),
						"cpu", sc.CPU, "anon_before_mb", mb(sc.AnonBefore), "anon_peak_mb", mb(sc.AnonPeak),
						"bytes", sc.Bytes, "series", sc.Series)
				}
			}
			log.Info("daemon cycle", "cycle", c, "rss_mb", mb(s.RSS), "hwm_mb", mb(s.HWM),
				"requests", s.Server.Requests, "not_modified", s.Server.NotModified,
				"articles", s.Server.Articles, "events", s.Log.Events, "failed", s.Log.Failed, "db_mb", mb(s.DBSize))
			srv.Change(o.P)
		}
		return nil
	}()
	if profDone != nil {
		if err := <-profDone; err != nil {
			log.Warn("CPU profile", "err", err)
		}
	}
	stopErr := d.Stop(time.Minute)
	if len(samples) > 0 {
		printDaemon(out, o, samples)
		printScrapes(out, o, scrapes)
		// The file only grows (bbolt keeps freed pages for reuse); what
		// retention bounds is the pages in use, readable once watcher is
		// gone and its lock with it.
		if u, err := ReadDBUsage(dbPath); err != nil {
			log.Warn("database usage after the run", "err", err)
		} else {
			fmt.Fprintf(out, "\n4. database after %d cycles: file %.1f MB, pages in use %.1f MB\n", len(samples), mb(u.File), mb(u.Used))
			printBuckets(out, u)
		}
	}
	return errors.Join(runErr, stopErr)
}
