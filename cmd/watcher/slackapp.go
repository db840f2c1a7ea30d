package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/slackapp"
	"github.com/figwatch/watcher/internal/store"
)

// slackApp builds the Slack app for `run` when an app-level token is set
// (with a bot token: Config.Secrets insists); nil when it is not. d is
// read only once the app runs, after daemon.New set it.
func slackApp(cfg *config.Config, db *store.DB, d **daemon.Daemon, log *slog.Logger) (daemon.SocketApp, error) {
	s, err := cfg.Secrets(os.Getenv)
	if err != nil || s.AppToken == "" {
		return nil, err
	}
	app, err := slackapp.New(slackapp.Options{
		BotToken: s.BotToken.Reveal(), AppToken: s.AppToken.Reveal(), APIURL: cfg.Slack.APIURL, DB: db,
		Config: func() *config.Config { return (*d).Config() }, Logger: log,
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

// metricIDs are the config's metric ids: the Wrong metric menu's choices.
func metricIDs(cfg *config.Config) []string {
	ids := make([]string, 0, len(cfg.Metrics))
	for _, m := range cfg.Metrics {
		ids = append(ids, m.ID)
	}
	return ids
}
