package web

import (
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/store"
)

func TestStatusPageShowsWhoAcknowledged(t *testing.T) {
	t.Parallel()
	st := testStatus()
	if len(st.Outbox.Recent) == 0 {
		t.Fatal("fixture has no recent alerts")
	}
	id := st.Outbox.Recent[0].ID
	_, _, before := get(t, Handler(Options{Status: fixedProvider{st: st}}), "/")
	st.Slack.Acks = []store.Ack{{AlertID: id, User: "U0ANN", At: st.Now}}
	_, _, body := get(t, Handler(Options{Status: fixedProvider{st: st}}), "/")
	if strings.Contains(before, "acknowledged by") || !strings.Contains(body, "acknowledged by U0ANN") {
		t.Errorf("acknowledgement shown before: %v, after: %v", strings.Contains(before, "acknowledged by"), strings.Contains(body, "acknowledged by U0ANN"))
	}
}
