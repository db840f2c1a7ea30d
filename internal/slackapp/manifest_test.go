package slackapp

import (
	"os"
	"strings"
	"testing"
)

// TestShippedManifestHasWhatTheAppUses parses the repository's
// slack-app-manifest.yaml: the command, every scope and event the code
// uses, interactivity, Socket Mode and the Home tab.
func TestShippedManifestHasWhatTheAppUses(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	warns, err := CheckManifest(data, "/watcher")
	if err != nil || len(warns) > 0 {
		t.Errorf("shipped manifest: %v %q", err, warns)
	}
}

func TestCheckManifestWarns(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := string(data)
	tests := []struct {
		name, manifest, command, want string
	}{
		{"another command in the config", good, "/figures", "slack.command /figures is not a slash command of the manifest (it has [/watcher])"},
		{"a missing scope", strings.Replace(good, "      - usergroups:read", "", 1), "/watcher", "lacks the bot scope usergroups:read"},
		{"no mention events", strings.Replace(good, "      - app_mention\n", "", 1), "/watcher", "bot event app_mention"},
		{"no socket mode", strings.Replace(good, "socket_mode_enabled: true", "socket_mode_enabled: false", 1), "/watcher", "Socket Mode"},
		{"no interactivity", strings.Replace(good, "is_enabled: true", "is_enabled: false", 1), "/watcher", "buttons on alerts will not answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			warns, err := CheckManifest([]byte(tc.manifest), tc.command)
			if err != nil {
				t.Fatal(err)
			}
			if len(warns) != 1 || !strings.Contains(warns[0], tc.want) {
				t.Errorf("warnings = %q, want one with %q", warns, tc.want)
			}
		})
	}
	if _, err := CheckManifest([]byte("features: [unclosed"), "/watcher"); err == nil {
		t.Error("a broken manifest is not an error")
	}
}
