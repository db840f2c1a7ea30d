// Package notifytest holds what the notifiers' tests share: the event and
// alert fixtures in internal/notify/testdata, and golden-file comparison.
package notifytest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
)

// Fixtures names the shared event fixtures, one per kind plus hostile and
// 5,000-character quotes, and a claim whose quotes and titles are full of
// Slack formatting (claim_mismatch_formatting), and a revised month of a
// series whose report states two values for it (metric_changed_period_conflict).
var Fixtures = []string{
	"metric_changed", "metric_changed_hostile", "metric_changed_long_quote", "metric_new",
	"claim_mismatch", "document_revised", "new_report", "source_failing", "source_recovered",
	"claim_mismatch_formatting", "metric_changed_period_conflict",
}

// testdata is internal/notify/testdata, wherever the test runs from.
func testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Event loads testdata/events/NAME.json.
func Event(t testing.TB, name string) diff.Event {
	t.Helper()
	var ev diff.Event
	load(t, filepath.Join(testdata(), "events", name+".json"), &ev)
	return ev
}

// Alert loads testdata/alerts/NAME.json.
func Alert(t testing.TB, name string) notify.Alert {
	t.Helper()
	var a notify.Alert
	load(t, filepath.Join(testdata(), "alerts", name+".json"), &a)
	return a
}

func load(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

// Golden compares got with the calling package's testdata/NAME.golden, or
// rewrites that file when update is set.
func Golden(t testing.TB, update bool, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
