// Package config owns watcher's configuration file: the YAML schema, its
// defaults, strict decoding (an unknown or misspelt key is an error, with its
// line), validation of every field at once, and the Slack secrets, which come
// from the environment or from files and never from the YAML itself.
//
// The package does no network I/O and writes nothing; Load reads one
// file and probes the environment for warnings (is the storage directory
// writable, is pdftotext installed), and Config.Secrets and
// Config.HTTPToken read the optional secret files.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/buildinfo"

	// Embedded zone data, so schedules in a named zone work on minimal
	// systems and in containers without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Source kinds.
const (
	KindFeed    = "feed"    // RSS/Atom/JSON feed
	KindPage    = "page"    // HTML page, optionally narrowed by a CSS selector
	KindPDF     = "pdf"     // a PDF document
	KindListing = "listing" // HTML page whose links (Source.Links) are the entries
	KindCSV     = "csv"     // a CSV file read by Source.CSV
	KindJSON    = "json"    // a JSON document read by the jq expression Source.JQ
)

// Kinds lists the source kinds in the order messages name them.
func Kinds() []string {
	return []string{KindFeed, KindPage, KindPDF, KindListing, KindCSV, KindJSON}
}

// Series of a metric: the period each value covers. Empty: a quantity
// with an as-of date.
const (
	SeriesMonth      = "month"
	SeriesQuarter    = "quarter"
	SeriesYear       = "year"
	SeriesFiscalYear = "fiscal_year"
)

// Log levels of log.store, bbolt's own logger.
const (
	StoreLogOff   = "off"
	StoreLogDebug = "debug"
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
	DefaultAppTokenEnv    = "SLACK_APP_TOKEN"
	DefaultCommand        = "/watcher"
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
	DefaultMaxItems       = 1000
	DefaultMaxFollow      = 100
	DefaultMaxPerPoll     = 50
	DefaultHTTPTokenEnv   = "WATCHER_HTTP_TOKEN"
	DefaultStoreLog       = StoreLogOff
	DefaultFiscalYear     = time.October
	DefaultLinks          = "a[href]"

	// MaxRedirectsLimit is the largest max_redirects accepted.
	MaxRedirectsLimit = 20
)

// Config is a loaded, defaulted and validated configuration file. The yaml
// tags are the schema: they are the one list of keys, which the decoder
// checks the file against and "did you mean" suggestions come from.
type Config struct {
	Path      string         `yaml:"-"`        // the file loaded
	Timezone  string         `yaml:"timezone"` // IANA zone name for cron schedules
	Location  *time.Location `yaml:"-"`        // Timezone, loaded
	Storage   Storage        `yaml:"storage"`
	Log       Log            `yaml:"log"`
	Fetch     Fetch          `yaml:"fetch"`
	Defaults  Defaults       `yaml:"defaults"`
	Slack     Slack          `yaml:"slack"`
	Delivery  Delivery       `yaml:"delivery"`
	Alerts    Alerts         `yaml:"alerts"`
	HTTP      HTTP           `yaml:"http"`
	Retention Retention      `yaml:"retention"`
	Sources   []Source       `yaml:"sources"`
	Metrics   []Metric       `yaml:"metrics"`
	// FiscalYearStart is the first month of the fiscal year, for metrics
	// with series fiscal_year and CSV fiscal_year columns. Decoded through
	// file.FiscalYearStart, since time.Month cannot decode a month name.
	FiscalYearStart time.Month `yaml:"-"`
	// Warnings are what `watcher validate` reports without failing:
	// settings that are valid but probably not meant, in file order.
	Warnings Errors `yaml:"-"`
}

// file is what the decoder fills: Config, plus the keys whose type in
// Config cannot decode itself from YAML.
type file struct {
	Config          `yaml:",inline"`
	FiscalYearStart month `yaml:"fiscal_year_start"`
}

// Storage locates the bbolt database.
type Storage struct {
	// Path is the bbolt file. Load makes a relative path absolute against
	// $STATE_DIRECTORY when that is set (systemd's StateDirectory=), else
	// against the directory of the config file.
	Path string `yaml:"path"`
}

// Log configures log/slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // text | json
	Store  string `yaml:"store"`  // StoreLogOff | StoreLogDebug: bbolt's own logger
}

