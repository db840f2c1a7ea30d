package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// environment is what Parse reads besides the file: variables that place
// relative paths, and the probes behind some warnings. Tests supply their
// own.
type environment struct {
	getenv   func(string) string
	lookPath func(file string) (string, error)
	writable func(dir string) error // nil when the process may create files in dir
	stat     func(name string) (fs.FileInfo, error)
	getwd    func() (string, error) // a relative path is read against it
}

func osEnvironment() environment {
	return environment{getenv: os.Getenv, lookPath: exec.LookPath, writable: dirWritable, stat: os.Stat, getwd: os.Getwd}
}

// firstDir is the first of the colon-separated directories systemd puts in
// $STATE_DIRECTORY and $RUNTIME_DIRECTORY, or "".
func firstDir(getenv func(string) string, name string) string {
	dir, _, _ := strings.Cut(getenv(name), ":")
	return dir
}

// resolvePaths makes storage.path absolute, reading a relative one against
// $STATE_DIRECTORY when that is set (systemd's StateDirectory=) and else
// against the directory of the config file, so the database does not move
// with the working directory. It also fills http.socket's default.
func (d *decoder) resolvePaths(cfg *Config, env environment) {
	if p := cfg.Storage.Path; !filepath.IsAbs(p) {
		base := firstDir(env.getenv, "STATE_DIRECTORY")
		if base == "" {
			base = filepath.Dir(d.file)
		}
		// filepath.Abs, with the working directory asked of env.
		abs := filepath.Join(base, p)
		if filepath.IsAbs(abs) {
			cfg.Storage.Path = abs
		} else if wd, err := env.getwd(); err == nil {
			cfg.Storage.Path = filepath.Join(wd, abs)
		}
	}
	if dir := firstDir(env.getenv, "RUNTIME_DIRECTORY"); dir != "" && d.x.node("http.socket") == nil {
		cfg.HTTP.Socket = filepath.Join(dir, "watcher.sock")
	}
}

// minPollInterval is the shortest interval between polls worth no warning.
const minPollInterval = 5 * time.Minute

// warnings returns what is valid but probably not meant, in file order.
func (d *decoder) warnings(cfg *Config, env environment) Errors {
	w := &decoder{file: d.file, x: d.x, bad: map[string]bool{}}
	if len(cfg.Metrics) == 0 {
		w.errorf("metrics", "no metrics: sources are polled and stored, but no figure is tracked or alerted")
	}
	if d.x.set("defaults.schedule") {
		w.frequent("defaults.schedule", cfg.Defaults.Schedule)
	}
	if cfg.HTTP.Exposed() {
		w.errorf("http.listen", "%s is reachable from other machines, and with it the status page, /metrics and the figures; use 127.0.0.1 or put a proxy with authentication in front", cfg.HTTP.Listen)
	}
	if ua := strings.ToLower(cfg.Fetch.UserAgent); strings.Contains(ua, "example.org") || strings.Contains(ua, "example.com") || strings.Contains(ua, "example.net") {
		w.errorf("fetch.user_agent", "the contact is a placeholder (example.org): put an address where site operators can reach you, or they may block watcher")
	}
	w.storageDir(cfg.Storage.Path, env)
	pdftotext := ""
	for i := range cfg.Sources {
		src, path := &cfg.Sources[i], d.x.item("sources", i)
		if d.x.setChild(path, "schedule") {
			w.frequent(d.x.child(path, "schedule"), src.Schedule)
		}
		if src.Enabled && (src.Kind == KindPDF || src.Kind == KindListing) {
			if pdftotext == "" {
				pdftotext = "found"
				if _, err := env.lookPath("pdftotext"); err != nil {
					pdftotext = "missing"
				}
			}
			if pdftotext == "missing" {
				w.errorf(d.x.child(path, "kind"), "pdftotext is not on PATH, so this %s source cannot read PDFs: install poppler-utils", src.Kind)
			}
		}
		if strings.Contains(src.URL, "?") {
			// Without a query there is nothing to look at, nor to parse.
			w.urlSecrets(d.x.child(path, "url"), src.URL)
		}
	}
	for i, m := range cfg.Metrics {
		for j, u := range m.Units {
			if s := unitHint(u); s != "" {
				w.errorf(fmt.Sprintf("metrics[%d].units[%d]", i, j), "unit %s never matches: %s match only the unit %q", quote(u), specialUnitFigures[s], s)
			}
		}
	}
	return w.errors()
}

