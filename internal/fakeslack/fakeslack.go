// Package fakeslack is a fake of the Slack Web API methods watcher uses
// (chat.postMessage, chat.update, conversations.list/history/replies) for
// tests: it records every message and can fail the ways Slack does. For the
// Slack app it also plays Socket Mode (apps.connections.open and a local
// WebSocket that delivers envelopes, records acks, drops and redelivers)
// and the methods the app answers through (socket.go).
package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Server plays Slack's Web API for chat.postMessage and records every
// message it accepted. Its mode can be switched to fail the way Slack does.
type Server struct {
	srv *httptest.Server

	closing chan struct{} // closed when the test ends: hanging requests return

	mu       sync.Mutex
	mode     string // "ok", "500", "429", "reset", "lose-reply", "hang", "hang-after-post"
	posts    []Post
	attempts int
	seq      int

	// calls counts requests by method.
	calls map[string]int

	// socket is the Socket Mode side (socket.go), made on first use.
	sockOnce sync.Once
	socket   *socket
}

// Post is one message as Slack holds it.
type Post struct {
	Channel, Text, ThreadTS, TS string
	Broadcast                   bool
	Blocks                      string
	Metadata                    string
	Updates                     int
}

// New starts a fake Slack that is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	f := &Server{mode: "ok", closing: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	// Cleanups run last-in first-out: hanging requests end before Close
	// waits for them.
	t.Cleanup(func() { close(f.closing) })
	return f
}

// URL is the API base URL to configure (slack.api_url).
func (f *Server) URL() string { return f.srv.URL + "/api/" }

// SetMode switches how the server answers: "ok"; "500" and "429" (with
// Retry-After: 2) for every call; "reset" closes the connection unanswered;
// "lose-reply" records a posted message, then closes the connection, as if
// the answer were lost; "hang" never answers chat.postMessage, chat.update
// or a history lookup (the client must give up on its own), and
// "hang-after-post" records a posted message first and never answers, as a
// Slack that took it but stalled would.
// A hanging request ends when its client goes away or the server closes.
func (f *Server) SetMode(m string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = m
}

// Calls is how many requests named method (chat.update,
// usergroups.users.list...) the server answered or refused.
func (f *Server) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// Posts returns the messages accepted so far, in order.
func (f *Server) Posts() []Post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Post(nil), f.posts...)
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == socketPath {
		// Long-lived: it takes the socket's lock, never f.mu.
		f.serveSocket(w, r)
		return
	}
	f.mu.Lock()
	if f.hangs(r) {
		f.mu.Unlock()
		select {
		case <-r.Context().Done(): // the client gave up
		case <-f.closing:
		}
		return
	}
	defer f.mu.Unlock()
	// Wake WaitFor: a message was posted or edited. (Lock order: f.mu,
	// then the socket's.)
	defer f.touch()
	f.attempts++
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[method]++
	if f.serveApp(w, r, method) {
		return
	}
	switch method {
	case "chat.postMessage", "chat.update":
	case "conversations.list":
		writeJSON(w, map[string]any{"ok": true, "channels": []map[string]any{{"id": "C0FIGURES", "name": "figures"}}})
		return
	case "conversations.history", "conversations.replies":
		if f.mode != "ok" && f.mode != "lose-reply" {
			http.Error(w, "upstream trouble", http.StatusInternalServerError)
			return
		}
		r.ParseForm()
		thread := r.FormValue("ts")
		var msgs []map[string]any
		for i := len(f.posts) - 1; i >= 0; i-- {
			p := f.posts[i]
			if method == "conversations.replies" && p.ThreadTS != thread && p.TS != thread {
				continue
			}
			if method == "conversations.history" && p.ThreadTS != "" && !p.Broadcast {
				continue
			}
			var md any
			json.Unmarshal([]byte(p.Metadata), &md)
			msgs = append(msgs, map[string]any{"type": "message", "ts": p.TS, "text": p.Text, "metadata": md})
		}
		writeJSON(w, map[string]any{"ok": true, "messages": msgs, "has_more": false})
		return
	default:
		http.Error(w, "unexpected call "+r.URL.Path, http.StatusNotFound)
		return
	}
	switch f.mode {
	case "500":
		http.Error(w, "upstream trouble", http.StatusInternalServerError)
		return
	case "429":
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case "reset":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if method == "chat.update" {
		ts := r.FormValue("ts")
		for i := range f.posts {
			if f.posts[i].TS == ts {
				f.posts[i].Text, f.posts[i].Blocks = r.FormValue("text"), r.FormValue("blocks")
				f.posts[i].Updates++
				writeJSON(w, map[string]any{"ok": true, "channel": "C0FIGURES", "ts": ts})
				return
			}
		}
		writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	ts := f.record(r)
	if f.mode == "lose-reply" {
		// Slack took the message but the answer never arrives: the
		// client cannot know it was posted.
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": "C0FIGURES", "ts": ts})
}

// record keeps a posted message and returns its ts. It runs under f.mu.
func (f *Server) record(r *http.Request) string {
	f.seq++
	ts := fmt.Sprintf("1700000000.%06d", f.seq)
	f.posts = append(f.posts, Post{
		Channel: r.FormValue("channel"), Text: r.FormValue("text"), ThreadTS: r.FormValue("thread_ts"),
		Broadcast: r.FormValue("reply_broadcast") == "true", Blocks: r.FormValue("blocks"),
		Metadata: r.FormValue("metadata"), TS: ts,
	})
	return ts
}

// hangs reports whether r is to go unanswered (a hanging mode and a
// method it stalls); in "hang-after-post" a posted message is recorded
// first. It runs under f.mu.
func (f *Server) hangs(r *http.Request) bool {
	if f.mode != "hang" && f.mode != "hang-after-post" {
		return false
	}
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	switch method {
	case "chat.postMessage", "chat.update":
	case "conversations.history", "conversations.replies":
		if f.mode != "hang" {
			return false
		}
	default:
		return false
	}
	f.attempts++
	// Reading the body lets the server notice the client hanging up, which
	// ends the request's context.
	err := r.ParseForm()
	if f.mode == "hang-after-post" && method == "chat.postMessage" && err == nil {
		f.record(r)
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
