package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder walks the YAML node tree itself instead of decoding into tagged
// structs: that is what lets it report every unknown key, type error and bad
// value in one pass, each with its line, and suggest the key that was meant.
type decoder struct {
	file   string
	errs   Errors
	merges int // merge keys expanded so far, see maxMerges
}

func (d *decoder) add(line int, key, format string, args ...any) {
	d.errs = append(d.errs, Error{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorf(n *yaml.Node, key, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.add(line, key, format, args...)
}

// errors returns the problems in file order, without the duplicates a
// merged or aliased block produces by being visited more than once.
func (d *decoder) errors() Errors {
	seen := make(map[Error]bool, len(d.errs))
	out := make(Errors, 0, len(d.errs))
	for _, e := range d.errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out.sorted()
}

var (
	yamlLine      = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to
// its scanner). For these it reports the 0-based line of the enclosing
// construct, and omits "line N" for line 1, so the line is corrected here.
var yamlParserProblems = []string{
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// syntaxError turns a yaml.v3 parse error into an Error with its line.
func (d *decoder) syntaxError(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if slices.Contains(yamlParserProblems, msg) {
		line++
	}
	if m := unknownAnchor.FindStringSubmatch(err.Error()); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
		}
	}
	d.add(line, "", "YAML syntax error: %s", msg)
}

func (d *decoder) decode(data []byte) *Config {
	cfg := newDefaults()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		d.syntaxError(data, err)
		return cfg
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.syntaxError(data, err)
		return cfg
	default:
		d.errorf(&extra, "", "a config file holds one YAML document; found another")
	}
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	d.root(cfg, root)
	return cfg
}

// Keys per section, in the order the shipped config documents them; the
// order is also the tie-break for "did you mean".
var (
	rootKeys    = []string{"timezone", "storage", "log", "fetch", "defaults", "slack", "delivery", "alerts", "http", "retention", "sources", "metrics"}
	storageKeys = []string{"path"}
	logKeys     = []string{"level", "format"}
	fetchKeys   = []string{"user_agent", "connect_timeout", "timeout", "max_body_size", "max_redirects", "concurrency",
		"per_host", "host_delay", "cycle_timeout", "backoff_max"}
	defaultsKeys  = []string{"schedule", "authority", "alert_on_first_poll", "alert_after"}
	slackKeys     = []string{"channel", "token_env", "token_file", "webhook_url_env", "webhook_url_file", "api_url"}
	deliveryKeys  = []string{"retry_min", "retry_max", "max_age", "interval"}
	alertsKeys    = []string{"dedupe_window", "kinds", "quiet_hours", "hold_severity"}
	kindKeys      = []string{"channel", "severity"}
	quietKeys     = []string{"start", "end", "digest"}
	httpKeys      = []string{"listen"}
	retentionKeys = []string{"revisions", "observations", "documents", "alerts", "interval"}
	sourceKeys    = []string{"id", "name", "kind", "url", "schedule", "authority", "alert_on_first_poll", "enabled", "headers", "follow_links", "selector",
		"alert_after", "channel"}
	metricKeys = []string{"id", "label", "tolerance", "any", "all", "none", "units", "channel"}
)

// sections lists the sections whose keys may be misplaced at the top level.
var sections = []struct {
	name string
	keys []string
}{
	{"storage", storageKeys}, {"log", logKeys}, {"fetch", fetchKeys}, {"defaults", defaultsKeys},
	{"slack", slackKeys}, {"delivery", deliveryKeys}, {"alerts", alertsKeys}, {"http", httpKeys},
	{"retention", retentionKeys},
}

// sectionOf maps a key that is valid only inside a section to that section,
// so a key put at the wrong level gets "did you mean "fetch.user_agent"?".
func sectionOf(key string) string {
	for _, s := range sections {
		if slices.Contains(s.keys, key) {
			return s.name + "." + key
		}
	}
	return ""
}

// sectionKeys is every key of every section, for fuzzy matching.
func sectionKeys() []string {
	var out []string
	for _, s := range sections {
		out = append(out, s.keys...)
	}
	return out
}

func (d *decoder) root(cfg *Config, root *yaml.Node) {
	m := d.mapping(root, "", rootKeys)
	if m == nil {
		return
	}
	if v, n, ok := d.str(m, "timezone"); ok {
		if loc, err := loadLocation(v); err != nil {
			d.errorf(n, "timezone", "bad time zone: %v", err)
		} else {
			cfg.Timezone, cfg.Location = v, loc
		}
	}
	d.storage(cfg, m.child("storage", storageKeys))
	d.log(cfg, m.child("log", logKeys))
	d.fetch(cfg, m.child("fetch", fetchKeys))
	d.defaults(cfg, m.child("defaults", defaultsKeys))
	d.slack(cfg, m.child("slack", slackKeys))
	d.delivery(cfg, m.child("delivery", deliveryKeys))
	d.alerts(cfg, m.child("alerts", alertsKeys))
	d.http(cfg, m.child("http", httpKeys))
	d.retention(cfg, m.child("retention", retentionKeys))
	d.sources(cfg, m)
	d.metrics(cfg, m)
}

func (d *decoder) storage(cfg *Config, m *mapping) {
	if v, n, ok := d.str(m, "path"); ok {
		if strings.TrimSpace(v) == "" {
			d.errorf(n, m.key("path"), "must not be empty")
		} else {
			cfg.Storage.Path = v
		}
	}
}

func (d *decoder) log(cfg *Config, m *mapping) {
	d.enum(m, "level", &cfg.Log.Level, "debug", "info", "warn", "error")
	d.enum(m, "format", &cfg.Log.Format, "text", "json")
}

func (d *decoder) fetch(cfg *Config, m *mapping) {
	f := &cfg.Fetch
	if v, n, ok := d.str(m, "user_agent"); ok {
		lower := strings.ToLower(v)
		switch {
		case strings.TrimSpace(v) == "":
			d.errorf(n, m.key("user_agent"), "must not be empty")
		case strings.ContainsFunc(v, isControl):
			d.errorf(n, m.key("user_agent"), "contains control characters")
		case !strings.Contains(v, "@") && !strings.Contains(lower, "http"):
			d.errorf(n, m.key("user_agent"), "%q has no contact (an email address or URL): government sites block anonymous bots", v)
		default:
			f.UserAgent = v
		}
	}
	// Cross-field checks only compare values that are valid (or defaults),
	// so one bad value is not reported twice.
	connectOK := d.duration(m, "connect_timeout", &f.ConnectTimeout)
	totalOK := d.duration(m, "timeout", &f.Timeout)
	if connectOK && totalOK && m.val("connect_timeout") == nil && f.ConnectTimeout > f.Timeout {
		// Only the total was set, shorter than the default dial timeout:
		// the dial gets the whole budget rather than an error about a key
		// the user never wrote.
		f.ConnectTimeout = f.Timeout
	}
	if connectOK && totalOK && f.ConnectTimeout > f.Timeout {
		n, key := m.first("connect_timeout", "timeout")
		d.errorf(n, m.key(key), "connect_timeout (%s) is longer than timeout (%s), which bounds the whole request", f.ConnectTimeout, f.Timeout)
	}
	d.size(m, "max_body_size", &f.MaxBodySize)
	if n, ok := d.integer(m, "max_redirects", &f.MaxRedirects); ok && (f.MaxRedirects < 0 || f.MaxRedirects > MaxRedirectsLimit) {
		d.errorf(n, m.key("max_redirects"), "%d is out of range 0..%d", f.MaxRedirects, MaxRedirectsLimit)
		f.MaxRedirects = DefaultMaxRedirects
	}
	if n, ok := d.integer(m, "concurrency", &f.Concurrency); ok && f.Concurrency < 1 {
		d.errorf(n, m.key("concurrency"), "must be at least 1, found %d", f.Concurrency)
		f.Concurrency = DefaultConcurrency
	}
	if n, ok := d.integer(m, "per_host", &f.PerHost); ok && f.PerHost < 1 {
		d.errorf(n, m.key("per_host"), "must be at least 1, found %d", f.PerHost)
		f.PerHost = DefaultPerHost
	}
	d.durationOrZero(m, "host_delay", &f.HostDelay)
	cycleOK := d.duration(m, "cycle_timeout", &f.CycleTimeout)
	if totalOK && isNull(m.val("cycle_timeout")) && f.CycleTimeout < f.Timeout {
		// As with connect_timeout: a long timeout written alone stretches
		// the default cycle rather than failing on an unwritten key.
		f.CycleTimeout = f.Timeout
	}
	if cycleOK && totalOK && f.CycleTimeout < f.Timeout {
		n, key := m.first("cycle_timeout", "timeout")
		d.errorf(n, m.key(key), "cycle_timeout (%s) is shorter than timeout (%s): a poll could not wait out even one request", f.CycleTimeout, f.Timeout)
	}
	d.duration(m, "backoff_max", &f.BackoffMax)
}

func (d *decoder) defaults(cfg *Config, m *mapping) {
	if v, n, ok := d.str(m, "schedule"); ok {
		if _, err := ParseSchedule(v); err != nil {
			d.errorf(n, m.key("schedule"), "bad cron spec %q: %v", v, err)
		} else {
			cfg.Defaults.Schedule = v
		}
	}
	d.enum(m, "authority", &cfg.Defaults.Authority, AuthorityOfficial, AuthorityPress)
	d.boolean(m, "alert_on_first_poll", &cfg.Defaults.AlertOnFirstPoll)
	d.durationOrZero(m, "alert_after", &cfg.Defaults.AlertAfter)
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (d *decoder) slack(cfg *Config, m *mapping) {
	s := &cfg.Slack
	if v, n, ok := d.str(m, "channel"); ok {
		switch {
		case strings.TrimSpace(v) == "" || v == "#":
			d.errorf(n, m.key("channel"), "must name a channel, like \"#figures\" or a channel ID")
		case strings.ContainsFunc(v, isSpaceOrControl):
			d.errorf(n, m.key("channel"), "channel %q contains whitespace", v)
		default:
			s.Channel = v
		}
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"token_env", &s.TokenEnv}, {"webhook_url_env", &s.WebhookURLEnv}} {
		v, n, ok := d.str(m, k.key)
		switch {
		case !ok:
		case v == "" || envName.MatchString(v):
			*k.dst = v
		default:
			// The value is not echoed: a misplaced secret is the likely
			// reason it is not a variable name.
			d.errorf(n, m.key(k.key), "must be the name of an environment variable (letters, digits and _), not the secret itself")
		}
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"token_file", &s.TokenFile}, {"webhook_url_file", &s.WebhookURLFile}} {
		if v, n, ok := d.str(m, k.key); ok {
			if (v != "" && strings.TrimSpace(v) == "") || strings.ContainsFunc(v, isControl) {
				d.errorf(n, m.key(k.key), "must be a file path")
			} else {
				*k.dst = v
			}
		}
	}
	if v, n, ok := d.str(m, "api_url"); ok && v != "" {
		if msg := checkURL(v); msg != "" {
			d.errorf(n, m.key("api_url"), "%s", msg)
		} else if !strings.HasSuffix(v, "/") {
			d.errorf(n, m.key("api_url"), "%q must end in \"/\", like https://slack.com/api/", v)
		} else {
			s.APIURL = v
		}
	}
}

func (d *decoder) delivery(cfg *Config, m *mapping) {
	dl := &cfg.Delivery
	minOK := d.duration(m, "retry_min", &dl.RetryMin)
	maxOK := d.duration(m, "retry_max", &dl.RetryMax)
	if minOK && maxOK && dl.RetryMin > dl.RetryMax {
		n, key := m.first("retry_min", "retry_max")
		d.errorf(n, m.key(key), "retry_min (%s) is longer than retry_max (%s)", dl.RetryMin, dl.RetryMax)
	}
	if d.duration(m, "max_age", &dl.MaxAge) && minOK && dl.MaxAge < dl.RetryMin {
		n, key := m.first("max_age", "retry_min")
		d.errorf(n, m.key(key), "max_age (%s) is shorter than retry_min (%s): alerts would expire before their first retry", dl.MaxAge, dl.RetryMin)
	}
	d.duration(m, "interval", &dl.Interval)
}

var (
	sourceID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	metricID = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// maxIDLen bounds ids, which become database keys and log fields.
const maxIDLen = 64

func (d *decoder) sources(cfg *Config, root *mapping) {
	items, seqNode, ok := d.sequence(root, "sources")
	if !ok {
		return
	}
	if len(items) == 0 {
		line := root.line()
		if seqNode != nil {
			line = seqNode.Line
		}
		d.add(line, "sources", "at least one source is required")
		return
	}
	first := map[string]int{}
	for i, item := range items {
		path := fmt.Sprintf("sources[%d]", i)
		m := d.mapping(item, path, sourceKeys)
		if m == nil {
			continue
		}
		src := Source{
			Kind:             KindFeed,
			Schedule:         cfg.Defaults.Schedule,
			Authority:        cfg.Defaults.Authority,
			AlertOnFirstPoll: cfg.Defaults.AlertOnFirstPoll,
			AlertAfter:       cfg.Defaults.AlertAfter,
			Enabled:          true,
			Line:             m.line(),
		}
		src.ID = d.id(m, sourceID, "lower-case letters, digits, \"_\" and \"-\", starting with a letter or digit")
		if src.ID != "" {
			if line, dup := first[src.ID]; dup {
				d.errorf(m.val("id"), m.key("id"), "duplicate source id %q (first on line %d)", src.ID, line)
			} else {
				first[src.ID] = m.val("id").Line
			}
		}
		src.Name = src.ID
		if v, _, ok := d.str(m, "name"); ok && strings.TrimSpace(v) != "" {
			src.Name = v
		}
		d.enum(m, "kind", &src.Kind, KindFeed, KindPage, KindPDF)
		if v, n, ok := d.str(m, "url"); !ok || v == "" {
			d.required(m, "url")
		} else if msg := checkURL(v); msg != "" {
			d.errorf(n, m.key("url"), "%s", msg)
		} else {
			src.URL = v
		}
		if v, n, ok := d.str(m, "schedule"); ok {
			if _, err := ParseSchedule(v); err != nil {
				d.errorf(n, m.key("schedule"), "bad cron spec %q: %v", v, err)
			} else {
				src.Schedule = v
			}
		}
		d.enum(m, "authority", &src.Authority, AuthorityOfficial, AuthorityPress)
		d.boolean(m, "alert_on_first_poll", &src.AlertOnFirstPoll)
		d.boolean(m, "enabled", &src.Enabled)
		src.Headers = d.headers(m)
		if n, ok := d.boolean(m, "follow_links", &src.FollowLinks); ok && src.FollowLinks && src.Kind != KindFeed {
			d.errorf(n, m.key("follow_links"), "only feed sources follow links (this source is kind %q)", src.Kind)
		}
		if v, n, ok := d.str(m, "selector"); ok && v != "" {
			if src.Kind != KindPage {
				d.errorf(n, m.key("selector"), "only page sources take a selector (this source is kind %q)", src.Kind)
			} else if err := checkSelector(v); err != nil {
				d.errorf(n, m.key("selector"), "bad CSS selector %q: %v", v, err)
			} else {
				src.Selector = v
			}
		}
		d.durationOrZero(m, "alert_after", &src.AlertAfter)
		d.channel(m, "channel", &src.Channel)
		cfg.Sources = append(cfg.Sources, src)
	}
}

// Headers the fetcher sets itself; a per-source value would break
// conditional GET, redirects or body framing.
var managedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"If-None-Match": true, "If-Modified-Since": true, "Accept-Encoding": true,
}

// Headers that carry credentials, which belong in the environment.
var credentialHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true}

