package daemon

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// cronLogger routes robfig/cron's logging into slog; its Info is chatty
// (every wake-up), so it goes to debug.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}

// LogOptions configures NewLogger: the config's log section.
type LogOptions struct {
	Level  string // debug | info | warn | error; info when empty or unknown
	Format string // text | json
	// StoreDebug lets bbolt's own diagnostics through at debug level; off,
	// a debug log is about watcher, not bbolt's page management.
	StoreDebug bool
	// Journal says w is connected to systemd's journal (see
	// JournalStream): each line then starts with its syslog priority as
	// sd-daemon(3) describes ("<3>" for errors), so `journalctl -p err`
	// filters them, and carries no time of its own, since the journal
	// stamps every line already.
	Journal bool
}

// NewLogger is the process's logger. With format json, durations are
// seconds as a float, as Prometheus and most log pipelines count time
// (slog's default is integer nanoseconds); the text format keeps Go's
// "1.5s", which a person reads.
func NewLogger(w io.Writer, o LogOptions) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.Level)); err != nil {
		lvl = slog.LevelInfo
	}
	ho := &slog.HandlerOptions{Level: lvl}
	var jw *journalWriter
	if o.Journal {
		jw = &journalWriter{w: w}
		w = jw
	}
	var h slog.Handler
	if o.Format == "json" {
		ho.ReplaceAttr = secondsForDurations
		if o.Journal {
			ho.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
				return secondsForDurations(groups, noTime(groups, a))
			}
		}
		h = slog.NewJSONHandler(w, ho)
	} else {
		if o.Journal {
			ho.ReplaceAttr = noTime
		}
		h = slog.NewTextHandler(w, ho)
	}
	if jw != nil {
		h = journalHandler{Handler: h, w: jw}
	}
	if !o.StoreDebug {
		h = quietStore{Handler: h}
	}
	return slog.New(h)
}

// noTime drops the record's time: the journal has its own.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// journalPriority is the sd-daemon(3) prefix of a level: "<3>" (SD_ERR),
// "<4>" (SD_WARNING), "<6>" (SD_INFO), "<7>" (SD_DEBUG).
func journalPriority(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "<3>"
	case l >= slog.LevelWarn:
		return "<4>"
	case l >= slog.LevelInfo:
		return "<6>"
	}
	return "<7>"
}

// journalWriter prefixes each line with the priority of the record being
// written. slog's built-in handlers write a record in exactly one Write,
// so journalHandler sets the prefix, under the writer's lock, around the
// inner Handle.
type journalWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (j *journalWriter) Write(p []byte) (int, error) {
	// One Write with the prefix, so the journal never reads a line without
	// it. Called with mu held by journalHandler.Handle.
	j.buf = append(append(j.buf[:0], j.prefix...), p...)
	if _, err := j.w.Write(j.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// journalHandler is a handler whose writer is a journalWriter; handlers
// derived by WithAttrs and WithGroup share the writer and its lock.
type journalHandler struct {
	slog.Handler
	w *journalWriter
}

func (h journalHandler) Handle(ctx context.Context, r slog.Record) error {
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	h.w.prefix = journalPriority(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return journalHandler{Handler: h.Handler.WithAttrs(as), w: h.w}
}

func (h journalHandler) WithGroup(name string) slog.Handler {
	return journalHandler{Handler: h.Handler.WithGroup(name), w: h.w}
}

func secondsForDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key, a.Value.Duration().Seconds())
	}
	return a
}

// quietStore drops bbolt's records below warning. The store hands bbolt a
// logger With("component", "bbolt"); that is the only seam between the
// two, so the filter recognises the attribute.
type quietStore struct {
	slog.Handler
	bbolt bool // this handler carries component=bbolt
}

func (q quietStore) Enabled(ctx context.Context, l slog.Level) bool {
	if q.bbolt && l < slog.LevelWarn {
		return false
	}
	return q.Handler.Enabled(ctx, l)
}

func (q quietStore) WithAttrs(as []slog.Attr) slog.Handler {
	bbolt := q.bbolt
	for _, a := range as {
		if a.Key == "component" && a.Value.String() == "bbolt" {
			bbolt = true
		}
	}
	return quietStore{Handler: q.Handler.WithAttrs(as), bbolt: bbolt}
}

func (q quietStore) WithGroup(name string) slog.Handler {
	return quietStore{Handler: q.Handler.WithGroup(name), bbolt: q.bbolt}
}
