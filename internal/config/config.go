// Package config owns watcher's configuration file: the YAML schema, its
// defaults, strict decoding (an unknown or misspelt key is an error, with its
// line), validation of every field at once, and the Slack secrets, which come
// from the environment or from files and never from the YAML itself.
//
// The package does no network or storage I/O; Load reads one file and
// Config.Secrets reads the optional secret files.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strings"
	"time"

	// Embedded zone data, so schedules in a named zone work on minimal
	// systems and in containers without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Source kinds.
const (
	KindFeed = "feed" // RSS/Atom/JSON feed
	KindPage = "page" // HTML page, optionally narrowed by a CSS selector
	KindPDF  = "pdf"  // a PDF document
	// KindListing is a page whose rows link reports (internal/source
	// reads it). Not decoded yet: the config rewrite adds the key and the
	// Source fields Links, MaxFollow, Revisit and NoRevisit.
	KindListing = "listing"
)

// Authorities: whether a source states official figures or reports them.
const (
	AuthorityOfficial = "official"
	AuthorityPress    = "press"
)

// Defaults for settings the file leaves out.
const (
	DefaultTimezone       = "UTC"
	DefaultStoragePath    = "./data/watcher.db"
	DefaultLogLevel       = "info"
	DefaultLogFormat      = "text"
	DefaultConnectTimeout = Duration(10 * time.Second)
	DefaultTimeout        = Duration(60 * time.Second)
	DefaultMaxBodySize    = Size(10 << 20)
	DefaultMaxRedirects   = 5
	DefaultConcurrency    = 8
	DefaultSchedule       = "*/15 * * * *"
	DefaultAuthority      = AuthorityPress
	DefaultTokenEnv       = "SLACK_BOT_TOKEN"
	DefaultWebhookURLEnv  = "SLACK_WEBHOOK_URL"
	DefaultRetryMin       = Duration(5 * time.Second)
	DefaultRetryMax       = Duration(10 * time.Minute)
	DefaultMaxAge         = Duration(72 * time.Hour)
	DefaultInterval       = Duration(5 * time.Second)
	DefaultTolerance      = Ratio(0.05)
	DefaultPerHost        = 2
	DefaultHostDelay      = Duration(time.Second)
	DefaultCycleTimeout   = Duration(5 * time.Minute)
	DefaultBackoffMax     = Duration(6 * time.Hour)
	DefaultAlertAfter     = Duration(24 * time.Hour)
	DefaultDedupeWindow   = Duration(24 * time.Hour)
	DefaultHoldSeverity   = SeverityLow
	DefaultRevisions      = 20
	DefaultKeepObserved   = Duration(365 * 24 * time.Hour)
	DefaultKeepDocuments  = Duration(180 * 24 * time.Hour)
	DefaultKeepAlerts     = Duration(30 * 24 * time.Hour)
	DefaultRetentionEvery = Duration(time.Hour)

	// MaxRedirectsLimit is the largest max_redirects accepted.
	MaxRedirectsLimit = 20
)

// Config is a loaded, defaulted and validated configuration file.
type Config struct {
	Path      string         // the file loaded
	Timezone  string         // IANA zone name for cron schedules
	Location  *time.Location // Timezone, loaded
	Storage   Storage
	Log       Log
	Fetch     Fetch
	Defaults  Defaults
	Slack     Slack
	Delivery  Delivery
	Alerts    Alerts
	HTTP      HTTP
	Retention Retention
	Sources   []Source
	Metrics   []Metric
}

// Storage locates the bbolt database.
type Storage struct {
	Path string // relative paths are relative to the working directory
}

// Log configures log/slog output.
type Log struct {
	Level  string // debug | info | warn | error
	Format string // text | json
}

// Fetch configures the HTTP client shared by all sources.
type Fetch struct {
	UserAgent      string   // must carry a contact (email or URL)
	ConnectTimeout Duration // dial + TLS handshake
	Timeout        Duration // whole request, body included
	MaxBodySize    Size     // larger bodies are a fetch error
	MaxRedirects   int      // 0..20
	Concurrency    int      // concurrent fetches across all hosts
	PerHost        int      // concurrent requests to one host, at least 1
	HostDelay      Duration // least time between two requests to one host; 0 = none
	CycleTimeout   Duration // one source's whole poll, linked articles included; >= Timeout
	BackoffMax     Duration // cap of the exponential backoff of a failing source
}

// Defaults are applied to sources that leave the setting out.
type Defaults struct {
	Schedule         string
	Authority        string
	AlertOnFirstPoll bool
	AlertAfter       Duration // a source failing this long raises source_failing; 0 = never
}