func (d *decoder) headers(m *mapping) map[string]string {
	n := m.val("headers")
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	path := m.key("headers")
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of header names to values, found %s", describe(n))
		return nil
	}
	out := map[string]string{}
	first := map[string]int{}
	for _, kv := range d.pairs(n, path, nil) {
		name := kv.key.Value
		hpath := path + "." + name
		canon := canonicalHeader(name)
		switch {
		case !validHeaderName(name):
			d.errorf(kv.key, hpath, "%q is not a valid header name", name)
			continue
		case managedHeaders[canon]:
			d.errorf(kv.key, hpath, "%s is set by the fetcher and cannot be overridden", canon)
			continue
		case credentialHeaders[canon]:
			d.errorf(kv.key, hpath, "credentials do not belong in the config file; secrets come from the environment or files")
			continue
		}
		if line, dup := first[canon]; dup {
			d.errorf(kv.key, hpath, "header %s is set twice (first on line %d)", canon, line)
			continue
		}
		first[canon] = kv.key.Line
		v := resolve(kv.val)
		if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			d.errorf(kv.val, hpath, "expected a string, found %s", describe(v))
			continue
		}
		if strings.ContainsFunc(v.Value, isControlExceptTab) {
			d.errorf(v, hpath, "header value contains control characters")
			continue
		}
		out[canon] = v.Value
	}
	return out
}

