package config

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/andybalholm/cascadia"
	"github.com/itchyny/gojq"
	"golang.org/x/net/http/httpguts"
)

// This file checks the decoded values: a validate method per section
// struct, Gatus style, with the rules that compare two keys together at the
// end of their section. The decoder d says where each value is written and
// collects the problems. A value that could not be decoded is not checked again, and a
// rule comparing two values runs only when both are valid.

func (c *Config) validate(d *decoder) {
	if d.x.set("timezone") {
		if loc, err := loadLocation(c.Timezone); err != nil {
			d.errorf("timezone", "bad time zone: %v", err)
		} else {
			c.Location = loc
		}
	}
	if d.x.set("storage.path") && strings.TrimSpace(c.Storage.Path) == "" {
		d.errorf("storage.path", "must not be empty")
	}
	d.enum("log.level", c.Log.Level, "debug", "info", "warn", "error")
	d.enum("log.format", c.Log.Format, "text", "json")
	d.enum("log.store", c.Log.Store, StoreLogOff, StoreLogDebug)
	c.Fetch.validate(d)
	c.Defaults.validate(d)
	c.Slack.validate(d)
	c.Delivery.validate(d)
	c.Alerts.validate(d)
	c.HTTP.validate(d)
	c.Retention.validate(d)
	c.validateSources(d)
	c.validateMetrics(d)
}

func (f *Fetch) validate(d *decoder) {
	if d.x.set("fetch.user_agent") {
		v, lower := f.UserAgent, strings.ToLower(f.UserAgent)
		switch {
		case strings.TrimSpace(v) == "":
			d.errorf("fetch.user_agent", "must not be empty")
		case strings.ContainsFunc(v, isControl):
			d.errorf("fetch.user_agent", "contains control characters")
		case !strings.Contains(v, "@") && !strings.Contains(lower, "http"):
			d.errorf("fetch.user_agent", "%q has no contact (an email address or URL): government sites block anonymous bots", v)
		}
	}
	positive(d, "fetch.connect_timeout", f.ConnectTimeout)
	positive(d, "fetch.timeout", f.Timeout)
	positive(d, "fetch.max_body_size", f.MaxBodySize)
	if d.x.set("fetch.max_redirects") && (f.MaxRedirects < 0 || f.MaxRedirects > MaxRedirectsLimit) {
		d.errorf("fetch.max_redirects", "%d is out of range 0..%d", f.MaxRedirects, MaxRedirectsLimit)
	}
	d.atLeast("fetch.concurrency", f.Concurrency, 1)
	d.atLeast("fetch.per_host", f.PerHost, 1)
	nonNegative(d, "fetch.host_delay", f.HostDelay)
	positive(d, "fetch.cycle_timeout", f.CycleTimeout)
	positive(d, "fetch.backoff_max", f.BackoffMax)
	d.atLeast("fetch.max_items", f.MaxItems, 1)
	d.atLeast("fetch.max_follow", f.MaxFollow, 1)

	connect, total, cycle := "fetch.connect_timeout", "fetch.timeout", "fetch.cycle_timeout"
	if d.ok(total) && !d.x.set(connect) && f.ConnectTimeout > f.Timeout {
		// Only the total was set, shorter than the default dial timeout:
		// the dial gets the whole budget rather than an error about a key
		// the user never wrote.
		f.ConnectTimeout = f.Timeout
	}
	if d.ok(connect) && d.ok(total) && f.ConnectTimeout > f.Timeout {
		d.errorf(d.first(connect, total), "connect_timeout (%s) is longer than timeout (%s), which bounds the whole request", f.ConnectTimeout, f.Timeout)
	}
	if d.ok(total) && !d.x.set(cycle) && f.CycleTimeout < f.Timeout {
		// As with connect_timeout: a long timeout written alone stretches
		// the default cycle rather than failing on an unwritten key.
		f.CycleTimeout = f.Timeout
	}
	if d.ok(cycle) && d.ok(total) && f.CycleTimeout < f.Timeout {
		d.errorf(d.first(cycle, total), "cycle_timeout (%s) is shorter than timeout (%s): a poll could not wait out even one request", f.CycleTimeout, f.Timeout)
	}
}