// Fetch configures the HTTP client shared by all sources.
type Fetch struct {
	UserAgent      string   `yaml:"user_agent"`      // must carry a contact (email or URL)
	ConnectTimeout Duration `yaml:"connect_timeout"` // dial + TLS handshake
	Timeout        Duration `yaml:"timeout"`         // whole request, body included
	MaxBodySize    Size     `yaml:"max_body_size"`   // larger bodies are a fetch error
	MaxRedirects   int      `yaml:"max_redirects"`   // 0..20
	Concurrency    int      `yaml:"concurrency"`     // concurrent fetches across all hosts
	PerHost        int      `yaml:"per_host"`        // concurrent requests to one host, at least 1
	HostDelay      Duration `yaml:"host_delay"`      // least time between two requests to one host; 0 = none
	CycleTimeout   Duration `yaml:"cycle_timeout"`   // one source's whole poll, linked articles included; >= Timeout
	BackoffMax     Duration `yaml:"backoff_max"`     // cap of the exponential backoff of a failing source
	// AllowPrivate lists networks fetches may connect to although the
	// egress policy refuses loopback, private, link-local, CGNAT and
	// multicast addresses. A bare IP address is a /32 or /128.
	AllowPrivate Prefixes `yaml:"allow_private"`
	MaxItems     int      `yaml:"max_items"`  // items read per feed, at least 1
	MaxFollow    int      `yaml:"max_follow"` // linked articles or entries fetched per poll, at least 1
}

// Defaults are applied to sources that leave the setting out.
type Defaults struct {
	Schedule         string   `yaml:"schedule"`
	Authority        string   `yaml:"authority"`
	AlertOnFirstPoll bool     `yaml:"alert_on_first_poll"`
	AlertAfter       Duration `yaml:"alert_after"` // a source failing this long raises source_failing; 0 = never
}

// Slack names where alerts go and where the secrets are; the secrets
// themselves are read by Config.Secrets.
type Slack struct {
	Channel        string `yaml:"channel"`          // channel for bot-token delivery
	TokenEnv       string `yaml:"token_env"`        // env var holding the bot token; "" disables the lookup
	TokenFile      string `yaml:"token_file"`       // file holding the bot token
	WebhookURLEnv  string `yaml:"webhook_url_env"`  // env var holding the incoming-webhook URL; "" disables
	WebhookURLFile string `yaml:"webhook_url_file"` // file holding the incoming-webhook URL
	APIURL         string `yaml:"api_url"`          // Slack Web API base URL override, ends in "/"; "" = Slack's

	// The Slack app (Socket Mode: slash command, buttons, App Home) runs
	// when an app-level token (xapp-…) is found as well as a bot token.
	AppTokenEnv  string `yaml:"app_token_env"`  // env var holding the app-level token; "" disables the lookup
	AppTokenFile string `yaml:"app_token_file"` // file holding the app-level token
	// Command is the slash command the app answers, as the app manifest
	// declares it.
	Command string `yaml:"command"`
	// Operators may mute and correct: Slack user ids (U…, W…) and user
	// group ids (S…). Everyone in the channel may acknowledge and ask.
	Operators []string `yaml:"operators"`
}

// Delivery configures the outbox loop.
type Delivery struct {
	RetryMin Duration `yaml:"retry_min"` // first backoff
	RetryMax Duration `yaml:"retry_max"` // backoff cap
	MaxAge   Duration `yaml:"max_age"`   // an alert undelivered this long is marked failed
	Interval Duration `yaml:"interval"`  // outbox poll interval
}

// Alerts routes events to Slack channels and decides which wait for the
// quiet-hours digest; internal/outbox applies these values.
type Alerts struct {
	// DedupeWindow: the same claimed figure from several outlets within
	// this window is one alert, updated in place; 0 = every claim alerts.
	DedupeWindow Duration `yaml:"dedupe_window"`
	// Kinds holds a route for every event kind (see EventKinds) after Load:
	// the severity is always set, the channel only when the file sets it.
	Kinds        map[string]KindRoute `yaml:"kinds"`
	QuietHours   QuietHours           `yaml:"quiet_hours"`
	HoldSeverity string               `yaml:"hold_severity"` // alerts at or below this severity wait during quiet hours
	// MaxPerPoll bounds the alerts one poll may queue; past it, the poll
	// queues one summary alert instead.
	MaxPerPoll int `yaml:"max_per_poll"`
}

// KindRoute is the destination and severity of one event kind.
type KindRoute struct {
	Channel  string `yaml:"channel"`  // "" = slack.channel
	Severity string `yaml:"severity"` // SeverityLow | SeverityNormal | SeverityHigh
}

// QuietHours is a daily span of wall-clock time, in Config.Location, during
// which alerts at or below Alerts.HoldSeverity are held for one digest.
// Times are "HH:MM"; End before Start spans midnight. All empty = off.
type QuietHours struct {
	Start  string `yaml:"start"`
	End    string `yaml:"end"`
	Digest string `yaml:"digest"` // when held alerts go out; defaults to End
}

// Enabled reports whether quiet hours are configured.
func (q QuietHours) Enabled() bool { return q.Start != "" && q.End != "" }

