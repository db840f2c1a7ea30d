package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/figwatch/watcher/internal/buildinfo"
)

// DefaultCacheMinSize is the smallest file Cache keeps: below it a file
// parses in about 10 ms, less than reading an entry saves.
const DefaultCacheMinSize = 64 << 10

// cacheVersion is the layout of an entry. A change of Config needs no
// bump: every build of watcher is a different binary, and the binary is
// part of the key.
const cacheVersion = 1

// Cache keeps the decoded form of large config files, so that a `watcher
// once` started by a timer does not parse 10,000 sources of YAML every
// time: the parse was a quarter of a warm cycle at that size (issue #16).
//
// An entry is trusted only when nothing the parse read has changed: the
// file's bytes, the watcher binary, the working directory, and every
// answer the environment gave while the file was checked (variables such
// as $STATE_DIRECTORY, the PATH lookup of pdftotext, whether the storage
// directory exists and may be written). Those answers are recorded during
// the parse and asked again before an entry is used, the way `go test`
// caches a test's result; so the warnings an entry returns are the ones a
// parse would give now. A file with errors is never kept. Removing the
// directory at any time is safe.
type Cache struct {
	Dir     string // where entries are kept, one per config file; "" = no cache
	MinSize int    // files smaller than this are always parsed
}

// CacheOffEnv is the environment variable that turns the cache off, set to
// "off", for a host where no cache directory can be written.
const CacheOffEnv = "WATCHER_CONFIG_CACHE"

// DefaultCache is the cache the commands use: in systemd's
// CacheDirectory= ($CACHE_DIRECTORY) when the unit sets one, else in the
// user's cache directory ($XDG_CACHE_HOME/watcher or ~/.cache/watcher);
// none when $WATCHER_CONFIG_CACHE is "off" or no directory is known.
func DefaultCache() Cache {
	c := Cache{MinSize: DefaultCacheMinSize}
	switch {
	case os.Getenv(CacheOffEnv) == "off":
	case firstDir(os.Getenv, "CACHE_DIRECTORY") != "":
		c.Dir = firstDir(os.Getenv, "CACHE_DIRECTORY")
	default:
		if base, err := os.UserCacheDir(); err == nil {
			c.Dir = filepath.Join(base, "watcher")
		}
	}
	return c
}

// CacheStatus is what Cache.Load did with its entry.
type CacheStatus struct {
	Used bool  // the file was large enough to be kept
	Hit  bool  // the config came from the entry, without a parse
	Err  error // the entry could not be read or written; the config is good either way
}

// Load is config.Load through the cache: the same config, warnings and
// errors, from the entry when it is current.
func (c Cache) Load(path string) (*Config, CacheStatus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, CacheStatus{}, fmt.Errorf("load config: %w", err)
	}
	return c.parse(path, data, osEnvironment())
}

func (c Cache) parse(path string, data []byte, env environment) (*Config, CacheStatus, error) {
	if c.Dir == "" || len(data) < c.MinSize {
		cfg, err := parse(path, data, env)
		return cfg, CacheStatus{}, err
	}
	st := CacheStatus{Used: true}
	key, base, err := newCacheKey(path, data)
	if err != nil {
		st.Err = err
		cfg, err := parse(path, data, env)
		return cfg, st, err
	}
	name := filepath.Join(c.Dir, base)
	cfg, err := readEntry(name, key, env)
	if err == nil {
		st.Hit = true
		return cfg, st, nil
	}
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errStale) {
		st.Err = err
	}
	rec := &recorder{env: env, seen: map[envQuestion]bool{}}
	cfg, err = parse(path, data, rec.environment())
	if err != nil {
		return nil, st, err
	}
	if err := writeEntry(c.Dir, name, key, rec.answers, cfg); err != nil && st.Err == nil {
		st.Err = err
	}
	return cfg, st, nil
}

// cacheKey is what an entry must match before its answers are asked.
type cacheKey struct {
	Version int
	Binary  string // the running build: its version and executable file
	Path    string // the config path as given: it is Config.Path
	Sum     [sha256.Size]byte
}