func (d *decoder) metrics(cfg *Config, root *mapping) {
	items, _, _ := d.sequence(root, "metrics")
	first := map[string]int{}
	for i, item := range items {
		path := fmt.Sprintf("metrics[%d]", i)
		m := d.mapping(item, path, metricKeys)
		if m == nil {
			continue
		}
		mt := Metric{Tolerance: DefaultTolerance, Line: m.line()}
		mt.ID = d.id(m, metricID, "lower-case letters, digits and \"_\"")
		if mt.ID != "" {
			if line, dup := first[mt.ID]; dup {
				d.errorf(m.val("id"), m.key("id"), "duplicate metric id %q (first on line %d)", mt.ID, line)
			} else {
				first[mt.ID] = m.val("id").Line
			}
		}
		mt.Label = mt.ID
		if v, _, ok := d.str(m, "label"); ok && strings.TrimSpace(v) != "" {
			mt.Label = v
		}
		d.ratio(m, "tolerance", &mt.Tolerance)
		anyT, _, anyCount := d.terms(m, "any")
		// anyCount < 0: "any" is not a list, already reported.
		allT, _, _ := d.terms(m, "all")
		noneT, noneN, _ := d.terms(m, "none")
		mt.Units, _, _ = d.terms(m, "units")
		if anyCount == 0 {
			n := m.val("any")
			if n == nil {
				n = m.node
			}
			d.errorf(n, m.key("any"), "at least one term is required: a metric without any terms never matches")
		}
		// A figure must contain an "any" (or every "all") term and no "none"
		// term, so a term on both sides makes the rule contradict itself.
		in := map[string]string{}
		for j, t := range anyT {
			in[normTerm(t)] = fmt.Sprintf("any[%d]", j)
		}
		for j, t := range allT {
			in[normTerm(t)] = fmt.Sprintf("all[%d]", j)
		}
		for j, t := range noneT {
			if where, clash := in[normTerm(t)]; clash {
				d.errorf(noneN[j], fmt.Sprintf("%s.none[%d]", path, j), "term %q is also %s: the rule contradicts itself", t, where)
			}
		}
		mt.Any, mt.All, mt.None = anyT, allT, noneT
		d.channel(m, "channel", &mt.Channel)
		cfg.Metrics = append(cfg.Metrics, mt)
	}
}

