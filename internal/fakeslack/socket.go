package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketPath is where the fake serves its Socket Mode WebSocket.
const socketPath = "/socket"

// socket is the Socket Mode side of the fake: the connection the app
// opened through apps.connections.open, the envelopes sent on it and the
// acknowledgements received.
type socket struct {
	mu   sync.Mutex
	conn *websocket.Conn
	// write sends a text frame on conn; a connection takes one writer at
	// a time, which write's own lock ensures against the pings.
	write    func([]byte) error
	connects int
	// queued holds envelopes delivered while no connection was open:
	// Slack keeps an unacknowledged envelope and sends it once the app is
	// back, which is what a test of a dropped socket needs.
	queued  [][]byte
	sent    map[string][]byte // envelope id → the envelope as sent
	acks    []Ack
	seq     int
	ephem   []Ephemeral
	views   []View
	groups  map[string][]string // user group id → members
	changed chan struct{}       // closed and replaced at each change
}

// Ack is one acknowledgement the app sent for an envelope.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
}

// Ephemeral is an answer only its asker sees: through a slash command's
// response_url, or chat.postEphemeral.
type Ephemeral struct {
	Channel, User, Text, Blocks string
	// Via is "response_url" or "chat.postEphemeral".
	Via string
}

// View is a Home tab published with views.publish.
type View struct {
	User string
	View string
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (f *Server) sock() *socket {
	f.sockOnce.Do(func() {
		f.socket = &socket{sent: map[string][]byte{}, groups: map[string][]string{}, changed: make(chan struct{})}
	})
	return f.socket
}

// touch wakes WaitFor after a change outside the socket.
func (f *Server) touch() {
	s := f.sock()
	s.mu.Lock()
	s.notify()
	s.mu.Unlock()
}

// notify wakes waiters; it runs under s.mu.
func (s *socket) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// serveSocket is the WebSocket: it says hello, pings (the client gives up
// on a Slack that does not), sends what was queued, and records acks.
func (f *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s := f.sock()
	var writeMu sync.Mutex
	write := func(b []byte) error {
		writeMu.Lock()
		defer writeMu.Unlock()
		return conn.WriteMessage(websocket.TextMessage, b)
	}
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
	}
	s.conn, s.write = conn, write
	s.connects++
	queued := s.queued
	s.queued = nil
	s.mu.Unlock()
	_ = write([]byte(`{"type":"hello","num_connections":1,"connection_info":{"app_id":"A0FAKE"},"debug_info":{"host":"fake"}}`))
	writeMu.Lock()
	_ = conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
	writeMu.Unlock()
	for _, env := range queued {
		_ = write(env)
	}
	s.mu.Lock()
	s.notify()
	s.mu.Unlock()

	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-f.closing:
				conn.Close()
				return
			case <-t.C:
				writeMu.Lock()
				err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
				writeMu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			s.mu.Lock()
			if s.conn == conn {
				s.conn = nil
			}
			s.notify()
			s.mu.Unlock()
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(msg, &ack) == nil && ack.EnvelopeID != "" {
			s.mu.Lock()
			s.acks = append(s.acks, Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload})
			s.notify()
			s.mu.Unlock()
		}
	}
}

// deliver sends env on the open connection, or queues it for the next.
func (s *socket) deliver(env []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil || s.write(env) != nil {
		s.queued = append(s.queued, env)
	}
}

func (f *Server) envelope(typ string, payload any) string {
	s := f.sock()
	body, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("fakeslack: envelope payload: %v", err))
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("env-%04d", s.seq)
	env, _ := json.Marshal(map[string]any{
		"envelope_id": id, "type": typ, "payload": json.RawMessage(body),
		"accepts_response_payload": typ != "events_api", "retry_attempt": 0,
	})
	s.sent[id] = env
	s.mu.Unlock()
	s.deliver(env)
	return id
}

// SlashCommand delivers `/command text` typed by user in channel and
// returns the envelope id. Its response_url is served by the fake.
func (f *Server) SlashCommand(user, channel, command, text string) string {
	return f.envelope("slash_commands", map[string]any{
		"command": command, "text": text, "user_id": user, "channel_id": channel,
		"response_url": f.srv.URL + "/response/" + user + "/" + channel, "trigger_id": "trig",
	})
}

// BlockAction delivers a click on a button (value) or a choice in a
// static_select (selected) of the message ts in channel; actionTS
// identifies the click as Slack does.
func (f *Server) BlockAction(user, channel, ts, actionID, value, selected, actionTS string) string {
	act := map[string]any{"action_id": actionID, "block_id": "watcher_app", "action_ts": actionTS}
	if selected != "" {
		act["type"] = "static_select"
		act["selected_option"] = map[string]any{"value": selected, "text": map[string]any{"type": "plain_text", "text": selected}}
	} else {
		act["type"] = "button"
		act["value"] = value
	}
	var blocks any = []any{}
	for _, p := range f.Posts() {
		if p.TS == ts && p.Blocks != "" {
			blocks = json.RawMessage(p.Blocks)
		}
	}
	return f.envelope("interactive", map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel":   map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"message":   map[string]any{"type": "message", "ts": ts, "blocks": blocks},
		"actions":   []any{act},
	})
}

