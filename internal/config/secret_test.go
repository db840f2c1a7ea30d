package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/config"
)

const (
	testToken   = "xoxb-1111-2222-s3cr3tv4lu3"
	testWebhook = "https://hooks.slack.com/services/T000/B000/w3bh00ks3cr3t"
)

// parseSlack returns a config whose slack section is the given YAML.
func parseSlack(t *testing.T, slack string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("w.yaml", []byte(slack+"\nsources:\n  - {id: a, url: \"https://example.org/\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func writeSecret(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSecretsFromEnvAndFiles(t *testing.T) {
	t.Parallel()
	tokenFile := writeSecret(t, "  "+testToken+"\n")
	hookFile := writeSecret(t, testWebhook+"\n")
	otherToken := "xoxp-9999-from-the-file"
	otherFile := writeSecret(t, otherToken)

	tests := []struct {
		name     string
		slack    string
		env      map[string]string
		want     config.Secrets
		wantDest string
	}{
		{
			name:     "nothing set: console",
			slack:    `slack: {channel: "#figures"}`,
			wantDest: "console",
		},
		{
			name:     "bot token from the default env var",
			slack:    `slack: {channel: "#figures"}`,
			env:      map[string]string{"SLACK_BOT_TOKEN": " " + testToken + "\n"},
			want:     config.Secrets{BotToken: testToken},
			wantDest: "Slack channel #figures (bot token)",
		},
		{
			name:     "app token with a bot token: the Slack app runs",
			slack:    `slack: {channel: "#figures"}`,
			env:      map[string]string{"SLACK_BOT_TOKEN": testToken, "SLACK_APP_TOKEN": "xapp-1-A1-s3cr3t"},
			want:     config.Secrets{BotToken: testToken, AppToken: "xapp-1-A1-s3cr3t"},
			wantDest: "Slack channel #figures (bot token)",
		},
		{
			name:     "bot token from a renamed env var",
			slack:    `slack: {channel: "#figures", token_env: WATCHER_SLACK}`,
			env:      map[string]string{"WATCHER_SLACK": testToken, "SLACK_BOT_TOKEN": "xoxb-ignored"},
			want:     config.Secrets{BotToken: testToken},
			wantDest: "Slack channel #figures (bot token)",
		},
		{
			name:     "bot token from a file, trimmed",
			slack:    fmt.Sprintf(`slack: {channel: "#figures", token_file: %q}`, tokenFile),
			want:     config.Secrets{BotToken: testToken},
			wantDest: "Slack channel #figures (bot token)",
		},
		{
			name:     "env wins over file",
			slack:    fmt.Sprintf(`slack: {channel: "#figures", token_file: %q}`, otherFile),
			env:      map[string]string{"SLACK_BOT_TOKEN": testToken},
			want:     config.Secrets{BotToken: testToken},
			wantDest: "Slack channel #figures (bot token)",
		},
		{
			name:     "blank env falls back to the file",
			slack:    fmt.Sprintf(`slack: {channel: "#figures", token_file: %q}`, otherFile),
			env:      map[string]string{"SLACK_BOT_TOKEN": "  "},
			want:     config.Secrets{BotToken: config.Secret(otherToken)},
			wantDest: "Slack channel #figures (bot token)",
		},
		{
			name:     "env lookup disabled",
			slack:    `slack: {channel: "#figures", token_env: "", webhook_url_env: ""}`,
			env:      map[string]string{"SLACK_BOT_TOKEN": testToken, "SLACK_WEBHOOK_URL": testWebhook},
			wantDest: "console",
		},
		{
			name:     "webhook from env",
			slack:    `slack: {}`,
			env:      map[string]string{"SLACK_WEBHOOK_URL": testWebhook},
			want:     config.Secrets{WebhookURL: testWebhook},
			wantDest: "Slack incoming webhook",
		},
		{
			name:     "webhook from a file",
			slack:    fmt.Sprintf(`slack: {webhook_url_file: %q}`, hookFile),
			want:     config.Secrets{WebhookURL: testWebhook},
			wantDest: "Slack incoming webhook",
		},
		{
			name:     "both set: the bot token wins",
			slack:    `slack: {channel: "C0123456"}`,
			env:      map[string]string{"SLACK_BOT_TOKEN": testToken, "SLACK_WEBHOOK_URL": testWebhook},
			want:     config.Secrets{BotToken: testToken, WebhookURL: testWebhook},
			wantDest: "Slack channel C0123456 (bot token)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := parseSlack(t, tc.slack)
			got, err := cfg.Secrets(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if got.BotToken.Reveal() != tc.want.BotToken.Reveal() || got.WebhookURL.Reveal() != tc.want.WebhookURL.Reveal() {
				t.Errorf("Secrets() = bot %q webhook %q, want bot %q webhook %q",
					got.BotToken.Reveal(), got.WebhookURL.Reveal(), tc.want.BotToken.Reveal(), tc.want.WebhookURL.Reveal())
			}
			if d := got.Destination(cfg.Slack.Channel); d != tc.wantDest {
				t.Errorf("Destination() = %q, want %q", d, tc.wantDest)
			}
		})
	}
}

func TestSecretsErrorsNameTheSourceNotTheSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	empty := writeSecret(t, "\n\n")
	badFile := writeSecret(t, "s3cr3t-not-a-token\n")

	tests := []struct {
		name    string
		slack   string
		env     map[string]string
		want    string
		wantIs  error
		secrets []string
	}{
		{
			name:  "token without the xoxb- prefix",
			slack: `slack: {channel: "#figures"}`,
			env:   map[string]string{"SLACK_BOT_TOKEN": "s3cr3t-user-token"},
			want:  "slack bot token from $SLACK_BOT_TOKEN does not start with xoxb- or xoxp-",
		},
		{
			name:  "token file without the prefix",
			slack: fmt.Sprintf(`slack: {channel: "#figures", token_file: %q}`, badFile),
			want:  "slack bot token from file " + badFile + " does not start with xoxb- or xoxp-",
		},
		{
			name:  "token with an embedded newline",
			slack: `slack: {channel: "#figures"}`,
			env:   map[string]string{"SLACK_BOT_TOKEN": "xoxb-s3cr3t\nxoxb-s3cr3t"},
			want:  "slack bot token from $SLACK_BOT_TOKEN contains whitespace or control characters",
		},
		{
			name:    "app token without the xapp- prefix",
			slack:   `slack: {channel: "#figures"}`,
			env:     map[string]string{"SLACK_BOT_TOKEN": testToken, "SLACK_APP_TOKEN": "xoxb-s3cr3t"},
			want:    "slack app token from $SLACK_APP_TOKEN does not start with xapp-",
			secrets: []string{"s3cr3t"},
		},
		{
			name:    "app token without a bot token",
			slack:   `slack: {channel: "#figures"}`,
			env:     map[string]string{"SLACK_APP_TOKEN": "xapp-s3cr3t"},
			want:    "slack app token from $SLACK_APP_TOKEN is set but no bot token: the app answers through the bot token",
			secrets: []string{"s3cr3t"},
		},
		{
			name:  "token without a channel",
			slack: `slack: {}`,
			env:   map[string]string{"SLACK_BOT_TOKEN": testToken},
			want:  "slack bot token from $SLACK_BOT_TOKEN is set but slack.channel is empty: name the channel to post to",
		},
		{
			name:   "missing token file",
			slack:  fmt.Sprintf(`slack: {channel: "#figures", token_file: %q}`, missing),
			want:   "slack bot token: read secret file: open " + missing + ": no such file or directory",
			wantIs: fs.ErrNotExist,
		},
		{
			name:  "empty webhook file",
			slack: fmt.Sprintf(`slack: {webhook_url_file: %q}`, empty),
			want:  "slack webhook URL: secret file " + empty + " is empty",
		},
		{
			name:  "plain http webhook",
			slack: `slack: {}`,
			env:   map[string]string{"SLACK_WEBHOOK_URL": "http://hooks.slack.com/services/s3cr3t"},
			want:  "slack webhook URL from $SLACK_WEBHOOK_URL is not an https URL",
		},
		{
			name:  "unparsable webhook",
			slack: `slack: {}`,
			env:   map[string]string{"SLACK_WEBHOOK_URL": "https://hooks.slack.com/%zzs3cr3t"},
			want:  "slack webhook URL from $SLACK_WEBHOOK_URL is not an https URL",
		},
		{
			name:  "both wrong: both reported",
			slack: `slack: {channel: "#figures"}`,
			env:   map[string]string{"SLACK_BOT_TOKEN": "s3cr3t", "SLACK_WEBHOOK_URL": "s3cr3t"},
			want: "slack bot token from $SLACK_BOT_TOKEN does not start with xoxb- or xoxp-\n" +
				"slack webhook URL from $SLACK_WEBHOOK_URL is not an https URL",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := parseSlack(t, tc.slack)
			got, err := cfg.Secrets(env(tc.env))
			if err == nil {
				t.Fatalf("Secrets() = %+v, want error", got)
			}
			if err.Error() != tc.want {
				t.Errorf("error = %q\nwant    %q", err, tc.want)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.wantIs)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error leaks the secret: %q", err)
			}
			if got.BotToken != "" || got.WebhookURL != "" {
				t.Errorf("Secrets() returned secrets alongside an error")
			}
		})
	}
}

