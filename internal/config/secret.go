package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
)

// redacted is what every printing path shows instead of a secret's value.
const redacted = "[redacted]"

// Secret is a credential read from the environment or a file. Every way of
// printing it (fmt verbs, %#v, slog, JSON, text encoding) shows
// "[redacted]", or "" when it is empty so that "not set" stays visible; only
// Reveal returns the value.
type Secret string

// Reveal returns the secret's value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the redacted form for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format redacts the secret under every verb, including %x and %q, which
// would otherwise print the underlying string.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}

// LogValue redacts the secret in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText redacts the secret in JSON and other text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Secrets are the Slack credentials found for a configuration.
type Secrets struct {
	BotToken   Secret // xoxb-/xoxp- token for chat.postMessage
	WebhookURL Secret // https incoming-webhook URL
	// AppToken is the app-level token (xapp-) that opens the Socket Mode
	// connection of the Slack app; only kept when a bot token is set too,
	// since the app answers through the Web API.
	AppToken Secret
}

// Destination says where alerts go with these secrets: "Slack channel #x
// (bot token)", "Slack incoming webhook" or "console". A bot token wins over
// a webhook because only it can thread follow-ups under the first alert.
func (s Secrets) Destination(channel string) string {
	switch {
	case s.BotToken != "":
		return "Slack channel " + channel + " (bot token)"
	case s.WebhookURL != "":
		return "Slack incoming webhook"
	default:
		return "console"
	}
}

// Secrets reads the Slack credentials: each from its environment variable
// (via getenv, normally os.Getenv) when that is set, else from its file when
// one is configured; surrounding whitespace is trimmed. Neither set is not an
// error: alerts then go to the console. Errors name the variable or file but
// never include the secret.
func (c *Config) Secrets(getenv func(string) string) (Secrets, error) {
	var (
		s    Secrets
		errs []error
	)
	tok, from, err := readSecret(getenv, c.Slack.TokenEnv, c.Slack.TokenFile)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("slack bot token: %w", err))
	case tok == "":
	case !strings.HasPrefix(tok, "xoxb-") && !strings.HasPrefix(tok, "xoxp-"):
		errs = append(errs, fmt.Errorf("slack bot token from %s does not start with xoxb- or xoxp-", from))
	case strings.ContainsFunc(tok, isSpaceOrControl):
		errs = append(errs, fmt.Errorf("slack bot token from %s contains whitespace or control characters", from))
	case c.Slack.Channel == "":
		errs = append(errs, fmt.Errorf("slack bot token from %s is set but slack.channel is empty: name the channel to post to", from))
	default:
		s.BotToken = Secret(tok)
	}

	hook, from, err := readSecret(getenv, c.Slack.WebhookURLEnv, c.Slack.WebhookURLFile)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("slack webhook URL: %w", err))
	case hook == "":
	default:
		// url.Parse errors quote the input, so only the verdict is reported.
		u, perr := url.Parse(hook)
		if perr != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsFunc(hook, isSpaceOrControl) {
			errs = append(errs, fmt.Errorf("slack webhook URL from %s is not an https URL", from))
		} else {
			s.WebhookURL = Secret(hook)
		}
	}
	app, from, err := readSecret(getenv, c.Slack.AppTokenEnv, c.Slack.AppTokenFile)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("slack app token: %w", err))
	case app == "":
	case !strings.HasPrefix(app, "xapp-"):
		errs = append(errs, fmt.Errorf("slack app token from %s does not start with xapp-", from))
	case strings.ContainsFunc(app, isSpaceOrControl):
		errs = append(errs, fmt.Errorf("slack app token from %s contains whitespace or control characters", from))
	case s.BotToken == "":
		errs = append(errs, fmt.Errorf("slack app token from %s is set but no bot token: the app answers through the bot token", from))
	default:
		s.AppToken = Secret(app)
	}
	if len(errs) > 0 {
		return Secrets{}, errors.Join(errs...)
	}
	return s, nil
}

// readSecret returns the trimmed value of the env var, or of the file when
// the variable is unset or blank, and says where it came from.
func readSecret(getenv func(string) string, env, file string) (value, from string, err error) {
	if env != "" {
		if v := strings.TrimSpace(getenv(env)); v != "" {
			return v, "$" + env, nil
		}
	}
	if file == "" {
		return "", "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		// The *PathError names the file and the reason, never the content.
		return "", "", fmt.Errorf("read secret file: %w", err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", "", fmt.Errorf("secret file %s is empty", file)
	}
	return v, "file " + file, nil
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f || r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029
}

// MinHTTPTokenLen is the shortest bearer token accepted for the HTTP
// listener: it guards a copy of the whole database.
const MinHTTPTokenLen = 16

// HTTPToken reads the bearer token that guards /api/backup and pprof, from
// the variable http.token_env names or else from http.token_file, as
// Secrets reads Slack's. An empty Secret and no error mean no token is
// configured: those endpoints then refuse every request. Errors never
// include the token.
func (c *Config) HTTPToken(getenv func(string) string) (Secret, error) {
	tok, from, err := readSecret(getenv, c.HTTP.TokenEnv, c.HTTP.TokenFile)
	switch {
	case err != nil:
		return "", fmt.Errorf("http token: %w", err)
	case tok == "":
		return "", nil
	case strings.ContainsFunc(tok, isSpaceOrControl):
		return "", fmt.Errorf("http token from %s contains whitespace or control characters", from)
	case len(tok) < MinHTTPTokenLen:
		return "", fmt.Errorf("http token from %s is shorter than %d characters", from, MinHTTPTokenLen)
	}
	return Secret(tok), nil
}

// SourceSecrets reads the secret headers of every enabled source: source
// id → canonical header name → value. A variable that is unset or empty,
// or a file that cannot be read, is an error naming the source and header
// (never the value), so validate and start-up catch it.
func (c *Config) SourceSecrets(getenv func(string) string) (map[string]map[string]Secret, error) {
	var (
		out  map[string]map[string]Secret
		errs []error
	)
	for i := range c.Sources {
		src := &c.Sources[i] // not a copy of each: there can be thousands
		if !src.Enabled || len(src.SecretHeaders) == 0 {
			continue
		}
		for name, ref := range src.SecretHeaders {
			v, from, err := readSecret(getenv, ref.Env, ref.File)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("source %s: secret header %s: %w", src.ID, name, err))
				continue
			case v == "":
				errs = append(errs, fmt.Errorf("source %s: secret header %s: $%s is not set", src.ID, name, ref.Env))
				continue
			case strings.ContainsFunc(v, isControlExceptTab):
				errs = append(errs, fmt.Errorf("source %s: secret header %s from %s contains control characters", src.ID, name, from))
				continue
			}
			if out == nil {
				out = map[string]map[string]Secret{}
			}
			if out[src.ID] == nil {
				out[src.ID] = map[string]Secret{}
			}
			out[src.ID][name] = Secret(v)
		}
	}
	return out, errors.Join(errs...)
}
