package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFloorCycleSendsConditionalGETs: the floor's first cycle fetches every
// feed, its next is all 304s, and after a change only the changed feeds
// send bodies: the same requests watcher makes, nothing more.
func TestFloorCycleSendsConditionalGETs(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, 10, 3)
	dir := t.TempDir()
	fl := Floor{Dir: dir, Concurrency: 3}
	if err := fl.Setup(srv, 10); err != nil {
		t.Fatal(err)
	}
	urls, state := filepath.Join(dir, "urls.txt"), filepath.Join(dir, "state.tsv")
	cycle := func() Stats {
		t.Helper()
		srv.Stats(true)
		if err := floorCycle(context.Background(), urls, state, fl.Concurrency, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		return srv.Stats(true)
	}
	tests := []struct {
		name        string
		change      float64
		notModified int64
	}{
		{"cold", 0, 0},
		{"warm", 0, 10},
		{"20% changed", 20, 8},
	}
	for _, tc := range tests {
		if tc.change > 0 {
			srv.Change(tc.change)
		}
		got := cycle()
		if got.Requests != 10 || got.NotModified != tc.notModified || got.Errors != 0 {
			t.Errorf("%s: %d requests, %d 304s, %d errors; want 10, %d, 0", tc.name, got.Requests, got.NotModified, got.Errors, tc.notModified)
		}
	}
	if err := fl.Setup(srv, 10); err != nil {
		t.Fatal(err)
	}
	if got := cycle(); got.NotModified != 0 {
		t.Errorf("after Setup: %d 304s, want a cold cycle", got.NotModified)
	}
}

func TestFloorCycleReportsFailures(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, 2, 1)
	dir := t.TempDir()
	urls := filepath.Join(dir, "urls.txt")
	if err := os.WriteFile(urls, []byte(srv.FeedURL(0)+"\n"+srv.URL()+"/feed/99.xml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := floorCycle(context.Background(), urls, filepath.Join(dir, "state.tsv"), 2, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 requests failed") || !strings.Contains(err.Error(), "status 404") {
		t.Errorf("err = %v, want 1 of 2 failed with a 404", err)
	}
}

func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stat string
		want       time.Duration
		wantErr    bool
	}{
		{"plain", "1234 (watcher) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 31 0 0 20 0 9 0", 2810 * time.Millisecond, false},
		{"name with spaces and parens", "99 (a (b) c) R 1 99 99 0 -1 0 0 0 0 0 7 3 0 0", 100 * time.Millisecond, false},
		{"truncated", "99 (x) R 1 2", 0, true},
		{"no name", "garbage", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU(tc.stat)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseStatCPU = %v, %v; want %v, error %t", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCountSeries(t *testing.T) {
	t.Parallel()
	body := `# HELP watcher_polls_total Polls.
# TYPE watcher_polls_total counter
watcher_polls_total{source="a"} 3
watcher_polls_total{source="b"} 1

go_goroutines 12
watcher_fetch_seconds_bucket{le="0.1",source="a"} 2
`
	all, per := countSeries([]byte(body))
	if all != 4 || per != 3 {
		t.Errorf("countSeries = %d, %d; want 4 samples, 3 with a source label", all, per)
	}
}

func TestParseCycles(t *testing.T) {
	t.Parallel()
	got, err := parseCycles(" 1, 30,")
	if err != nil || len(got) != 2 || !got[1] || !got[30] {
		t.Errorf("parseCycles = %v, %v; want {1, 30}", got, err)
	}
	for _, bad := range []string{"0", "x", "1,-2"} {
		if _, err := parseCycles(bad); err == nil {
			t.Errorf("parseCycles(%q): no error", bad)
		}
	}
}
