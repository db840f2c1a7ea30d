package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Scrape is the cost, to the daemon, of answering one request on its
// listener: /metrics or the status page.
type Scrape struct {
	Cycle  int
	Path   string
	Status int
	Wall   time.Duration // request sent to body read
	// CPU is the daemon's user + system time across the request, from
	// /proc/<pid>/stat: in clock ticks of 10 ms, so a cheap scrape reads 0
	// or 10 ms.
	CPU                             time.Duration
	AnonBefore, AnonPeak, AnonAfter int64 // RssAnon, sampled every 2 ms during the request
	Bytes                           int64
	// Series counts the sample lines of /metrics; SourceSeries those with
	// a source label. Zero for other paths.
	Series, SourceSeries int
	Repeats              int // scrapes this is the median of
}

// Scrape requests base+path from the daemon and measures what it cost the
// daemon. The daemon should be between cycles, so that its CPU time is
// the request's.
func (d *Daemon) Scrape(ctx context.Context, base, path string, sources int) (Scrape, error) {
	pid := d.cmd.Process.Pid
	s := Scrape{Path: path}
	cpu0, err := procCPU(pid)
	if err != nil {
		return s, err
	}
	m0, err := procMemory(pid)
	if err != nil {
		return s, err
	}
	stop := make(chan struct{})
	peak := make(chan int64)
	go func() { peak <- sampleAnon(pid, m0.Anon, stop) }()
	start := time.Now()
	body, status, gerr := loopbackGet(ctx, base+path, "")
	s.Wall = time.Since(start)
	close(stop)
	s.AnonPeak = <-peak
	if gerr != nil {
		return s, fmt.Errorf("scrape %s: %w", path, gerr)
	}
	cpu1, err := procCPU(pid)
	if err != nil {
		return s, err
	}
	m1, err := procMemory(pid)
	if err != nil {
		return s, err
	}
	s.Status, s.Bytes, s.CPU = status, int64(len(body)), cpu1-cpu0
	s.AnonBefore, s.AnonAfter = m0.Anon, m1.Anon
	s.AnonPeak = max(s.AnonPeak, m1.Anon)
	if path == "/metrics" {
		s.Series, s.SourceSeries = countSeries(body)
	}
	return s, nil
}

// WaitIdle returns once the daemon has used no CPU for quiet (read from
// /proc every tenth of that), or after limit, reporting which. A cycle's
// end is not its work's: alerts go out, retention may run. Measured before the daemon is idle, a scrape's CPU
// time would be theirs too, and only after cycles that raise alerts
// (cycle 1, a baseline, raises none).
func (d *Daemon) WaitIdle(ctx context.Context, quiet, limit time.Duration) (bool, error) {
	pid := d.cmd.Process.Pid
	step := quiet / 10
	deadline := time.Now().Add(limit)
	last, err := procCPU(pid)
	if err != nil {
		return false, err
	}
	still := time.Duration(0)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(step):
		}
		cur, err := procCPU(pid)
		if err != nil {
			return false, err
		}
		if cur == last {
			still += step
			if still >= quiet {
				return true, nil
			}
		} else {
			still, last = 0, cur
		}
	}
	return false, nil
}

// countSeries counts the samples of a Prometheus text exposition, and
// those labelled with a source.
func countSeries(body []byte) (all, perSource int) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		all++
		if bytes.Contains(line, []byte(`source="`)) {
			perSource++
		}
	}
	return all, perSource
}

// pprofTokenEnv names the environment variable that holds the bearer
// token of the daemon's /debug/pprof.
const pprofTokenEnv = "WATCHER_LOADGEN_HTTP_TOKEN"

// newToken returns a random bearer token.
func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make a pprof token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// loopbackGet fetches a URL on 127.0.0.1, never through a proxy, with a
// bearer token when token is set.
func loopbackGet(ctx context.Context, url, token string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("request %s: %w", url, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return body, resp.StatusCode, fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	return body, resp.StatusCode, nil
}

// sampleAnon polls RssAnon every 2 ms until stop is closed and returns the
// highest value seen (at least from).
func sampleAnon(pid int, from int64, stop <-chan struct{}) int64 {
	peak := from
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		if m, err := procMemory(pid); err == nil {
			peak = max(peak, m.Anon)
		}
		select {
		case <-stop:
			return peak
		case <-t.C:
		}
	}
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// procCPU is a process's user + system time from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	return parseStatCPU(string(data))
}

