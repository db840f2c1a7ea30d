package daemon

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestJSONLogsDurationsInSeconds(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := NewLogger(&buf, LogOptions{Level: "info", Format: "json"})
	log.Info("poll", "dur", 1500*time.Millisecond, "retry_after", 2*time.Minute)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	if rec["dur"] != 1.5 || rec["retry_after"] != 120.0 {
		t.Errorf("dur = %v, retry_after = %v; want 1.5 and 120 (seconds)", rec["dur"], rec["retry_after"])
	}
}

func TestTextLogsKeepGoDurations(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	NewLogger(&buf, LogOptions{Format: "text"}).Info("poll", "dur", 1500*time.Millisecond)
	if !strings.Contains(buf.String(), "dur=1.5s") {
		t.Errorf("text log %q lacks dur=1.5s", buf.String())
	}
}

func TestBboltDiagnosticsOnlyWhenAskedFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		storeDebug bool
		wantDebug  bool
	}{
		{"off by default", false, false},
		{"log.store debug", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log := NewLogger(&buf, LogOptions{Level: "debug", StoreDebug: tc.storeDebug})
			bolt := log.With("component", "bbolt")
			bolt.Debug("mmap grown")
			bolt.Warn("freelist inconsistent")
			log.Debug("poll detail")
			out := buf.String()
			if got := strings.Contains(out, "mmap grown"); got != tc.wantDebug {
				t.Errorf("bbolt debug line logged = %t, want %t:\n%s", got, tc.wantDebug, out)
			}
			for _, want := range []string{"freelist inconsistent", "poll detail"} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// Under journald each line starts with its sd-daemon priority, so
// `journalctl -p err` filters errors, and carries no time of its own.
func TestJournalLinesCarryPriorityAndNoTime(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log := NewLogger(&buf, LogOptions{Level: "debug", Format: format, Journal: true})
			log.Debug("detail")
			log.Info("poll", "source", "oig")
			log.With("component", "outbox").Warn("retrying")
			log.WithGroup("g").Error("send failed", "err", "boom")
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			want := []string{"<7>", "<6>", "<4>", "<3>"}
			if len(lines) != len(want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
			}
			for i, line := range lines {
				if !strings.HasPrefix(line, want[i]) {
					t.Errorf("line %d = %q, want prefix %s", i, line, want[i])
				}
				if strings.Contains(line, "time") {
					t.Errorf("line %d = %q carries a time", i, line)
				}
				if format == "json" && !json.Valid([]byte(strings.TrimPrefix(line, want[i]))) {
					t.Errorf("line %d = %q is not JSON after its prefix", i, line)
				}
			}
		})
	}
}

func TestLinesOutsideTheJournalKeepTheirTime(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	NewLogger(&buf, LogOptions{}).Error("send failed")
	if !strings.HasPrefix(buf.String(), "time=") {
		t.Errorf("log line %q does not start with its time", buf.String())
	}
}
