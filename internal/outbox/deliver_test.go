package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
	"github.com/figwatch/watcher/internal/store"
)

// slackLike declares what a Slack bot token can do.
var slackLike = notify.Caps{Update: true, Find: true, Digest: true}

// metricNew is a low-severity event about metric.
func metricNew(metric string, value float64) diff.Event {
	return diff.Event{Kind: diff.MetricNew, Metric: metric, Source: "oig", DocID: "oig-1",
		New: &diff.Stated{Value: value, Metric: metric, Source: "oig", DocID: "oig-1"}}
}

// metricChanged is a high-severity event about metric.
func metricChanged(metric string, from, to float64) diff.Event {
	return diff.Event{Kind: diff.MetricChanged, Metric: metric, Source: "oig", DocID: "oig-2",
		Old: &diff.Stated{Value: from, Metric: metric}, New: &diff.Stated{Value: to, Metric: metric, DocID: "oig-2"}}
}

// claim is an outlet's story stating value for uc_failed_to_appear.
func claim(doc string, value float64) diff.Event {
	return diff.Event{Kind: diff.ClaimMismatch, Metric: "uc_failed_to_appear", Source: "press", DocID: doc,
		Old: &diff.Stated{Value: 43000}, New: &diff.Stated{Value: value, DocID: doc, Source: "press", URL: "https://example.org/" + doc}}
}

// failFirst fails a method's first n calls with err.
func failFirst(method string, n int, err error) func(string, uint64) error {
	calls := 0
	return func(m string, _ uint64) error {
		if m != method {
			return nil
		}
		if calls++; calls <= n {
			return err
		}
		return nil
	}
}

func (h *harness) alert(id uint64) store.Alert {
	h.t.Helper()
	for _, a := range h.alerts() {
		if a.ID == id {
			return a
		}
	}
	h.t.Fatalf("no alert %d", id)
	return store.Alert{}
}

func (h *harness) deliver() Stats {
	h.t.Helper()
	st, err := h.o.Deliver(context.Background())
	if err != nil {
		h.t.Fatalf("Deliver: %v", err)
	}
	return st
}

func count(methods []string, m string) int {
	n := 0
	for _, x := range methods {
		if x == m {
			n++
		}
	}
	return n
}

// A temporary failure is retried after RetryMin, doubling per attempt up
// to RetryMax; a pass before the next attempt is due sends nothing.
func TestDeliverRetriesWithExponentialBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		retryMax time.Duration
		want     []time.Duration // wait after each failed attempt
	}{
		{"doubles", time.Minute, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}},
		{"capped", 3 * time.Second, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &notifytest.Recorder{Capabilities: slackLike, Fail: failFirst("send", len(tc.want), errors.New("503 Service Unavailable"))}
			h := newHarness(t, rec, "")
			h.pol.RetryMax = tc.retryMax
			h.enqueue(metricChanged("uc_no_nta", 291000, 233000))
			for i, wait := range tc.want {
				if st := h.deliver(); st.Deferred != 1 || st.Sent != 0 {
					t.Fatalf("attempt %d: %+v, want deferred", i+1, st)
				}
				a := h.alert(1)
				if got := a.NextAttempt.Sub(h.clock.Now()); got != wait || a.Attempts != i+1 || !strings.Contains(a.LastError, "503") {
					t.Fatalf("after attempt %d: next in %s, attempts %d, last error %q; want %s, %d", i+1, got, a.Attempts, a.LastError, wait, i+1)
				}
				h.clock.Add(wait - time.Millisecond)
				calls := len(rec.Calls())
				h.deliver()
				if len(rec.Calls()) != calls {
					t.Fatalf("attempt %d: tried again %s early", i+1, time.Millisecond)
				}
				h.clock.Add(time.Millisecond)
			}
			if st := h.deliver(); st.Sent != 1 {
				t.Fatalf("last attempt: %+v, want sent", st)
			}
			if got := count(rec.Methods(), "send"); got != len(tc.want)+1 {
				t.Errorf("%d sends, want %d", got, len(tc.want)+1)
			}
		})
	}
}

