package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/config"
)

// TestMain keeps every test's config cache out of the user's: a command
// that loads a large config writes an entry (config.Cache).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "watcher-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	os.Unsetenv("CACHE_DIRECTORY")
	os.Unsetenv(config.CacheOffEnv)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// largeConfig writes a config of enough sources to be cached, logging at
// debug level so that what the cache did shows.
func largeConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "storage:\n  path: %s\nlog:\n  level: debug\nsources:\n", filepath.Join(dir, "w.db"))
	for i := 0; b.Len() < config.DefaultCacheMinSize; i++ {
		fmt.Fprintf(&b, "  - id: feed-%05d\n    kind: feed\n    url: https://news.example.net/feed/%d.xml\n", i, i)
	}
	b.WriteString("metrics:\n  - id: m\n    any: [transferred]\n")
	path := filepath.Join(dir, "watcher.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigCacheCommands: validate parses and writes nothing; the
// commands that poll keep an entry and use it from their second start,
// and say so in the debug log.
func TestConfigCacheCommands(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("CACHE_DIRECTORY", cache)
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	path := largeConfig(t)
	entries := func() int {
		t.Helper()
		e, err := os.ReadDir(cache)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return len(e)
	}

	if code, _, stderr := runCLI("validate", "--config", path); code != exitOK {
		t.Fatalf("validate: exit %d\n%s", code, stderr)
	}
	if n := entries(); n != 0 {
		t.Fatalf("validate left %d cache entries", n)
	}
	for i, want := range []string{"hit=false", "hit=true"} {
		var stdout, stderr bytes.Buffer
		cfg, _, _, ok := setup(path, &stdout, &stderr, withoutApp)
		if !ok {
			t.Fatalf("start %d: setup failed:\n%s", i+1, stderr.String())
		}
		if len(cfg.Sources) < 500 {
			t.Fatalf("start %d: %d sources", i+1, len(cfg.Sources))
		}
		if log := stderr.String(); !strings.Contains(log, `msg="config cache"`) || !strings.Contains(log, want) {
			t.Errorf("start %d: log does not say %s:\n%s", i+1, want, log)
		}
	}
	if n := entries(); n != 1 {
		t.Errorf("%d cache entries, want 1", n)
	}
}

// TestConfigCacheUnwritable: a cache that cannot be written costs a parse
// at each start and a warning that names the entry, never the start.
func TestConfigCacheUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CACHE_DIRECTORY", file)
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	var stdout, stderr bytes.Buffer
	if _, _, _, ok := setup(largeConfig(t), &stdout, &stderr, withoutApp); !ok {
		t.Fatalf("setup failed:\n%s", stderr.String())
	}
	if log := stderr.String(); !strings.Contains(log, `level=WARN msg="config cache"`) || !strings.Contains(log, file) {
		t.Errorf("log has no warning naming %s:\n%s", file, log)
	}
}
