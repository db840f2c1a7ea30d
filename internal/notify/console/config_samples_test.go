package console

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

// TestConfigSamplesMatchGolden pins test-alert's samples for a newsroom's
// own story (notify.SamplesFor), shown in the newsroom's zone.
func TestConfigSamplesMatchGolden(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	story := notify.Story{
		Metrics: []notify.StoryMetric{
			{ID: "swb_encounters", Label: "Southwest border encounters", Unit: "encounters"},
			{ID: "swb_share_families", Label: "Share of encounters that were families", Unit: "percent"},
		},
		Sources: []notify.StorySource{
			{ID: "cbp-swb", Name: "CBP southwest land border encounters", Authority: "official", URL: "https://www.cbp.gov/newsroom/stats/southwest-land-border-encounters"},
			{ID: "border-wire", Name: "Border Wire", Authority: "press", URL: "https://border.example.net/feed.xml"},
		},
	}
	for i, ev := range notify.SamplesFor(story, time.Date(2026, 12, 1, 21, 50, 0, 0, time.UTC)) {
		t.Run(string(ev.Kind), func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if _, err := New(&buf, WithLocation(ny)).Send(context.Background(), notify.Alert{ID: uint64(i + 1), Event: ev}); err != nil {
				t.Fatal(err)
			}
			notifytest.Golden(t, *update, "config_sample_"+string(ev.Kind), buf.Bytes())
		})
	}
}
