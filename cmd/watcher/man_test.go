//go:build manpages

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The man command is built only for packaging (man.go); .ci/run runs
// these tests with -tags manpages.

// TestManFlagsAnyOrder: --config before or after man's DIR, as for every
// other command (TestFlagsBeforeAndAfterPositionals).
func TestManFlagsAnyOrder(t *testing.T) {
	f := newCLIFixture(t)
	dir := t.TempDir()
	for i, args := range [][]string{{"man", dir}, {"--config", f.config, "man", dir}} {
		os.Remove(filepath.Join(dir, "watcher-history.1"))
		if code, _, stderr := runCLI(args...); code != exitOK {
			t.Fatalf("order %d: exit %d: %s", i, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "watcher-history.1")); err != nil {
			t.Errorf("order %d: watcher-history.1 not written: %v", i, err)
		}
	}
}

// TestManWritesPages: `watcher man DIR` writes watcher.1 and one page per
// command, dated by SOURCE_DATE_EPOCH for reproducible packages.
func TestManWritesPages(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01
	dir := filepath.Join(t.TempDir(), "dist", "man")
	if code, _, stderr := runCLI("man", dir); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var want []string
	want = append(want, "watcher.1")
	for _, c := range newRoot(nil, nil, nil).Commands() {
		if c.IsAvailableCommand() {
			want = append(want, "watcher-"+c.Name()+".1")
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages %v, want %v", got, want)
	}
	page := mustRead(t, filepath.Join(dir, "watcher-history.1"))
	for _, w := range []string{`.TH "WATCHER" "1" "Jan 2026"`, "watcher history METRIC", `\fB--source\fP`, `\fB--config\fP`, "uc_no_nta"} {
		if !strings.Contains(page, w) {
			t.Errorf("watcher-history.1 lacks %q:\n%s", w, page)
		}
	}
}