// Slack names where alerts go and where the secrets are; the secrets
// themselves are read by Config.Secrets.
type Slack struct {
	Channel        string // channel for bot-token delivery
	TokenEnv       string // env var holding the bot token; "" disables the lookup
	TokenFile      string // file holding the bot token
	WebhookURLEnv  string // env var holding the incoming-webhook URL; "" disables
	WebhookURLFile string // file holding the incoming-webhook URL
	APIURL         string // Slack Web API base URL override, ends in "/"; "" = Slack's
}

// Delivery configures the outbox loop.
type Delivery struct {
	RetryMin Duration // first backoff
	RetryMax Duration // backoff cap
	MaxAge   Duration // an alert undelivered this long is marked failed
	Interval Duration // outbox poll interval
}

// Alerts routes events to Slack channels and decides which wait for the
// quiet-hours digest. See Config.Route, Config.Quiet and Config.Held.
type Alerts struct {
	// DedupeWindow: the same claimed figure from several outlets within
	// this window is one alert, updated in place; 0 = every claim alerts.
	DedupeWindow Duration
	// Kinds holds a route for every event kind (see EventKinds) after Load:
	// the severity is always set, the channel only when the file sets it.
	Kinds        map[string]KindRoute
	QuietHours   QuietHours
	HoldSeverity string // alerts at or below this severity wait during quiet hours
}

// KindRoute is the destination and severity of one event kind.
type KindRoute struct {
	Channel  string // "" = slack.channel
	Severity string // SeverityLow | SeverityNormal | SeverityHigh
}

// QuietHours is a daily span of wall-clock time, in Config.Location, during
// which alerts at or below Alerts.HoldSeverity are held for one digest.
// Times are "HH:MM"; End before Start spans midnight. All empty = off.
type QuietHours struct {
	Start  string
	End    string
	Digest string // when held alerts go out; defaults to End
}

// Enabled reports whether quiet hours are configured.
func (q QuietHours) Enabled() bool { return q.Start != "" && q.End != "" }

// HTTP configures the optional status, health and metrics listener.
type HTTP struct {
	// Listen is "host:port" with an IP address or localhost as host;
	// "" = no listener. A non-loopback address exposes the status page.
	Listen string
}

// Enabled reports whether the listener is configured.
func (h HTTP) Enabled() bool { return h.Listen != "" }

// Exposed reports whether the listener accepts connections from other
// machines (its host is not a loopback address), which the daemon logs.
func (h HTTP) Exposed() bool {
	if h.Listen == "" {
		return false
	}
	host, _, err := net.SplitHostPort(h.Listen)
	if err != nil {
		return true
	}
	if strings.EqualFold(host, "localhost") {
		return false
	}
	addr, err := netip.ParseAddr(host)
	return err != nil || !addr.IsLoopback()
}

// Retention bounds what the database keeps. A zero age keeps records
// forever; the newest observation per metric and authority is always kept.
type Retention struct {
	Revisions    int      // past revisions kept per document; 0 = only the latest snapshot
	Observations Duration // drop metric observations older than this
	Documents    Duration // drop snapshots of documents not seen for this long
	Alerts       Duration // drop sent or failed alerts older than this
	Interval     Duration // how often retention runs
}

// Source is one polled document source.
type Source struct {
	ID               string
	Name             string
	Kind             string // KindFeed | KindPage | KindPDF
	URL              string
	Schedule         string // cron spec, see ParseSchedule
	Authority        string // AuthorityOfficial | AuthorityPress
	AlertOnFirstPoll bool
	Enabled          bool
	Headers          map[string]string // canonical header name → value
	FollowLinks      bool              // feed only: fetch the article each item links to
	Selector         string            // page only: CSS selector of the text to read
	Links            string            // listing: CSS selector of an entry's link in its row; "" = a[href]
	MaxFollow        int               // documents fetched per poll for new items and revisits; 0 = 100
	MaxItems         int               // feed: items read per poll, the rest dropped; 0 = 1000
	Revisit          []time.Duration   // refetches after first seen; nil = 1h, 6h, 1d, 3d, 7d
	NoRevisit        bool              // revisit: off
	AlertAfter       Duration          // failing this long raises source_failing; 0 = never
	Channel          string            // Slack channel for alerts about this source; "" = routed by kind
	Line             int               // line of the source in the file
}

// Metric is a tracked figure and the rules that tell a figure reports it.
type Metric struct {
	ID        string
	Label     string
	Tolerance Ratio    // a press figure further than this from the official one is a mismatch
	Any       []string // at least one must appear near the figure
	All       []string // every one must appear in the sentence
	None      []string // none may appear in the sentence
	Units     []string // counted nouns the figure must count; empty = any
	Channel   string   // Slack channel for alerts about this metric; "" = routed otherwise
	Line      int      // line of the metric in the file
}

