package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/inspect"
	"github.com/figwatch/watcher/internal/store"
)

// inspectCmd loads the config and opens the database for reading (or the
// daemon's hot backup) for the read-only commands.
func inspectCmd(ctx context.Context, name string, args []string, stdout, stderr io.Writer, extra func(*flagSet), min, max int,
	fn func(ctx context.Context, cfg *config.Config, db *store.DB, args []string) error) int {
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
	db, closeDB, err := inspect.Open(ctx, cfg, *dbPath, log)
	if err != nil {
		fmt.Fprintf(stderr, "watcher %s: %v\n", name, err)
		return exitFailure
	}
	defer closeDB()
	if err := fn(ctx, cfg, db, fs.Args()); err != nil {
		fmt.Fprintf(stderr, "watcher %s: %v\n", name, err)
		return exitFailure
	}
	return exitOK
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "status", args, stdout, stderr, nil, 0, 0, func(ctx context.Context, cfg *config.Config, db *store.DB, _ []string) error {
		st, err := daemon.ReadStatus(ctx, db, cfg, time.Now())
		if err != nil {
			return err
		}
		return inspect.WriteStatus(stdout, st)
	})
}

func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "history", args, stdout, stderr, nil, 1, 1, func(ctx context.Context, cfg *config.Config, db *store.DB, args []string) error {
		st, err := daemon.ReadStatus(ctx, db, cfg, time.Now())
		if err != nil {
			return err
		}
		return inspect.WriteHistory(stdout, st, args[0])
	})
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var format, what *string
	return inspectCmd(ctx, "export", args, stdout, stderr, func(fs *flagSet) {
		format = fs.String("format", "json", "csv or json")
		what = fs.String("table", "observations", "with csv: observations (metric history) or figures (every figure of every document)")
	}, 0, 0, func(ctx context.Context, _ *config.Config, db *store.DB, _ []string) error {
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
	n, err := inspect.Backup(ctx, cfg, fs.Arg(0), nil)
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