// HTTP configures the optional status, health and metrics listener.
type HTTP struct {
	// Listen is "host:port" with an IP address or localhost as host;
	// "" = no listener. A non-loopback address exposes the status page.
	Listen string `yaml:"listen"`
	// Pprof serves Go's profiler under /debug/pprof/, behind the token.
	Pprof bool `yaml:"pprof"`
	// TokenEnv and TokenFile name where the bearer token for /api/backup
	// and pprof is read from, as for the Slack token (see Config.HTTPToken);
	// the token itself is never in this file.
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	// Socket is a Unix socket path the listener also serves, for local
	// commands. Left out, Load sets it to $RUNTIME_DIRECTORY/watcher.sock
	// when that variable is set (systemd's RuntimeDirectory=), else "".
	Socket string `yaml:"socket"`
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
	Revisions    int      `yaml:"revisions"`    // past revisions kept per document; 0 = only the latest snapshot
	Observations Duration `yaml:"observations"` // drop metric observations older than this
	Documents    Duration `yaml:"documents"`    // drop snapshots of documents not seen for this long
	Alerts       Duration `yaml:"alerts"`       // drop sent or failed alerts older than this
	Interval     Duration `yaml:"interval"`     // how often retention runs
}

// Source is one polled document source.
type Source struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	Kind             string            `yaml:"kind"` // one of Kinds()
	URL              string            `yaml:"url"`
	Schedule         string            `yaml:"schedule"`  // cron spec, see ParseSchedule
	Authority        string            `yaml:"authority"` // AuthorityOfficial | AuthorityPress
	AlertOnFirstPoll bool              `yaml:"alert_on_first_poll"`
	Enabled          bool              `yaml:"enabled"`
	Headers          map[string]string `yaml:"headers"` // canonical header name → value
	// SecretHeaders are headers whose values are secrets (an API key, a
	// token), read from the environment or a file by SourceSecrets and
	// sent only to the source URL's own host; canonical header name →
	// where the value is.
	SecretHeaders map[string]SecretRef `yaml:"secret_headers"`
	FollowLinks   bool                 `yaml:"follow_links"`  // feed only: fetch the article each item links to
	Selector      string               `yaml:"selector"`      // page only: CSS selector of the text to read
	AlertAfter    Duration             `yaml:"alert_after"`   // failing this long raises source_failing; 0 = never
	Channel       string               `yaml:"channel"`       // Slack channel for alerts about this source; "" = routed by kind
	AllowPrivate  Prefixes             `yaml:"allow_private"` // as Fetch.AllowPrivate, for this source only
	// Links is the CSS selector of the entry links of a listing
	// (default DefaultLinks); listing only.
	Links string `yaml:"links"`
	// Revisit lists when an entry is fetched again after it was first seen
	// (default DefaultRevisit); empty when the file says "off". Feed
	// sources with follow_links and listings only.
	Revisit Durations `yaml:"revisit"`
	// Discover is a regexp matched against the links of the page at URL;
	// the newest match is the data file to read. csv, json and pdf only.
	Discover string `yaml:"discover"`
	CSV      *CSV   `yaml:"csv"` // how to read a csv source; csv only, and required there
	// JQ is the gojq expression that turns a json source's document into
	// figures; json only, and required there. Load compiles it.
	JQ   string `yaml:"jq"`
	Line int    `yaml:"-"` // line of the source in the file
}

// Metric is a tracked figure and the rules that tell a figure reports it.
type Metric struct {
	ID        string   `yaml:"id"`
	Label     string   `yaml:"label"`
	Tolerance Ratio    `yaml:"tolerance"` // a press figure further than this from the official one is a mismatch
	Any       []string `yaml:"any"`       // at least one must appear near the figure
	All       []string `yaml:"all"`       // every one must appear in the sentence
	None      []string `yaml:"none"`      // none may appear in the sentence
	Units     []string `yaml:"units"`     // counted nouns the figure must count; empty = any
	Channel   string   `yaml:"channel"`   // Slack channel for alerts about this metric; "" = routed otherwise
	// Series is the period each value covers (SeriesMonth...); "" = a
	// quantity with an as-of date.
	Series string `yaml:"series"`
	// MinChange is the least change worth an alert; zero = any change.
	MinChange Threshold `yaml:"min_change"`
	Line      int       `yaml:"-"` // line of the metric in the file
}

// CSV says how to read figures from a csv source.
type CSV struct {
	Value  string    `yaml:"value"`  // the column holding the figure; required
	Period CSVPeriod `yaml:"period"` // the columns that date a row
	Rows   []CSVRow  `yaml:"rows"`   // which rows report which metric; at least one
}

// SecretRef says where a secret header value is read from: an environment
// variable or a file, exactly one.
type SecretRef struct {
	Env  string `yaml:"env"`
	File string `yaml:"file"`
}

// CSVPeriod names the columns that say which period a row covers.
type CSVPeriod struct {
	Date       string `yaml:"date"`
	Month      string `yaml:"month"`
	Year       string `yaml:"year"`
	FiscalYear string `yaml:"fiscal_year"`
}

