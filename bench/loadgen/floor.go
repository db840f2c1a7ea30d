package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The floor (issue #16) is the least any poller can do for a cycle: send
// the N feed requests, conditional on the validators the site gave last
// time, with watcher's fetch.concurrency in flight, and read and discard
// the bodies. It runs as its own process (loadgen re-executed with
// floorCommand as its first argument) so that, like watcher and urlwatch,
// its wall time includes starting a process, and every tool's cycle can
// be given as a ratio to it.
const floorCommand = "floor-client"

// Floor runs the floor client over the server's feeds, with its
// validators kept in Dir between cycles (as urlwatch keeps its cache).
type Floor struct {
	Bin, Dir    string // Bin: this program
	Concurrency int
	Timeout     time.Duration
}

// Setup writes the list of feed URLs, one a line, and forgets any
// validators, so the next cycle is cold.
func (f Floor) Setup(srv *Server, n int) error {
	var b strings.Builder
	for i := range n {
		b.WriteString(srv.FeedURL(i))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(f.Dir, "urls.txt"), []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write floor URL list: %w", err)
	}
	if err := os.Remove(filepath.Join(f.Dir, "state.tsv")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reset floor validators: %w", err)
	}
	return nil
}

// Once runs one floor cycle as a subprocess and measures it.
func (f Floor) Once(ctx context.Context) (Result, error) {
	wall, cpu, peak, _, err := runMeasured(ctx, f.Timeout, childEnv(), f.Bin, floorCommand,
		"-urls", filepath.Join(f.Dir, "urls.txt"), "-state", filepath.Join(f.Dir, "state.tsv"),
		"-concurrency", fmt.Sprint(f.Concurrency))
	if err != nil {
		return Result{}, err
	}
	return Result{Tool: "floor", Wall: wall, CPU: cpu, MaxRSS: peak.HWM, MaxAnon: peak.Anon}, nil
}

// floorMain is the floor client: loadgen floor-client -urls F -state S
// -concurrency C. It exits 1 when any request failed.
func floorMain(args []string) int {
	fs := flag.NewFlagSet(floorCommand, flag.ContinueOnError)
	urlsPath := fs.String("urls", "", "file of URLs, one a line")
	statePath := fs.String("state", "", "validators kept between cycles (ETag<TAB>Last-Modified per URL)")
	conc := fs.Int("concurrency", 8, "requests in flight")
	timeout := fs.Duration("timeout", 60*time.Second, "limit on one request")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := floorCycle(context.Background(), *urlsPath, *statePath, *conc, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	return 0
}

// validators are what a response said to send next time.
type validators struct{ etag, lastModified string }

func floorCycle(ctx context.Context, urlsPath, statePath string, conc int, timeout time.Duration) error {
	data, err := os.ReadFile(urlsPath)
	if err != nil {
		return fmt.Errorf("read URL list: %w", err)
	}
	urls := strings.Fields(string(data))
	state := make([]validators, len(urls))
	if err := readState(statePath, state); err != nil {
		return err
	}
	tr := &http.Transport{
		Proxy:               nil, // the site is on 127.0.0.1
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}

	var next atomic.Int64
	var failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range max(conc, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(urls) {
					return
				}
				v, err := floorGet(ctx, client, urls[i], state[i])
				if err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				state[i] = v // each worker writes only the indexes it took
			}
		})
	}
	wg.Wait()
	if err := writeState(statePath, state); err != nil {
		return err
	}
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d requests failed, the first: %w", n, len(urls), firstErr)
	}
	return nil
}

// floorGet sends one conditional GET and returns the validators to send
// next time: the response's, or on a 304 without them the ones sent.
func floorGet(ctx context.Context, client *http.Client, url string, v validators) (validators, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return v, fmt.Errorf("request %s: %w", url, err)
	}
	req.Header.Set("User-Agent", "watcher-loadgen-floor/1")
	if v.etag != "" {
		req.Header.Set("If-None-Match", v.etag)
	}
	if v.lastModified != "" {
		req.Header.Set("If-Modified-Since", v.lastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return v, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return v, fmt.Errorf("read %s: %w", url, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		if e := resp.Header.Get("ETag"); e != "" {
			v.etag = e
		}
		if lm := resp.Header.Get("Last-Modified"); lm != "" {
			v.lastModified = lm
		}
		return v, nil
	case resp.StatusCode/100 == 2:
		return validators{resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")}, nil
	}
	return v, fmt.Errorf("get %s: status %d", url, resp.StatusCode)
}

// readState fills state from the file writeState wrote; a missing file is
// a cold start.
func readState(path string, state []validators) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read floor validators: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan() && i < len(state); i++ {
		etag, lm, _ := strings.Cut(sc.Text(), "\t")
		state[i] = validators{etag, lm}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read floor validators: %w", err)
	}
	return nil
}

func writeState(path string, state []validators) error {
	var b strings.Builder
	for _, v := range state {
		b.WriteString(v.etag)
		b.WriteByte('\t')
		b.WriteString(v.lastModified)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write floor validators: %w", err)
	}
	return nil
}
