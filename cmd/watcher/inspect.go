package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/inspect"
	"github.com/figwatch/watcher/internal/store"
)

// inspectEnv is what the read-only commands read from: the config, and
// --db (a backup) when given.
type inspectEnv struct {
	cfg    *config.Config
	dbPath string
	log    *slog.Logger
}

// inspectCmd parses a read-only command's flags and loads the config for
// fn.
func inspectCmd(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flagSet), min, max int,
	fn func(ctx context.Context, env inspectEnv, args []string) error) int {
	fs, path := flags(name, stderr)
	dbPath := fs.String("db", "", "read this database file (a backup) instead of storage.path")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() < min || fs.NArg() > max {
		fmt.Fprintf(stderr, "watcher %s: wrong number of arguments\n", name)
		fs.Usage()
		return exitUsage
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := fn(ctx, inspectEnv{cfg: cfg, dbPath: *dbPath, log: log}, fs.Args()); err != nil {
		fmt.Fprintf(stderr, "watcher %s: %v\n", name, err)
		return exitFailure
	}
	return exitOK
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "status", args, stderr, nil, 0, 0, func(ctx context.Context, env inspectEnv, _ []string) error {
		st, err := inspect.Status(ctx, env.cfg, env.dbPath, remote(env.cfg), daemon.ReadStatus, env.log)
		if err != nil {
			return err
		}
		return inspect.WriteStatus(stdout, st)
	})
}

func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "history", args, stderr, nil, 1, 1, func(ctx context.Context, env inspectEnv, args []string) error {
		st, err := inspect.Status(ctx, env.cfg, env.dbPath, remote(env.cfg), daemon.ReadStatus, env.log)
		if err != nil {
			return err
		}
		return inspect.WriteHistory(stdout, st, args[0])
	})
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var format, what *string
	return inspectCmd(ctx, "export", args, stderr, func(fs *flagSet) {
		format = fs.String("format", "json", "csv or json")
		what = fs.String("table", "observations", "with csv: observations (metric history) or figures (every figure of every document)")
	}, 0, 0, func(ctx context.Context, env inspectEnv, _ []string) error {
		db, closeDB, err := inspect.Open(ctx, env.cfg, env.dbPath, remote(env.cfg), env.log)
		if err != nil {
			return err
		}
		defer closeDB()
		return inspect.Export(ctx, stdout, db, *format, *what)
	})
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, path := flags("backup", stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "watcher backup: want the backup FILE")
		return exitUsage
	}
	cfg, ok := loadConfig(*path, stderr)
	if !ok {
		return exitUsage
	}
	n, err := inspect.Backup(ctx, cfg, fs.Arg(0), remote(cfg), nil)
	if err != nil {
		fmt.Fprintf(stderr, "watcher backup: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "backup: %s (%d bytes)\n", fs.Arg(0), n)
	return exitOK
}

func cmdCompact(args []string, stdout, stderr io.Writer) int {
	fs, path := flags("compact", stderr)
	cfg, ok := parseConfig(fs, path, args, stderr)
	if !ok {
		return exitUsage
	}
	before, after, err := inspect.Compact(cfg.Storage.Path, store.Options{Timeout: time.Second})
	switch {
	case errors.Is(err, inspect.ErrNoDatabase):
		fmt.Fprintf(stderr, "watcher compact: %v\n", err)
		return exitFailure
	case err != nil:
		fmt.Fprintf(stderr, "watcher compact: %v (stop the daemon first: compaction rewrites the file)\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "compact: %s: %d → %d bytes\n", cfg.Storage.Path, before, after)
	return exitOK
}

// listenerToken is the bearer token /api/backup and pprof require, read
// where the config says (http.token_env, http.token_file); "" when none
// is set or it cannot be read (validate reports why).
func listenerToken(cfg *config.Config) string {
	tok, err := cfg.HTTPToken(os.Getenv)
	if err != nil {
		return ""
	}
	return tok.Reveal()
}

// remote is how the inspection commands reach the daemon cfg describes:
// its socket when it has one (no token needed), else its listener.
func remote(cfg *config.Config) inspect.Remote {
	r := inspect.Remote{Socket: cfg.HTTP.Socket}
	if cfg.HTTP.Enabled() {
		r.Listen, r.Token = cfg.HTTP.Listen, listenerToken(cfg)
	}
	return r
}
