package inspect

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

func TestStatusListsSlackActions(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 26, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		slack web.SlackStatus
		want  []string
		not   []string
	}{
		{"nothing done: no sections", web.SlackStatus{}, nil, []string{"MUTED", "ACKNOWLEDGED", "RECENT ACTIONS"}},
		{"mutes, acks and actions", web.SlackStatus{
			Mutes:   []store.Mute{{Scope: "outlet", Name: "globe", Until: at.Add(48 * time.Hour), By: "U0OPS"}},
			Acks:    []store.Ack{{AlertID: 7, User: "U0ANN", At: at}},
			Actions: []store.Action{{At: at, Kind: "refused", User: "U0INTERN", What: "mute outlet globe for 2d"}},
		}, []string{
			"MUTED\n  outlet globe until 28 Mar 2025 09:00 UTC (by U0OPS)",
			"ACKNOWLEDGED\n  alert 7 by U0ANN at 26 Mar 2025 09:00 UTC",
			"RECENT ACTIONS (Slack)\n  26 Mar 2025 09:00 UTC  refused  U0INTERN  mute outlet globe for 2d",
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := WriteStatus(&out, web.Status{Now: at, Slack: tc.slack}, time.UTC); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("status lacks %q:\n%s", w, out.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out.String(), n) {
					t.Errorf("status has %q:\n%s", n, out.String())
				}
			}
		})
	}
}
