package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

// historySlack is a fake Slack workspace that keeps what is posted:
// chat.postMessage stores the message (with its metadata) in its channel,
// conversations.history and conversations.replies page through a channel
// newest first, and conversations.list names the channels. respond, when
// set, answers a method instead (errors, rate limits).
type historySlack struct {
	mu       sync.Mutex
	channels map[string]string // name → ID
	messages map[string][]fakeMessage
	calls    []url.Values // every request's form, with "method" added
	nextTS   int
	respond  func(method string, form url.Values) (status int, body string, ok bool)
}

type fakeMessage struct {
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	Text     string          `json:"text"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

func newHistorySlack(t *testing.T) (*historySlack, *httptest.Server) {
	t.Helper()
	h := &historySlack{
		channels: map[string]string{"random": "C0RANDOM1", "figures": "C0FIGURES"},
		messages: map[string][]fakeMessage{},
		nextTS:   1,
	}
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(srv.Close)
	return h, srv
}

// seed posts n messages to channel directly, as other tools or earlier
// alerts would have; alertBase, when positive, tags message i with alert
// id alertBase+i.
func (h *historySlack) seed(channel string, n int, alertBase uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range n {
		m := fakeMessage{TS: h.ts(), Text: fmt.Sprintf("message %d", i)}
		if alertBase > 0 {
			m.Metadata = json.RawMessage(fmt.Sprintf(`{"event_type":"watcher_alert","event_payload":{"alert_id":"%d"}}`, alertBase+uint64(i)))
		}
		h.messages[channel] = append(h.messages[channel], m)
	}
}

func (h *historySlack) ts() string {
	h.nextTS++
	return fmt.Sprintf("1743600000.%06d", h.nextTS)
}

func (h *historySlack) methods() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.calls {
		out = append(out, c.Get("method"))
	}
	return out
}

func (h *historySlack) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	method := strings.TrimPrefix(r.URL.Path, "/")
	h.mu.Lock()
	defer h.mu.Unlock()
	logged := url.Values{}
	for k, v := range form {
		logged[k] = v
	}
	logged.Set("method", method)
	h.calls = append(h.calls, logged)
	w.Header().Set("Content-Type", "application/json")
	if h.respond != nil {
		if status, body, ok := h.respond(method, form); ok {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
	}
	answer := func(v map[string]any) {
		v["ok"] = true
		_ = json.NewEncoder(w).Encode(v)
	}
	switch method {
	case "chat.postMessage":
		ch := form.Get("channel")
		if id, ok := h.channels[strings.TrimPrefix(ch, "#")]; ok {
			ch = id
		}
		m := fakeMessage{TS: h.ts(), ThreadTS: form.Get("thread_ts"), Text: form.Get("text"), Metadata: json.RawMessage(form.Get("metadata"))}
		h.messages[ch] = append(h.messages[ch], m)
		answer(map[string]any{"channel": ch, "ts": m.TS})
	case "chat.update":
		answer(map[string]any{"channel": form.Get("channel"), "ts": form.Get("ts"), "text": form.Get("text")})
	case "conversations.list":
		var chans []map[string]any
		for name, id := range h.channels {
			chans = append(chans, map[string]any{"id": id, "name": name})
		}
		// One channel per page, so the lookup must follow cursors.
		page, _ := strconv.Atoi(form.Get("cursor"))
		if page >= len(chans) {
			answer(map[string]any{"channels": []any{}})
			return
		}
		// Map order is random: sort for stable paging.
		sortChannels(chans)
		next := ""
		if page+1 < len(chans) {
			next = strconv.Itoa(page + 1)
		}
		answer(map[string]any{"channels": chans[page : page+1], "response_metadata": map[string]any{"next_cursor": next}})
	case "conversations.history", "conversations.replies":
		msgs := h.messages[form.Get("channel")]
		var list []fakeMessage
		for i := len(msgs) - 1; i >= 0; i-- { // newest first
			m := msgs[i]
			if method == "conversations.history" && m.ThreadTS != "" {
				continue // replies are not in the channel's history
			}
			if method == "conversations.replies" && m.ThreadTS != form.Get("ts") && m.TS != form.Get("ts") {
				continue
			}
			if o := form.Get("oldest"); o != "" && m.TS < o {
				continue
			}
			if form.Get("include_all_metadata") != "1" {
				m.Metadata = nil
			}
			list = append(list, m)
		}
		start, _ := strconv.Atoi(form.Get("cursor"))
		limit, _ := strconv.Atoi(form.Get("limit"))
		if limit <= 0 || limit > 1000 {
			limit = 100
		}
		end := min(start+limit, len(list))
		start = min(start, end)
		next := ""
		if end < len(list) {
			next = strconv.Itoa(end)
		}
		answer(map[string]any{"messages": list[start:end], "has_more": next != "", "response_metadata": map[string]any{"next_cursor": next}})
	default:
		answer(map[string]any{})
	}
}

func sortChannels(c []map[string]any) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j]["name"].(string) < c[j-1]["name"].(string); j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

func newBot(t *testing.T, srv *httptest.Server, channel string) *Notifier {
	t.Helper()
	n, err := New(Options{Token: testToken, APIURL: srv.URL + "/", Channel: channel})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The crash case end to end: an alert sent (its receipt lost), then Find
// in a busy channel finds it by the metadata Send wrote.
func TestFindLocatesMessageSendPosted(t *testing.T) {
	t.Parallel()
	h, srv := newHistorySlack(t)
	n := newBot(t, srv, "#figures")
	h.seed("C0FIGURES", 150, 1000) // older alerts
	sent, err := n.Send(context.Background(), notify.Alert{ID: 4242, Event: notifytest.Event(t, "metric_changed")})
	if err != nil {
		t.Fatal(err)
	}
	h.seed("C0FIGURES", 450, 5000) // later alerts and chatter push it back
	h.seed("C0FIGURES", 30, 0)

	// A fresh notifier, as after a restart: it must resolve the name itself.
	fresh := newBot(t, srv, "#figures")
	r, found, err := fresh.Find(context.Background(), notify.Locator{AlertID: 4242, Since: time.Unix(1743600000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if !found || r != sent {
		t.Errorf("Find = %+v, %v; want %+v, true", r, found, sent)
	}
	for _, c := range h.calls {
		if c.Get("method") == "conversations.history" {
			if c.Get("channel") != "C0FIGURES" || c.Get("include_all_metadata") != "1" || c.Get("oldest") != "1743600000.000000" {
				t.Errorf("history request = %v", c)
			}
		}
	}
	_, found, err = fresh.Find(context.Background(), notify.Locator{Channel: "C0FIGURES", AlertID: 4243})
	if err != nil || found {
		t.Errorf("Find of an alert never sent = %v, %v", found, err)
	}
}

func TestFindWithThreadTSLooksAtReplies(t *testing.T) {
	t.Parallel()
	h, srv := newHistorySlack(t)
	n := newBot(t, srv, "C0FIGURES")
	root, err := n.Send(context.Background(), notify.Alert{ID: 1, Event: notifytest.Event(t, "metric_new")})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := n.Send(context.Background(), notify.Alert{ID: 2, Event: notifytest.Event(t, "claim_mismatch"), ThreadTS: root.TS})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := n.Find(context.Background(), notify.Locator{Channel: "C0FIGURES", AlertID: 2}); err != nil || found {
		t.Errorf("a reply was found in the channel's history (found %v, err %v): the fake is wrong", found, err)
	}
	r, found, err := n.Find(context.Background(), notify.Locator{Channel: "C0FIGURES", ThreadTS: root.TS, AlertID: 2})
	if err != nil || !found || r != reply {
		t.Errorf("Find in thread = %+v, %v, %v; want %+v", r, found, err, reply)
	}
	if m := h.methods(); m[len(m)-1] != "conversations.replies" {
		t.Errorf("last call = %s", m[len(m)-1])
	}
}

func TestFindReadsAtMostFindLimit(t *testing.T) {
	t.Parallel()
	h, srv := newHistorySlack(t)
	n := newBot(t, srv, "C0FIGURES")
	h.seed("C0FIGURES", 1, 77) // the oldest message: beyond the limit
	h.seed("C0FIGURES", FindLimit+500, 0)
	r, found, err := n.Find(context.Background(), notify.Locator{AlertID: 77})
	if err != nil || found {
		t.Errorf("Find = %+v, %v, %v; want not found", r, found, err)
	}
	pages := 0
	for _, m := range h.methods() {
		if m == "conversations.history" {
			pages++
		}
	}
	if want := FindLimit / findPage; pages != want {
		t.Errorf("%d history pages read, want %d", pages, want)
	}
}

func TestCarriesAlert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		meta string
		id   uint64
		want bool
	}{
		{"string id", `{"event_type":"watcher_alert","event_payload":{"alert_id":"42"}}`, 42, true},
		{"number id", `{"event_type":"watcher_alert","event_payload":{"alert_id":42}}`, 42, true},
		{"another id", `{"event_type":"watcher_alert","event_payload":{"alert_id":"421"}}`, 42, false},
		{"another event type", `{"event_type":"deploy","event_payload":{"alert_id":"42"}}`, 42, false},
		{"digest", `{"event_type":"watcher_digest","event_payload":{"alerts":"42"}}`, 42, false},
		{"no payload", `{"event_type":"watcher_alert"}`, 42, false},
		{"garbage id", `{"event_type":"watcher_alert","event_payload":{"alert_id":"4x2"}}`, 42, false},
		{"huge id as string", `{"event_type":"watcher_alert","event_payload":{"alert_id":"18446744073709551615"}}`, 18446744073709551615, true},
		{"huge id as imprecise number", `{"event_type":"watcher_alert","event_payload":{"alert_id":18446744073709551615}}`, 18446744073709551614, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			md := decodeMetadata(t, tc.meta)
			if got := carriesAlert(md, tc.id); got != tc.want {
				t.Errorf("carriesAlert = %v, want %v", got, tc.want)
			}
		})
	}
}

// decodeMetadata decodes message metadata the way slack-go decodes a
// history answer.
func decodeMetadata(t *testing.T, raw string) slackapi.SlackMetadata {
	t.Helper()
	var m slackapi.Message
	if err := json.Unmarshal([]byte(`{"type":"message","ts":"1.2","metadata":`+raw+`}`), &m); err != nil {
		t.Fatal(err)
	}
	return m.Metadata
}

func TestFindErrors(t *testing.T) {
	t.Parallel()
	slackErr := func(onMethod string, status int, body string) func(string, url.Values) (int, string, bool) {
		return func(method string, _ url.Values) (int, string, bool) {
			return status, body, method == onMethod
		}
	}
	tests := []struct {
		name       string
		channel    string
		respond    func(string, url.Values) (int, string, bool)
		permanent  bool
		retryAfter bool
		contains   string
	}{
		{name: "unknown channel name", channel: "#nowhere", permanent: true, contains: "#nowhere not found"},
		{name: "missing scope", channel: "C0FIGURES", respond: slackErr("conversations.history", 200, `{"ok":false,"error":"missing_scope"}`), permanent: true, contains: "missing_scope"},
		{name: "not in channel", channel: "C0FIGURES", respond: slackErr("conversations.history", 200, `{"ok":false,"error":"not_in_channel"}`), permanent: true, contains: "conversations.history of C0FIGURES"},
		{name: "rate limited", channel: "C0FIGURES", respond: func(method string, _ url.Values) (int, string, bool) {
			return 429, `{"ok":false,"error":"ratelimited"}`, method == "conversations.history"
		}, retryAfter: true},
		{name: "server error", channel: "C0FIGURES", respond: slackErr("conversations.history", 500, `oops`), contains: "500"},
		{name: "channel list fails", channel: "#figures", respond: slackErr("conversations.list", 200, `{"ok":false,"error":"missing_scope"}`), permanent: true, contains: "conversations.list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, srv := newHistorySlack(t)
			h.respond = tc.respond
			if tc.retryAfter {
				srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "7")
					h.serve(w, r)
				})
			}
			n := newBot(t, srv, "")
			_, found, err := n.Find(context.Background(), notify.Locator{Channel: tc.channel, AlertID: 5})
			if err == nil || found {
				t.Fatalf("Find = %v, %v; want an error", found, err)
			}
			if notify.Permanent(err) != tc.permanent {
				t.Errorf("Permanent = %v, want %v (%v)", notify.Permanent(err), tc.permanent, err)
			}
			if after, ok := notify.RetryAfter(err); ok != tc.retryAfter || (ok && after != 7*time.Second) {
				t.Errorf("RetryAfter = %v, %v (%v)", after, ok, err)
			}
			if tc.contains != "" && !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("token in error: %v", err)
			}
		})
	}
}

func TestFindWithoutChannelIsPermanent(t *testing.T) {
	t.Parallel()
	h, srv := newHistorySlack(t)
	n := newBot(t, srv, "")
	if _, _, err := n.Find(context.Background(), notify.Locator{AlertID: 1}); !notify.Permanent(err) {
		t.Errorf("err = %v, want permanent", err)
	}
	if len(h.methods()) != 0 {
		t.Errorf("calls made: %v", h.methods())
	}
}

func TestChannelNameResolvedOnce(t *testing.T) {
	t.Parallel()
	h, srv := newHistorySlack(t)
	n := newBot(t, srv, "")
	for range 3 {
		if _, _, err := n.Find(context.Background(), notify.Locator{Channel: "#random", AlertID: 1}); err != nil {
			t.Fatal(err)
		}
	}
	lists := 0
	for _, m := range h.methods() {
		if m == "conversations.list" {
			lists++
		}
	}
	// "#random" is on the second page of the fake's list.
	if lists != 2 {
		t.Errorf("conversations.list called %d times, want 2 (two pages, once)", lists)
	}
}

func TestWebhookCannotFindOrUpdate(t *testing.T) {
	t.Parallel()
	_, srv := newHistorySlack(t)
	n, err := New(Options{WebhookURL: srv.URL + "/services/T/B/SECRET"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.Find(context.Background(), notify.Locator{Channel: "C0FIGURES", AlertID: 1}); !notify.Permanent(err) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Find err = %v, want permanent ErrUnsupported", err)
	}
	if _, err := n.Update(context.Background(), notify.Alert{ID: 1, Event: notifytest.Event(t, "metric_new")}, notify.Receipt{Channel: "C1", TS: "1.2"}); !notify.Permanent(err) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Update err = %v, want permanent ErrUnsupported", err)
	}
}

func TestCapsSayWhatEachModeCanDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		wantName string
		want     notify.Caps
	}{
		{"bot", Options{Token: testToken, Channel: "#figures"}, "slack", notify.Caps{Update: true, Find: true, Digest: true}},
		{"webhook", Options{WebhookURL: "https://hooks.example/services/T/B/SECRET"}, "slack-webhook", notify.Caps{Digest: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if n.Name() != tc.wantName || n.Caps() != tc.want {
				t.Errorf("New = %s %+v, want %s %+v", n.Name(), n.Caps(), tc.wantName, tc.want)
			}
		})
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without token or webhook succeeded")
	}
}
