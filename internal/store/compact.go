package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Compact rewrites the database at path into a fresh file without the free
// pages it has accumulated (a bbolt file never shrinks by itself), then
// replaces the original, keeping its mode. The daemon must not be running:
// the lock is taken with opts.Timeout, and a held lock gives ErrLocked.
// It returns the sizes before and after.
func Compact(path string, opts Options) (before, after int64, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	src, err := Open(path, Options{Timeout: opts.Timeout, Logger: opts.Logger})
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if src != nil {
			src.Close()
		}
	}()
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	before = fi.Size()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".compact")
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, fi.Mode().Perm(), &bolt.Options{Timeout: time.Second})
	if err != nil {
		return before, 0, fmt.Errorf("compact %s: create %s: %w", path, tmp, err)
	}
	// 64 MiB per transaction keeps memory bounded on large files.
	if err := bolt.Compact(dst, src.bolt, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return before, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return before, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	// Check the copy is a watcher database before it replaces the original.
	check, err := Open(tmp, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		os.Remove(tmp)
		return before, 0, fmt.Errorf("compact %s: the copy does not open: %w", path, err)
	}
	check.Close()
	if err := errors.Join(src.Close(), os.Rename(tmp, path)); err != nil {
		src = nil
		return before, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	src = nil
	if fi, err := os.Stat(path); err == nil {
		after = fi.Size()
	}
	return before, after, nil
}
