// Command watcher polls official and press sources for the figures a
// newsroom tracks and alerts Slack (or the console) when one changes or a
// story misstates one. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

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

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the whole command: SIGINT and SIGTERM cancel the one context every
// subcommand runs under. Usage errors (an unknown command, flag, metric or
// source, a wrong number of arguments) exit 2 with the reason and a
// pointer to --help; a command that ran exits with its own status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot(stdin, stdout, stderr)
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root.SetArgs(args)
	c, err := root.ExecuteContextC(ctx)
	var ee exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	}
	if c == nil {
		c = root
	}
	fmt.Fprintf(stderr, "%s: %v\n", c.CommandPath(), err)
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", c.CommandPath())
	return exitUsage
}

// loadConfig loads path through the config cache, printing every error
// of it to stderr when it does not load.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	cfg, _, ok := loadCachedConfig(path, stderr)
	return cfg, ok
}

// loadCachedConfig is loadConfig with what the cache did, for commands
// that log it once their logger exists.
func loadCachedConfig(path string, stderr io.Writer) (*config.Config, config.CacheStatus, bool) {
	cfg, st, err := config.DefaultCache().Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, st, false
	}
	return cfg, st, true
}

// logCache says in the log what the config cache did: at debug level, or
// as a warning when its entry could not be read or written, which costs
// a full parse at every start.
func logCache(path string, st config.CacheStatus, log *slog.Logger) {
	switch {
	case st.Err != nil:
		log.Warn("config cache", "config", path, "err", st.Err,
			"help", "the config is parsed in full at each start; give the cache a writable directory (CacheDirectory=watcher in a systemd unit) or set "+config.CacheOffEnv+"=off")
	case st.Used:
		log.Debug("config cache", "config", path, "hit", st.Hit)
	}
}

// validateFlags are validate's flags.
type validateFlags struct {
	config   string
	strict   bool   // warnings fail too (exit 2)
	manifest string // the Slack app manifest to check against the config
}

func cmdValidate(o validateFlags, stdout, stderr io.Writer) int {
	// validate always parses: it is how to see the file as it is, and it
	// leaves the cache alone.
	cfg, err := config.Load(o.config)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning: "+w.Error())
	}
	if o.strict && len(cfg.Warnings) > 0 {
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
	if warns := manifestWarnings(cfg, secrets, o.manifest); len(warns) > 0 {
		for _, w := range warns {
			fmt.Fprintln(stderr, "warning: "+w)
		}
		if o.strict {
			return exitUsage
		}
	}
	if _, err := cfg.SourceSecrets(os.Getenv); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cfg.Path, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "ok: %s: %s\n", cfg.Path, cfg.Summary())
	return exitOK
}

// runFlags are run's flags.
type runFlags struct {
	config string
}

func cmdRun(ctx context.Context, o runFlags, stdout, stderr io.Writer) int {
	// SIGHUP reloads; only `run` catches it, so it still ends the
	// one-shot commands as it ends any other program.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	cfg, log, notifier, ok := setup(o.config, stdout, stderr, withApp)
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
	opts.SdNotify, opts.WatchdogInterval = systemd(log)
	opts.Reload, opts.Loader = hup, loader(o.config, stdout, log)
	var d *daemon.Daemon
	if opts.App, err = slackApp(cfg, db, &d, reg, log); err != nil {
		for _, ln := range lns {
			ln.Close()
		}
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
func setup(path string, stdout, stderr io.Writer, app appControls) (*config.Config, *slog.Logger, notify.Notifier, bool) {
	cfg, cached, ok := loadCachedConfig(path, stderr)
	if !ok {
		return nil, nil, nil, false
	}
	// Decoding a config of 10,000 sources grows the heap to ~50 MB of
	// YAML nodes that are garbage once it returns; the runtime would
	// hand them back to the system only minutes later, after a `once`
	// has ended, so they would sit under the database's mapped pages
	// for the whole cycle (issue #16: peak memory at 10,000 sources).
	// A small config's few megabytes are not worth the collection.
	if heapInUse() > freeAfterConfig {
		debug.FreeOSMemory()
	}
	log := newLogger(cfg, stderr)
	logCache(path, cached, log)
	logWarnings(cfg, log)
	secrets, err := cfg.Secrets(os.Getenv)
	if err != nil {
		log.Error("slack secret", "config", cfg.Path, "err", err)
		return nil, nil, nil, false
	}
	n, err := newNotifier(cfg, secrets, stdout, log, app)
	if err != nil {
		log.Error("notifier", "err", err)
		return nil, nil, nil, false
	}
	return cfg, log, n, true
}

// freeAfterConfig is the heap above which setup gives the config's
// garbage back to the system at once: a 1,000-source config leaves ~8 MB.
const freeAfterConfig = 24 << 20

// heapInUse is the bytes in the heap's spans in use, garbage included.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	var n uint64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindUint64 {
			n += v.Value.Uint64()
		}
	}
	return n
}

// logWarnings logs what validate prints as warnings, once per load, so a
// risky setting shows in the journal and not only in `watcher validate`.
func logWarnings(cfg *config.Config, log *slog.Logger) {
	for _, w := range cfg.Warnings {
		log.Warn("config", "warning", w.Error())
	}
}

// loader reloads the config at path and its notifier, for SIGHUP.
func loader(path string, stdout io.Writer, log *slog.Logger) daemon.Loader {
	return func() (*config.Config, notify.Notifier, error) {
		cfg, cached, err := config.DefaultCache().Load(path)
		if err != nil {
			return nil, nil, err
		}
		logCache(path, cached, log)
		logWarnings(cfg, log)
		secrets, err := cfg.Secrets(os.Getenv)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", cfg.Path, err)
		}
		n, err := newNotifier(cfg, secrets, stdout, log, withApp)
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

// onceFlags are once's flags.
type onceFlags struct {
	config string
}

func cmdOnce(ctx context.Context, o onceFlags, stdout, stderr io.Writer) int {
	cfg, log, notifier, ok := setup(o.config, stdout, stderr, withoutApp)
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

// appControls says whether alerts carry the Slack app's buttons.
type appControls bool

const (
	// withApp: `watcher run`, which runs the Slack app (Socket Mode) when
	// an app token is set, and so answers the buttons.
	withApp appControls = true
	// withoutApp: every other command; a button nobody answers is worse
	// than none.
	withoutApp appControls = false
)

func newNotifier(cfg *config.Config, s config.Secrets, stdout io.Writer, log *slog.Logger, app appControls) (notify.Notifier, error) {
	switch {
	case s.BotToken != "":
		return newSlack(slack.Options{
			Token: s.BotToken.Reveal(), APIURL: cfg.Slack.APIURL, Channel: cfg.Slack.Channel, Logger: log, Location: cfg.Location,
			App: bool(app) && s.AppToken != "", AppMetrics: cfg.MetricIDs(),
		})
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
// log.store: debug. When w is the stream systemd connected to the journal,
// lines carry journal priorities and no time of their own.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	f, _ := w.(*os.File)
	return daemon.NewLogger(w, daemon.LogOptions{
		Level: cfg.Log.Level, Format: cfg.Log.Format, StoreDebug: cfg.Log.Store == config.StoreLogDebug,
		Journal: daemon.JournalStream(f, os.Getenv("JOURNAL_STREAM")),
	})
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