// A destination's Retry-After overrides the backoff.
func TestDeliverRetriesAfterRetryAfter(t *testing.T) {
	t.Parallel()
	rec := &notifytest.Recorder{Capabilities: slackLike,
		Fail: failFirst("send", 1, &notify.RetryAfterError{Err: errors.New("429"), After: 7 * time.Second})}
	h := newHarness(t, rec, "")
	h.enqueue(metricChanged("uc_no_nta", 291000, 233000))
	h.deliver()
	if got := h.alert(1).NextAttempt.Sub(h.clock.Now()); got != 7*time.Second {
		t.Fatalf("next attempt in %s, want the 7s Slack asked for", got)
	}
	h.clock.Add(6 * time.Second)
	if st := h.deliver(); st.Sent != 0 {
		t.Fatalf("sent 6s into a 7s Retry-After")
	}
	h.clock.Add(time.Second)
	if st := h.deliver(); st.Sent != 1 {
		t.Fatalf("not sent once Retry-After passed: %+v", st)
	}
}

// Alerts go out in order per channel: one waiting for a retry holds back
// the later alerts of its channel, not those of another; one refused for
// good is failed, counted, and holds nothing back.
func TestDeliverOrderPerChannel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantFailed int
		wantSent   []string // channels, in order, in the first pass
	}{
		{"temporary failure holds back its channel", errors.New("connection reset"), 0, []string{"#b"}},
		{"permanent failure holds nothing back", &notify.PermanentError{Err: errors.New("channel_not_found")}, 1, []string{"#a", "#b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &notifytest.Recorder{Capabilities: slackLike, Fail: failFirst("send", 1, tc.err)}
			h := newHarness(t, rec, "")
			// Routed to #a, #a, #b by their metrics' channels.
			h.pol.metricChannel = map[string]string{"uc_no_nta": "#a", "uc_transferred_hhs": "#b"}
			h.enqueue(metricChanged("uc_no_nta", 1, 2), metricChanged("uc_no_nta", 2, 3), metricChanged("uc_transferred_hhs", 4, 5))
			st := h.deliver()
			var got []string
			for _, c := range rec.Calls()[1:] {
				got = append(got, c.Alert.Channel)
			}
			if !slices.Equal(got, tc.wantSent) || st.Failed != tc.wantFailed {
				t.Errorf("after the failed send: sent to %v, %d failed; want %v, %d", got, st.Failed, tc.wantSent, tc.wantFailed)
			}
			if f := counterValue(t, h.metrics.failed.WithLabelValues("metric_changed", FailPermanent)); int(f) != tc.wantFailed {
				t.Errorf("watcher_alerts_failed_total{reason=permanent} = %v, want %d", f, tc.wantFailed)
			}
		})
	}
}

// An alert undelivered for longer than max_age is given up on, with the
// last error kept, and counted as expired.
func TestDeliverExpiresOldAlerts(t *testing.T) {
	t.Parallel()
	rec := &notifytest.Recorder{Capabilities: slackLike, Fail: failFirst("send", 1, errors.New("connection refused"))}
	h := newHarness(t, rec, "")
	h.enqueue(metricChanged("uc_no_nta", 291000, 233000))
	h.deliver()
	h.clock.Add(72*time.Hour + time.Second)
	if st := h.deliver(); st.Failed != 1 {
		t.Fatalf("pass after max_age: %+v, want 1 failed", st)
	}
	a := h.alert(1)
	if a.Status != store.StatusFailed || !strings.Contains(a.LastError, "expired") || !strings.Contains(a.LastError, "connection refused") {
		t.Errorf("expired alert: status %s, last error %q", a.Status, a.LastError)
	}
	if got := count(rec.Methods(), "send"); got != 1 {
		t.Errorf("%d sends, want 1 (none after expiry)", got)
	}
	if f := counterValue(t, h.metrics.failed.WithLabelValues("metric_changed", FailExpired)); f != 1 {
		t.Errorf("watcher_alerts_failed_total{reason=expired} = %v, want 1", f)
	}
}

// lostReply posts through the Recorder, then loses the answer, as a
// process killed between Slack's reply and the outbox's record would.
type lostReply struct {
	*notifytest.Recorder
	lost bool
}

