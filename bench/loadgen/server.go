package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// epoch anchors every Last-Modified and pubDate, so the content served is a
// pure function of (feed, version) and two runs serve the same bytes.
var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Server is the loopback site: N feeds of K items, each item linking to an
// article page. Feed i at version v lists items v … v+K-1 (newest first);
// a change bumps v, so the feed gains one new item (with new figures) and
// drops its oldest, as a real listing does.
type Server struct {
	n, k int
	base string // "http://127.0.0.1:port", set once listening

	mu      sync.RWMutex
	version []int    // per feed; guarded by mu
	feeds   [][]byte // rendered feed bodies, nil until first asked; guarded by mu
	cursor  int      // next feed a change picks; guarded by mu

	requests, feedReqs, articleReqs, notModified, bytes, errors atomic.Int64

	srv *http.Server
	ln  net.Listener
}

// Stats counts what the server answered since the last reset.
type Stats struct {
	Requests    int64 `json:"requests"`
	Feeds       int64 `json:"feed_requests"`
	Articles    int64 `json:"article_requests"`
	NotModified int64 `json:"not_modified"`
	Bytes       int64 `json:"bytes"`
	Errors      int64 `json:"errors"`
}

// NewServer listens on 127.0.0.1 (never another interface: the harness
// must not be reachable from outside) and serves until Close.
func NewServer(n, k int) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	s := &Server{n: n, k: k, ln: ln, base: "http://" + ln.Addr().String()}
	s.Reset()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed/{file}", s.counted(s.serveFeed))
	mux.HandleFunc("GET /article/{feed}/{file}", s.counted(s.serveArticle))
	mux.HandleFunc("/_admin/change", s.adminChange)
	mux.HandleFunc("/_admin/stats", s.adminStats)
	mux.HandleFunc("/_admin/reset", s.adminReset)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }() // returns ErrServerClosed on Close
	return s, nil
}

// URL returns the server's base URL.
func (s *Server) URL() string { return s.base }

// FeedURL returns the URL of feed i.
func (s *Server) FeedURL(i int) string { return fmt.Sprintf("%s/feed/%d.xml", s.base, i) }

// Close stops the server at once; the harness has no request worth waiting for.
func (s *Server) Close() error { return s.srv.Close() }

// Reset puts every feed back to version 0, for a fresh run.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = make([]int, s.n)
	s.feeds = make([][]byte, s.n)
	s.cursor = 0
}

// Change publishes one new item in pct percent of the feeds (at least one
// when pct > 0), taking feeds in turn so that successive changes touch
// different feeds. It returns how many feeds changed.
func (s *Server) Change(pct float64) int {
	m := int(float64(s.n)*pct/100 + 0.5)
	if pct > 0 {
		m = max(m, 1)
	}
	m = min(m, s.n)
	s.mu.Lock()
	defer s.mu.Unlock()
	for range m {
		i := s.cursor
		s.cursor = (s.cursor + 1) % s.n
		s.version[i]++
		s.feeds[i] = nil
	}
	return m
}

// ItemsServed is how many distinct items all feeds have listed so far:
// N×K at start plus one per change.
func (s *Server) ItemsServed() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	total := s.n * s.k
	for _, v := range s.version {
		total += v
	}
	return total
}

// Stats returns the counters, zeroing them when reset is set.
func (s *Server) Stats(reset bool) Stats {
	load := func(c *atomic.Int64) int64 {
		if reset {
			return c.Swap(0)
		}
		return c.Load()
	}
	return Stats{
		Requests: load(&s.requests), Feeds: load(&s.feedReqs), Articles: load(&s.articleReqs),
		NotModified: load(&s.notModified), Bytes: load(&s.bytes), Errors: load(&s.errors),
	}
}

// feed returns feed i's current body, Last-Modified and ETag, rendering it
// once per version.
func (s *Server) feed(i int) (body []byte, mod time.Time, etag string) {
	s.mu.RLock()
	v, body := s.version[i], s.feeds[i]
	s.mu.RUnlock()
	mod = epoch.Add(time.Duration(v) * time.Hour)
	etag = fmt.Sprintf(`"f%d-v%d"`, i, v)
	if body != nil {
		return body, mod, etag
	}
	body = renderFeed(s.base, i, v, s.k)
	s.mu.Lock()
	if s.version[i] == v { // a change since the read makes this render stale
		s.feeds[i] = body
	}
	s.mu.Unlock()
	return body, mod, etag
}

func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request) {
	s.feedReqs.Add(1)
	i, ok := s.index(r.PathValue("file"), ".xml", s.n)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, mod, etag := s.feed(i)
	serveConditional(w, r, "application/rss+xml; charset=utf-8", body, mod, etag)
}

func (s *Server) serveArticle(w http.ResponseWriter, r *http.Request) {
	s.articleReqs.Add(1)
	i, ok := s.index(r.PathValue("feed"), "", s.n)
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.RLock()
	newest := s.version[i] + s.k - 1
	s.mu.RUnlock()
	// Items that dropped off the feed stay online, as real articles do.
	j, ok := s.index(r.PathValue("file"), ".html", newest+1)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body := renderArticle(s.base, i, j)
	serveConditional(w, r, "text/html; charset=utf-8", body, itemTime(j), fmt.Sprintf(`"a%d-%d"`, i, j))
}

// index parses "<int><suffix>" and checks 0 ≤ int < limit.
func (s *Server) index(name, suffix string, limit int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSuffix(name, suffix))
	return n, err == nil && n >= 0 && n < limit && strings.HasSuffix(name, suffix)
}

// serveConditional answers 304 when the client's validators match: ETag
// first (RFC 9110 §13.2.2), else If-Modified-Since.
func serveConditional(w http.ResponseWriter, r *http.Request, ctype string, body []byte, mod time.Time, etag string) {
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "no-cache")
	if notModified(r, mod, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func notModified(r *http.Request, mod time.Time, etag string) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for tag := range strings.SplitSeq(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == etag {
				return true
			}
		}
		return false
	}
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil {
		return !mod.Truncate(time.Second).After(ims)
	}
	return false
}

// counted wraps a content handler with the per-cycle counters.
func (s *Server) counted(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
		h(cw, r)
		s.bytes.Add(cw.n)
		switch {
		case cw.status == http.StatusNotModified:
			s.notModified.Add(1)
		case cw.status >= 400:
			s.errors.Add(1)
		}
	}
}

type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countingWriter) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

// adminChange is /_admin/change?pct=5: change pct% of the feeds now.
func (s *Server) adminChange(w http.ResponseWriter, r *http.Request) {
	pct, err := strconv.ParseFloat(r.FormValue("pct"), 64)
	if err != nil || pct < 0 || pct > 100 {
		http.Error(w, "pct must be a number from 0 to 100", http.StatusBadRequest)
		return
	}
	writeJSON(w, map[string]int{"changed": s.Change(pct)})
}

// adminStats is /_admin/stats[?reset=1]: the counters, optionally zeroed.
func (s *Server) adminStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.Stats(r.FormValue("reset") == "1"))
}

// adminReset is /_admin/reset: every feed back to version 0.
func (s *Server) adminReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	writeJSON(w, map[string]bool{"reset": true})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
