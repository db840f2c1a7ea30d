package outbox

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/figwatch/watcher/internal/fakeslack"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/slack"
)

// slackNotifier is the real Slack notifier, pointed at a fake Slack.
func slackNotifier(t *testing.T, fs *fakeslack.Server, timeout time.Duration) notify.Notifier {
	t.Helper()
	opts := slack.Options{Token: "xoxb-test-token", APIURL: fs.URL(), Channel: "#figures", PerChannel: rate.Inf}
	if timeout > 0 {
		opts.HTTPClient = &http.Client{Timeout: timeout}
	}
	n, err := slack.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkPostedOnce fails the test unless Slack holds want messages, no
// alert twice, and the outbox has nothing left to send.
func checkPostedOnce(t *testing.T, h *harness, fs *fakeslack.Server, want int) {
	t.Helper()
	seen := map[string]int{}
	for _, p := range fs.Posts() {
		seen[p.Metadata]++
	}
	for md, n := range seen {
		if n != 1 {
			t.Errorf("alert %s posted %d times", md, n)
		}
	}
	if got := len(fs.Posts()); got != want {
		t.Errorf("%d messages in Slack, want %d", got, want)
	}
	if pending, _, _ := h.outbox(); pending != 0 {
		t.Errorf("%d alerts still pending after Slack answered again", pending)
	}
}

// Slack posts a message but its answer never arrives, as if the process
// died between Slack's reply and the outbox's record: after restarts the
// message is found by its alert id rather than posted again, and the rest
// go out once.
func TestLostSlackReplyIsNotPostedTwice(t *testing.T) {
	t.Parallel()
	fs := fakeslack.New(t)
	h := newHarness(t, slackNotifier(t, fs, 0), "")
	events := notify.Samples(h.clock.Now())
	h.enqueue(events...)
	fs.SetMode("lose-reply")
	h.drain()
	if len(fs.Posts()) != 1 {
		t.Fatalf("%d messages reached Slack, want 1 (the channel waits behind the first)", len(fs.Posts()))
	}
	fs.SetMode("ok")
	for range 3 {
		h.restart()
		h.clock.Add(5 * time.Minute)
		h.drain()
	}
	checkPostedOnce(t, h, fs, len(events))
}

// A Slack that stops answering (the request hangs) costs each attempt the
// client's timeout, never the outbox; an alert whose message Slack took
// before stalling is found after a restart rather than posted again.
func TestHangingSlackNeitherBlocksNorDuplicates(t *testing.T) {
	t.Parallel()
	fs := fakeslack.New(t)
	h := newHarness(t, slackNotifier(t, fs, 200*time.Millisecond), "")
	events := notify.Samples(h.clock.Now())
	h.enqueue(events...)

	fs.SetMode("hang-after-post") // Slack takes the first message, then never answers
	h.drain()
	if got := len(fs.Posts()); got != 1 {
		t.Fatalf("%d messages reached Slack, want 1 (the channel waits behind the first)", got)
	}
	fs.SetMode("hang") // still hanging, taking nothing: the lookup times out too
	h.clock.Add(time.Minute)
	h.drain()
	fs.SetMode("ok")
	for range 3 {
		h.restart()
		h.clock.Add(5 * time.Minute)
		h.drain()
	}
	checkPostedOnce(t, h, fs, len(events))
}
