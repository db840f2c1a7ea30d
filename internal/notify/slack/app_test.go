package slack

import (
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

// TestAppControlsMatchGolden pins the alert with the Slack app's controls,
// for the kinds that show each of them; without the app the goldens of
// TestBlocksMatchGolden hold.
func TestAppControlsMatchGolden(t *testing.T) {
	t.Parallel()
	n, err := New(Options{Token: "xoxb-test", Channel: "#figures", App: true, AppMetrics: []string{"uc_no_nta", "uc_in_nta", "hs_rate"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"claim_mismatch", "metric_changed", "source_failing"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blocks, _ := n.render(notify.Alert{ID: 42, Event: notifytest.Event(t, name)})
			notifytest.Golden(t, *update, "app_"+name, marshalBlocks(t, blocks))
		})
	}
	// A rewrite of an acknowledged claim (the outbox adds an outlet): the
	// note stays, Acknowledge is gone, the menus answer for the original.
	t.Run("claim_mismatch_acknowledged", func(t *testing.T) {
		t.Parallel()
		blocks, _ := n.render(notify.Alert{ID: 43, Original: 42, Event: notifytest.Event(t, "claim_mismatch"),
			Notes: []string{":white_check_mark: Acknowledged by <@U0ANN> at 2026-03-02 09:00 UTC"}, Used: []string{ActionAck}})
		notifytest.Golden(t, *update, "app_claim_mismatch_acknowledged", marshalBlocks(t, blocks))
	})
}

func TestAppControlsOnlyWithTheApp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		id   uint64
		want bool
	}{
		{"app on", Options{Token: "xoxb-test", Channel: "#f", App: true}, 7, true},
		{"app off", Options{Token: "xoxb-test", Channel: "#f"}, 7, false},
		{"webhook cannot carry them", Options{WebhookURL: "https://hooks.slack.com/services/x", App: true}, 7, false},
		{"no alert id to answer", Options{Token: "xoxb-test", Channel: "#f", App: true}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			blocks, _ := n.render(notify.Alert{ID: tc.id, Event: notifytest.Event(t, "claim_mismatch")})
			got := strings.Contains(string(marshalBlocks(t, blocks)), ActionAck)
			if got != tc.want {
				t.Errorf("controls shown = %v, want %v", got, tc.want)
			}
		})
	}
}
