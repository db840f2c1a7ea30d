// Command watcher polls official and press sources for the figures a
// newsroom tracks and alerts Slack (or the console) when one changes or a
// story misstates one. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/notify/slack"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // a run that went wrong: a source failed in `once`, the database is locked, ...
	exitUsage   = 2 // bad flags or a bad config file
)

const defaultConfig = "config/watcher.yaml"

const usage = `watcher: alerts a newsroom when an official figure changes or a story misstates one.

Usage:
  watcher run      [--config FILE]   run the daemon until SIGINT/SIGTERM
  watcher once     [--config FILE]   poll every source once, deliver alerts, exit (1 if a source failed)
  watcher validate [--config FILE] [--strict]
                                     check the config; print "ok" and a summary, or every error;
                                     warnings go to stderr (--strict: they fail too, exit 2)
  watcher extract  [--config FILE] [--json] [--all] PATH|-
                                     print the figures in a text file (or stdin)
  watcher test-alert [--config FILE] send one sample of each alert kind to the configured destination
  watcher demo     [--config FILE]   replay the 2024-2025 story offline and print the alerts
  watcher status   [--config FILE] [--db FILE]
                                     sources and their health, metrics, outbox, last errors
  watcher history  [--config FILE] [--db FILE] METRIC
                                     a metric's observations with source, date, wording, quote
  watcher export   [--config FILE] [--db FILE] [--format csv|json] [--table observations|figures]
  watcher backup   [--config FILE] FILE
                                     a hot, consistent copy of the database (through the daemon's
                                     listener when it runs)
  watcher compact  [--config FILE]   rewrite the database without free pages (daemon stopped)
  watcher version                    print the version

--config defaults to $WATCHER_CONFIG, else config/watcher.yaml.
`

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stdout, stderr)
	case "once":
		return cmdOnce(rest, stdout, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "extract":
		return cmdExtract(rest, stdin, stdout, stderr)
	case "test-alert":
		return cmdTestAlert(rest, stdout, stderr)
	case "demo":
		return cmdDemo(rest, stdout, stderr)
	case "status":
		return cmdStatus(rest, stdout, stderr)
	case "history":
		return cmdHistory(rest, stdout, stderr)
	case "export":
		return cmdExport(rest, stdout, stderr)
	case "backup":
		return cmdBackup(rest, stdout, stderr)
	case "compact":
		return cmdCompact(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "watcher", version())
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "watcher: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

func version() string { return daemon.Version() }

type flagSet = flag.FlagSet

// loadConfig loads path, printing every error of it to stderr when it
// does not load.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	return cfg, true
}

// parseConfig parses a subcommand's arguments and loads the config file
// they name; false means the error is printed and the exit is exitUsage.
func parseConfig(fs *flag.FlagSet, path *string, args []string, stderr io.Writer) (*config.Config, bool) {
	if err := fs.Parse(args); err != nil {
		return nil, false
	}
	return loadConfig(*path, stderr)
}

// flags is a subcommand's flag set with the --config flag every one has.
func flags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("watcher "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv("WATCHER_CONFIG")
	if def == "" {
		def = defaultConfig
	}
	path := fs.String("config", def, "config file (env WATCHER_CONFIG)")
	return fs, path
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs, path := flags("validate", stderr)
	strict := fs.Bool("strict", false, "treat warnings as errors (exit 2)")
	cfg, ok := parseConfig(fs, path, args, stderr)
	if !ok {
		return exitUsage
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning: "+w.Error())
	}
	if *strict && len(cfg.Warnings) > 0 {
		return exitUsage
	}
	if _, err := daemon.NewExtractor(cfg); err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if _, err := cfg.Secrets(os.Getenv); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cfg.Path, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "ok: %s: %s\n", cfg.Path, cfg.Summary())
	return exitOK
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs, path := flags("run", stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return withDaemon(ctx, *path, stdout, stderr, func(ctx context.Context, d *daemon.Daemon, w wiring) int {
		go d.WatchReload(ctx, hup, func() (*config.Config, notify.Notifier, error) {
			cfg, err := config.Load(*path)
			if err != nil {
				return nil, nil, err
			}
			secrets, err := cfg.Secrets(os.Getenv)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", cfg.Path, err)
			}
			n, err := newNotifier(cfg, secrets, stdout, w.log)
			return cfg, n, err
		})
		errc := make(chan error, 1)
		if w.cfg.HTTP.Enabled() {
			if w.cfg.HTTP.Exposed() {
				w.log.Warn("http.listen is not a loopback address: the status page, /api/backup and /debug/pprof are reachable from the network", "listen", w.cfg.HTTP.Listen)
			}
			go func() { errc <- web.Serve(ctx, w.cfg.HTTP.Listen, d.HTTPHandler(w.metrics), w.log) }()
		}
		runErr := d.Run(ctx)
		if w.cfg.HTTP.Enabled() {
			if err := <-errc; err != nil {
				w.log.Error("http listener", "err", err)
				return exitFailure
			}
		}
		if runErr != nil {
			w.log.Error("run", "err", runErr)
			return exitFailure
		}
		return exitOK
	}, true)
}