// parseStatCPU reads utime and stime, fields 14 and 15 of /proc/<pid>/stat.
// The command name (field 2) is in parentheses and may hold spaces, so the
// fields are counted from the last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("read /proc stat: no command name in %.40q", stat)
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, fmt.Errorf("read /proc stat: %d fields after the command name, want ≥ 13", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read /proc stat: utime %q, stime %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// startProfile saves a CPU profile of seconds from the daemon's
// /debug/pprof to path, in the background; the channel reports the end.
func startProfile(ctx context.Context, log *slog.Logger, base, token, path string, seconds int) <-chan error {
	done := make(chan error, 1)
	go func() {
		if err := waitListening(ctx, base, 30*time.Second); err != nil {
			done <- err
			return
		}
		body, _, err := loopbackGet(ctx, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, seconds), token)
		if err == nil {
			err = os.WriteFile(path, body, 0o644)
		}
		if err == nil {
			log.Info("CPU profile saved", "path", path, "seconds", seconds)
		}
		done <- err
	}()
	return done
}

// waitListening waits until the daemon's listener answers /metrics, for at
// most limit: at start-up it opens after the database.
func waitListening(ctx context.Context, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		_, _, err := loopbackGet(ctx, base+"/metrics", "")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("daemon listener at %s: %w", base, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// medianScrape is the median of repeated scrapes of one path: wall and
// CPU medians, the highest anonymous-memory peak, the last body's counts.
func medianScrape(ss []Scrape) Scrape {
	m := ss[len(ss)-1]
	walls, cpus := make([]time.Duration, len(ss)), make([]time.Duration, len(ss))
	for i, s := range ss {
		walls[i], cpus[i] = s.Wall, s.CPU
		if s.AnonPeak-s.AnonBefore > m.AnonPeak-m.AnonBefore {
			m.AnonBefore, m.AnonPeak = s.AnonBefore, s.AnonPeak
		}
	}
	m.Wall, m.CPU, m.Repeats = median(walls), median(cpus), len(ss)
	m.AnonAfter = ss[len(ss)-1].AnonAfter
	return m
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free right now,
// for the daemon's listener.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port for http.listen: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port for http.listen: %w", err)
	}
	return addr, nil
}

// parseCycles reads "1,30" into a set of cycle numbers.
func parseCycles(s string) (map[int]bool, error) {
	set := map[int]bool{}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad cycle %q in %q: want numbers ≥ 1, comma-separated", f, s)
		}
		set[n] = true
	}
	return set, nil
}

// probeAllowPrivate reports whether the watcher build accepts
// fetch.allow_private, by validating a one-source config with it. A build
// without the key has no egress policy either, or refuses loopback
// whatever the config says: the warning says which to suspect.
func probeAllowPrivate(ctx context.Context, log *slog.Logger, srv *Server, o Options, metrics string) bool {
	dir, err := os.MkdirTemp("", "watcher-loadgen-probe-")
	if err != nil {
		log.Warn("probe fetch.allow_private", "err", err)
		return true
	}
	defer os.RemoveAll(dir)
	w := Watcher{Bin: o.Watcher, Config: filepath.Join(dir, "watcher.yaml"), Timeout: time.Minute}
	if err := WriteConfig(w.Config, srv, ConfigOptions{
		N: 1, DBPath: filepath.Join(dir, "watcher.db"), Schedule: "@every 15m", Concurrency: 1,
		Metrics: metrics, AllowPrivate: true,
	}); err != nil {
		log.Warn("probe fetch.allow_private", "err", err)
		return true
	}
	_, err = w.Validate(ctx)
	if err == nil {
		return true
	}
	if strings.Contains(err.Error(), "allow_private") {
		log.Warn("this watcher build rejects fetch.allow_private: leaving it out; if the build has an egress policy, every fetch of the loopback site will fail")
		return false
	}
	log.Warn("probe fetch.allow_private: watcher validate failed", "err", err)
	return true
}
