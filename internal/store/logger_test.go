package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// counted counts how often it is formatted.
type counted struct{ n *int }

func (c counted) String() string { *c.n++; return "tx" }

// bbolt logs at debug on every transaction: below the logger's level the
// message must not even be formatted; at it, it is logged.
func TestBoltLoggerFormatsOnlyWhatIsLogged(t *testing.T) {
	var n int
	var out bytes.Buffer
	info := boltLogger{slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	info.Debugf("begin %v", counted{&n})
	info.Debug(counted{&n})
	if n != 0 || out.Len() != 0 {
		t.Errorf("debug at info level: formatted %d times, logged %q", n, out.String())
	}
	info.Warningf("remap %v", counted{&n})
	if n != 1 || !strings.Contains(out.String(), "remap tx") {
		t.Errorf("warning: formatted %d times, logged %q", n, out.String())
	}
}
