// Package inspect reads watcher's database for people: `watcher status`,
// `history`, `export` and `backup`. bbolt's lock keeps every other process
// out of a file the daemon holds, read-only ones too, so while the daemon
// runs these go through its HTTP listener (a hot backup over /api/backup)
// and read the copy.
package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// ErrDaemonHoldsDB says the database is locked by a running daemon and
// there is no listener to ask it through.
var ErrDaemonHoldsDB = errors.New("the database is in use by the running watcher; set http.listen in the config so inspection commands can ask the daemon, or point --db at a backup")

// Remote is how the inspection commands reach a running daemon: its Unix
// socket when it has one (no token needed: the socket's mode says who may
// connect), else its TCP listener with the bearer token.
type Remote struct {
	Listen string // http.listen, host:port; empty for none
	Socket string // the daemon's Unix socket path; empty for none
	Token  string // the listener's bearer token, for /api/backup over TCP
}

func (r Remote) enabled() bool { return r.Socket != "" || r.Listen != "" }

// get asks the daemon for path.
func (r Remote) get(ctx context.Context, path string, timeout time.Duration) (*http.Response, string, error) {
	client := &http.Client{Timeout: timeout}
	url := "http://" + r.Listen + path
	if r.Socket != "" {
		// The host is what the daemon's Host check sees; the dialler
		// ignores it.
		url = "http://localhost" + path
		sock := r.Socket
		client.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, url, err
	}
	if r.Token != "" && r.Socket == "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.Socket != "" {
		url = r.Socket + ":" + path
	}
	resp, err := client.Do(req)
	return resp, url, err
}