func (df *Defaults) validate(d *decoder) {
	d.schedule("defaults.schedule", df.Schedule)
	d.enum("defaults.authority", df.Authority, AuthorityOfficial, AuthorityPress)
	nonNegative(d, "defaults.alert_after", df.AlertAfter)
}

var slackOperator = lazyRegexp(`^[UWS][A-Z0-9]{2,}$`)

// isEnvName reports whether v is a variable name: a letter or "_", then
// letters, digits and "_" (^[A-Za-z_][A-Za-z0-9_]*$).
func isEnvName(v string) bool {
	for i := range len(v) {
		c := v[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return v != ""
}

// isSlashCommand reports whether v is "/" and then 1 to 31 lower-case
// letters, digits, "_" or "-" (^/[a-z0-9_-]{1,31}$).
func isSlashCommand(v string) bool {
	if len(v) < 2 || len(v) > 32 || v[0] != '/' {
		return false
	}
	for _, c := range []byte(v[1:]) {
		if !isIDByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// isIDByte is [a-z0-9_].
func isIDByte(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' }

func (s *Slack) validate(d *decoder) {
	if v := s.Channel; d.x.set("slack.channel") {
		switch {
		case strings.TrimSpace(v) == "" || v == "#":
			d.errorf("slack.channel", "must name a channel, like \"#figures\" or a channel ID")
		case strings.ContainsFunc(v, isSpaceOrControl):
			d.errorf("slack.channel", "channel %q contains whitespace", v)
		}
	}
	d.envName("slack.token_env", s.TokenEnv)
	d.envName("slack.webhook_url_env", s.WebhookURLEnv)
	d.filePath("slack.token_file", s.TokenFile)
	d.filePath("slack.webhook_url_file", s.WebhookURLFile)
	d.envName("slack.app_token_env", s.AppTokenEnv)
	d.filePath("slack.app_token_file", s.AppTokenFile)
	if !isSlashCommand(s.Command) {
		d.errorf("slack.command", "%q must be a slash command: / then up to 31 lower-case letters, digits, - or _", s.Command)
	}
	for i, op := range s.Operators {
		if !slackOperator().MatchString(op) {
			d.errorf(fmt.Sprintf("slack.operators[%d]", i), "%q must be a Slack user id (U…, W…) or user group id (S…)", op)
		}
	}
	if v := s.APIURL; v != "" {
		if msg := checkURL(v); msg != "" {
			d.errorf("slack.api_url", "%s", msg)
		} else if !strings.HasSuffix(v, "/") {
			d.errorf("slack.api_url", "%q must end in \"/\", like https://slack.com/api/", v)
		}
	}
}

// envName checks a key naming an environment variable.
func (d *decoder) envName(path, v string) {
	if v != "" && !isEnvName(v) {
		// The value is not echoed: a misplaced secret is the likely
		// reason it is not a variable name.
		d.errorf(path, "must be the name of an environment variable (letters, digits and _), not the secret itself")
	}
}

func (d *decoder) filePath(path, v string) {
	if (v != "" && strings.TrimSpace(v) == "") || strings.ContainsFunc(v, isControl) {
		d.errorf(path, "must be a file path")
	}
}

func (dl *Delivery) validate(d *decoder) {
	positive(d, "delivery.retry_min", dl.RetryMin)
	positive(d, "delivery.retry_max", dl.RetryMax)
	positive(d, "delivery.max_age", dl.MaxAge)
	positive(d, "delivery.interval", dl.Interval)
	lo, hi, age := "delivery.retry_min", "delivery.retry_max", "delivery.max_age"
	if d.ok(lo) && d.ok(hi) && dl.RetryMin > dl.RetryMax {
		d.errorf(d.first(lo, hi), "retry_min (%s) is longer than retry_max (%s)", dl.RetryMin, dl.RetryMax)
	}
	if d.ok(age) && d.ok(lo) && dl.MaxAge < dl.RetryMin {
		d.errorf(d.first(age, lo), "max_age (%s) is shorter than retry_min (%s): alerts would expire before their first retry", dl.MaxAge, dl.RetryMin)
	}
}

func (a *Alerts) validate(d *decoder) {
	nonNegative(d, "alerts.dedupe_window", a.DedupeWindow)
	kinds := EventKinds()
	for _, kind := range d.x.keys("alerts.kinds") {
		path := "alerts.kinds." + kind
		if !slices.Contains(kinds, kind) {
			msg := fmt.Sprintf("unknown event kind %s (one of %s)", quote(kind), strings.Join(kinds, ", "))
			if s := Suggest(kind, kinds); s != "" {
				msg = fmt.Sprintf("unknown event kind %s; did you mean %q?", quote(kind), s)
			}
			// The kind is what is wrong; what its value says does not matter.
			d.drop(path)
			d.errorf(path, "%s", msg)
			delete(a.Kinds, kind)
			continue
		}
		route, decoded := a.Kinds[kind]
		if !decoded || !d.ok(path) {
			continue
		}
		d.channel(path+".channel", route.Channel)
		if d.x.set(path + ".severity") {
			d.enum(path+".severity", route.Severity, severities...)
		} else {
			route.Severity = DefaultSeverity(kind)
		}
		a.Kinds[kind] = route
	}
	if a.Kinds == nil {
		a.Kinds = map[string]KindRoute{}
	}
	for _, k := range eventKinds {
		if _, ok := a.Kinds[k.kind]; !ok {
			a.Kinds[k.kind] = KindRoute{Severity: k.severity}
		}
	}
	a.QuietHours.validate(d)
	d.enum("alerts.hold_severity", a.HoldSeverity, severities...)
	d.atLeast("alerts.max_per_poll", a.MaxPerPoll, 1)
}

func (h *HTTP) validate(d *decoder) {
	if v := h.Listen; v != "" {
		if msg := checkListen(v); msg != "" {
			d.errorf("http.listen", "%s", msg)
		}
	}
	d.envName("http.token_env", h.TokenEnv)
	d.filePath("http.token_file", h.TokenFile)
	d.filePath("http.socket", h.Socket)
	// sun_path holds 108 bytes with the terminating NUL on Linux.
	if len(h.Socket) > maxSocketPath {
		d.errorf("http.socket", "socket path is %d bytes long; Unix sockets take at most %d", len(h.Socket), maxSocketPath)
	}
}

const maxSocketPath = 107

func (q *QuietHours) validate(d *decoder) {
	const p = "alerts.quiet_hours"
	start, startOK := d.clock(p+".start", q.Start)
	end, endOK := d.clock(p+".end", q.End)
	digest, digestOK := d.clock(p+".digest", q.Digest)
	startSet, endSet := d.x.set(p+".start"), d.x.set(p+".end")
	switch {
	case startSet && !endSet:
		d.add(d.x.line(p+".start"), p, "set both start and end, or neither; end is missing")
	case endSet && !startSet:
		d.add(d.x.line(p+".end"), p, "set both start and end, or neither; start is missing")
	case !startSet && !endSet:
		if d.x.set(p + ".digest") {
			d.errorf(p+".digest", "a digest time needs quiet hours: set start and end too")
		}
	case !startOK || !endOK || !digestOK:
	case start == end:
		d.errorf(p+".end", "start and end are both %s: quiet hours would be empty", formatClock(start))
	default:
		q.Start, q.End, q.Digest = formatClock(start), formatClock(end), formatClock(end)
		if d.x.set(p + ".digest") {
			q.Digest = formatClock(digest)
		}
		return
	}
	*q = QuietHours{}
}

// clock checks an "HH:MM" key and returns it in minutes after midnight; ok
// is false only for a bad value (reported).
func (d *decoder) clock(path, v string) (mins int, ok bool) {
	if !d.x.set(path) {
		return 0, d.ok(path)
	}
	mins, ok = parseClock(strings.TrimSpace(v))
	if !ok {
		d.errorf(path, "bad time %s: write it as HH:MM on a 24-hour clock, like 07:30 or 22:00", quote(v))
	}
	return mins, ok && d.ok(path)
}

// checkListen returns what is wrong with a listen address, or "". The host
// must be an IP address or localhost: a name is resolved once at start-up
// and could bind whatever interface it happens to point to, and an empty
// host binds every interface, which should be written out as 0.0.0.0.
func checkListen(v string) string {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Sprintf("bad listen address %s: write it as host:port, like 127.0.0.1:9464", quote(v))
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || port == "" {
		return fmt.Sprintf("bad listen address %s: the port must be a number from 0 to 65535", quote(v))
	} else if host == "" {
		return fmt.Sprintf("listen address %s has no host: write 127.0.0.1:%d for this machine only, or 0.0.0.0:%d to expose the status page", quote(v), p, p)
	}
	if strings.EqualFold(host, "localhost") {
		return ""
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Sprintf("listen host %s must be an IP address or localhost, not a name", quote(host))
	}
	return ""
}

func (r *Retention) validate(d *decoder) {
	if r.Revisions < 0 {
		d.errorf("retention.revisions", "must be 0 or more, found %d", r.Revisions)
	}
	nonNegative(d, "retention.observations", r.Observations)
	nonNegative(d, "retention.documents", r.Documents)
	nonNegative(d, "retention.alerts", r.Alerts)
	positive(d, "retention.interval", r.Interval)
}

// isSourceID is ^[a-z0-9][a-z0-9_-]*$, and isMetricID ^[a-z0-9_]+$: every
// source's id is checked, so without a regexp.
func isSourceID(v string) bool {
	for i := range len(v) {
		if c := v[i]; !(isIDByte(c) && (i > 0 || c != '_') || i > 0 && c == '-') {
			return false
		}
	}
	return v != ""
}

func isMetricID(v string) bool {
	for i := range len(v) {
		if !isIDByte(v[i]) {
			return false
		}
	}
	return v != ""
}

// maxIDLen bounds ids, which become database keys and log fields.
const maxIDLen = 64

func (c *Config) validateSources(d *decoder) {
	if len(c.Sources) == 0 {
		d.errorf("sources", "at least one source is required")
		return
	}
	first := make(map[string]int, len(c.Sources))
	for i := range c.Sources {
		src, path := &c.Sources[i], d.x.item("sources", i)
		key := func(k string) string { return d.x.child(path, k) }
		if !d.ok(path) {
			continue
		}
		// Settings left out come from defaults; yaml.v3 cannot tell a key
		// left out from one set to its zero value, the node tree can. One
		// pass over the source's keys answers for all of them.
		set := d.x.setKeys(path, sourceSetKeys)
		inheritIf(set&setKind == 0, &src.Kind, KindFeed)
		inheritIf(set&setSchedule == 0, &src.Schedule, c.Defaults.Schedule)
		inheritIf(set&setAuthority == 0, &src.Authority, c.Defaults.Authority)
		inheritIf(set&setAlertOnFirstPoll == 0, &src.AlertOnFirstPoll, c.Defaults.AlertOnFirstPoll)
		inheritIf(set&setAlertAfter == 0, &src.AlertAfter, c.Defaults.AlertAfter)
		inheritIf(set&setEnabled == 0, &src.Enabled, true)
		src.Line = d.x.line(path)

		d.id(path, "id", src.ID, isSourceID, "lower-case letters, digits, \"_\" and \"-\", starting with a letter or digit", "source", first)
		if strings.TrimSpace(src.Name) == "" {
			src.Name = src.ID
		}
		kindOK := d.enumChild(path, "kind", src.Kind, Kinds()...)
		if src.URL == "" {
			d.required(key("url"))
		} else if msg := checkURL(src.URL); msg != "" {
			d.errorf(key("url"), "%s", msg)
		}
		// Keys a source leaves out are tested without building their
		// paths: a newsroom's file has thousands of sources.
		if set&setSchedule != 0 {
			d.schedule(key("schedule"), src.Schedule)
		}
		d.enumChild(path, "authority", src.Authority, AuthorityOfficial, AuthorityPress)
		if len(src.Headers) > 0 || len(src.SecretHeaders) > 0 {
			src.Headers = d.headers(key("headers"), src.Headers)
			src.SecretHeaders = d.secretHeaders(key("secret_headers"), src.SecretHeaders, src.Headers)
		} else {
			src.Headers, src.SecretHeaders = nil, nil
		}
		if set&setAlertAfter != 0 {
			nonNegative(d, key("alert_after"), src.AlertAfter)
		}
		if src.Channel != "" {
			d.channel(key("channel"), src.Channel)
		}
		if kindOK {
			src.validateKindOptions(d, c, path, set&setRevisit != 0)
		}
	}
}

// validateKindOptions checks the keys that only some kinds of source take, and
// sets their defaults.
func (src *Source) validateKindOptions(d *decoder, cfg *Config, path string, revisitSet bool) {
	key := func(k string) string { return d.x.child(path, k) }
	if src.FollowLinks && src.Kind != KindFeed {
		d.errorf(key("follow_links"), "only feed sources follow links (this source is kind %q)", src.Kind)
	}
	if d.onlyFor(src, key, "selector", src.Selector != "", "a selector", KindPage, KindListing) {
		if err := checkSelector(src.Selector); err != nil {
			d.errorf(key("selector"), "bad CSS selector %q: %v", src.Selector, err)
		}
	}
	if d.onlyFor(src, key, "links", src.Links != "", "links", KindListing) {
		if err := checkSelector(src.Links); err != nil {
			d.errorf(key("links"), "bad CSS selector %q: %v", src.Links, err)
		}
	} else if src.Kind == KindListing && src.Links == "" {
		src.Links = DefaultLinks
	}

	revisits := src.Kind == KindListing || src.Kind == KindFeed && src.FollowLinks
	switch {
	case !revisitSet:
		if revisits {
			src.Revisit = DefaultRevisit()
		}
	case !revisits:
		d.errorf(key("revisit"), "only listings and feed sources with follow_links revisit entries (this source is kind %q)", src.Kind)
		src.Revisit = nil
	default:
		for j := 1; j < len(src.Revisit); j++ {
			if src.Revisit[j] <= src.Revisit[j-1] {
				d.errorf(fmt.Sprintf("%s[%d]", key("revisit"), j), "%s is not after %s: list the revisits in increasing order", src.Revisit[j], src.Revisit[j-1])
				break
			}
		}
	}

	if d.onlyFor(src, key, "discover", src.Discover != "", "discover", KindCSV, KindJSON, KindPDF) {
		if _, err := regexp.Compile(src.Discover); err != nil {
			// A *syntax.Error repeats the expression; keep the reason.
			var se *syntax.Error
			if errors.As(err, &se) {
				err = errors.New(se.Code.String())
			}
			d.errorf(key("discover"), "bad regexp %q: %v", src.Discover, err)
		}
	}

	if d.onlyFor(src, key, "csv", src.CSV != nil, "a csv block", KindCSV) {
		src.CSV.validate(d, cfg, key("csv"))
	} else if src.Kind == KindCSV && src.CSV == nil {
		d.required(key("csv"))
	}

	if d.onlyFor(src, key, "jq", src.JQ != "", "a jq expression", KindJSON) {
		if err := checkJQ(src.JQ); err != nil {
			d.errorf(key("jq"), "bad jq expression: %v", err)
		}
	} else if src.Kind == KindJSON && src.JQ == "" {
		d.required(key("jq"))
	}
}

// onlyFor reports whether the key name, which only sources of the given
// kinds take, is set on such a source; set on another kind, it is an error.
// key makes its path, only when it is set.
func (d *decoder) onlyFor(src *Source, key func(string) string, name string, set bool, what string, kinds ...string) bool {
	if !set {
		return false
	}
	path := key(name)
	if !d.ok(path) {
		return false
	}
	if slices.Contains(kinds, src.Kind) {
		return true
	}
	d.errorf(path, "only %s sources take %s (this source is kind %q)", andList(kinds), what, src.Kind)
	return false
}

// andList joins words as a sentence does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func (c *CSV) validate(d *decoder, cfg *Config, path string) {
	if strings.TrimSpace(c.Value) == "" {
		d.errorf(path+".value", "required key is missing: the column holding the figure")
	}
	if len(c.Rows) == 0 && d.ok(path+".rows") {
		d.errorf(path+".rows", "at least one row is required: which rows report which metric")
	}
	for j, row := range c.Rows {
		rpath := fmt.Sprintf("%s.rows[%d]", path, j)
		switch _, known := cfg.Metric(row.Metric); {
		case !d.ok(rpath):
		case row.Metric == "":
			d.required(rpath + ".metric")
		case !known:
			msg := fmt.Sprintf("no metric has id %s", quote(row.Metric))
			if s := Suggest(row.Metric, cfg.MetricIDs()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			d.errorf(rpath+".metric", "%s", msg)
		}
		for _, col := range d.byLine(rpath+".where", mapKeys(row.Where)) {
			if len(row.Where[col]) == 0 {
				d.errorf(rpath+".where."+col, "expected a value or a list of values, found none")
			}
		}
	}
}

// MetricIDs are the ids of the config's metrics, in file order: what a
// "did you mean" or a completion offers.
func (c *Config) MetricIDs() []string {
	ids := make([]string, len(c.Metrics))
	for i, m := range c.Metrics {
		ids[i] = m.ID
	}
	return ids
}

// checkJQ compiles a jq expression as the json source will.
func checkJQ(expr string) error {
	q, err := gojq.Parse(expr)
	if err != nil {
		return err
	}
	_, err = gojq.Compile(q)
	return err
}

// inherit sets *dst to def when the file leaves the key out of the
// mapping at path.
func inherit[T any](x *tree, path, key string, dst *T, def T) {
	inheritIf(!x.setChild(path, key), dst, def)
}

func inheritIf[T any](left bool, dst *T, def T) {
	if left {
		*dst = def
	}
}

// sourceSetKeys are the keys of a source whose being left out matters, in
// the order of the bits setKeys reports them by.
var sourceSetKeys = []string{"kind", "schedule", "authority", "alert_on_first_poll", "alert_after", "enabled", "revisit"}

const (
	setKind = 1 << iota
	setSchedule
	setAuthority
	setAlertOnFirstPoll
	setAlertAfter
	setEnabled
	setRevisit
)

// Headers the fetcher sets itself; a per-source value would break
// conditional GET, redirects or body framing.
var managedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"If-None-Match": true, "If-Modified-Since": true, "Accept-Encoding": true,
}

// Headers that carry credentials, which belong in the environment.
var credentialHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true}

// headers checks a source's headers and returns them under their
// canonical names.
func (d *decoder) headers(path string, in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := map[string]string{}
	first := map[string]int{}
	for _, name := range d.byLine(path, mapKeys(in)) {
		hpath, canon := path+"."+name, textproto.CanonicalMIMEHeaderKey(name)
		switch v := in[name]; {
		case !d.ok(hpath):
		case !httpguts.ValidHeaderFieldName(name):
			d.errorf(hpath, "%q is not a valid header name", name)
		case managedHeaders[canon]:
			d.errorf(hpath, "%s is set by the fetcher and cannot be overridden", canon)
		case credentialHeaders[canon]:
			d.errorf(hpath, "credentials do not belong in the config file; secrets come from the environment or files")
		case first[canon] > 0:
			d.errorf(hpath, "header %s is set twice (first on line %d)", canon, first[canon])
		case !d.x.set(hpath):
			d.errorf(hpath, "expected a string, found null")
		case strings.ContainsFunc(v, isControlExceptTab):
			d.errorf(hpath, "header value contains control characters")
		default:
			first[canon] = d.x.line(hpath)
			out[canon] = v
		}
	}
	return out
}

// secretHeaders checks a source's secret headers (a name, and exactly one
// of env or file each) and returns them under their canonical names.
// Credential headers such as Authorization are what they are for.
func (d *decoder) secretHeaders(path string, in map[string]SecretRef, plain map[string]string) map[string]SecretRef {
	if len(in) == 0 {
		return nil
	}
	out := map[string]SecretRef{}
	for _, name := range d.byLine(path, mapKeys(in)) {
		hpath, canon, ref := path+"."+name, textproto.CanonicalMIMEHeaderKey(name), in[name]
		switch {
		case !d.ok(hpath):
		case !httpguts.ValidHeaderFieldName(name):
			d.errorf(hpath, "%q is not a valid header name", name)
		case managedHeaders[canon]:
			d.errorf(hpath, "%s is set by the fetcher and cannot be overridden", canon)
		case plain[canon] != "":
			d.errorf(hpath, "header %s is also in headers: set it in one place", canon)
		case out[canon] != (SecretRef{}):
			d.errorf(hpath, "header %s is set twice", canon)
		case (ref.Env == "") == (ref.File == ""):
			d.errorf(hpath, "give exactly one of env (a variable name) or file (a path) for the value of %s", canon)
		default:
			out[canon] = ref
		}
	}
	return out
}

func (c *Config) validateMetrics(d *decoder) {
	first := make(map[string]int, len(c.Metrics))
	for i := range c.Metrics {
		mt, path := &c.Metrics[i], d.x.item("metrics", i)
		key := func(k string) string { return d.x.child(path, k) }
		if !d.ok(path) {
			continue
		}
		inherit(d.x, path, "tolerance", &mt.Tolerance, DefaultTolerance)
		mt.Line = d.x.line(path)
		d.id(path, "id", mt.ID, isMetricID, "lower-case letters, digits and \"_\"", "metric", first)
		if strings.TrimSpace(mt.Label) == "" {
			mt.Label = mt.ID
		}
		written := len(mt.Any)
		mt.Any = d.terms(key("any"), mt.Any)
		mt.All = d.terms(key("all"), mt.All)
		mt.None = d.terms(key("none"), mt.None)
		mt.Units = d.terms(key("units"), mt.Units)
		if written == 0 {
			d.errorf(key("any"), "at least one term is required: a metric without any terms never matches")
		}
		// A figure must contain an "any" (or every "all") term and no "none"
		// term, so a term on both sides makes the rule contradict itself.
		in := map[string]string{}
		for _, list := range []string{"any", "all"} {
			for j, t := range c.Metrics[i].termsOf(list) {
				in[normTerm(t)] = fmt.Sprintf("%s[%d]", list, j)
			}
		}
		for j, t := range mt.None {
			if where, clash := in[normTerm(t)]; clash {
				d.errorf(fmt.Sprintf("%s[%d]", key("none"), j), "term %q is also %s: the rule contradicts itself", t, where)
			}
		}
		d.channel(key("channel"), mt.Channel)
		if mt.Series != "" {
			d.enum(key("series"), mt.Series, SeriesMonth, SeriesQuarter, SeriesYear, SeriesFiscalYear)
		}
	}
}

func (m *Metric) termsOf(list string) []string {
	if list == "any" {
		return m.Any
	}
	return m.All
}

// terms checks a list of match terms and returns them trimmed. A term that
// could never match anything is an error; it keeps its place in the list,
// so that messages name the index the file shows.
func (d *decoder) terms(path string, terms []string) []string {
	for j, t := range terms {
		item := d.x.item(path, j)
		switch {
		case strings.TrimSpace(t) == "":
			d.errorf(item, "empty term")
		case !strings.ContainsFunc(t, isLetterOrDigit):
			d.errorf(item, "term %q has no letters or digits", t)
		}
		terms[j] = strings.TrimSpace(t)
	}
	return terms
}

// normTerm is the comparison form of a term: case and spacing folded, as
// the extractor matches them.
func normTerm(t string) string { return strings.ToLower(strings.Join(strings.Fields(t), " ")) }

// id checks a required id, the value of key in the mapping at path, and
// that it is unique among its kind. The key's path is made only for a
// message: a newsroom's file has thousands of ids.
func (d *decoder) id(path, key, v string, valid func(string) bool, allowed, what string, first map[string]int) {
	switch {
	case v == "":
		d.required(d.x.child(path, key))
	case len(v) > maxIDLen:
		d.errorf(d.x.child(path, key), "id is longer than %d characters", maxIDLen)
	case !valid(v):
		d.errorf(d.x.child(path, key), "bad id %q: use %s", v, allowed)
	case first[v] > 0:
		d.errorf(d.x.child(path, key), "duplicate %s id %q (first on line %d)", what, v, first[v])
	default:
		first[v] = d.x.childLine(path, key)
	}
}

func (d *decoder) required(path string) { d.errorf(path, "required key is missing") }

// first returns the first of paths the file sets, for placing an error
// about several keys; with none set, the first path.
func (d *decoder) first(paths ...string) string {
	for _, p := range paths {
		if d.x.set(p) {
			return p
		}
	}
	return paths[0]
}

// byLine orders the keys of a decoded mapping at path as the file does.
func (d *decoder) byLine(path string, keys []string) []string {
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(d.x.line(path+"."+a), d.x.line(path+"."+b)), cmp.Compare(a, b))
	})
	return keys
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// enumAliases are words people use for a value under another name.
var enumAliases = map[string]string{
	"rss": KindFeed, "atom": KindFeed, "xml": KindFeed,
	"html": KindPage, "web": KindPage,
	"warning": "warn", "err": "error", "trace": "debug",
	"medium": SeverityNormal, "moderate": SeverityNormal, "default": SeverityNormal,
	"urgent": SeverityHigh, "critical": SeverityHigh, "info": SeverityLow,
}

// enum checks that v is one of allowed, suggesting the value probably
// meant; it reports whether v is valid.
func (d *decoder) enum(path, v string, allowed ...string) bool {
	if slices.Contains(allowed, v) {
		return d.ok(path)
	}
	msg := fmt.Sprintf("%s is not one of %s", quote(v), strings.Join(allowed, ", "))
	s := Suggest(v, allowed)
	if alias := enumAliases[strings.ToLower(v)]; s == "" && slices.Contains(allowed, alias) {
		s = alias
	}
	if s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	d.errorf(path, "%s", msg)
	return false
}

// enumChild is enum for the value of key in the mapping at path, whose
// path is made only when there is something to say about it.
func (d *decoder) enumChild(path, key, v string, allowed ...string) bool {
	if slices.Contains(allowed, v) && len(d.bad) == 0 {
		return true // what enum says when d.ok's short way holds, without the path
	}
	return d.enum(d.x.child(path, key), v, allowed...)
}

// positive checks a duration or size that must be more than 0.
func positive[T ~int64](d *decoder, path string, v T) {
	if d.x.set(path) && v <= 0 {
		d.errorf(path, "must be positive, found %s", quote(d.x.raw(path)))
	}
}

// nonNegative checks a duration where 0 is meaningful (never, off,
// forever: the field's comment says which).
func nonNegative(d *decoder, path string, v Duration) {
	if d.x.set(path) && v < 0 {
		d.errorf(path, "must not be negative, found %s", quote(d.x.raw(path)))
	}
}

func (d *decoder) atLeast(path string, v, least int) {
	if d.x.set(path) && v < least {
		d.errorf(path, "must be at least %d, found %d", least, v)
	}
}

func (d *decoder) schedule(path, spec string) {
	if !d.x.set(path) {
		return
	}
	if _, err := ParseSchedule(spec); err != nil {
		d.errorf(path, "bad cron spec %q: %v", spec, err)
	}
}

// channel checks an optional Slack destination.
func (d *decoder) channel(path, v string) {
	if v == "" {
		return
	}
	if msg := checkChannel(v); msg != "" {
		d.errorf(path, "%s", msg)
	}
}

// checkURL returns what is wrong with a source or API URL, or "".
func checkURL(v string) string {
	if strings.ContainsFunc(v, isSpaceOrControl) {
		return fmt.Sprintf("bad URL %s: contains whitespace or control characters", quote(v))
	}
	u, err := url.Parse(v)
	if err != nil {
		// *url.Error repeats the URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Sprintf("bad URL %s: %v", quote(v), err)
	}
	switch {
	case u.User != nil:
		return "URL must not carry a user name or password: secrets come from the environment or files"
	case u.Scheme == "" && u.Host == "" && strings.Contains(strings.Split(u.Path, "/")[0], "."):
		return fmt.Sprintf("bad URL %s: must be an absolute http or https URL; did you mean %s?", quote(v), quote("https://"+v))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("bad URL %s: must be an absolute http or https URL", quote(v))
	case u.Hostname() == "":
		return fmt.Sprintf("bad URL %s: no host", quote(v))
	}
	return ""
}

// checkSelector compiles a CSS selector the way goquery will.
func checkSelector(sel string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unparsable selector (%v)", r)
		}
	}()
	_, err = cascadia.Compile(sel)
	return err
}

func isControl(r rune) bool { return unicode.IsControl(r) }

func isControlExceptTab(r rune) bool { return r != '\t' && unicode.IsControl(r) }

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