// terms decodes a list of match terms, rejecting terms that could never
// match anything. count is the number of items written, valid or not, or
// -1 when the key does not hold a list.
func (d *decoder) terms(m *mapping, key string) (terms []string, nodes []*yaml.Node, count int) {
	items, _, ok := d.sequence(m, key)
	if !ok {
		return nil, nil, -1
	}
	for j, n := range items {
		path := fmt.Sprintf("%s[%d]", m.key(key), j)
		v, ok := d.scalar(n, path)
		switch {
		case !ok:
			continue
		case strings.TrimSpace(v) == "":
			d.errorf(n, path, "empty term")
			continue
		case !strings.ContainsFunc(v, isLetterOrDigit):
			d.errorf(n, path, "term %q has no letters or digits", v)
			continue
		}
		terms = append(terms, strings.TrimSpace(v))
		nodes = append(nodes, n)
	}
	return terms, nodes, len(items)
}

// normTerm is the comparison form of a term: case and spacing folded, as
// the extractor matches them.
func normTerm(t string) string { return strings.ToLower(strings.Join(strings.Fields(t), " ")) }

// id decodes the required "id" key and checks its syntax.
func (d *decoder) id(m *mapping, re *regexp.Regexp, allowed string) string {
	v, n, ok := d.str(m, "id")
	switch {
	case !ok || v == "":
		d.required(m, "id")
		return ""
	case len(v) > maxIDLen:
		d.errorf(n, m.key("id"), "id is longer than %d characters", maxIDLen)
		return ""
	case !re.MatchString(v):
		d.errorf(n, m.key("id"), "bad id %q: use %s", v, allowed)
		return ""
	}
	return v
}

func (d *decoder) required(m *mapping, key string) {
	n := m.val(key)
	if n == nil {
		n = m.node
	}
	d.errorf(n, m.key(key), "required key is missing")
}