// Load reads the file at path and returns it decoded, defaulted and
// validated. Problems in the file come back as Errors, all of them at once;
// a file that cannot be read is an error wrapping the *fs.PathError.
// Relative paths inside the file are left as written: they are relative to
// the working directory, as in most daemons.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes, defaults and validates a configuration held in memory;
// path is used only in messages and as Config.Path. On failure the error is
// Errors.
func Parse(path string, data []byte) (*Config, error) {
	d := &decoder{file: path}
	cfg := d.decode(data)
	if len(d.errs) > 0 {
		return nil, d.errors()
	}
	cfg.Path = path
	return cfg, nil
}

// newDefaults returns a Config holding every default.
func newDefaults() *Config {
	return &Config{
		Timezone: DefaultTimezone,
		Location: time.UTC,
		Storage:  Storage{Path: DefaultStoragePath},
		Log:      Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
		Fetch: Fetch{
			UserAgent:      DefaultUserAgent(),
			ConnectTimeout: DefaultConnectTimeout,
			Timeout:        DefaultTimeout,
			MaxBodySize:    DefaultMaxBodySize,
			MaxRedirects:   DefaultMaxRedirects,
			Concurrency:    DefaultConcurrency,
			PerHost:        DefaultPerHost,
			HostDelay:      DefaultHostDelay,
			CycleTimeout:   DefaultCycleTimeout,
			BackoffMax:     DefaultBackoffMax,
		},
		Defaults: Defaults{Schedule: DefaultSchedule, Authority: DefaultAuthority, AlertAfter: DefaultAlertAfter},
		Slack:    Slack{TokenEnv: DefaultTokenEnv, WebhookURLEnv: DefaultWebhookURLEnv},
		Delivery: Delivery{
			RetryMin: DefaultRetryMin,
			RetryMax: DefaultRetryMax,
			MaxAge:   DefaultMaxAge,
			Interval: DefaultInterval,
		},
		Alerts: Alerts{
			DedupeWindow: DefaultDedupeWindow,
			Kinds:        defaultKinds(),
			HoldSeverity: DefaultHoldSeverity,
		},
		Retention: Retention{
			Revisions:    DefaultRevisions,
			Observations: DefaultKeepObserved,
			Documents:    DefaultKeepDocuments,
			Alerts:       DefaultKeepAlerts,
			Interval:     DefaultRetentionEvery,
		},
	}
}

// DefaultUserAgent is the User-Agent used when fetch.user_agent is not set:
// "watcher/<version> (+https://github.com/figwatch/watcher)", with the
// version the Go toolchain stamped into the binary ("dev" when none was).
func DefaultUserAgent() string {
	version := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = strings.TrimPrefix(bi.Main.Version, "v")
	}
	return UserAgent(version)
}

// UserAgent is the default User-Agent for a given version string.
func UserAgent(version string) string {
	return "watcher/" + version + " (+https://github.com/figwatch/watcher)"
}

// EnabledSources returns the sources with enabled: true, in file order.
func (c *Config) EnabledSources() []Source {
	var out []Source
	for _, s := range c.Sources {
		if s.Enabled {
			out = append(out, s)
		}
	}
	return out
}

// Source returns the source with the given id.
func (c *Config) Source(id string) (Source, bool) {
	for _, s := range c.Sources {
		if s.ID == id {
			return s, true
		}
	}
	return Source{}, false
}

// Metric returns the metric with the given id.
func (c *Config) Metric(id string) (Metric, bool) {
	for _, m := range c.Metrics {
		if m.ID == id {
			return m, true
		}
	}
	return Metric{}, false
}

// Summary describes the configuration in one line for `watcher validate`
// and the start-up log, looking up the Slack secrets in the process
// environment: "3 sources (2 enabled), 6 metrics, alerts to Slack channel
// #figures".
func (c *Config) Summary() string { return c.SummaryWith(os.Getenv) }

// SummaryWith is Summary with the environment lookup supplied.
func (c *Config) SummaryWith(getenv func(string) string) string {
	enabled := len(c.EnabledSources())
	s := fmt.Sprintf("%d %s (%d enabled), %d %s, ",
		len(c.Sources), plural(len(c.Sources), "source", "sources"), enabled,
		len(c.Metrics), plural(len(c.Metrics), "metric", "metrics"))
	sec, err := c.Secrets(getenv)
	switch {
	case err != nil:
		// Secrets errors never contain the secret, so they are safe to show.
		return s + "alerts undeliverable: " + strings.ReplaceAll(err.Error(), "\n", "; ")
	case sec.BotToken != "":
		return s + "alerts to Slack channel " + c.Slack.Channel
	case sec.WebhookURL != "":
		return s + "alerts to a Slack incoming webhook"
	default:
		return s + "alerts to the console (no Slack secret set)"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