// CSVRow selects the rows that report one metric: those whose every Where
// column holds one of the listed values.
type CSVRow struct {
	Metric string                `yaml:"metric"` // a metric id of the file
	Where  map[string]StringList `yaml:"where"`  // column name → accepted values
}

// Load reads the file at path and returns it decoded, defaulted and
// validated. Problems in the file come back as Errors, all of them at once;
// a file that cannot be read is an error wrapping the *fs.PathError. What
// is valid but probably not meant is in Config.Warnings. A relative
// storage.path is made absolute (see Storage.Path); the other paths in the
// file are left as written.
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
	return parse(path, data, osEnvironment())
}

func parse(path string, data []byte, env environment) (*Config, error) {
	return newDecoder(path).parse(data, env)
}

func newDecoder(path string) *decoder {
	return &decoder{file: path, bad: map[string]bool{}, used: map[*entry]bool{}}
}

func (d *decoder) parse(data []byte, env environment) (*Config, error) {
	path := d.file
	f := &file{Config: *newDefaults(), FiscalYearStart: month(DefaultFiscalYear)}
	if d.decode(f, data) {
		f.Config.FiscalYearStart = time.Month(f.FiscalYearStart)
		f.Config.validate(d)
	}
	if len(d.errs) > 0 {
		return nil, d.errors()
	}
	cfg := &f.Config
	cfg.Path = path
	d.resolvePaths(cfg, env)
	cfg.Warnings = d.warnings(cfg, env)
	return cfg, nil
}

// newDefaults returns a Config holding every default.
func newDefaults() *Config {
	return &Config{
		Timezone: DefaultTimezone,
		Location: time.UTC,
		Storage:  Storage{Path: DefaultStoragePath},
		Log:      Log{Level: DefaultLogLevel, Format: DefaultLogFormat, Store: DefaultStoreLog},
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
			MaxItems:       DefaultMaxItems,
			MaxFollow:      DefaultMaxFollow,
		},
		Defaults: Defaults{Schedule: DefaultSchedule, Authority: DefaultAuthority, AlertAfter: DefaultAlertAfter},
		Slack:    Slack{TokenEnv: DefaultTokenEnv, WebhookURLEnv: DefaultWebhookURLEnv, AppTokenEnv: DefaultAppTokenEnv, Command: DefaultCommand},
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
			MaxPerPoll:   DefaultMaxPerPoll,
		},
		HTTP:            HTTP{TokenEnv: DefaultHTTPTokenEnv},
		FiscalYearStart: DefaultFiscalYear,
		Retention: Retention{
			Revisions:    DefaultRevisions,
			Observations: DefaultKeepObserved,
			Documents:    DefaultKeepDocuments,
			Alerts:       DefaultKeepAlerts,
			Interval:     DefaultRetentionEvery,
		},
	}
}

// DefaultRevisit is when an entry is fetched again after it was first
// seen, unless a source sets revisit.
func DefaultRevisit() Durations {
	return Durations{Duration(time.Hour), Duration(6 * time.Hour), Duration(24 * time.Hour), Duration(72 * time.Hour), Duration(7 * 24 * time.Hour)}
}

// DefaultUserAgent is the User-Agent used when fetch.user_agent is not set:
// "watcher/<version> (+https://github.com/figwatch/watcher)", with the
// version of the build (buildinfo.Version: "devel" when none was stamped).
func DefaultUserAgent() string {
	return UserAgent(strings.TrimPrefix(buildinfo.Version(), "v"))
}

// UserAgent is the default User-Agent for a given version string.
func UserAgent(version string) string {
	return "watcher/" + version + " (+https://github.com/figwatch/watcher)"
}

// EnabledSources returns the sources with enabled: true, in file order.
// The result may be the config's own slice: do not modify its elements.
func (c *Config) EnabledSources() []Source {
	n := c.enabled()
	// All enabled, the usual case: the config's own slice, since a copy
	// of 10,000 sources is 3.4 MB that a warm `watcher once` holds for
	// its whole cycle. A config is not changed once loaded (a reload
	// builds a new one), so sharing it is safe; capped, so an append by
	// the caller cannot write into it.
	if n == len(c.Sources) {
		return c.Sources[:n:n]
	}
	out := make([]Source, 0, n)
	for _, s := range c.Sources {
		if s.Enabled {
			out = append(out, s)
		}
	}
	return out
}

// enabled counts the sources with enabled: true, without copying them: a
// Source is some 300 bytes, and a newsroom's file has thousands.
func (c *Config) enabled() int {
	n := 0
	for i := range c.Sources {
		if c.Sources[i].Enabled {
			n++
		}
	}
	return n
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
	enabled := c.enabled()
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
