package daemon

import (
	"context"
	"io"
	"log/slog"
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
	var h slog.Handler
	if o.Format == "json" {
		ho.ReplaceAttr = secondsForDurations
		h = slog.NewJSONHandler(w, ho)
	} else {
		h = slog.NewTextHandler(w, ho)
	}
	if !o.StoreDebug {
		h = quietStore{Handler: h}
	}
	return slog.New(h)
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