// Event delivers an Events API event (app_mention, app_home_opened...).
func (f *Server) Event(event map[string]any) string {
	return f.envelope("events_api", map[string]any{
		"type": "event_callback", "team_id": "T0FAKE", "api_app_id": "A0FAKE",
		"event": event, "event_id": fmt.Sprintf("Ev%d", time.Now().UnixNano()),
	})
}

// Redeliver sends envelope id again, as Slack does when it thinks the
// ack was lost.
func (f *Server) Redeliver(id string) {
	s := f.sock()
	s.mu.Lock()
	env, ok := s.sent[id]
	s.mu.Unlock()
	if !ok {
		panic("fakeslack: no envelope " + id)
	}
	var m map[string]any
	_ = json.Unmarshal(env, &m)
	m["retry_attempt"] = 1
	m["retry_reason"] = "timeout"
	again, _ := json.Marshal(m)
	s.deliver(again)
}

// DropSocket closes the app's connection as a network failure would; the
// app is expected to open a new one.
func (f *Server) DropSocket() {
	s := f.sock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
		s.notify()
	}
}

// SetGroup sets the members of a user group (usergroups.users.list).
func (f *Server) SetGroup(id string, users ...string) {
	s := f.sock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = users
}

// Connects is how many Socket Mode connections were opened.
func (f *Server) Connects() int {
	s := f.sock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// Acks returns the acknowledgements received, in order.
func (f *Server) Acks() []Ack {
	s := f.sock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// Ephemerals returns the answers only their askers saw, in order.
func (f *Server) Ephemerals() []Ephemeral {
	s := f.sock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ephemeral(nil), s.ephem...)
}

// Views returns the Home tabs published, in order.
func (f *Server) Views() []View {
	s := f.sock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]View(nil), s.views...)
}

// WaitFor blocks until cond, called under the fake's lock after every
// change of the socket's state, holds, or the timeout passes; it reports
// which. The timeout only bounds a failing test.
func (f *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	s := f.sock()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

// Connected reports whether the app holds a connection now.
func (f *Server) Connected() bool {
	s := f.sock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// serveApp answers the Web API methods of the Slack app. It reports
// whether it answered r. It runs under f.mu.
func (f *Server) serveApp(w http.ResponseWriter, r *http.Request, method string) bool {
	s := f.sock()
	switch {
	case method == "apps.connections.open":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer xapp-") {
			writeJSON(w, map[string]any{"ok": false, "error": "not_allowed_token_type"})
			return true
		}
		writeJSON(w, map[string]any{"ok": true, "url": "ws://" + r.Host + socketPath})
		return true
	case method == "chat.postEphemeral":
		_ = r.ParseForm()
		s.mu.Lock()
		s.ephem = append(s.ephem, Ephemeral{Channel: r.FormValue("channel"), User: r.FormValue("user"),
			Text: r.FormValue("text"), Blocks: r.FormValue("blocks"), Via: "chat.postEphemeral"})
		s.notify()
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "message_ts": "1700000000.999999"})
		return true
	case strings.HasPrefix(r.URL.Path, "/response/"):
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/response/"), "/")
		var body struct {
			Text   string          `json:"text"`
			Blocks json.RawMessage `json:"blocks"`
			Type   string          `json:"response_type"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		e := Ephemeral{Text: body.Text, Blocks: string(body.Blocks), Via: "response_url"}
		if len(parts) == 2 {
			e.User, e.Channel = parts[0], parts[1]
		}
		s.mu.Lock()
		s.ephem = append(s.ephem, e)
		s.notify()
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true})
		return true
	case method == "usergroups.users.list":
		_ = r.ParseForm()
		s.mu.Lock()
		users, ok := s.groups[r.FormValue("usergroup")]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, map[string]any{"ok": false, "error": "no_such_subteam"})
			return true
		}
		writeJSON(w, map[string]any{"ok": true, "users": users})
		return true
	case method == "views.publish":
		var body struct {
			UserID string          `json:"user_id"`
			View   json.RawMessage `json:"view"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			_ = r.ParseForm()
			body.UserID, body.View = r.FormValue("user_id"), json.RawMessage(r.FormValue("view"))
		}
		s.mu.Lock()
		s.views = append(s.views, View{User: body.UserID, View: string(body.View)})
		s.notify()
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true})
		return true
	}
	return false
}
