package config

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeEnvironment has pdftotext, no systemd variables and a writable disk
// unless a test says otherwise.
func fakeEnvironment() environment {
	return environment{
		getenv:   func(string) string { return "" },
		lookPath: func(f string) (string, error) { return "/usr/bin/" + f, nil },
		writable: func(string) error { return nil },
		stat:     os.Stat,
		getwd:    os.Getwd,
	}
}

// TestWarnings pins the message of each warning class, printed as
// `watcher validate` prints it. Run with -update to rewrite the goldens.
func TestWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		env  func(*environment)
		not  []string
	}{
		{file: "warn_no_metrics"},
		{file: "warn_frequent_schedule"},
		{file: "warn_exposed_listen"},
		{file: "warn_units"},
		{file: "warn_storage_readonly", env: func(e *environment) {
			e.writable = func(string) error { return fs.ErrPermission }
		}},
		{file: "warn_storage_file"},
		{file: "warn_pdftotext", env: func(e *environment) {
			e.lookPath = func(string) (string, error) { return "", errors.New("not found") }
		}},
		{file: "warn_placeholder_contact"},
		{file: "warn_url_secret", not: []string{"0123456789abcdef"}},
	}
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", tc.file+".yaml")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			env := fakeEnvironment()
			if tc.env != nil {
				tc.env(&env)
			}
			cfg, err := parse(path, data, env)
			if err != nil {
				t.Fatalf("a file with warnings must load: %v", err)
			}
			if len(cfg.Warnings) == 0 {
				t.Fatal("no warnings")
			}
			var b strings.Builder
			for _, w := range cfg.Warnings {
				if w.File != path || w.Line <= 0 || w.Key == "" {
					t.Errorf("warning without file, line or key: %#v", w)
				}
				b.WriteString("warning: " + w.Error() + "\n")
			}
			// Absolute paths differ between machines.
			got := strings.ReplaceAll(b.String(), testdata, "testdata")
			golden := filepath.Join("testdata", tc.file+".golden")
			if updating() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("warnings for %s (-want +got):\n%s", path, diff)
			}
			for _, s := range tc.not {
				if strings.Contains(got, s) {
					t.Errorf("warning leaks %q", s)
				}
			}
		})
	}
}

func TestCleanConfigHasNoWarnings(t *testing.T) {
	t.Parallel()
	cfg, err := parse("w.yaml", []byte(`
fetch: {user_agent: "watcher (+mailto:desk@news.test)"}
http: {listen: "127.0.0.1:9464"}
sources:
  - {id: a, kind: pdf, url: "https://example.org/a.pdf?key_figures=1", schedule: "*/5 * * * *"}
metrics:
  - {id: m, any: [x], units: [children, percent, usd, fraction]}
`), fakeEnvironment())
	if err != nil || len(cfg.Warnings) > 0 {
		t.Fatalf("got %v, warnings %v", err, cfg.Warnings)
	}
}

func TestRelativePathsFollowSystemdDirectories(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		file       string
		yaml       string
		env        map[string]string
		wantDB     string
		wantSocket string
	}{
		{"against the config file's directory", "/etc/watcher/watcher.yaml", "", nil, "/etc/watcher/data/watcher.db", ""},
		{"against STATE_DIRECTORY", "/etc/watcher/watcher.yaml", "", map[string]string{"STATE_DIRECTORY": "/var/lib/watcher"}, "/var/lib/watcher/data/watcher.db", ""},
		{"first of several STATE_DIRECTORY entries", "w.yaml", "storage: {path: w.db}\n", map[string]string{"STATE_DIRECTORY": "/var/lib/watcher:/var/lib/other"}, "/var/lib/watcher/w.db", ""},
		{"absolute stays", "/etc/watcher/watcher.yaml", "storage: {path: /srv/w.db}\n", map[string]string{"STATE_DIRECTORY": "/var/lib/watcher"}, "/srv/w.db", ""},
		{"socket in RUNTIME_DIRECTORY", "/etc/watcher/watcher.yaml", "storage: {path: /srv/w.db}\n", map[string]string{"RUNTIME_DIRECTORY": "/run/watcher"}, "/srv/w.db", "/run/watcher/watcher.sock"},
		{"socket set", "/etc/watcher/watcher.yaml", "storage: {path: /srv/w.db}\nhttp: {socket: /tmp/w.sock}\n", map[string]string{"RUNTIME_DIRECTORY": "/run/watcher"}, "/srv/w.db", "/tmp/w.sock"},
		{"socket turned off", "/etc/watcher/watcher.yaml", "storage: {path: /srv/w.db}\nhttp: {socket: \"\"}\n", map[string]string{"RUNTIME_DIRECTORY": "/run/watcher"}, "/srv/w.db", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := fakeEnvironment()
			env.getenv = func(k string) string { return tc.env[k] }
			cfg, err := parse(tc.file, []byte(tc.yaml+minimalSources), env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Storage.Path != tc.wantDB || cfg.HTTP.Socket != tc.wantSocket {
				t.Errorf("storage %q, socket %q; want %q, %q", cfg.Storage.Path, cfg.HTTP.Socket, tc.wantDB, tc.wantSocket)
			}
		})
	}
}

const minimalSources = `
sources:
  - id: a
    url: https://example.org/a.xml
metrics:
  - id: m
    any: [x]
`

// updating reports whether -update was given; the flag is defined by the
// external test package, which shares this test binary.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func TestUnitHint(t *testing.T) {
	t.Parallel()
	tests := []struct{ unit, want string }{
		{"percent", ""}, {"Percent", ""}, {"percents", ""}, {"USD", ""}, {"fraction", ""}, {"fractions", ""},
		{"percentage points", ""}, {"children", ""}, {"child", ""}, {"parents", ""}, {"persons", ""}, {"buses", ""},
		{"pct", "percent"}, {"precent", "percent"}, {"percnet", "percent"}, {"precents", "percent"}, {"percentage", "percent"},
		{"per cent", "percent"}, {"dollars", "usd"}, {"uds", "usd"}, {"usd.", ""}, {"fracton", "fraction"},
		{"percentage point", "percentage points"},
	}
	for _, tc := range tests {
		t.Run(tc.unit, func(t *testing.T) {
			t.Parallel()
			if got := unitHint(tc.unit); got != tc.want {
				t.Errorf("unitHint(%q) = %q, want %q", tc.unit, got, tc.want)
			}
		})
	}
}