// TestSecretNeverPrinted formats secrets every way a careless caller might
// and checks that the value never comes out.
func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	cfg := parseSlack(t, `slack: {channel: "#figures"}`)
	secrets, err := cfg.Secrets(env(map[string]string{"SLACK_BOT_TOKEN": testToken, "SLACK_WEBHOOK_URL": testWebhook}))
	if err != nil {
		t.Fatal(err)
	}
	if secrets.BotToken.Reveal() != testToken {
		t.Fatalf("Reveal() = %q", secrets.BotToken.Reveal())
	}

	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("loaded", "secrets", secrets, "token", secrets.BotToken, "cfg", cfg)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("loaded", "secrets", secrets, "token", secrets.BotToken, slog.Any("hook", secrets.WebhookURL))
	marshalled, err := json.Marshal(secrets)
	if err != nil {
		t.Fatal(err)
	}

	outputs := map[string]string{
		"Sprint":        fmt.Sprint(secrets, secrets.BotToken),
		"%v":            fmt.Sprintf("%v", secrets),
		"%+v":           fmt.Sprintf("%+v", secrets),
		"%#v":           fmt.Sprintf("%#v", secrets),
		"%s":            fmt.Sprintf("%s", secrets.BotToken),
		"%q":            fmt.Sprintf("%q", secrets.WebhookURL),
		"%x":            fmt.Sprintf("%x", secrets.BotToken),
		"%d":            fmt.Sprintf("%d", secrets.BotToken),
		"%+v pointer":   fmt.Sprintf("%+v", &secrets),
		"config %+v":    fmt.Sprintf("%+v", cfg),
		"config Sprint": fmt.Sprint(cfg),
		"slog text":     text.String(),
		"slog json":     js.String(),
		"json":          string(marshalled),
		"GoString":      secrets.BotToken.GoString(),
		"Summary":       cfg.SummaryWith(env(map[string]string{"SLACK_BOT_TOKEN": testToken})),
	}
	for name, out := range outputs {
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "1111-2222") {
			t.Errorf("%s leaks a secret: %s", name, out)
		}
	}
	for _, name := range []string{"%+v", "%#v", "slog text", "slog json", "json"} {
		if !strings.Contains(outputs[name], "[redacted]") {
			t.Errorf("%s does not show the redaction marker: %s", name, outputs[name])
		}
	}
	if got := config.Secret("").String(); got != "" {
		t.Errorf("empty Secret prints %q, want empty", got)
	}
	if got := fmt.Sprintf("%#v", config.Secret("x")); got != `config.Secret("[redacted]")` {
		t.Errorf("%%#v = %s", got)
	}
}

func TestSourceSecretsReadEnvAndFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "cbp.key")
	if err := os.WriteFile(keyFile, []byte("f1l3-s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("w.yaml", []byte(fmt.Sprintf(`
fetch: {user_agent: "watcher (+mailto:desk@paper.example)"}
sources:
  - id: api
    url: https://api.example.gov/data.json
    kind: json
    jq: '.[] | {metric: "m", value: .n}'
    secret_headers:
      x-api-key: {env: API_KEY}
      Authorization: {file: %q}
  - id: off
    url: https://api.example.gov/other.json
    enabled: false
    secret_headers:
      X-Api-Key: {env: UNSET_BUT_DISABLED}
metrics:
  - {id: m, any: [encounters]}
`, keyFile)))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"API_KEY": "3nv-s3cr3t"}
	got, err := cfg.SourceSecrets(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["api"]["X-Api-Key"].Reveal() != "3nv-s3cr3t" || got["api"]["Authorization"].Reveal() != "f1l3-s3cr3t" {
		t.Errorf("SourceSecrets = %v", got)
	}

	// Unset: an error naming the source, the header and the variable,
	// never a value.
	_, err = cfg.SourceSecrets(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "source api: secret header X-Api-Key: $API_KEY is not set") {
		t.Fatalf("unset variable: err = %v", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error shows a secret: %v", err)
	}
}
