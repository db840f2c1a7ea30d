package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/slackapp"
	"github.com/figwatch/watcher/internal/store"
)

// slackApp builds the Slack app for `run` when an app-level token is set
// (with a bot token: Config.Secrets insists); nil when it is not. d is
// read only once the app runs, after daemon.New set it.
func slackApp(cfg *config.Config, db *store.DB, d **daemon.Daemon, reg prometheus.Registerer, log *slog.Logger) (daemon.SocketApp, error) {
	s, err := cfg.Secrets(os.Getenv)
	if err != nil || s.AppToken == "" {
		return nil, err
	}
	app, err := slackapp.New(slackapp.Options{
		BotToken: s.BotToken.Reveal(), AppToken: s.AppToken.Reveal(), APIURL: cfg.Slack.APIURL, DB: db,
		Config: func() *config.Config { return (*d).Config() }, Logger: log, Metrics: slackapp.NewMetrics(reg),
		Status: func(context.Context) string {
			if err := (*d).Healthy(); err != nil {
				return "Daemon: UNHEALTHY: " + err.Error()
			}
			return "Daemon: healthy"
		},
	})
	if err != nil {
		return nil, fmt.Errorf("slack app: %w", err)
	}
	log.Info("slack app enabled: Socket Mode", "command", cfg.Slack.Command, "operators", len(cfg.Slack.Operators))
	return app, nil
}

// manifestWarnings checks the Slack app manifest at path against the
// config; with no path, the one next to the config, when an app token
// says the app is meant to run.
func manifestWarnings(cfg *config.Config, s config.Secrets, path string) []string {
	if path == "" {
		if s.AppToken == "" {
			return nil
		}
		path = filepath.Join(filepath.Dir(cfg.Path), "slack-app-manifest.yaml")
		if _, err := os.Stat(path); err != nil {
			return []string{"the Slack app token is set but there is no " + path + " to check the app against (--manifest names one)"}
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return []string{fmt.Sprintf("read slack app manifest: %v", err)}
	}
	warns, err := slackapp.CheckManifest(data, cfg.Slack.Command)
	if err != nil {
		return []string{path + ": " + err.Error()}
	}
	for i := range warns {
		warns[i] = path + ": " + warns[i]
	}
	return warns
}
