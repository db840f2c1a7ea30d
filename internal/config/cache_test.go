package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sameConfig compares time zones by name: *time.Location's fields are
// unexported, and a zone loaded twice is two values.
// An entry gives back empty lists and maps as nil (gob sends no empty
// value), which no reader of a Config tells apart: nothing compares a
// config's list or map with nil.
var sameConfig = cmp.Options{
	cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() }),
	cmpopts.EquateEmpty(),
}

// cacheFiles are every config the package's tests and the shipped ones
// hold, good and bad.
func cacheFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := filepath.Glob("../../config/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return append(files, shipped...)
}

// TestCacheSameAsParse loads every config twice through the cache, the
// second time from its entry, and compares both with a parse: the same
// config, warnings and errors, field for field.
func TestCacheSameAsParse(t *testing.T) {
	t.Parallel()
	for _, file := range cacheFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			env := fakeEnvironment()
			want, wantErr := parse(file, data, env)
			c := Cache{Dir: t.TempDir()}
			for i, hit := range []bool{false, wantErr == nil} {
				got, st, err := c.parse(file, data, env)
				if st.Err != nil {
					t.Fatalf("load %d: cache: %v", i+1, st.Err)
				}
				if !st.Used || st.Hit != hit {
					t.Errorf("load %d: %+v, want used and hit %v", i+1, st, hit)
				}
				if wantErr != nil {
					if err == nil || err.Error() != wantErr.Error() {
						t.Fatalf("load %d: err %v, want %v", i+1, err, wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("load %d: %v", i+1, err)
				}
				if diff := cmp.Diff(want, got, sameConfig); diff != "" {
					t.Errorf("load %d differs from a parse (-parse +cache):\n%s", i+1, diff)
				}
			}
			entries, _ := os.ReadDir(c.Dir)
			if wantErr != nil && len(entries) > 0 {
				t.Errorf("a file with errors left %d entries", len(entries))
			}
			if wantErr == nil && len(entries) != 1 {
				t.Errorf("%d entries, want 1", len(entries))
			}
		})
	}
}

// TestCacheBenchConfig is the same for the config the harness writes, at
// the size the cache is for.
func TestCacheBenchConfig(t *testing.T) {
	t.Parallel()
	data := benchConfig(t, 2000)
	if len(data) < DefaultCacheMinSize {
		t.Fatalf("%d bytes: too small to be cached", len(data))
	}
	env := fakeEnvironment()
	want, err := parse("bench.yaml", data, env)
	if err != nil {
		t.Fatal(err)
	}
	c := Cache{Dir: t.TempDir(), MinSize: DefaultCacheMinSize}
	for i, hit := range []bool{false, true, true} {
		got, st, err := c.parse("bench.yaml", data, env)
		if err != nil || st.Err != nil {
			t.Fatalf("load %d: %v, cache: %v", i+1, err, st.Err)
		}
		if st.Hit != hit {
			t.Errorf("load %d: hit %v, want %v", i+1, st.Hit, hit)
		}
		if diff := cmp.Diff(want, got, sameConfig); diff != "" {
			t.Errorf("load %d differs from a parse (-parse +cache):\n%s", i+1, diff)
		}
	}
}

// TestCacheInvalidation changes, one at a time, each thing a parse reads
// besides the file, and the file itself: each change is a miss, and the
// config is the one a parse gives in the new environment.
func TestCacheInvalidation(t *testing.T) {
	t.Parallel()
	pdf, err := os.ReadFile("testdata/warn_pdftotext.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(data []byte, env *environment) []byte
	}{
		{"file edited", func(data []byte, _ *environment) []byte {
			return []byte(strings.Replace(string(data), "- id: m\n", "- id: mm\n", 1))
		}},
		{"STATE_DIRECTORY set", func(data []byte, env *environment) []byte {
			env.getenv = oneVar("STATE_DIRECTORY", "/var/lib/watcher")
			return data
		}},
		{"RUNTIME_DIRECTORY set", func(data []byte, env *environment) []byte {
			env.getenv = oneVar("RUNTIME_DIRECTORY", "/run/watcher")
			return data
		}},
		{"pdftotext removed", func(data []byte, env *environment) []byte {
			env.lookPath = func(string) (string, error) { return "", errors.New("not found") }
			return data
		}},
		{"storage read-only", func(data []byte, env *environment) []byte {
			env.writable = func(string) error { return fs.ErrPermission }
			return data
		}},
		{"working directory changed", func(data []byte, env *environment) []byte {
			// The path is relative, and so is the default storage.path.
			env.getwd = func() (string, error) { return "/elsewhere", nil }
			return data
		}},
		{"storage directory is a file", func(data []byte, env *environment) []byte {
			env.stat = func(name string) (fs.FileInfo, error) { return os.Stat("testdata/warn_pdftotext.yaml") }
			return data
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const path = "testdata/warn_pdftotext.yaml"
			c := Cache{Dir: t.TempDir()}
			if _, _, err := c.parse(path, pdf, fakeEnvironment()); err != nil {
				t.Fatal(err)
			}
			env := fakeEnvironment()
			data := tc.change(pdf, &env)
			want, err := parse(path, data, env)
			if err != nil {
				t.Fatal(err)
			}
			got, st, err := c.parse(path, data, env)
			if err != nil || st.Err != nil {
				t.Fatalf("%v, cache: %v", err, st.Err)
			}
			if st.Hit {
				t.Error("a hit after the change")
			}
			if diff := cmp.Diff(want, got, sameConfig); diff != "" {
				t.Errorf("differs from a parse (-parse +cache):\n%s", diff)
			}
			if diff := cmp.Diff(fakeParse(t, path, pdf), want, sameConfig); diff == "" {
				t.Error("the change changes nothing: the case tests nothing")
			}
			// The new entry serves the new environment.
			if _, st, _ := c.parse(path, data, env); !st.Hit {
				t.Error("no hit on the second load after the change")
			}
		})
	}
}

