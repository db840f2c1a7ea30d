package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

func TestUpdateRewritesMessageWithOtherOutlets(t *testing.T) {
	t.Parallel()
	h, srv := newHistorySlack(t)
	n := newBot(t, srv, "#figures")
	a := notifytest.Alert(t, "claim_mismatch_also")
	first := a
	first.Also = nil
	sent, err := n.Send(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	r, err := n.Update(context.Background(), a, sent)
	if err != nil {
		t.Fatal(err)
	}
	if r != sent {
		t.Errorf("receipt = %+v, want %+v", r, sent)
	}
	h.mu.Lock()
	form := h.calls[len(h.calls)-1]
	h.mu.Unlock()
	if form.Get("method") != "chat.update" || form.Get("channel") != sent.Channel || form.Get("ts") != sent.TS {
		t.Errorf("update request = %v", form)
	}
	wantBlocks, _ := json.Marshal(AlertBlocks(a))
	if form.Get("blocks") != string(wantBlocks) {
		t.Errorf("blocks =\n%s\nwant\n%s", form.Get("blocks"), wantBlocks)
	}
	if !strings.Contains(form.Get("blocks"), "Also reported by") {
		t.Errorf("updated blocks do not list the other outlets")
	}
	text := form.Get("text")
	if !strings.Contains(text, "Also reported by 3 other documents") || strings.Contains(text, "<!channel>") {
		t.Errorf("fallback text = %q", text)
	}
	// The metadata stays, so a later Find still recognises the message.
	md := decodeMetadata(t, form.Get("metadata"))
	if !carriesAlert(md, a.ID) {
		t.Errorf("metadata = %+v", md)
	}
}

// inMemory is an http.RoundTripper that hands each request to a handler
// directly: no socket, so a test can run inside a synctest bubble, where
// only in-memory waits advance the fake clock.
type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// Update shares the channel's limiter with Send, however the channel was
// named: after a burst of sends, an update waits its turn, exactly one
// interval of the channel's rate (on synctest's clock), and one that cannot
// get a turn before its deadline fails as temporary.
func TestUpdateWaitsForChannelRateLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := &historySlack{channels: map[string]string{"figures": "C0FIGURES"}, messages: map[string][]fakeMessage{}, nextTS: 1}
		n, err := New(Options{Token: testToken, APIURL: "http://slack.invalid/", Channel: "#figures",
			HTTPClient: &http.Client{Transport: inMemory{http.HandlerFunc(h.serve)}}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var last notify.Receipt
		for i := range channelBurst {
			r, err := n.Send(context.Background(), notify.Alert{ID: uint64(i + 1), Event: notifytest.Event(t, "metric_new")})
			if err != nil {
				t.Fatal(err)
			}
			last = r
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("a burst of %d sends waited %v, want none", channelBurst, d)
		}
		if _, err := n.Update(context.Background(), notify.Alert{ID: 3, Event: notifytest.Event(t, "metric_new")}, last); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("update after a burst of %d sends waited %v, want 1s (one per second per channel)", channelBurst, d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := n.Update(ctx, notify.Alert{ID: 3, Event: notifytest.Event(t, "metric_new")}, last); err == nil || notify.Permanent(err) {
			t.Errorf("update that cannot get a turn before its deadline: err = %v, want temporary", err)
		}
	})
}

func TestUpdateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		receipt   notify.Receipt
		answer    string
		status    int
		permanent bool
		contains  string
	}{
		{name: "message gone", receipt: notify.Receipt{Channel: "C0FIGURES", TS: "1.2"}, answer: `{"ok":false,"error":"message_not_found"}`, permanent: true, contains: "message_not_found"},
		{name: "not ours to edit", receipt: notify.Receipt{Channel: "C0FIGURES", TS: "1.2"}, answer: `{"ok":false,"error":"cant_update_message"}`, permanent: true},
		{name: "invalid auth", receipt: notify.Receipt{Channel: "C0FIGURES", TS: "1.2"}, answer: `{"ok":false,"error":"invalid_auth"}`, permanent: true},
		{name: "server error", receipt: notify.Receipt{Channel: "C0FIGURES", TS: "1.2"}, answer: `oops`, status: 503, contains: "503"},
		{name: "no receipt", receipt: notify.Receipt{}, permanent: true, contains: "without its channel and ts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, srv := newHistorySlack(t)
			h.respond = func(method string, _ url.Values) (int, string, bool) {
				return max(tc.status, 200), tc.answer, method == "chat.update"
			}
			n := newBot(t, srv, "C0FIGURES")
			_, err := n.Update(context.Background(), notify.Alert{ID: 8, Event: notifytest.Event(t, "claim_mismatch")}, tc.receipt)
			if err == nil {
				t.Fatal("Update succeeded")
			}
			if notify.Permanent(err) != tc.permanent {
				t.Errorf("Permanent = %v, want %v (%v)", notify.Permanent(err), tc.permanent, err)
			}
			if tc.contains != "" && !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
		})
	}
}

