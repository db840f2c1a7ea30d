package slack

import (
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/notifytest"
)

// TestConfigSampleBlocksMatchGoldenAndLimits pins test-alert's Block Kit
// for a newsroom's own story (notify.SamplesFor).
func TestConfigSampleBlocksMatchGoldenAndLimits(t *testing.T) {
	t.Parallel()
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
	for _, ev := range notify.SamplesFor(story, time.Date(2026, 12, 1, 21, 50, 0, 0, time.UTC)) {
		t.Run(string(ev.Kind), func(t *testing.T) {
			t.Parallel()
			blocks := AlertBlocks(notify.Alert{Event: ev})
			checkLimits(t, blocks)
			notifytest.Golden(t, *update, "config_sample_"+string(ev.Kind), marshalBlocks(t, blocks))
		})
	}
}