func (l *lostReply) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	r, err := l.Recorder.Send(ctx, a)
	if err == nil && !l.lost {
		l.lost = true
		return notify.Receipt{}, errors.New("read: connection reset by peer")
	}
	return r, err
}

// What a crash after the post costs depends on the notifier's Caps: a
// notifier that can look its messages up is asked first and the alert is
// not posted twice; one that cannot (a webhook) posts it again, and pays
// no marker write per alert for a lookup it could not make.
func TestCapsDecideRecoveryAfterALostReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		caps      notify.Caps
		wantTried bool
		want      []string
		wantTS    string // the message the alert is recorded with
	}{
		{"can find", notify.Caps{Find: true}, true, []string{"send", "find"}, "1.000001"},
		{"cannot find", notify.Caps{}, false, []string{"send", "send"}, "1.000002"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &notifytest.Recorder{Capabilities: tc.caps}
			h := newHarness(t, &lostReply{Recorder: rec}, "")
			h.enqueue(metricChanged("uc_no_nta", 291000, 233000))
			h.deliver()
			if a := h.alert(1); a.Tried != tc.wantTried || a.Status != store.StatusPending {
				t.Fatalf("after the lost reply: tried %v, status %s; want tried %v, pending", a.Tried, a.Status, tc.wantTried)
			}
			h.restart()
			h.clock.Add(time.Minute)
			h.drain()
			if got := rec.Methods(); !slices.Equal(got, tc.want) {
				t.Errorf("calls %v, want %v", got, tc.want)
			}
			if a := h.alert(1); a.Status != store.StatusSent || a.SentTS != tc.wantTS {
				t.Errorf("alert: status %s, ts %q; want sent, ts %q", a.Status, a.SentTS, tc.wantTS)
			}
		})
	}
}

// A lookup that fails is retried later, before any send: posting blind
// could post twice.
func TestFailedLookupIsRetriedNotResent(t *testing.T) {
	t.Parallel()
	rec := &notifytest.Recorder{Capabilities: notify.Caps{Find: true}}
	h := newHarness(t, &lostReply{Recorder: rec}, "")
	h.enqueue(metricChanged("uc_no_nta", 291000, 233000))
	h.deliver()
	rec.Fail = failFirst("find", 1, errors.New("conversations.history: 500"))
	h.clock.Add(time.Minute)
	if st := h.deliver(); st.Deferred != 1 {
		t.Fatalf("pass with a failing lookup: %+v, want deferred", st)
	}
	h.clock.Add(time.Minute)
	h.drain()
	if got, want := rec.Methods(), []string{"send", "find", "find"}; !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
}

// An edit of a claim's message (another outlet repeats it) is counted as
// an update, not as one more alert sent; a notifier that cannot edit gets
// the longer message as a new one, which is a send.
func TestUpdateIsCountedAsUpdatedNotSent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		caps                  notify.Caps
		want                  []string
		wantSent, wantUpdated float64
	}{
		{"can update", slackLike, []string{"send", "update"}, 1, 1},
		{"cannot update", notify.Caps{}, []string{"send", "send"}, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &notifytest.Recorder{Capabilities: tc.caps}
			h := newHarness(t, rec, "")
			h.enqueue(claim("story-1", 30000))
			h.deliver()
			if n := h.enqueue(claim("story-2", 30000)); n != 0 {
				t.Fatalf("a repeated claim queued %d new alerts, want 0 (folded)", n)
			}
			st := h.drain()
			if got := rec.Methods(); !slices.Equal(got, tc.want) {
				t.Errorf("calls %v, want %v", got, tc.want)
			}
			if int(tc.wantUpdated) != st.Updated {
				t.Errorf("Stats.Updated = %d, want %v", st.Updated, tc.wantUpdated)
			}
			last := rec.Calls()[1]
			if len(last.Alert.Also) != 1 || last.Alert.Also[0].DocID != "story-2" {
				t.Errorf("second message lists %+v, want story-2", last.Alert.Also)
			}
			if tc.caps.Update && last.Receipt != (notify.Receipt{Channel: "#figures", TS: "1.000001"}) {
				t.Errorf("update of %+v, want the first message's receipt", last.Receipt)
			}
			sent := counterValue(t, h.metrics.sent.WithLabelValues("claim_mismatch"))
			updated := counterValue(t, h.metrics.updated.WithLabelValues("claim_mismatch"))
			if sent != tc.wantSent || updated != tc.wantUpdated {
				t.Errorf("sent_total %v, updated_total %v; want %v, %v", sent, updated, tc.wantSent, tc.wantUpdated)
			}
		})
	}
}

