package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

// sampleNow fixes the samples' clock so their golden files are stable.
var sampleNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestSamplesMatchGolden(t *testing.T) {
	t.Parallel()
	for i, ev := range notify.Samples(sampleNow) {
		t.Run(string(ev.Kind), func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if _, err := New(&buf).Send(context.Background(), notify.Alert{ID: uint64(i + 1), Event: ev}); err != nil {
				t.Fatal(err)
			}
			notifytest.Golden(t, *update, "sample_"+string(ev.Kind), buf.Bytes())
		})
	}
}

func TestClaimWithOtherOutletsMatchesGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	a := notifytest.Alert(t, "claim_mismatch_also")
	if _, err := New(&buf).Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	notifytest.Golden(t, *update, "claim_mismatch_also", buf.Bytes())
	out := buf.String()
	for _, want := range []string{"matches the August 2024 figure, since revised", "Also reported by 3 other documents:", "https://post.example.com/2025/04/02/ice-children"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestSendDigestMatchesGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	n := New(&buf)
	r, err := n.SendDigest(context.Background(), "#ignored", notify.Samples(sampleNow), sampleNow.Add(-11*time.Hour), sampleNow)
	if err != nil {
		t.Fatal(err)
	}
	if r != (notify.Receipt{Channel: "console"}) {
		t.Errorf("receipt = %+v", r)
	}
	notifytest.Golden(t, *update, "digest", buf.Bytes())
}

func TestSendDigestWithoutPeriodUsesNow(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	n := New(&buf)
	n.now = func() time.Time { return sampleNow }
	if _, err := n.SendDigest(context.Background(), "", nil, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := "2026-03-02T09:00:00Z  digest  0 alerts\nDigest: 0 alerts held\n" + separator
	if buf.String() != want {
		t.Errorf("digest =\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestUpdatePrintsUpdatedAlert(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	n := New(&buf)
	a := notifytest.Alert(t, "claim_mismatch_also")
	r, err := n.Update(context.Background(), a, notify.Receipt{Channel: "console"})
	if err != nil {
		t.Fatal(err)
	}
	if r != (notify.Receipt{Channel: "console"}) {
		t.Errorf("receipt = %+v", r)
	}
	first, rest, _ := strings.Cut(buf.String(), "\n")
	if want := "2025-04-02T14:10:00Z  claim_mismatch  alert 210  updated"; first != want {
		t.Errorf("header = %q, want %q", first, want)
	}
	if rest != notify.Text(notify.Build(a))+separator {
		t.Errorf("body is not the alert's text:\n%s", rest)
	}
}

func TestDigestAndUpdateErrors(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	events := []diff.Event{notifytest.Event(t, "metric_new")}
	tests := []struct {
		name string
		ctx  context.Context
		w    *Notifier
		call func(ctx context.Context, n *Notifier) error
		want string
	}{
		{"digest, cancelled", cancelled, New(&bytes.Buffer{}), func(ctx context.Context, n *Notifier) error {
			_, err := n.SendDigest(ctx, "", events, time.Time{}, sampleNow)
			return err
		}, "digest of 1 alerts"},
		{"digest, failed write", context.Background(), New(failWriter{}), func(ctx context.Context, n *Notifier) error {
			_, err := n.SendDigest(ctx, "", events, time.Time{}, sampleNow)
			return err
		}, "disk full"},
		{"update, cancelled", cancelled, New(&bytes.Buffer{}), func(ctx context.Context, n *Notifier) error {
			_, err := n.Update(ctx, notify.Alert{ID: 4, Event: events[0]}, notify.Receipt{})
			return err
		}, "alert 4"},
		{"update, failed write", context.Background(), New(failWriter{}), func(ctx context.Context, n *Notifier) error {
			_, err := n.Update(ctx, notify.Alert{ID: 4, Event: events[0]}, notify.Receipt{})
			return err
		}, "disk full"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.call(tc.ctx, tc.w)
			if err == nil {
				t.Fatal("call succeeded")
			}
			if notify.Permanent(err) {
				t.Errorf("console errors are temporary, got permanent %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}
