package console

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/figwatch/watcher/internal/notify"
)

// The console declares what it can do, and what it cannot (read back what
// it printed) fails as unsupported and permanent rather than pretending.
func TestCapsAndUnsupportedFind(t *testing.T) {
	t.Parallel()
	n := New(io.Discard)
	if want := (notify.Caps{Update: true, Digest: true, Ephemeral: true}); n.Caps() != want {
		t.Errorf("Caps = %+v, want %+v", n.Caps(), want)
	}
	_, found, err := n.Find(context.Background(), notify.Locator{AlertID: 1})
	if found || !errors.Is(err, notify.ErrUnsupported) || !notify.Permanent(err) {
		t.Errorf("Find = %v, %v; want not found, permanent ErrUnsupported", found, err)
	}
}
