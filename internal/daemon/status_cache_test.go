package daemon

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/outbox"
	"github.com/figwatch/watcher/internal/store"
)

// A cached description is the one outbox.Describe gives, and an alert
// whose payload or zone changed is described again.
func TestStatusCacheDescribe(t *testing.T) {
	t.Parallel()
	payload := func(title string) json.RawMessage {
		return json.RawMessage(`{"event":{"kind":"new_report","at":"2025-03-25T17:00:00Z","source":"oig","source_name":"DHS OIG","authority":"official",` +
			`"doc_id":"OIG-25-21","url":"https://oig.example/OIG-25-21.pdf","title":"` + title + `","published":"2025-03-25T00:00:00Z"}}`)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	var c statusCache
	a := store.Alert{ID: 7, Kind: "new_report", Channel: "#figures", Payload: payload("ICE Cannot Monitor")}
	for _, tc := range []struct {
		name string
		a    store.Alert
		loc  *time.Location
	}{
		{"first", a, time.UTC},
		{"again, from the cache", a, time.UTC},
		{"another zone", a, ny},
		{"another payload", store.Alert{ID: 7, Kind: "new_report", Channel: "#figures", Payload: payload("A corrected title")}, time.UTC},
	} {
		wantH, wantL := outbox.Describe(tc.a, tc.loc)
		if wantH == "" {
			t.Fatalf("%s: the fixture describes as nothing", tc.name)
		}
		if h, l := c.describe(tc.a, tc.loc); h != wantH || l != wantL {
			t.Errorf("%s: describe = %q %q, want %q %q", tc.name, h, l, wantH, wantL)
		}
	}
	if n := len(c.desc); n != 3 {
		t.Errorf("%d descriptions cached for 3 distinct alerts, want 3", n)
	}
}
