package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	slackapi "github.com/slack-go/slack"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

const testToken = "xoxb-1111-2222-SECRETSECRET"

// fakeSlack records the requests a test server receives and answers each
// with respond.
type fakeSlack struct {
	mu      sync.Mutex
	forms   []url.Values
	bodies  [][]byte
	paths   []string
	respond func(w http.ResponseWriter)
}

func newFake(t *testing.T, respond func(w http.ResponseWriter)) (*fakeSlack, *httptest.Server) {
	t.Helper()
	f := &fakeSlack{respond: respond}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		f.mu.Lock()
		f.paths = append(f.paths, r.URL.Path)
		f.bodies = append(f.bodies, body)
		f.forms = append(f.forms, form)
		f.mu.Unlock()
		f.respond(w)
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeSlack) last(t *testing.T) (string, url.Values, []byte) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.forms) == 0 {
		t.Fatal("no request reached the server")
	}
	i := len(f.forms) - 1
	return f.paths[i], f.forms[i], f.bodies[i]
}

func okJSON(channel, ts string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": channel, "ts": ts})
	}
}

// logBuffer captures a Notifier's debug log to check it for secrets.
func logBuffer() (*slog.Logger, *syncBuffer) {
	b := &syncBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBotPostsBlocksThreadsAndMetadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		fixture       string
		alert         notify.Alert
		wantChannel   string
		wantThread    string
		wantBroadcast string
	}{
		{
			name:        "default channel, top level",
			fixture:     "metric_changed",
			alert:       notify.Alert{ID: 42},
			wantChannel: "#figures",
		},
		{
			name:          "metric change in a thread is broadcast",
			fixture:       "metric_changed",
			alert:         notify.Alert{ID: 43, Channel: "C0123", ThreadTS: "1700000000.000100"},
			wantChannel:   "C0123",
			wantThread:    "1700000000.000100",
			wantBroadcast: "true",
		},
		{
			name:        "other kinds in a thread are not broadcast",
			fixture:     "claim_mismatch",
			alert:       notify.Alert{ID: 44, Channel: "C0123", ThreadTS: "1700000000.000100"},
			wantChannel: "C0123",
			wantThread:  "1700000000.000100",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newFake(t, okJSON("C0123", "1700000001.000200"))
			logger, logs := logBuffer()
			n, err := New(Options{Token: testToken, APIURL: srv.URL + "/", Channel: "#figures", Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			a := tc.alert
			a.Event = notifytest.Event(t, tc.fixture)
			r, err := n.Send(context.Background(), a)
			if err != nil {
				t.Fatal(err)
			}
			if want := (notify.Receipt{Channel: "C0123", TS: "1700000001.000200"}); r != want {
				t.Errorf("receipt = %+v, want %+v", r, want)
			}
			path, form, _ := fake.last(t)
			if path != "/chat.postMessage" {
				t.Errorf("path = %q", path)
			}
			got := map[string]string{
				"channel":         form.Get("channel"),
				"thread_ts":       form.Get("thread_ts"),
				"reply_broadcast": form.Get("reply_broadcast"),
				"unfurl_links":    form.Get("unfurl_links"),
				"unfurl_media":    form.Get("unfurl_media"),
				"token":           form.Get("token"),
			}
			want := map[string]string{
				"channel":         tc.wantChannel,
				"thread_ts":       tc.wantThread,
				"reply_broadcast": tc.wantBroadcast,
				"unfurl_links":    "false",
				"unfurl_media":    "false",
				"token":           testToken,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}

			var meta struct {
				EventType    string            `json:"event_type"`
				EventPayload map[string]string `json:"event_payload"`
			}
			if err := json.Unmarshal([]byte(form.Get("metadata")), &meta); err != nil {
				t.Fatalf("metadata %q: %v", form.Get("metadata"), err)
			}
			if meta.EventType != "watcher_alert" || meta.EventPayload["alert_id"] != strings.TrimSpace(jsonNumber(a.ID)) {
				t.Errorf("metadata = %+v", meta)
			}

			wantBlocks, err := json.Marshal(Blocks(a.Event))
			if err != nil {
				t.Fatal(err)
			}
			if form.Get("blocks") != string(wantBlocks) {
				t.Errorf("blocks =\n%s\nwant\n%s", form.Get("blocks"), wantBlocks)
			}
			text := form.Get("text")
			if !strings.HasPrefix(text, notify.EscapeMrkdwn(notify.Headline(a.Event))) {
				t.Errorf("fallback text does not lead with the headline: %.120q", text)
			}
			if strings.Contains(logs.String(), testToken) {
				t.Errorf("token in logs: %s", logs)
			}
		})
	}
}