// wiring is what withDaemon built, for the command to use.
type wiring struct {
	cfg     *config.Config
	log     *slog.Logger
	metrics *web.Metrics
}

func cmdOnce(args []string, stdout, stderr io.Writer) int {
	fs, path := flags("once", stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return withDaemon(ctx, *path, stdout, stderr, func(ctx context.Context, d *daemon.Daemon, w wiring) int {
		if err := d.Once(ctx); err != nil {
			w.log.Error("once: some sources failed", "err", err)
			return exitFailure
		}
		return exitOK
	}, false)
}

// withDaemon loads the config, opens the database, builds the pipeline and
// hands it to fn; it undoes all of that in reverse order afterwards.
func withDaemon(ctx context.Context, path string, stdout, stderr io.Writer,
	fn func(context.Context, *daemon.Daemon, wiring) int, daemonMode bool) int {
	cfg, ok := loadConfig(path, stderr)
	if !ok {
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	secrets, err := cfg.Secrets(os.Getenv)
	if err != nil {
		log.Error("slack secret", "config", cfg.Path, "err", err)
		return exitUsage
	}
	sopts := storeOptions(cfg, log)
	// The daemon writes for weeks; `once` opens and closes every cycle
	// and must not pay for rebuilding the free-page list at each start.
	sopts.NoFreelistSync = daemonMode
	db, err := store.Open(cfg.Storage.Path, sopts)
	if err != nil {
		log.Error("open database", "err", err)
		return exitFailure
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	fetcher := fetch.New(fetch.Options{
		UserAgent:      cfg.Fetch.UserAgent,
		ConnectTimeout: time.Duration(cfg.Fetch.ConnectTimeout),
		Timeout:        time.Duration(cfg.Fetch.Timeout),
		MaxBodyBytes:   int64(cfg.Fetch.MaxBodySize),
		MaxRedirects:   cfg.Fetch.MaxRedirects,
		Concurrency:    cfg.Fetch.Concurrency,
		PerHost:        cfg.Fetch.PerHost,
		HostDelay:      time.Duration(cfg.Fetch.HostDelay),
		Logger:         log,
	})
	defer fetcher.Close()
	notifier, err := newNotifier(cfg, secrets, stdout, log)
	if err != nil {
		log.Error("notifier", "err", err)
		return exitUsage
	}
	opts := daemon.Options{Config: cfg, DB: db, Fetcher: fetcher, Notifier: notifier, Logger: log}
	var d *daemon.Daemon
	w := wiring{cfg: cfg, log: log}
	if daemonMode && cfg.HTTP.Enabled() {
		// The scrape-time gauges read the daemon, which needs the
		// metrics to be built: the provider resolves it when called.
		w.metrics = web.NewMetrics(version(), web.StatusProviderFunc(func(ctx context.Context) (web.Status, error) {
			return d.Status(ctx)
		}))
		opts.Metrics = w.metrics
	}
	if daemonMode {
		opts.SdNotify = func(state string) {
			if _, err := sddaemon.SdNotify(false, state); err != nil {
				log.Warn("systemd notify", "state", state, "err", err)
			}
		}
		if iv, err := sddaemon.SdWatchdogEnabled(false); err == nil && iv > 0 {
			opts.WatchdogInterval = iv / 2
		}
	}
	d, err = daemon.New(opts)
	if err != nil {
		log.Error("start", "err", err)
		return exitUsage
	}
	return fn(ctx, d, w)
}

func newNotifier(cfg *config.Config, s config.Secrets, stdout io.Writer, log *slog.Logger) (notify.Notifier, error) {
	switch {
	case s.BotToken != "":
		return slack.Open(slack.Options{Token: s.BotToken.Reveal(), APIURL: cfg.Slack.APIURL, Channel: cfg.Slack.Channel, Logger: log})
	case s.WebhookURL != "":
		return slack.Open(slack.Options{WebhookURL: s.WebhookURL.Reveal(), Logger: log})
	default:
		log.Info("no Slack secret set: alerts go to the console", "token_env", cfg.Slack.TokenEnv, "webhook_url_env", cfg.Slack.WebhookURLEnv)
		return console.New(stdout), nil
	}
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		lvl = slog.LevelInfo
	}
	o := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// storeOptions maps the config's retention onto the store: revisions: 0
// in the config keeps only the latest version, which the store spells -1.
func storeOptions(cfg *config.Config, log *slog.Logger) store.Options {
	revs := cfg.Retention.Revisions
	if revs == 0 {
		revs = -1
	}
	return store.Options{Timeout: 2 * time.Second, Logger: log, RevisionLimit: revs}
}
