package daemon

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/notify"
)

func TestReloadSwapsScheduleAndRulesKeepingTheOutbox(t *testing.T) {
	h := newHarness(t, []sourceYAML{
		{id: "oig", path: "/oig.xml", authority: "official", firstPollAlerts: true},
		{id: "old", path: "/old.xml", authority: "press"},
	}, "")
	h.feeds.set("/oig.xml", feedResponse{body: rss("DHS OIG", [4]string{"OIG-24-46", "Alert", aug2024, pubAug})})
	h.feeds.set("/old.xml", feedResponse{body: rss("old")})
	h.feeds.set("/new.xml", feedResponse{body: rss("new", [4]string{"n1", "Story", "Some 12,000 minors were reunited with sponsors.", pubMar})})
	// Slack is down: what the first polls queue must survive the reload.
	h.slack.SetMode("500")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	var (
		statesMu sync.Mutex
		states   []string
	)
	h.d.opts.SdNotify = func(s string) {
		statesMu.Lock()
		defer statesMu.Unlock()
		states = append(states, strings.SplitN(s, "\n", 2)[0])
	}
	reg := prometheus.NewRegistry()
	h.d.stats = NewMetrics(reg)
	h.d.opts.Reload = hup
	h.d.opts.Loader = func() (*config.Config, notify.Notifier, error) {
		cfg, err := config.Load(h.cfg.Path)
		return cfg, h.d.rt.Load().notifier, err
	}
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	waitFor(t, "first polls", func() bool { st, _ := h.fetchState("oig"); return st.Polls == 1 })
	pendingBefore := h.pending()
	if pendingBefore == 0 {
		t.Fatal("nothing queued by the first poll")
	}

	// The new file: "old" removed, "new" added, and a metric whose rule
	// now matches the new source's sentence.
	cfgText, _ := os.ReadFile(h.cfg.Path)
	text := strings.Replace(string(cfgText), "/old.xml", "/new.xml", 1)
	text = strings.Replace(text, "id: old", "id: new", 1)
	text += "  - id: uc_reunited\n    label: Children reunited\n    any: [\"reunited\"]\n"
	if err := os.WriteFile(h.cfg.Path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	hup <- os.Interrupt
	waitFor(t, "the added source's first poll", func() bool { st, _ := h.fetchState("new"); return st.Polls == 1 })
	// The gauges are set once Reload returns, after it started the new
	// source's poll.
	waitFor(t, "the good reload on /metrics", func() bool { return testutil.ToFloat64(h.d.stats.reloadOK) == 1 })
	if got := testutil.ToFloat64(h.d.stats.reloadTime); got != float64(h.clock.Now().UnixNano())/1e9 {
		t.Errorf("watcher_config_last_reload_success_timestamp_seconds = %v, want the reload's time %v", got, h.clock.Now())
	}
	h.d.schedMu.Lock()
	ids := slices.Sorted(mapsKeys(h.d.sched.entries))
	h.d.schedMu.Unlock()
	if !slices.Equal(ids, []string{"new", "oig"}) {
		t.Errorf("scheduled sources after reload = %v, want [new oig]", ids)
	}
	if _, ok := h.d.conf().Metric("uc_reunited"); !ok {
		t.Error("the new metric is not in force")
	}
	snapFigs := h.snapshotFigures("new:n1")
	if len(snapFigs) != 1 || snapFigs[0].Metric != "uc_reunited" {
		t.Errorf("new source's figure = %+v, want it attributed by the new rule", snapFigs)
	}
	if got := h.pending(); got < pendingBefore {
		t.Errorf("outbox lost alerts over the reload: %d pending, was %d", got, pendingBefore)
	}

	// A broken file: the old config keeps running.
	if err := os.WriteFile(h.cfg.Path, []byte("sources: [\n  - id: \"unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := h.d.conf()
	hup <- os.Interrupt
	waitFor(t, "the failed reload to be logged", func() bool { return strings.Contains(h.log(), "reload failed") })
	if h.d.conf() != before {
		t.Error("a broken config replaced the running one")
	}
	waitFor(t, "the failed reload on /metrics", func() bool { return testutil.ToFloat64(h.d.stats.reloadOK) == 0 })
	// Slack comes back: everything queued before and after is delivered.
	h.slack.SetMode("ok")
	h.clock.Add(time.Hour)
	kick(h.d.wake)
	waitFor(t, "the outbox to drain", func() bool { return h.pending() == 0 })
	cancel()
	<-done
	statesMu.Lock()
	defer statesMu.Unlock()
	if !slices.Contains(states, "RELOADING=1") || states[len(states)-1] != "STOPPING=1" {
		t.Errorf("systemd states %v: want RELOADING=1 around reloads and STOPPING=1 last", states)
	}
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
