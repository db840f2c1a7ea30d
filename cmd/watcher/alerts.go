package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/demo"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/outbox"
)

// testAlertFlags are test-alert's flags.
type testAlertFlags struct {
	config string
}

// cmdTestAlert sends one sample of each event kind to the configured
// destination, routed as real alerts would be, so a newsroom sees the
// layout before going live.
func cmdTestAlert(ctx context.Context, o testAlertFlags, stdout, stderr io.Writer) int {
	cfg, ok := loadConfig(o.config, stderr)
	if !ok {
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	secrets, err := cfg.Secrets(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cfg.Path, err)
		return exitUsage
	}
	n, err := newNotifier(cfg, secrets, stdout, log, withoutApp)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	code := exitOK
	routes := outbox.NewPolicy(cfg)
	story := sampleStory(cfg)
	if len(story.Metrics) == 0 {
		fmt.Fprintf(stderr, "%s has no metrics: sending the built-in samples (the DHS OIG story on unaccompanied children)\n", cfg.Path)
	} else {
		fmt.Fprintf(stderr, "sending %d samples built from the metrics and sources of %s; their figures are made up\n", len(diff.Kinds), cfg.Path)
	}
	for i, ev := range notify.SamplesFor(story, time.Now()) {
		ch, _ := routes.Route(string(ev.Kind), ev.Metric, ev.Source)
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		_, err := n.Send(sctx, notify.Alert{ID: uint64(i + 1), Event: ev, Channel: ch})
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "test-alert %s to %s: %v\n", ev.Kind, secrets.Destination(ch), err)
			code = exitFailure
			continue
		}
		log.Info("test alert sent", "kind", ev.Kind, "via", n.Name(), "channel", ch)
	}
	return code
}

// sampleStory describes the config's metrics and enabled sources for
// notify.SamplesFor, so test-alert tells the newsroom's own story.
func sampleStory(cfg *config.Config) notify.Story {
	var st notify.Story
	for _, m := range cfg.Metrics {
		sm := notify.StoryMetric{ID: m.ID, Label: m.Label}
		if len(m.Units) > 0 {
			sm.Unit = m.Units[0]
		}
		st.Metrics = append(st.Metrics, sm)
	}
	for _, s := range cfg.EnabledSources() {
		st.Sources = append(st.Sources, notify.StorySource{ID: s.ID, Name: s.Name, Authority: s.Authority, URL: s.URL})
	}
	return st
}

// demoFlags are demo's flags.
type demoFlags struct {
	config string
	serve  string
}

// cmdDemo replays the 2024-2025 story offline through the real pipeline
// and prints each alert as it would reach Slack.
func cmdDemo(ctx context.Context, o demoFlags, stdout, stderr io.Writer) int {
	cfg, ok := loadConfig(o.config, stderr)
	if !ok {
		return exitUsage
	}
	// Say so at once when the user's metrics match nothing in the story,
	// rather than print its steps with no alert under any of them.
	if _, err := demo.Check(cfg.Metrics); err != nil {
		fmt.Fprintf(stderr, "watcher demo: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, "watcher demo: the DHS Inspector General's figures on unaccompanied children, August 2024 to March 2025,")
	fmt.Fprintln(stdout, "replayed offline with the metrics of", cfg.Path+". Each block below is an alert as Slack would show it.")
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := demo.Run(ctx, demo.Options{Metrics: cfg.Metrics, Out: stdout, Logger: log, Serve: o.serve}); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	return exitOK
}
