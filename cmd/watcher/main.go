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
	"runtime/debug"
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
  watcher validate [--config FILE]   check the config; print "ok" and a summary, or every error
  watcher extract  [--config FILE] [--json] [--all] PATH|-
                                     print the figures in a text file (or stdin)
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

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "devel-" + s.Value[:12]
			}
		}
	}
	return "devel"
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
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
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
	return withDaemon(ctx, *path, stdout, stderr, func(ctx context.Context, d *daemon.Daemon, log *slog.Logger) int {
		if err := d.Run(ctx); err != nil {
			log.Error("run", "err", err)
			return exitFailure
		}
		return exitOK
	}, true)
}

func cmdOnce(args []string, stdout, stderr io.Writer) int {
	fs, path := flags("once", stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return withDaemon(ctx, *path, stdout, stderr, func(ctx context.Context, d *daemon.Daemon, log *slog.Logger) int {
		if err := d.Once(ctx); err != nil {
			log.Error("once: some sources failed", "err", err)
			return exitFailure
		}
		return exitOK
	}, false)
}

// withDaemon loads the config, opens the database, builds the pipeline and
// hands it to fn; it undoes all of that in reverse order afterwards.
func withDaemon(ctx context.Context, path string, stdout, stderr io.Writer,
	fn func(context.Context, *daemon.Daemon, *slog.Logger) int, systemd bool) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	secrets, err := cfg.Secrets(os.Getenv)
	if err != nil {
		log.Error("slack secret", "config", cfg.Path, "err", err)
		return exitUsage
	}
	db, err := store.Open(cfg.Storage.Path, store.Options{Timeout: 2 * time.Second, Logger: log})
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
		Logger:         log,
	})
	defer fetcher.Close()
	notifier, err := newNotifier(cfg, secrets, stdout, log)
	if err != nil {
		log.Error("notifier", "err", err)
		return exitUsage
	}
	opts := daemon.Options{Config: cfg, DB: db, Fetcher: fetcher, Notifier: notifier, Logger: log}
	if systemd {
		opts.SdNotify = func(state string) {
			if _, err := sddaemon.SdNotify(false, state); err != nil {
				log.Warn("systemd notify", "state", state, "err", err)
			}
		}
		if iv, err := sddaemon.SdWatchdogEnabled(false); err == nil && iv > 0 {
			opts.WatchdogInterval = iv / 2
		}
	}
	d, err := daemon.New(opts)
	if err != nil {
		log.Error("start", "err", err)
		return exitUsage
	}
	return fn(ctx, d, log)
}

func newNotifier(cfg *config.Config, s config.Secrets, stdout io.Writer, log *slog.Logger) (notify.Notifier, error) {
	switch {
	case s.BotToken != "":
		return slack.New(slack.Options{Token: s.BotToken.Reveal(), APIURL: cfg.Slack.APIURL, Channel: cfg.Slack.Channel, Logger: log})
	case s.WebhookURL != "":
		return slack.New(slack.Options{WebhookURL: s.WebhookURL.Reveal(), Logger: log})
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