// newCacheKey returns the key of the file at path, holding data, and the
// name of its entry.
func newCacheKey(path string, data []byte) (cacheKey, string, error) {
	binary, err := runningBinary()
	if err != nil {
		return cacheKey{}, "", fmt.Errorf("config cache: %w", err)
	}
	name, err := entryName(path)
	if err != nil {
		return cacheKey{}, "", err
	}
	return cacheKey{Version: cacheVersion, Binary: binary, Path: path, Sum: sha256.Sum256(data)}, name, nil
}

// runningBinary names the build this process runs: a new build or an
// upgrade is a new file. It is found once, at the first load, which is at
// start: a daemon reloading after its binary was replaced must not write
// entries under the new binary's name, which the new binary would trust.
var runningBinary = sync.OnceValues(func() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the executable: %w", err)
	}
	info, err := os.Stat("/proc/self/exe") // the running file, even when replaced
	if err != nil {
		info, err = os.Stat(exe)
	}
	if err != nil {
		return "", fmt.Errorf("the executable: %w", err)
	}
	return fmt.Sprintf("%s %s %d %d %s", buildinfo.Version(), exe, info.Size(), info.ModTime().UnixNano(), fileID(info)), nil
})

// entryName names the entry after the file's absolute path, so that the
// directory holds one entry per config, which each change overwrites.
func entryName(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("config cache: %w", err)
	}
	h := sha256.Sum256([]byte(abs))
	return "config-" + hex.EncodeToString(h[:12]) + ".gob", nil
}

// errStale is an entry of another version of the file, binary or
// environment: a miss, not a fault.
var errStale = errors.New("config cache entry is stale")

func readEntry(name string, key cacheKey, env environment) (*Config, error) {
	data, err := readOwn(name)
	if err != nil {
		return nil, err
	}
	dec := gob.NewDecoder(bytes.NewReader(data))
	var got cacheKey
	if err := dec.Decode(&got); err != nil {
		return nil, fmt.Errorf("read config cache %s: %w", name, err)
	}
	if got != key {
		return nil, errStale
	}
	var answers []envAnswer
	if err := dec.Decode(&answers); err != nil {
		return nil, fmt.Errorf("read config cache %s: %w", name, err)
	}
	for _, a := range answers {
		if ask(env, a.Question) != a.Answer {
			return nil, errStale
		}
	}
	cfg := new(Config)
	v := reflect.ValueOf(cfg).Elem()
	for _, i := range cachedFields() {
		if err := dec.DecodeValue(v.Field(i)); err != nil {
			return nil, fmt.Errorf("read config cache %s: %s: %w", name, v.Type().Field(i).Name, err)
		}
	}
	// The zones are loaded again, as a parse would now: the zone database
	// may have changed. *time.Location has no exported fields to keep.
	if cfg.Location, err = loadLocation(cfg.Timezone); err != nil || !zonesLoad(cfg) {
		return nil, errStale
	}
	return cfg, nil
}

// zonesLoad reports whether every zone the schedules name (CRON_TZ=…)
// still loads: a parse checks them, so a hit must too.
func zonesLoad(cfg *Config) bool {
	checked := map[string]bool{}
	check := func(spec string) bool {
		zone, _, ok := cutZone(strings.TrimSpace(spec))
		if !ok || checked[zone] {
			return true
		}
		checked[zone] = true
		_, err := loadLocation(zone)
		return err == nil
	}
	if !check(cfg.Defaults.Schedule) {
		return false
	}
	for i := range cfg.Sources {
		if !check(cfg.Sources[i].Schedule) {
			return false
		}
	}
	return true
}

// readOwn reads an entry written by this user and writable by no one
// else: an entry is used without validation, so one another user could
// have written is refused (errStale: it is replaced by a parse).
func readOwn(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read config cache %s: %w", name, err)
	}
	if !ownFile(info) {
		return nil, errStale
	}
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("read config cache %s: %w", name, err)
	}
	return data, nil
}