func TestSendDigestPostsBlocks(t *testing.T) {
	t.Parallel()
	h, srv := newHistorySlack(t)
	n := newBot(t, srv, "#figures")
	events := notify.Samples(sampleNow)
	from, to := sampleNow.Add(-11*time.Hour), sampleNow
	r, err := n.SendDigest(context.Background(), "", events, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if r.Channel != "C0FIGURES" || r.TS == "" {
		t.Errorf("receipt = %+v", r)
	}
	h.mu.Lock()
	form := h.calls[len(h.calls)-1]
	h.mu.Unlock()
	wantBlocks, _ := json.Marshal(DigestBlocks(events, from, to))
	if form.Get("method") != "chat.postMessage" || form.Get("channel") != "#figures" || form.Get("blocks") != string(wantBlocks) {
		t.Errorf("digest request = %v", form)
	}
	if !strings.HasPrefix(form.Get("text"), "Digest: 8 alerts held from 1 Mar 2026 22:00 UTC") {
		t.Errorf("text = %.100q", form.Get("text"))
	}
	md := decodeMetadata(t, form.Get("metadata"))
	if md.EventType != DigestEventType || md.EventPayload["alerts"] != "8" || md.EventPayload["to"] != "2026-03-02T09:00:00Z" {
		t.Errorf("metadata = %+v", md)
	}
	if carriesAlert(md, 7) {
		t.Error("a digest's metadata passes for an alert's")
	}
	if _, err := newBot(t, srv, "").SendDigest(context.Background(), "", events, from, to); !notify.Permanent(err) {
		t.Errorf("digest without a channel: err = %v, want permanent", err)
	}
}

func TestWebhookSendsDigestAndAlsoList(t *testing.T) {
	t.Parallel()
	fake, srv := newFake(t, func(w http.ResponseWriter) { _, _ = io.WriteString(w, "ok") })
	n, err := New(Options{WebhookURL: srv.URL + "/services/T000/B000/XXXXSECRET"})
	if err != nil {
		t.Fatal(err)
	}
	events := notify.Samples(sampleNow)
	if _, err := n.SendDigest(context.Background(), "", events, time.Time{}, sampleNow); err != nil {
		t.Fatal(err)
	}
	_, _, body := fake.last(t)
	var got struct {
		Text   string            `json:"text"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	wantBlocks, _ := json.Marshal(DigestBlocks(events, time.Time{}, sampleNow))
	if gotBlocks, _ := json.Marshal(got.Blocks); string(gotBlocks) != string(wantBlocks) || !strings.HasPrefix(got.Text, "Digest: 8 alerts") {
		t.Errorf("webhook digest = %s", body)
	}

	a := notifytest.Alert(t, "claim_mismatch_also")
	if _, err := n.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	_, _, body = fake.last(t)
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	wantBlocks, _ = json.Marshal(AlertBlocks(a))
	if gotBlocks, _ := json.Marshal(got.Blocks); string(gotBlocks) != string(wantBlocks) {
		t.Errorf("webhook alert blocks lack the other outlets: %s", body)
	}
}