// Open opens the database for reading: dbPath when given (a backup), else
// the config's storage.path read-only, else, when the daemon holds that
// file, a hot backup fetched from the daemon's listener into a temporary
// file, asked of remote. close removes what Open made.
func Open(ctx context.Context, cfg *config.Config, dbPath string, remote Remote, log *slog.Logger) (db *store.DB, closeFn func(), err error) {
	if dbPath != "" {
		db, err := store.Open(dbPath, store.Options{ReadOnly: true, Timeout: time.Second, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
	if err := mustExist(cfg.Storage.Path); err != nil {
		return nil, nil, err
	}
	db, err = store.Open(cfg.Storage.Path, store.Options{ReadOnly: true, Timeout: 500 * time.Millisecond, Logger: log})
	if err == nil {
		return db, func() { db.Close() }, nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return nil, nil, err
	}
	if !remote.enabled() {
		return nil, nil, fmt.Errorf("%s: %w", cfg.Storage.Path, ErrDaemonHoldsDB)
	}
	dir, err := os.MkdirTemp("", "watcher-inspect-")
	if err != nil {
		return nil, nil, err
	}
	tmp := filepath.Join(dir, "watcher.db")
	if _, err := FetchBackup(ctx, tmp, remote); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	db, err = store.Open(tmp, store.Options{ReadOnly: true, Timeout: time.Second, Logger: log})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }, nil
}

// Backup writes a consistent copy of the database to file: directly when
// no daemon holds it, else through the daemon's /api/backup. The copy is
// written aside and renamed into place only once it opens as a watcher
// database.
func Backup(ctx context.Context, cfg *config.Config, file string, remote Remote, log *slog.Logger) (int64, error) {
	if err := mustExist(cfg.Storage.Path); err != nil {
		return 0, err
	}
	db, err := store.Open(cfg.Storage.Path, store.Options{ReadOnly: true, Timeout: 500 * time.Millisecond, Logger: log})
	if err == nil {
		defer db.Close()
		return db.BackupFile(ctx, file)
	}
	if !errors.Is(err, store.ErrLocked) {
		return 0, err
	}
	if !remote.enabled() {
		return 0, fmt.Errorf("%s: %w", cfg.Storage.Path, ErrDaemonHoldsDB)
	}
	return FetchBackup(ctx, file, remote)
}

// ErrUnauthorized says the daemon refused the backup for want of the
// right bearer token.
var ErrUnauthorized = errors.New("the running watcher refused the request: give this command the same listener token as the daemon")

// FetchBackup downloads a hot backup from the running daemon to file.
func FetchBackup(ctx context.Context, file string, remote Remote) (int64, error) {
	resp, url, err := remote.get(ctx, "/api/backup", 10*time.Minute)
	if err != nil {
		return 0, fmt.Errorf("backup from the running daemon at %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return 0, fmt.Errorf("backup from %s: %w", url, ErrUnauthorized)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("backup from the running daemon at %s: %s", url, resp.Status)
	}
	tmp := file + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := io.Copy(f, resp.Body)
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		os.Remove(tmp)
		return n, fmt.Errorf("backup from %s: %w", url, err)
	}
	check, err := store.Open(tmp, store.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		os.Remove(tmp)
		return n, fmt.Errorf("backup from %s is not a usable database (%d bytes): %w", url, n, err)
	}
	check.Close()
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// ErrNoDatabase says there is no database file where the config points.
var ErrNoDatabase = errors.New("no database")

// mustExist refuses a database path with no file: the read-only commands
// and compact never create one (an empty new file would only hide that
// the config points somewhere else than the daemon writes). The error
// names the path resolved against the working directory, which is what
// differs between a shell and a service.
func mustExist(path string) error {
	_, err := os.Stat(path)
	if err == nil {
		return nil
	}
	abs, aerr := filepath.Abs(path)
	if aerr != nil {
		abs = path
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w at %s (storage.path %q): has watcher run with this config, from this directory?", ErrNoDatabase, abs, path)
	}
	return fmt.Errorf("database %s: %w", abs, err)
}

// Compact rewrites the database at path without its free pages (the daemon
// stopped). A missing file is an error, never a new empty database.
func Compact(path string, opts store.Options) (before, after int64, err error) {
	if err := mustExist(path); err != nil {
		return 0, 0, err
	}
	return store.Compact(path, opts)
}

// StatusReader reads a status from an open database (daemon.ReadStatus).
type StatusReader func(ctx context.Context, db *store.DB, cfg *config.Config, now time.Time) (web.Status, error)

// Status is what `watcher status` and `history` show: read from dbPath
// when given, else from the config's database, else, when the daemon
// holds that file, asked of the daemon itself, which also knows what the
// file cannot say (writes that failed, when it started).
func Status(ctx context.Context, cfg *config.Config, dbPath string, remote Remote, read StatusReader, log *slog.Logger) (web.Status, error) {
	path := dbPath
	if path == "" {
		path = cfg.Storage.Path
	}
	if err := mustExist(path); err != nil {
		return web.Status{}, err
	}
	db, err := store.Open(path, store.Options{ReadOnly: true, Timeout: 500 * time.Millisecond, Logger: log})
	if err == nil {
		defer db.Close()
		return read(ctx, db, cfg, time.Now())
	}
	if dbPath != "" || !errors.Is(err, store.ErrLocked) {
		return web.Status{}, err
	}
	if !remote.enabled() {
		return web.Status{}, fmt.Errorf("%s: %w", cfg.Storage.Path, ErrDaemonHoldsDB)
	}
	return FetchStatus(ctx, cfg, remote)
}

// FetchStatus asks the running daemon for its status (the status page's
// JSON, which needs no token).
func FetchStatus(ctx context.Context, cfg *config.Config, remote Remote) (web.Status, error) {
	resp, url, err := remote.get(ctx, "/?format=json", time.Minute)
	if err != nil {
		return web.Status{}, fmt.Errorf("status from the running daemon at %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return web.Status{}, fmt.Errorf("status from the running daemon at %s: %s: %s", url, resp.Status, strings.TrimSpace(string(msg)))
	}
	var st web.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return web.Status{}, fmt.Errorf("status from the running daemon at %s: %w", url, err)
	}
	// Times arrive as fixed offsets; show them in the newsroom's zone.
	st.Now = st.Now.In(cfg.Location)
	return st, nil
}