// writeOneEntry loads data through c, which must write the one entry of
// the directory, and returns the entry's path.
func writeOneEntry(t *testing.T, c Cache, path string, data []byte) string {
	t.Helper()
	if _, _, err := c.parse(path, data, fakeEnvironment()); err != nil {
		t.Fatal(err)
	}
	entries, err := filepath.Glob(filepath.Join(c.Dir, "config-*.gob"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %v, %v: want one", entries, err)
	}
	return entries[0]
}

// oneVar is an environment with one variable set.
func oneVar(name, value string) func(string) string {
	return func(n string) string {
		if n == name {
			return value
		}
		return ""
	}
}

func fakeParse(t *testing.T, path string, data []byte) *Config {
	t.Helper()
	cfg, err := parse(path, data, fakeEnvironment())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCacheFaults: an entry that cannot be read or written costs a parse,
// says why in CacheStatus.Err, and never a wrong or missing config.
func TestCacheFaults(t *testing.T) {
	t.Parallel()
	const path = "../../config/watcher.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := fakeParse(t, path, data)

	t.Run("corrupt entry", func(t *testing.T) {
		t.Parallel()
		c := Cache{Dir: t.TempDir()}
		entry := writeOneEntry(t, c, path, data)
		if err := os.WriteFile(entry, []byte("not a gob stream"), 0o600); err != nil {
			t.Fatal(err)
		}
		got, st, err := c.parse(path, data, fakeEnvironment())
		if err != nil {
			t.Fatal(err)
		}
		if st.Hit || st.Err == nil || !strings.Contains(st.Err.Error(), entry) {
			t.Errorf("status %+v: want a miss whose error names %s", st, entry)
		}
		if diff := cmp.Diff(want, got, sameConfig); diff != "" {
			t.Errorf("(-parse +cache):\n%s", diff)
		}
		if _, st, _ := c.parse(path, data, fakeEnvironment()); !st.Hit || st.Err != nil {
			t.Errorf("status %+v after the entry was rewritten, want a hit", st)
		}
	})
	t.Run("directory cannot be made", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		c := Cache{Dir: filepath.Join(file, "cache")}
		got, st, err := c.parse(path, data, fakeEnvironment())
		if err != nil {
			t.Fatal(err)
		}
		if st.Hit || st.Err == nil {
			t.Errorf("status %+v, want a miss with an error", st)
		}
		if diff := cmp.Diff(want, got, sameConfig); diff != "" {
			t.Errorf("(-parse +cache):\n%s", diff)
		}
	})
	t.Run("small file", func(t *testing.T) {
		t.Parallel()
		c := Cache{Dir: t.TempDir(), MinSize: len(data) + 1}
		_, st, err := c.parse(path, data, fakeEnvironment())
		if err != nil {
			t.Fatal(err)
		}
		if st.Used || st.Hit || st.Err != nil {
			t.Errorf("status %+v, want the cache unused", st)
		}
		if entries, _ := os.ReadDir(c.Dir); len(entries) != 0 {
			t.Errorf("%d entries for a file below MinSize", len(entries))
		}
	})
}

// TestCacheAbsolutePath: with an absolute config path and an absolute
// storage.path, the working directory plays no part, so a command run
// from another directory uses the entry.
func TestCacheAbsolutePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "watcher.yaml")
	data := []byte("storage:\n  path: " + filepath.Join(dir, "w.db") + "\nsources:\n  - id: a\n    url: https://example.org/a.xml\nmetrics:\n  - id: m\n    any: [x]\n")
	c := Cache{Dir: t.TempDir()}
	if _, _, err := c.parse(path, data, fakeEnvironment()); err != nil {
		t.Fatal(err)
	}
	env := fakeEnvironment()
	env.getwd = func() (string, error) { return "/elsewhere", nil }
	if _, st, err := c.parse(path, data, env); err != nil || !st.Hit {
		t.Errorf("status %+v, err %v: want a hit from another directory", st, err)
	}
}

