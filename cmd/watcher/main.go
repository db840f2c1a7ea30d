// Command watcher polls official and press sources for the figures a
// newsroom tracks and alerts Slack (or the console) when one changes or a
// story misstates one. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/figwatch/watcher/internal/buildinfo"
	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/notify/slack"
	"github.com/figwatch/watcher/internal/outbox"
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
  watcher validate [--config FILE] [--strict] [--manifest FILE]
                                     check the config; print "ok" and a summary, or every error;
                                     warnings go to stderr (--strict: they fail too, exit 2);
                                     with a Slack app token, checks slack-app-manifest.yaml too
  watcher extract  [--config FILE] [--json] [--all] PATH|-
                                     print the figures in a text file (or stdin)
  watcher test-alert [--config FILE] send one sample of each alert kind to the configured destination
  watcher demo     [--config FILE]   replay the 2024-2025 story offline and print the alerts
  watcher status   [--config FILE] [--db FILE]
                                     sources and their health, metrics, outbox, last errors
  watcher history  [--config FILE] [--db FILE] METRIC
                                     a metric's observations with source, date, wording, quote
  watcher corrections [--config FILE] [--db FILE]
                                     figures corrected from Slack ("Wrong metric") and the none:
                                     terms that would have avoided each
  watcher export   [--config FILE] [--db FILE] [--format csv|json] [--table observations|figures]
  watcher backup   [--config FILE] FILE
                                     a hot, consistent copy of the database (through the daemon's
                                     listener when it runs)
  watcher compact  [--config FILE]   rewrite the database without free pages (daemon stopped)
  watcher version                    print the version

