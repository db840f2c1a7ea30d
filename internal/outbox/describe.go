package outbox

import (
	"encoding/json"
	"time"

	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
)

// Describe says what a queued or sent alert tells: its headline as the
// notifier renders it, with times in loc (the newsroom's zone), and the
// document it links to first (the report, the claim, the failing
// source). Only the outbox knows how an alert's payload is encoded, so the
// status page asks here. An unreadable payload describes as "", "".
func Describe(a store.Alert, loc *time.Location) (headline, link string) {
	var pl payload
	if err := json.Unmarshal(a.Payload, &pl); err != nil || pl.Event.Kind == "" {
		return "", ""
	}
	m := notify.BuildIn(notify.Alert{ID: a.ID, Event: pl.Event, Channel: a.Channel, Also: pl.Also}, loc)
	for _, l := range m.Links {
		if l.URL != "" {
			link = l.URL
			break
		}
	}
	return m.FullHeadline(), link
}
