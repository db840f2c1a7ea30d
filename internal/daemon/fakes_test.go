package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/store"
)

// feedServer serves feeds by path; each path's response can be replaced
// between polls. It honours If-None-Match with the ETag it set, and records
// every request.
type feedServer struct {
	srv *httptest.Server

	mu       sync.Mutex
	feeds    map[string]feedResponse
	requests []feedRequest
}

type feedResponse struct {
	retryAfter string
	status     int
	body       string
	etag       string
	ctype      string
	delay      time.Duration
}

type feedRequest struct {
	Path, IfNoneMatch, UserAgent string
	APIKey                       string // the X-Api-Key header, for secret_headers
	Status                       int
}

func newFeedServer(t testing.TB) *feedServer {
	t.Helper()
	f := &feedServer{feeds: map[string]feedResponse{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feedServer) set(path string, r feedResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.feeds[path] = r
}

func (f *feedServer) Requests() []feedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]feedRequest(nil), f.requests...)
}

func (f *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	resp, ok := f.feeds[r.URL.Path]
	f.mu.Unlock()
	status := resp.status
	if !ok {
		status = http.StatusNotFound
	} else if status == 0 {
		status = http.StatusOK
	}
	if ok && resp.etag != "" && r.Header.Get("If-None-Match") == resp.etag {
		status = http.StatusNotModified
	}
	f.mu.Lock()
	f.requests = append(f.requests, feedRequest{Path: r.URL.Path, IfNoneMatch: r.Header.Get("If-None-Match"), UserAgent: r.UserAgent(), APIKey: r.Header.Get("X-Api-Key"), Status: status})
	f.mu.Unlock()
	if resp.delay > 0 {
		select {
		case <-time.After(resp.delay):
		case <-r.Context().Done():
			return
		}
	}
	if resp.etag != "" {
		w.Header().Set("ETag", resp.etag)
	}
	if resp.retryAfter != "" {
		w.Header().Set("Retry-After", resp.retryAfter)
	}
	if status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	ct := resp.ctype
	if ct == "" {
		ct = "application/rss+xml; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(resp.body))
}

// rss renders an RSS 2.0 feed of items (guid, title, description, pubDate).
func rss(title string, items ...[4]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>" + title + "</title><link>https://example.org/</link><description>test</description>\n")
	for _, it := range items {
		fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>https://example.org/%s</link><description><![CDATA[%s]]></description><pubDate>%s</pubDate></item>\n",
			it[0], it[1], it[0], it[2], it[3])
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (h *harness) pending() int {
	var n int
	h.db.View(context.Background(), func(tx *store.Tx) error {
		p, err := tx.PendingAlerts(0)
		n = len(p)
		return err
	})
	return n
}

func (h *harness) snapshotFigures(id string) []store.Figure {
	var figs []store.Figure
	h.db.View(context.Background(), func(tx *store.Tx) error {
		s, _, err := tx.Snapshot(id)
		figs = s.Figures
		return err
	})
	return figs
}

// outbox counts the alerts in the outbox by status.
func (h *harness) outbox() (pending, sent, failed int) {
	h.t.Helper()
	err := h.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		pending, sent, failed, err = tx.OutboxStats()
		return err
	})
	if err != nil {
		h.t.Fatalf("read outbox: %v", err)
	}
	return pending, sent, failed
}