// Repeats of a claim within the dedupe window fold into its alert: in place
// while it is unsent, as one update once it is out; the same document
// again adds nothing; after the window a repeat is news again.
func TestClaimFolding(t *testing.T) {
	t.Parallel()
	rec := &notifytest.Recorder{Capabilities: slackLike}
	h := newHarness(t, rec, "")
	steps := []struct {
		name      string
		ev        diff.Event
		advance   time.Duration
		deliver   bool
		wantNew   int
		wantCalls []string
	}{
		{"first outlet", claim("s1", 30000), 0, false, 1, nil},
		{"second outlet before delivery: folded in place", claim("s2", 30000), 0, true, 0, []string{"send"}},
		{"third outlet after delivery: one update", claim("s3", 30000), time.Hour, true, 0, []string{"send", "update"}},
		{"the same story again: nothing", claim("s3", 30000), time.Hour, true, 0, []string{"send", "update"}},
		{"another figure is another claim", claim("s4", 31000), time.Hour, true, 1, []string{"send", "update", "send"}},
		{"after the window: news again", claim("s5", 30000), 25 * time.Hour, true, 1, []string{"send", "update", "send", "send"}},
	}
	for _, s := range steps {
		h.clock.Add(s.advance)
		if got := h.enqueue(s.ev); got != s.wantNew {
			t.Fatalf("%s: %d new alerts, want %d", s.name, got, s.wantNew)
		}
		if s.deliver {
			h.drain()
		}
		if got := rec.Methods(); !slices.Equal(got, s.wantCalls) {
			t.Fatalf("%s: calls %v, want %v", s.name, got, s.wantCalls)
		}
	}
	calls := rec.Calls()
	var also []string
	for _, s := range calls[1].Alert.Also {
		also = append(also, s.DocID)
	}
	if !slices.Equal(calls[0].Alert.Also[0:1], calls[1].Alert.Also[0:1]) || !slices.Equal(also, []string{"s2", "s3"}) {
		t.Errorf("first message lists %+v, update lists %v; want s2, then s2 and s3", calls[0].Alert.Also, also)
	}
}

// The first message about a metric anchors its thread; later alerts about
// it are replies there.
func TestFirstMessageOfAMetricAnchorsItsThread(t *testing.T) {
	t.Parallel()
	rec := &notifytest.Recorder{Capabilities: slackLike}
	h := newHarness(t, rec, "")
	h.enqueue(metricNew("uc_no_nta", 291000), metricChanged("uc_no_nta", 291000, 233000), metricNew("uc_transferred_hhs", 448000))
	h.drain()
	var threads []string
	for _, c := range rec.Calls() {
		threads = append(threads, c.Alert.ThreadTS)
	}
	if want := []string{"", "1.000001", ""}; !slices.Equal(threads, want) {
		t.Errorf("thread of each alert %q, want %q", threads, want)
	}
}

const quietYAML = `
alerts:
  quiet_hours: {start: "22:00", end: "07:00", digest: "07:30"}
`