// writeEntry replaces the entry at once (a temporary file renamed over
// it), so that two watchers starting together never read half of one.
func writeEntry(dir, name string, key cacheKey, answers []envAnswer, cfg *Config) error {
	var b bytes.Buffer
	enc := gob.NewEncoder(&b)
	if err := enc.Encode(key); err != nil {
		return fmt.Errorf("write config cache: %w", err)
	}
	if err := enc.Encode(answers); err != nil {
		return fmt.Errorf("write config cache: %w", err)
	}
	v := reflect.ValueOf(cfg).Elem()
	for _, i := range cachedFields() {
		if err := enc.EncodeValue(v.Field(i)); err != nil {
			return fmt.Errorf("write config cache: %s: %w", v.Type().Field(i).Name, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write config cache: %w", err)
	}
	removeStaleTemps(dir)
	f, err := os.CreateTemp(dir, ".config-*.tmp")
	if err != nil {
		return fmt.Errorf("write config cache: %w", err)
	}
	_, err = f.Write(b.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write config cache %s: %w", name, err)
	}
	return nil
}

// removeStaleTemps removes what writers killed between writing and
// renaming left: temporary files older than any write takes.
func removeStaleTemps(dir string) {
	temps, _ := filepath.Glob(filepath.Join(dir, ".config-*.tmp"))
	for _, t := range temps {
		if info, err := os.Stat(t); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.Remove(t)
		}
	}
}

// cachedFields are the indexes of Config's fields an entry holds: all but
// the time zone, which readEntry loads. Found by reflection, so that a
// field added to Config is kept without a change here.
func cachedFields() []int {
	t := reflect.TypeFor[Config]()
	loc := reflect.TypeFor[*time.Location]()
	var fields []int
	for i := range t.NumField() {
		if t.Field(i).Type != loc {
			fields = append(fields, i)
		}
	}
	return fields
}

// envQuestion is one thing the parse asked the environment.
type envQuestion struct {
	Ask byte // askEnv, askPath, askWritable, askStat or askWd
	Arg string
}

const (
	askEnv      = 'e' // getenv(Arg)
	askPath     = 'p' // lookPath(Arg)
	askWritable = 'w' // writable(Arg)
	askStat     = 's' // stat(Arg)
	askWd       = 'd' // getwd()
)

// envAnswer is a question and its answer, in a form that compares.
type envAnswer struct {
	Question envQuestion
	Answer   string
}

// ask puts q to env again.
func ask(env environment, q envQuestion) string {
	switch q.Ask {
	case askEnv:
		return env.getenv(q.Arg)
	case askPath:
		return pathAnswer(env.lookPath(q.Arg))
	case askWritable:
		return errAnswer(env.writable(q.Arg))
	case askStat:
		return statAnswer(env.stat(q.Arg))
	case askWd:
		return pathAnswer(env.getwd())
	}
	// A question this binary does not know cannot be answered the same.
	return "\x00unknown"
}

func pathAnswer(p string, err error) string { return p + "\x00" + errAnswer(err) }

func errAnswer(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// statAnswer is what storageDir looks at: whether the path exists, and
// is a directory.
func statAnswer(info fs.FileInfo, err error) string {
	switch {
	case err != nil:
		return "error: " + err.Error()
	case info.IsDir():
		return "dir"
	}
	return "file"
}

// recorder is an environment that writes down each question and answer.
type recorder struct {
	env     environment
	seen    map[envQuestion]bool
	answers []envAnswer
}

func (r *recorder) add(ask byte, arg, answer string) {
	q := envQuestion{Ask: ask, Arg: arg}
	if !r.seen[q] {
		r.seen[q] = true
		r.answers = append(r.answers, envAnswer{Question: q, Answer: answer})
	}
}

func (r *recorder) environment() environment {
	return environment{
		getenv: func(name string) string {
			v := r.env.getenv(name)
			r.add(askEnv, name, v)
			return v
		},
		lookPath: func(file string) (string, error) {
			p, err := r.env.lookPath(file)
			r.add(askPath, file, pathAnswer(p, err))
			return p, err
		},
		writable: func(dir string) error {
			err := r.env.writable(dir)
			r.add(askWritable, dir, errAnswer(err))
			return err
		},
		stat: func(name string) (fs.FileInfo, error) {
			info, err := r.env.stat(name)
			r.add(askStat, name, statAnswer(info, err))
			return info, err
		},
		getwd: func() (string, error) {
			wd, err := r.env.getwd()
			r.add(askWd, "", pathAnswer(wd, err))
			return wd, err
		},
	}
}