func jsonNumber(id uint64) string {
	b, _ := json.Marshal(id)
	return string(b)
}

func TestBotFallbackTextIsEscaped(t *testing.T) {
	t.Parallel()
	fake, srv := newFake(t, okJSON("C1", "1.2"))
	n, err := New(Options{Token: testToken, APIURL: srv.URL, Channel: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Send(context.Background(), notify.Alert{ID: 1, Event: notifytest.Event(t, "metric_changed_hostile")}); err != nil {
		t.Fatal(err)
	}
	_, form, _ := fake.last(t)
	text := form.Get("text")
	if strings.Contains(text, "<!channel>") || strings.Contains(text, "<https://evil") {
		t.Errorf("fallback text can ping or forge links: %q", text)
	}
	if !strings.Contains(text, "&lt;!channel&gt;") {
		t.Errorf("fallback text lost the escaped quote: %q", text)
	}
	// A quote's *bold* must not format the notification text either.
	if got := form.Get("mrkdwn"); got != "false" {
		t.Errorf("mrkdwn = %q, want false: document text in the fallback would take on formatting", got)
	}
}

func TestBotErrorMapping(t *testing.T) {
	t.Parallel()
	slackError := func(status int, body string, header map[string]string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	tests := []struct {
		name       string
		respond    func(http.ResponseWriter)
		closed     bool
		permanent  bool
		retryAfter time.Duration
		contains   string
		slackCode  string
	}{
		{
			name:      "channel_not_found is permanent",
			respond:   slackError(200, `{"ok":false,"error":"channel_not_found"}`, nil),
			permanent: true,
			contains:  "channel_not_found",
			slackCode: "channel_not_found",
		},
		{
			name:      "invalid_auth is permanent",
			respond:   slackError(200, `{"ok":false,"error":"invalid_auth"}`, nil),
			permanent: true,
			slackCode: "invalid_auth",
		},
		{
			name:      "invalid_blocks is permanent with Slack's details",
			respond:   slackError(200, `{"ok":false,"error":"invalid_blocks","response_metadata":{"messages":["[ERROR] must be less than 3001 characters [json-pointer:/blocks/2/text/text]"]}}`, nil),
			permanent: true,
			contains:  "json-pointer:/blocks/2/text/text",
			slackCode: "invalid_blocks",
		},
		{
			name:      "internal_error is temporary",
			respond:   slackError(200, `{"ok":false,"error":"internal_error"}`, nil),
			slackCode: "internal_error",
		},
		{
			name:       "429 with Retry-After",
			respond:    slackError(429, `{"ok":false,"error":"ratelimited"}`, map[string]string{"Retry-After": "3"}),
			retryAfter: 3 * time.Second,
		},
		{
			name:     "HTTP 500 is temporary",
			respond:  slackError(500, `<html>oops</html>`, nil),
			contains: "500",
		},
		{
			name:      "HTTP 404 (wrong API URL) is permanent",
			respond:   slackError(404, `not found`, nil),
			permanent: true,
			contains:  "404",
		},
		{
			name:     "connection refused is temporary",
			closed:   true,
			contains: "connect",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newFake(t, tc.respond)
			if tc.closed {
				srv.Close()
			}
			logger, logs := logBuffer()
			n, err := New(Options{Token: testToken, APIURL: srv.URL + "/", Channel: "C1", Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			_, err = n.Send(context.Background(), notify.Alert{ID: 9, Event: notifytest.Event(t, "metric_new")})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := notify.Permanent(err); got != tc.permanent {
				t.Errorf("Permanent = %v, want %v (%v)", got, tc.permanent, err)
			}
			after, ok := notify.RetryAfter(err)
			if ok != (tc.retryAfter > 0) || after != tc.retryAfter {
				t.Errorf("RetryAfter = %v, %v; want %v (%v)", after, ok, tc.retryAfter, err)
			}
			if tc.contains != "" && !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
			if !strings.Contains(err.Error(), "C1") {
				t.Errorf("error %q does not name the channel", err)
			}
			if tc.slackCode != "" {
				var se slackapi.SlackErrorResponse
				if !errors.As(err, &se) || se.Err != tc.slackCode {
					t.Errorf("slack error not reachable with errors.As: %v", err)
				}
			}
			for _, s := range []string{err.Error(), logs.String()} {
				if strings.Contains(s, testToken) || strings.Contains(s, "SECRET") {
					t.Errorf("token leaked: %s", s)
				}
			}
		})
	}
}

func TestBotWithoutChannelIsPermanent(t *testing.T) {
	t.Parallel()
	fake, srv := newFake(t, okJSON("C1", "1.2"))
	n, err := New(Options{Token: testToken, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Send(context.Background(), notify.Alert{ID: 5, Event: notifytest.Event(t, "metric_new")})
	if !notify.Permanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.forms) != 0 {
		t.Errorf("%d requests sent without a channel", len(fake.forms))
	}
}

func TestBotCancelledContext(t *testing.T) {
	t.Parallel()
	_, srv := newFake(t, okJSON("C1", "1.2"))
	n, err := New(Options{Token: testToken, APIURL: srv.URL, Channel: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = n.Send(ctx, notify.Alert{ID: 5, Event: notifytest.Event(t, "metric_new")})
	if !errors.Is(err, context.Canceled) || notify.Permanent(err) {
		t.Errorf("err = %v, want a temporary context.Canceled", err)
	}
}

func TestWebhookPostsBlocks(t *testing.T) {
	t.Parallel()
	fake, srv := newFake(t, func(w http.ResponseWriter) { _, _ = io.WriteString(w, "ok") })
	n, err := New(Options{WebhookURL: srv.URL + "/services/T000/B000/XXXXSECRET"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Name() != "slack-webhook" {
		t.Errorf("Name = %q", n.Name())
	}
	ev := notifytest.Event(t, "metric_changed")
	r, err := n.Send(context.Background(), notify.Alert{ID: 7, Event: ev, ThreadTS: "1700000000.000100"})
	if err != nil {
		t.Fatal(err)
	}
	if r != (notify.Receipt{}) {
		t.Errorf("receipt = %+v, want none (webhooks cannot be threaded on)", r)
	}
	path, _, body := fake.last(t)
	if path != "/services/T000/B000/XXXXSECRET" {
		t.Errorf("path = %q", path)
	}
	var got struct {
		Text           string            `json:"text"`
		Blocks         []json.RawMessage `json:"blocks"`
		ThreadTS       string            `json:"thread_ts"`
		ReplyBroadcast bool              `json:"reply_broadcast"`
		UnfurlLinks    *bool             `json:"unfurl_links"`
		UnfurlMedia    *bool             `json:"unfurl_media"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	wantBlocks, _ := json.Marshal(Blocks(ev))
	gotBlocks, _ := json.Marshal(got.Blocks)
	if string(gotBlocks) != string(wantBlocks) {
		t.Errorf("blocks =\n%s\nwant\n%s", gotBlocks, wantBlocks)
	}
	if got.ThreadTS != "1700000000.000100" || !got.ReplyBroadcast {
		t.Errorf("thread_ts = %q, reply_broadcast = %v", got.ThreadTS, got.ReplyBroadcast)
	}
	if got.UnfurlLinks == nil || *got.UnfurlLinks || got.UnfurlMedia == nil || *got.UnfurlMedia {
		t.Errorf("unfurling not disabled: %s", body)
	}
	if !strings.HasPrefix(got.Text, notify.EscapeMrkdwn(notify.Headline(ev))) {
		t.Errorf("text = %.100q", got.Text)
	}
}

func TestWebhookErrorMapping(t *testing.T) {
	t.Parallel()
	answer := func(status int, body string, header map[string]string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	tests := []struct {
		name       string
		respond    func(http.ResponseWriter)
		closed     bool
		permanent  bool
		retryAfter time.Duration
		contains   string
	}{
		{name: "404 channel_not_found is permanent", respond: answer(404, "channel_not_found", nil), permanent: true, contains: "channel_not_found"},
		{name: "400 invalid_blocks is permanent", respond: answer(400, "invalid_blocks", nil), permanent: true, contains: "invalid_blocks"},
		{name: "403 action_prohibited is permanent", respond: answer(403, "action_prohibited", nil), permanent: true, contains: "403"},
		{name: "410 channel_is_archived is permanent", respond: answer(410, "channel_is_archived", nil), permanent: true, contains: "channel_is_archived"},
		{name: "429 with Retry-After seconds", respond: answer(429, "rate_limited", map[string]string{"Retry-After": "3"}), retryAfter: 3 * time.Second},
		{name: "429 without Retry-After is temporary", respond: answer(429, "message_limit_exceeded", nil), contains: "message_limit_exceeded"},
		{name: "500 is temporary", respond: answer(500, "rollup_error", nil), contains: "500"},
		{name: "503 is temporary", respond: answer(503, "", nil), contains: "503"},
		{name: "connection refused is temporary", closed: true, contains: "connect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, srv := newFake(t, tc.respond)
			if tc.closed {
				srv.Close()
			}
			logger, logs := logBuffer()
			n, err := New(Options{WebhookURL: srv.URL + "/services/T000/B000/XXXXSECRET", Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			_, err = n.Send(context.Background(), notify.Alert{ID: 9, Event: notifytest.Event(t, "source_failing")})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := notify.Permanent(err); got != tc.permanent {
				t.Errorf("Permanent = %v, want %v (%v)", got, tc.permanent, err)
			}
			after, ok := notify.RetryAfter(err)
			if ok != (tc.retryAfter > 0) || after != tc.retryAfter {
				t.Errorf("RetryAfter = %v, %v; want %v (%v)", after, ok, tc.retryAfter, err)
			}
			if tc.contains != "" && !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
			for _, s := range []string{err.Error(), logs.String()} {
				if strings.Contains(s, "XXXXSECRET") || strings.Contains(s, "/services/") {
					t.Errorf("webhook secret leaked: %s", s)
				}
			}
		})
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		wantErr  string
		wantName string
	}{
		{name: "bot", opts: Options{Token: testToken, Channel: "#figures"}, wantName: "slack"},
		{name: "token wins over webhook", opts: Options{Token: testToken, WebhookURL: "https://hooks.example/x"}, wantName: "slack"},
		{name: "webhook", opts: Options{WebhookURL: "https://hooks.example/services/T/B/SECRET"}, wantName: "slack-webhook"},
		{name: "nothing set", opts: Options{}, wantErr: "neither"},
		{name: "not a token", opts: Options{Token: "hunter2-SECRET"}, wantErr: "does not look like"},
		{name: "bad webhook", opts: Options{WebhookURL: "hooks.example/services/SECRET"}, wantErr: "not an absolute"},
		{name: "bad API URL", opts: Options{Token: testToken, APIURL: "ftp://x"}, wantErr: "not an absolute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := New(tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("secret in error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Name() != tc.wantName {
				t.Errorf("Name = %q, want %q", n.Name(), tc.wantName)
			}
		})
	}
}

// The default client must have a timeout: slack-go's has none.
func TestNewDefaultsHTTPTimeout(t *testing.T) {
	t.Parallel()
	n, err := New(Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if n.http.Timeout != DefaultTimeout {
		t.Errorf("timeout = %v, want %v", n.http.Timeout, DefaultTimeout)
	}
}