// frequent warns about a schedule that polls more often than
// minPollInterval: official figures change daily at most, and a host may
// block a client that asks every minute.
func (d *decoder) frequent(path, spec string) {
	sched, err := ParseSchedule(spec)
	if err != nil {
		return
	}
	// The shortest gap among the first runs: cron's Next jumps to the first
	// run, so a burst ("0,2 9 * * *") shows at once; 24 runs keep this cheap
	// (Next walks the calendar), half of Parse's time at 300.
	prev := sched.Next(time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC))
	shortest := time.Duration(-1)
	for range 24 {
		next := sched.Next(prev)
		if next.IsZero() {
			break
		}
		if gap := next.Sub(prev); shortest < 0 || gap < shortest {
			shortest = gap
		}
		if shortest < minPollInterval {
			break
		}
		prev = next
	}
	if shortest >= 0 && shortest < minPollInterval {
		d.errorf(path, "%q polls every %s, more often than every %s: official figures change daily at most, and hosts block clients that ask too often", spec, Duration(shortest), Duration(minPollInterval))
	}
}

// storageDir warns when the database's directory cannot be written or
// created, which would otherwise surface only when the daemon starts.
func (d *decoder) storageDir(dbPath string, env environment) {
	dir := filepath.Dir(dbPath)
	existing := dir
	for {
		info, err := env.stat(existing)
		if err == nil && !info.IsDir() && existing == dir {
			d.errorf("storage.path", "%s is a file, not a directory: the database cannot be created in it", dir)
			return
		}
		if err == nil && !info.IsDir() {
			d.errorf("storage.path", "%s is a file, so the storage directory %s cannot be created", existing, dir)
			return
		}
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(existing) == existing {
			d.errorf("storage.path", "the storage directory %s cannot be checked: %v", dir, err)
			return
		}
		existing = filepath.Dir(existing)
	}
	if err := env.writable(existing); err != nil {
		if existing == dir {
			d.errorf("storage.path", "the storage directory %s is not writable: %v", dir, err)
		} else {
			d.errorf("storage.path", "the storage directory %s does not exist and cannot be created: %s is not writable (%v)", dir, existing, err)
		}
	}
}

// secretParams are query parameter names that usually carry credentials.
var secretParams = []string{
	"key", "apikey", "api_key", "api-key", "token", "access_token", "auth", "auth_token", "authorization",
	"secret", "client_secret", "password", "passwd", "pwd", "sig", "signature", "session", "sessionid",
}

// urlSecrets warns about a URL whose query seems to carry a credential:
// URLs are logged, shown on the status page and kept in the database.
func (d *decoder) urlSecrets(path, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	for name := range u.Query() {
		if slices.Contains(secretParams, strings.ToLower(name)) {
			d.errorf(path, "query parameter %q looks like a credential, and URLs are logged and stored: send it as a header whose value comes from the environment or a file instead (secret_headers: {X-Api-Key: {env: MY_API_KEY}}), if the site accepts one", name)
			return
		}
	}
}

// specialUnits are the units internal/extract takes as kinds of figure
// rather than counted nouns; it matches them only as written here.
var specialUnits = []string{"percent", "usd", "fraction", "percentage points"}

// specialUnitFigures names the figures each special unit admits.
var specialUnitFigures = map[string]string{
	"percent": "percentages", "usd": "dollar amounts", "fraction": "fractions (two-thirds, one in five)",
	"percentage points": "changes in percentage points",
}

// unitSpellings are other ways of writing a special unit.
var unitSpellings = map[string]string{
	"pct": "percent", "per cent": "percent", "percentage": "percent",
	"percentages": "percent", "dollar": "usd", "dollars": "usd", "us dollars": "usd",
	"percentage point": "percentage points", "points": "percentage points",
}

// unitHint returns the special unit a units value probably means, or "".
// The rule: a value that is neither a special unit nor its plural (the
// extractor reads "percents" as "percent") but is another spelling of one,
// or one typo away from one (a letter added, dropped or changed, or two
// neighbours swapped), never matches what it was meant for. Other counted
// nouns are not questioned: any noun may be meant ("parents" is two edits
// from "percent").
func unitHint(u string) string {
	// Words as the extractor reads a unit: lower case, punctuation dropped.
	w := strings.Join(strings.FieldsFunc(strings.ToLower(u), func(r rune) bool { return !isLetterOrDigit(r) }), " ")
	one := strings.TrimSuffix(w, "s")
	if slices.Contains(specialUnits, w) || slices.Contains(specialUnits, one) {
		return ""
	}
	if s := unitSpellings[w]; s != "" {
		return s
	}
	for _, s := range specialUnits {
		if oneTypo(w, s) || oneTypo(one, s) {
			return s
		}
	}
	return ""
}

// oneTypo reports whether a and b differ by one edit or one swap of
// neighbouring letters.
func oneTypo(a, b string) bool {
	if levenshtein(a, b) <= 1 {
		return true
	}
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}
