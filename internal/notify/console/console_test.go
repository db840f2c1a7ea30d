package console

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"sync"
	"testing"
	"time"
	// The zone tests load America/New_York wherever the system has no
	// zoneinfo, as the daemon does (config embeds it too).
	_ "time/tzdata"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestSendMatchesGolden(t *testing.T) {
	t.Parallel()
	for i, name := range notifytest.Fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			n := New(&buf)
			r, err := n.Send(context.Background(), notify.Alert{ID: uint64(100 + i), Event: notifytest.Event(t, name)})
			if err != nil {
				t.Fatal(err)
			}
			if r != (notify.Receipt{Channel: "console"}) {
				t.Errorf("receipt = %+v", r)
			}
			notifytest.Golden(t, *update, name, buf.Bytes())
		})
	}
}

func TestSendNeutralisesHostileText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if _, err := New(&buf).Send(context.Background(), notify.Alert{ID: 1, Event: notifytest.Event(t, "metric_changed_hostile")}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\x1b", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds %q", bad)
		}
	}
}

func TestSendUsesNowWhenEventHasNoTime(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	n := New(&buf)
	n.now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	ev := notifytest.Event(t, "source_failing")
	ev.At = time.Time{}
	if _, err := n.Send(context.Background(), notify.Alert{ID: 7, Event: ev}); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(buf.String(), "\n")
	if want := "2026-03-01T12:00:00Z  source_failing  alert 7"; first != want {
		t.Errorf("header = %q, want %q", first, want)
	}
}

// Concurrent sends must each land as one unbroken block.
func TestSendConcurrentAlertsDoNotInterleave(t *testing.T) {
	t.Parallel()
	w := &chunkWriter{}
	n := New(w)
	ev := notifytest.Event(t, "metric_changed")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := n.Send(context.Background(), notify.Alert{ID: uint64(i), Event: ev}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(w.chunks) != 20 {
		t.Fatalf("got %d writes, want 20", len(w.chunks))
	}
	for _, c := range w.chunks {
		if strings.Count(c, "alert ") != 1 || !strings.HasSuffix(c, strings.Repeat("─", 72)+"\n") {
			t.Errorf("write is not one whole alert:\n%s", c)
		}
	}
}

// chunkWriter records each Write separately; it is deliberately not
// synchronised, so the race detector flags concurrent writes.
type chunkWriter struct{ chunks []string }

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.chunks = append(w.chunks, string(p))
	return len(p), nil
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestSendErrors(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		w    *Notifier
		want error
	}{
		{"cancelled context", cancelled, New(&bytes.Buffer{}), context.Canceled},
		{"failed write", context.Background(), New(failWriter{}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.w.Send(tc.ctx, notify.Alert{ID: 3, Event: notifytest.Event(t, "metric_new")})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if notify.Permanent(err) {
				t.Errorf("console errors are temporary, got permanent %v", err)
			}
			if !strings.Contains(err.Error(), "alert 3") {
				t.Errorf("error does not name the alert: %v", err)
			}
		})
	}
}

func TestSendShowsTimesInTheConfiguredZone(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []Option
		want []string
	}{
		{"UTC by default", nil, []string{"2026-02-07T10:15:00Z  document_revised", "First seen 6 Feb 2026 07:45 UTC", "Revised    7 Feb 2026 10:15 UTC"}},
		{"a nil zone is UTC", []Option{WithLocation(nil)}, []string{"2026-02-07T10:15:00Z  document_revised"}},
		{"newsroom zone, labelled", []Option{WithLocation(ny)}, []string{"2026-02-07T05:15:00-05:00  document_revised", "First seen 6 Feb 2026 02:45 EST", "Revised    7 Feb 2026 05:15 EST"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if _, err := New(&buf, tc.opts...).Send(context.Background(), notify.Alert{ID: 1, Event: notifytest.Event(t, "document_revised")}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, buf.String())
				}
			}
		})
	}
}