--config defaults to $WATCHER_CONFIG, else config/watcher.yaml.
`

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the whole command: SIGINT and SIGTERM cancel the one context every
// subcommand runs under.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "once":
		return cmdOnce(ctx, rest, stdout, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "extract":
		return cmdExtract(rest, stdin, stdout, stderr)
	case "test-alert":
		return cmdTestAlert(ctx, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "status":
		return cmdStatus(ctx, rest, stdout, stderr)
	case "history":
		return cmdHistory(ctx, rest, stdout, stderr)
	case "corrections":
		return cmdCorrections(ctx, rest, stdout, stderr)
	case "export":
		return cmdExport(ctx, rest, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr)
	case "compact":
		return cmdCompact(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "watcher", buildinfo.Version())
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "watcher: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

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
	manifest := fs.String("manifest", "", "Slack app manifest to check against the config (default with an app token: slack-app-manifest.yaml next to the config)")
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
	secrets, err := cfg.Secrets(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cfg.Path, err)
		return exitUsage
	}
	if warns := manifestWarnings(cfg, secrets, *manifest); len(warns) > 0 {
		for _, w := range warns {
			fmt.Fprintln(stderr, "warning: "+w)
		}
		if *strict {
			return exitUsage
		}
	}
	fmt.Fprintf(stdout, "ok: %s: %s\n", cfg.Path, cfg.Summary())
	return exitOK
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, path := flags("run", stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	// SIGHUP reloads; only `run` catches it, so it still ends the
	// one-shot commands as it ends any other program.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	cfg, log, notifier, ok := setup(*path, stdout, stderr)
	if !ok {
		return exitUsage
	}
	sopts := storeOptions(cfg, log)
	// The daemon writes for weeks: it must not grow the file for want of
	// one contiguous run of pages for the free list (store.Options).
	sopts.NoFreelistSync = true
	db, err := openStore(cfg, sopts, log)
	if err != nil {
		return exitFailure
	}
	defer closeStore(db, log)
	// Bound before the daemon starts, so a taken port or a bad address
	// fails the start (systemd never hears READY=1) instead of a log line
	// at shutdown.
	var lns []net.Listener
	if cfg.HTTP.Enabled() {
		ln, err := web.Listen(ctx, cfg.HTTP.Listen)
		if err != nil {
			log.Error("cannot serve http.listen: not starting", "listen", cfg.HTTP.Listen, "err", err)
			return exitFailure
		}
		lns = append(lns, ln)
		if cfg.HTTP.Exposed() {
			log.Warn("http.listen is not a loopback address: the status page and /metrics are reachable from the network", "listen", cfg.HTTP.Listen)
		}
	}
	if cfg.HTTP.Socket != "" {
		ln, err := web.ListenUnix(ctx, cfg.HTTP.Socket)
		if err != nil {
			log.Error("cannot serve http.socket: not starting", "socket", cfg.HTTP.Socket, "err", err)
			for _, ln := range lns {
				ln.Close()
			}
			return exitFailure
		}
		lns = append(lns, ln)
	}
	fetcher := newFetcher(cfg, log)
	defer fetcher.Close()

	reg := newRegistry()
	opts := daemonOptions(cfg, db, fetcher, notifier, log)
	opts.Metrics = daemon.NewMetrics(reg)
	opts.OutboxMetrics = outbox.NewMetrics(reg)
	opts.SdNotify, opts.WatchdogInterval = systemd(log)
	opts.Reload, opts.Loader = hup, loader(*path, stdout, log)
	var d *daemon.Daemon
	if opts.App, err = slackApp(cfg, db, &d, reg, log); err != nil {
		log.Error("start", "err", err)
		return exitUsage
	}
	d, err = daemon.New(opts)
	if err != nil {
		for _, ln := range lns {
			ln.Close()
		}
		log.Error("start", "err", err)
		return exitUsage
	}
	reg.MustRegister(d.Collector())
	return runDaemon(ctx, d, lns, httpOptions(cfg, d, db, reg, log), log)
}

// setup loads the config and builds what every command that polls needs:
// the logger and the notifier. false: the error is printed and the exit
// is exitUsage.
func setup(path string, stdout, stderr io.Writer) (*config.Config, *slog.Logger, notify.Notifier, bool) {
	cfg, ok := loadConfig(path, stderr)
	if !ok {
		return nil, nil, nil, false
	}
	log := newLogger(cfg, stderr)
	secrets, err := cfg.Secrets(os.Getenv)
	if err != nil {
		log.Error("slack secret", "config", cfg.Path, "err", err)
		return nil, nil, nil, false
	}
	n, err := newNotifier(cfg, secrets, stdout, log)
	if err != nil {
		log.Error("notifier", "err", err)
		return nil, nil, nil, false
	}
	return cfg, log, n, true
}

// loader reloads the config at path and its notifier, for SIGHUP.
func loader(path string, stdout io.Writer, log *slog.Logger) daemon.Loader {
	return func() (*config.Config, notify.Notifier, error) {
		cfg, err := config.Load(path)
		if err != nil {
			return nil, nil, err
		}
		secrets, err := cfg.Secrets(os.Getenv)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", cfg.Path, err)
		}
		n, err := newNotifier(cfg, secrets, stdout, log)
		return cfg, n, err
	}
}

// systemd is how the daemon talks to systemd: its notify socket, and the
// watchdog interval (half systemd's, as sd_watchdog_enabled(3) advises);
// both are no-ops when not run under systemd.
func systemd(log *slog.Logger) (sdNotify func(string), watchdog time.Duration) {
	sdNotify = func(state string) {
		if _, err := sddaemon.SdNotify(false, state); err != nil {
			log.Warn("systemd notify", "state", state, "err", err)
		}
	}
	if iv, err := sddaemon.SdWatchdogEnabled(false); err == nil && iv > 0 {
		watchdog = iv / 2
	}
	return sdNotify, watchdog
}

// runDaemon runs d and its HTTP listeners (http.listen, and the Unix
// socket when there is one) until ctx ends or a listener fails; either
// stops the rest.
func runDaemon(ctx context.Context, d *daemon.Daemon, lns []net.Listener, hopts web.Options, log *slog.Logger) int {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	httpErrs := make([]error, len(lns))
	h := web.Handler(hopts)
	for i, ln := range lns {
		wg.Go(func() {
			if httpErrs[i] = web.ServeListener(ctx, ln, h, log); httpErrs[i] != nil {
				cancel(httpErrs[i])
			}
		})
	}
	runErr := d.Run(ctx)
	cancel(nil)
	wg.Wait()
	code := exitOK
	if err := errors.Join(httpErrs...); err != nil {
		log.Error("http listener", "err", err)
		code = exitFailure
	}
	if runErr != nil {
		log.Error("run", "err", runErr)
		code = exitFailure
	}
	return code
}

func cmdOnce(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, path := flags("once", stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, log, notifier, ok := setup(*path, stdout, stderr)
	if !ok {
		return exitUsage
	}
	// `once` opens and closes the file every cycle: it keeps bbolt's free
	// list on disk rather than rebuild it at each start.
	db, err := openStore(cfg, storeOptions(cfg, log), log)
	if err != nil {
		return exitFailure
	}
	defer closeStore(db, log)
	fetcher := newFetcher(cfg, log)
	defer fetcher.Close()
	d, err := daemon.New(daemonOptions(cfg, db, fetcher, notifier, log))
	if err != nil {
		log.Error("start", "err", err)
		return exitUsage
	}
	if err := d.Once(ctx); err != nil {
		log.Error("once: some sources failed", "err", err)
		return exitFailure
	}
	return exitOK
}

// openStore opens the database read-write, logging why when it cannot
// (an unwritable directory, a file another watcher holds).
func openStore(cfg *config.Config, opts store.Options, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(cfg.Storage.Path, opts)
	if err != nil {
		log.Error("open database", "path", cfg.Storage.Path, "err", err)
	}
	return db, err
}

func closeStore(db *store.DB, log *slog.Logger) {
	if err := db.Close(); err != nil {
		log.Error("close database", "err", err)
	}
}

// newFetcher is the one HTTP client of a run, from the config's fetch
// section.
func newFetcher(cfg *config.Config, log *slog.Logger) *fetch.Client {
	return fetch.New(fetch.Options{
		UserAgent:      cfg.Fetch.UserAgent,
		ConnectTimeout: time.Duration(cfg.Fetch.ConnectTimeout),
		Timeout:        time.Duration(cfg.Fetch.Timeout),
		MaxBodyBytes:   int64(cfg.Fetch.MaxBodySize),
		MaxRedirects:   cfg.Fetch.MaxRedirects,
		Concurrency:    cfg.Fetch.Concurrency,
		PerHost:        cfg.Fetch.PerHost,
		HostDelay:      time.Duration(cfg.Fetch.HostDelay),
		AllowPrivate:   cfg.Fetch.AllowPrivate,
		Logger:         log,
	})
}

// daemonOptions is what `run` and `once` share; `run` adds metrics,
// systemd and reloads.
func daemonOptions(cfg *config.Config, db *store.DB, f daemon.Fetcher, n notify.Notifier, log *slog.Logger) daemon.Options {
	return daemon.Options{Config: cfg, DB: db, Fetcher: f, Notifier: n, Logger: log}
}

// newRegistry is the registry /metrics serves: the process's own
// collectors here, each component's registered by the component.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// httpOptions is what http.listen (and http.socket) serve.
func httpOptions(cfg *config.Config, d *daemon.Daemon, db *store.DB, reg prometheus.Gatherer, log *slog.Logger) web.Options {
	token := listenerToken(cfg)
	if token == "" && cfg.HTTP.Socket == "" {
		log.Info("no listener token set and no socket: /api/backup is refused, so watcher backup and export cannot read the database while the daemon runs",
			"token_env", cfg.HTTP.TokenEnv, "token_file", cfg.HTTP.TokenFile)
	}
	// A scraper on another machine names this one by its host name when
	// the listener is exposed; the Host check must let that through.
	var hosts []string
	if name, err := os.Hostname(); err == nil && name != "" {
		hosts = append(hosts, name)
	}
	return web.Options{
		Status: d, Health: d.Healthy, Gatherer: reg, Backup: db.Backup, Logger: log,
		Token: token, Listen: cfg.HTTP.Listen, Hosts: hosts, Pprof: cfg.HTTP.Pprof,
	}
}

func newNotifier(cfg *config.Config, s config.Secrets, stdout io.Writer, log *slog.Logger) (notify.Notifier, error) {
	switch {
	case s.BotToken != "":
		return newSlack(slack.Options{Token: s.BotToken.Reveal(), APIURL: cfg.Slack.APIURL, Channel: cfg.Slack.Channel, Logger: log, Location: cfg.Location,
			App: s.AppToken != "", AppMetrics: metricIDs(cfg)})
	case s.WebhookURL != "":
		return newSlack(slack.Options{WebhookURL: s.WebhookURL.Reveal(), Logger: log, Location: cfg.Location})
	default:
		log.Info("no Slack secret set: alerts go to the console", "token_env", cfg.Slack.TokenEnv, "webhook_url_env", cfg.Slack.WebhookURLEnv)
		// Alerts show times in the newsroom's zone (config timezone).
		return console.New(stdout, console.WithLocation(cfg.Location)), nil
	}
}

// newSlack is slack.New as a notify.Notifier: a nil *slack.Notifier must
// not become a non-nil interface.
func newSlack(opts slack.Options) (notify.Notifier, error) {
	n, err := slack.New(opts)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// newLogger is the config's logger; bbolt's own diagnostics only with
// log.store: debug.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	return daemon.NewLogger(w, daemon.LogOptions{Level: cfg.Log.Level, Format: cfg.Log.Format, StoreDebug: cfg.Log.Store == config.StoreLogDebug})
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