// During quiet hours low-severity alerts wait for one digest per channel
// at the digest time; the rest go out at once. A notifier without digests
// gets the held alerts one by one at that time.
func TestQuietHoursHoldForTheDigest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		caps notify.Caps
		want []string // calls once the digest is due
	}{
		{"digest", slackLike, []string{"send", "digest"}},
		{"no digests", notify.Caps{}, []string{"send", "send", "send"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &notifytest.Recorder{Capabilities: tc.caps}
			h := newHarness(t, rec, quietYAML)
			h.clock.Add(-9*time.Hour - 30*time.Minute) // 23:30 UTC the day before
			h.enqueue(metricNew("uc_no_nta", 291000), metricChanged("uc_transferred_hhs", 1, 2), metricNew("uc_failed_to_appear", 32000))
			for i, a := range h.alerts() {
				if held := a.Kind == "metric_new"; a.Digest != held {
					t.Fatalf("alert %d (%s): held %v, want %v", i+1, a.Kind, a.Digest, held)
				}
			}
			h.drain()
			h.clock.Add(7 * time.Hour) // 06:30
			h.drain()
			if got := rec.Methods(); !slices.Equal(got, []string{"send"}) {
				t.Fatalf("before the digest time: calls %v, want only the high-severity send", got)
			}
			h.clock.Add(time.Hour) // 07:30
			h.drain()
			h.drain()
			if got := rec.Methods(); !slices.Equal(got, tc.want) {
				t.Errorf("calls %v, want %v", got, tc.want)
			}
			if tc.caps.Digest {
				if evs := rec.Calls()[1].Events; len(evs) != 2 || evs[0].Metric != "uc_no_nta" || evs[1].Metric != "uc_failed_to_appear" {
					t.Errorf("digest lists %d events, want the two held in order", len(evs))
				}
			}
			if p, s, _ := h.outbox(); p != 0 || s != 3 {
				t.Errorf("outbox: %d pending, %d sent; want 0, 3", p, s)
			}
		})
	}
}

// A digest refused for good fails each of its alerts; one that fails
// for now is retried as a whole.
func TestFailedDigest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		err                   error
		wantFailed, wantCalls int
	}{
		{"temporary", errors.New("connection reset"), 0, 2},
		{"permanent", &notify.PermanentError{Err: errors.New("channel_not_found")}, 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &notifytest.Recorder{Capabilities: slackLike, Fail: failFirst("digest", 1, tc.err)}
			h := newHarness(t, rec, quietYAML)
			h.clock.Add(-9*time.Hour - 30*time.Minute)
			h.enqueue(metricNew("uc_no_nta", 291000), metricNew("uc_failed_to_appear", 32000))
			h.clock.Add(8 * time.Hour)
			h.drain()
			h.clock.Add(time.Minute)
			h.drain()
			if got := count(rec.Methods(), "digest"); got != tc.wantCalls {
				t.Errorf("%d digests tried, want %d", got, tc.wantCalls)
			}
			if _, _, f := h.outbox(); f != tc.wantFailed {
				t.Errorf("%d failed alerts, want %d", f, tc.wantFailed)
			}
		})
	}
}

// A pass reads the notifier once: one swapped in mid-pass (a reload)
// takes over at the next pass.
func TestReloadTakesEffectAtTheNextPass(t *testing.T) {
	t.Parallel()
	first, second := &notifytest.Recorder{}, &notifytest.Recorder{}
	h := newHarness(t, nil, "")
	swap := &swapOnSend{Recorder: first, swap: func() { h.setNotifier(second) }}
	h.setNotifier(swap)
	h.enqueue(metricNew("uc_no_nta", 1), metricNew("uc_transferred_hhs", 2))
	h.deliver()
	h.enqueue(metricNew("uc_failed_to_appear", 3))
	h.deliver()
	if a, b := len(first.Calls()), len(second.Calls()); a != 2 || b != 1 {
		t.Errorf("first notifier got %d alerts, second %d; want 2, 1", a, b)
	}
}

type swapOnSend struct {
	*notifytest.Recorder
	swap func()
}

func (s *swapOnSend) Send(ctx context.Context, a notify.Alert) (notify.Receipt, error) {
	s.swap()
	return s.Recorder.Send(ctx, a)
}

// A cancelled pass (shutdown) leaves the alert pending without counting
// the attempt against it.
func TestCancelledSendIsNotTheAlertsFault(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	rec := &notifytest.Recorder{Fail: func(string, uint64) error { cancel(); return fmt.Errorf("post: %w", context.Canceled) }}
	h := newHarness(t, rec, "")
	h.enqueue(metricNew("uc_no_nta", 1))
	if _, err := h.o.Deliver(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver = %v, want cancelled", err)
	}
	if a := h.alert(1); a.Status != store.StatusPending || !a.NextAttempt.Equal(a.Created) {
		t.Errorf("after a cancelled send: %s, next attempt %s; want pending and due", a.Status, a.NextAttempt)
	}
}

// counterValue reads a counter's value.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
