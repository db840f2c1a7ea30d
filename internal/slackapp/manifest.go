package slackapp

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// RequiredScopes are the bot scopes the app and the notifier use: an app
// installed without one fails at the call that needs it.
var RequiredScopes = []string{
	"app_mentions:read", "channels:history", "channels:read", "chat:write",
	"commands", "groups:history", "groups:read", "usergroups:read",
}

// RequiredEvents are the bot events the app answers.
var RequiredEvents = []string{"app_home_opened", "app_mention"}

// manifest is the part of a Slack app manifest the app depends on.
type manifest struct {
	Features struct {
		AppHome struct {
			HomeTab bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
		SlashCommands []struct {
			Command string `yaml:"command"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			Bot []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// CheckManifest reads a Slack app manifest (YAML) and returns a warning
// for each thing the app needs that it lacks: the config's slash command,
// a scope, an event, interactivity, Socket Mode, the Home tab. An error
// means the manifest could not be read at all.
func CheckManifest(data []byte, command string) ([]string, error) {
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read slack app manifest: %w", err)
	}
	var warns []string
	var cmds []string
	for _, c := range m.Features.SlashCommands {
		cmds = append(cmds, c.Command)
	}
	if command != "" && !slices.Contains(cmds, command) {
		warns = append(warns, fmt.Sprintf("slack.command %s is not a slash command of the manifest (it has %v): Slack will not deliver it", command, cmds))
	}
	for _, s := range RequiredScopes {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			warns = append(warns, fmt.Sprintf("the manifest lacks the bot scope %s, which watcher uses", s))
		}
	}
	for _, e := range RequiredEvents {
		if !slices.Contains(m.Settings.Events.Bot, e) {
			warns = append(warns, fmt.Sprintf("the manifest does not subscribe to the bot event %s, which watcher answers", e))
		}
	}
	if !m.Settings.Interactivity.Enabled {
		warns = append(warns, "the manifest does not enable interactivity: the buttons on alerts will not answer")
	}
	if !m.Settings.SocketMode {
		warns = append(warns, "the manifest does not enable Socket Mode, which is how watcher connects")
	}
	if !m.Features.AppHome.HomeTab {
		warns = append(warns, "the manifest does not enable the App Home tab")
	}
	return warns, nil
}
