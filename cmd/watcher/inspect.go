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
	"github.com/figwatch/watcher/internal/web"
)

// inspectEnv is what the read-only commands read from: the config, and
// --db (a backup) when given.
type inspectEnv struct {
	cfg    *config.Config
	dbPath string
	log    *slog.Logger
}

// inspectFlags are the flags every read-only command has.
type inspectFlags struct {
	config string
	db     string // a backup to read instead of storage.path
}

// inspectCmd loads the config for a read-only command's fn. fn's usage
// errors (an unknown metric) exit 2, its other errors 1.
func inspectCmd(ctx context.Context, name string, o inspectFlags, args []string, stderr io.Writer,
	fn func(ctx context.Context, env inspectEnv, args []string) error) int {
	cfg, ok := loadConfig(o.config, stderr)
	if !ok {
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := fn(ctx, inspectEnv{cfg: cfg, dbPath: o.db, log: log}, args); err != nil {
		fmt.Fprintf(stderr, "watcher %s: %v\n", name, err)
		if errors.As(err, new(usageError)) {
			return exitUsage
		}
		return exitFailure
	}
	return exitOK
}

func cmdStatus(ctx context.Context, o inspectFlags, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "status", o, nil, stderr, func(ctx context.Context, env inspectEnv, _ []string) error {
		st, err := inspect.Status(ctx, env.cfg, env.dbPath, remote(env.cfg), daemon.ReadStatus, env.log)
		if err != nil {
			return err
		}
		return inspect.WriteStatus(stdout, st, env.cfg.Location)
	})
}

// historyFlags are history's flags.
type historyFlags struct {
	inspectFlags
	source string // only this source's observations
}

func cmdHistory(ctx context.Context, o historyFlags, metric string, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "history", o.inspectFlags, []string{metric}, stderr, func(ctx context.Context, env inspectEnv, args []string) error {
		// An id the config does not have is a typo: say so before
		// reading any database.
		ids := env.cfg.MetricIDs()
		if err := checkID("metric", args[0], ids); err != nil {
			return err
		}
		if o.source != "" {
			ids, _ := sourceIDs(env.cfg)
			if err := checkID("source", o.source, ids); err != nil {
				return err
			}
		}
		st, err := inspect.Status(ctx, env.cfg, env.dbPath, remote(env.cfg), daemon.ReadStatus, env.log)
		if err != nil {
			return err
		}
		if o.source != "" {
			st = onlySource(st, o.source)
		}
		return inspect.WriteHistory(stdout, st, args[0], env.cfg.Location)
	})
}

// exportFlags are export's flags.
type exportFlags struct {
	inspectFlags
	format *choice // json or csv
	table  *choice // with csv: observations or figures
}

func cmdExport(ctx context.Context, o exportFlags, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "export", o.inspectFlags, nil, stderr, func(ctx context.Context, env inspectEnv, _ []string) error {
		db, closeDB, err := inspect.Open(ctx, env.cfg, env.dbPath, remote(env.cfg), env.log)
		if err != nil {
			return err
		}
		defer closeDB()
		return inspect.Export(ctx, stdout, db, o.format.String(), o.table.String())
	})
}

// backupFlags are backup's flags.
type backupFlags struct {
	config string
}

func cmdBackup(ctx context.Context, o backupFlags, file string, stdout, stderr io.Writer) int {
	cfg, ok := loadConfig(o.config, stderr)
	if !ok {
		return exitUsage
	}
	n, err := inspect.Backup(ctx, cfg, file, remote(cfg), nil)
	if err != nil {
		fmt.Fprintf(stderr, "watcher backup: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "backup: %s (%d bytes)\n", file, n)
	return exitOK
}

// compactFlags are compact's flags.
type compactFlags struct {
	config string
}

func cmdCompact(o compactFlags, stdout, stderr io.Writer) int {
	cfg, ok := loadConfig(o.config, stderr)
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

// onlySource is st with each metric's history cut to the observations
// from source id.
func onlySource(st web.Status, id string) web.Status {
	metrics := make([]web.MetricStatus, len(st.Metrics))
	for i, m := range st.Metrics {
		var kept []store.Observation
		for _, o := range m.History {
			if o.Source == id {
				kept = append(kept, o)
			}
		}
		m.History = kept
		metrics[i] = m
	}
	st.Metrics = metrics
	return st
}