// TestCacheZoneRemoved: a zone a schedule names is loaded again on a hit,
// so a zone gone from the zone database fails the load with the parse's
// error, as it would without the cache.
func TestCacheZoneRemoved(t *testing.T) {
	zone, err := os.ReadFile("/usr/share/zoneinfo/America/New_York")
	if err != nil {
		t.Skip("no system zone database to copy a zone from:", err)
	}
	zoneinfo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(zoneinfo, "Custom"), 0o700); err != nil {
		t.Fatal(err)
	}
	zoneFile := filepath.Join(zoneinfo, "Custom", "Zone")
	if err := os.WriteFile(zoneFile, zone, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZONEINFO", zoneinfo)
	const path = "cron_tz.yaml"
	data := []byte("sources:\n  - id: a\n    url: https://example.org/a.xml\n    schedule: \"CRON_TZ=Custom/Zone 0 9 * * *\"\nmetrics:\n  - id: m\n    any: [x]\n")
	c := Cache{Dir: t.TempDir()}
	if _, _, err := c.parse(path, data, fakeEnvironment()); err != nil {
		t.Fatal(err)
	}
	if _, st, err := c.parse(path, data, fakeEnvironment()); err != nil || !st.Hit {
		t.Fatalf("status %+v, err %v: want a hit while the zone exists", st, err)
	}
	if err := os.Remove(zoneFile); err != nil {
		t.Fatal(err)
	}
	_, wantErr := parse(path, data, fakeEnvironment())
	if wantErr == nil {
		t.Fatal("the parse accepts the removed zone: the case tests nothing")
	}
	_, st, err := c.parse(path, data, fakeEnvironment())
	if st.Hit || err == nil || err.Error() != wantErr.Error() {
		t.Errorf("status %+v, err %v: want the parse's error %v", st, err, wantErr)
	}
}

// TestCacheEntryOwnership: an entry others may write is not trusted (it
// is used without validation); it is replaced by one of the user's own.
func TestCacheEntryOwnership(t *testing.T) {
	t.Parallel()
	const path = "../../config/watcher.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := Cache{Dir: t.TempDir()}
	if err := os.Chmod(writeOneEntry(t, c, path, data), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, st, err := c.parse(path, data, fakeEnvironment()); err != nil || st.Hit || st.Err != nil {
		t.Errorf("status %+v, err %v: want a quiet miss for a world-writable entry", st, err)
	}
	if _, st, _ := c.parse(path, data, fakeEnvironment()); !st.Hit {
		t.Errorf("status %+v: want a hit from the rewritten entry", st)
	}
}

// TestCacheRemovesStaleTemps: a writer killed before its rename leaves a
// temporary file; the next write removes it once it is an hour old.
func TestCacheRemovesStaleTemps(t *testing.T) {
	t.Parallel()
	c := Cache{Dir: t.TempDir()}
	old, fresh := filepath.Join(c.Dir, ".config-1.tmp"), filepath.Join(c.Dir, ".config-2.tmp")
	for _, f := range []string{old, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	const path = "../../config/watcher.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, st, err := c.parse(path, data, fakeEnvironment()); err != nil || st.Err != nil {
		t.Fatal(err, st.Err)
	}
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the old temporary file is still there (%v)", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("the fresh temporary file, maybe another writer's, was removed: %v", err)
	}
}

func TestDefaultCache(t *testing.T) {
	tests := []struct {
		name, off, cacheDirectory, xdg, want string
	}{
		{"systemd CacheDirectory=", "", "/var/cache/watcher", "/home/u/.cache", "/var/cache/watcher"},
		{"systemd, several directories", "", "/var/cache/watcher:/var/cache/other", "", "/var/cache/watcher"},
		{"the user's cache", "", "", "/home/u/.cache", "/home/u/.cache/watcher"},
		{"off", "off", "/var/cache/watcher", "/home/u/.cache", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(CacheOffEnv, tc.off)
			t.Setenv("CACHE_DIRECTORY", tc.cacheDirectory)
			t.Setenv("XDG_CACHE_HOME", tc.xdg)
			c := DefaultCache()
			if c.Dir != tc.want || c.MinSize != DefaultCacheMinSize {
				t.Errorf("%+v, want dir %q", c, tc.want)
			}
		})
	}
}
