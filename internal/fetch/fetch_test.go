package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

const testUA = "watcher-test/1.0 (+https://example.org/watcher)"

func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.UserAgent == "" {
		opts.UserAgent = testUA
	}
	c := New(opts)
	t.Cleanup(c.Close)
	return c
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGetConditional(t *testing.T) {
	t.Parallel()
	const (
		etag    = `W/"abc-123"`
		lastMod = "Tue, 03 Mar 2026 10:00:00 GMT"
	)
	tests := []struct {
		name string
		// validators the server sends with its 200, and whether its 304
		// repeats them
		sendETag, sendLastMod, repeatOn304 bool
		wantFirst                          Response // ETag, LastModified only
		wantSecond                         Response // NotModified, ETag, LastModified
	}{
		{
			name:     "etag and last-modified, repeated on 304",
			sendETag: true, sendLastMod: true, repeatOn304: true,
			wantFirst:  Response{ETag: etag, LastModified: lastMod},
			wantSecond: Response{NotModified: true, ETag: etag, LastModified: lastMod},
		},
		{
			name:     "304 without validators keeps the request's",
			sendETag: true, sendLastMod: true, repeatOn304: false,
			wantFirst:  Response{ETag: etag, LastModified: lastMod},
			wantSecond: Response{NotModified: true, ETag: etag, LastModified: lastMod},
		},
		{
			name:        "last-modified only",
			sendLastMod: true, repeatOn304: true,
			wantFirst:  Response{LastModified: lastMod},
			wantSecond: Response{NotModified: true, LastModified: lastMod},
		},
		{
			name:       "no validators means no conditional request",
			wantFirst:  Response{},
			wantSecond: Response{NotModified: false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits, notModified atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
				if (tc.sendETag && inm == etag) || (!tc.sendETag && tc.sendLastMod && ims == lastMod) {
					notModified.Add(1)
					if tc.repeatOn304 {
						if tc.sendETag {
							w.Header().Set("ETag", etag)
						}
						if tc.sendLastMod {
							w.Header().Set("Last-Modified", lastMod)
						}
					}
					w.WriteHeader(http.StatusNotModified)
					return
				}
				if inm != "" || ims != "" {
					t.Errorf("unexpected conditional headers If-None-Match=%q If-Modified-Since=%q", inm, ims)
				}
				if tc.sendETag {
					w.Header().Set("ETag", etag)
				}
				if tc.sendLastMod {
					w.Header().Set("Last-Modified", lastMod)
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				io.WriteString(w, "<rss/>")
			}))
			defer srv.Close()
			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})

			first, err := c.Get(context.Background(), Request{URL: srv.URL + "/feed"})
			if err != nil {
				t.Fatalf("first Get: %v", err)
			}
			if first.Status != 200 || first.NotModified || string(first.Body) != "<rss/>" ||
				first.ContentType != "application/rss+xml" || first.Bytes != 6 {
				t.Errorf("first = %+v", first)
			}
			if first.ETag != tc.wantFirst.ETag || first.LastModified != tc.wantFirst.LastModified {
				t.Errorf("first validators = (%q, %q), want (%q, %q)", first.ETag, first.LastModified, tc.wantFirst.ETag, tc.wantFirst.LastModified)
			}

			second, err := c.Get(context.Background(), Request{URL: srv.URL + "/feed", ETag: first.ETag, LastModified: first.LastModified})
			if err != nil {
				t.Fatalf("second Get: %v", err)
			}
			if second.NotModified != tc.wantSecond.NotModified {
				t.Errorf("second NotModified = %v, want %v", second.NotModified, tc.wantSecond.NotModified)
			}
			if second.NotModified && (second.Status != 304 || len(second.Body) != 0) {
				t.Errorf("304 response = %+v", second)
			}
			if second.ETag != tc.wantSecond.ETag || second.LastModified != tc.wantSecond.LastModified {
				t.Errorf("second validators = (%q, %q), want (%q, %q)", second.ETag, second.LastModified, tc.wantSecond.ETag, tc.wantSecond.LastModified)
			}
			wantNM := int32(0)
			if tc.wantSecond.NotModified {
				wantNM = 1
			}
			if hits.Load() != 2 || notModified.Load() != wantNM {
				t.Errorf("server saw %d requests, %d answered 304; want 2, %d", hits.Load(), notModified.Load(), wantNM)
			}
		})
	}
}

func TestGetDecodesGzip(t *testing.T) {
	t.Parallel()
	const text = "<rss><channel><title>Figures</title></channel></rss>"
	tests := []struct {
		name     string
		encoding string // Content-Encoding header
		body     []byte
	}{
		{name: "gzip as asked", encoding: "gzip", body: gzipBytes(t, []byte(text))},
		{name: "x-gzip", encoding: "x-gzip", body: gzipBytes(t, []byte(text))},
		{name: "gzip without Content-Encoding", body: gzipBytes(t, []byte(text))},
		{name: "Content-Encoding gzip on a plain body", encoding: "gzip", body: []byte(text)},
		{name: "identity", body: []byte(text)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("Accept-Encoding"); got != "gzip" {
					t.Errorf("Accept-Encoding = %q, want gzip", got)
				}
				if tc.encoding != "" {
					w.Header().Set("Content-Encoding", tc.encoding)
				}
				w.Write(tc.body)
			}))
			defer srv.Close()
			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
			resp, err := c.Get(context.Background(), Request{URL: srv.URL})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if string(resp.Body) != text {
				t.Errorf("Body = %q, want %q", resp.Body, text)
			}
			if resp.Bytes != int64(len(tc.body)) {
				t.Errorf("Bytes = %d, want %d (bytes on the wire)", resp.Bytes, len(tc.body))
			}
		})
	}
}

func TestGetRejectsUnsupportedEncoding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "br")
		w.Write([]byte{0x0b, 0x02, 0x80})
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), `unsupported Content-Encoding "br"`) || !strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("err = %v, want unsupported Content-Encoding naming the URL", err)
	}
}

// TestGetGzipBombStopsAtCap serves 1 GiB of zeros as a gzip stream of about
// 1 MB; the client must stop at the 1 MiB cap instead of inflating it all.
func TestGetGzipBombStopsAtCap(t *testing.T) {
	t.Parallel()
	// gzip readers accept concatenated members, so one member of 16 MiB of
	// zeros repeated 64 times is a 1 GiB bomb that is cheap to build.
	member := gzipBytes(t, make([]byte, 16<<20))
	const members = 64
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		for range members {
			n, err := w.Write(member)
			served.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), MaxBodyBytes: 1 << 20})

	start := time.Now()
	_, err := c.Get(context.Background(), Request{URL: srv.URL + "/bomb.xml"})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if msg := err.Error(); !strings.Contains(msg, srv.URL+"/bomb.xml") || !strings.Contains(msg, "1048576") {
		t.Errorf("err = %q, want it to name the URL and the cap", msg)
	}
	// No bound on the time: LimitReader stops inflating at the cap, and a
	// client that inflated 1 GiB would fail the same way, only later. The
	// log line shows it did not.
	t.Logf("refused 1 GiB gzip bomb (%d bytes compressed per 16 MiB) in %s", len(member), elapsed)
}

func TestGetBodyCap(t *testing.T) {
	t.Parallel()
	const limit = 1000
	tests := []struct {
		name    string
		size    int
		chunked bool // no Content-Length
		wantErr bool
	}{
		{name: "exactly at cap", size: limit},
		{name: "at cap, chunked", size: limit, chunked: true},
		{name: "one over cap with Content-Length", size: limit + 1, wantErr: true},
		{name: "over cap, chunked", size: 10 * limit, chunked: true, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := bytes.Repeat([]byte("x"), tc.size)
				if tc.chunked {
					for len(body) > 0 {
						n := min(100, len(body))
						w.Write(body[:n])
						w.(http.Flusher).Flush()
						body = body[n:]
					}
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				w.Write(body)
			}))
			defer srv.Close()
			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), MaxBodyBytes: limit})
			resp, err := c.Get(context.Background(), Request{URL: srv.URL})
			if tc.wantErr {
				if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), srv.URL) {
					t.Fatalf("err = %v, want ErrTooLarge naming the URL", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if len(resp.Body) != tc.size {
				t.Errorf("len(Body) = %d, want %d", len(resp.Body), tc.size)
			}
		})
	}
}

func TestGetEndlessBodyStopsAtCap(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("figure 42 "), 1000)
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the client hung up, as it should
			}
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	// Without the cap the endless body would end in the timeout, not in
	// ErrTooLarge.
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), MaxBodyBytes: 256 << 10, Timeout: 10 * time.Minute})
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestGetRedirects(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	// /chain/N redirects to /chain/N-1 until /chain/0, which answers.
	mux.HandleFunc("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		if n == 0 {
			io.WriteString(w, "arrived")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop/b", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop/a", http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // not defer: the parallel subtests run after this function returns

	tests := []struct {
		name         string
		maxRedirects int
		path         string
		wantURL      string // final URL on success
		wantErr      string // substring of the error
	}{
		{name: "no redirect", path: "/chain/0", wantURL: "/chain/0"},
		{name: "chain within default limit", path: "/chain/5", wantURL: "/chain/0"},
		{name: "chain over default limit", path: "/chain/6", wantErr: "stopped after 5 redirects"},
		{name: "loop", path: "/loop/a", wantErr: "stopped after 5 redirects"},
		{name: "custom limit", maxRedirects: 2, path: "/chain/3", wantErr: "stopped after 2 redirects"},
		{name: "redirects disabled", maxRedirects: -1, path: "/chain/1", wantErr: "stopped after 0 redirects"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), MaxRedirects: tc.maxRedirects})
			resp, err := c.Get(context.Background(), Request{URL: srv.URL + tc.path})
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Get succeeded at %s, want error %q", resp.URL, tc.wantErr)
				}
				if !errors.Is(err, ErrTooManyRedirects) || !strings.Contains(err.Error(), tc.wantErr) ||
					!strings.HasPrefix(err.Error(), "get "+srv.URL+tc.path+":") {
					t.Errorf("err = %q, want ErrTooManyRedirects containing %q and naming the URL", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if resp.URL != srv.URL+tc.wantURL || string(resp.Body) != "arrived" {
				t.Errorf("got URL %s body %q, want %s", resp.URL, resp.Body, srv.URL+tc.wantURL)
			}
		})
	}
}

func TestGetRefusesHTTPSToHTTPRedirect(t *testing.T) {
	t.Parallel()
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		io.WriteString(w, "in the clear")
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/feed", http.StatusFound)
	}))
	defer secure.Close()

	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Transport: secure.Client().Transport})
	_, err := c.Get(context.Background(), Request{URL: secure.URL + "/feed"})
	if !errors.Is(err, ErrInsecureRedirect) {
		t.Fatalf("err = %v, want ErrInsecureRedirect", err)
	}
	if !strings.Contains(err.Error(), secure.URL) || !strings.Contains(err.Error(), plain.URL) {
		t.Errorf("err = %q, want both URLs named", err)
	}
	if plainHits.Load() != 0 {
		t.Errorf("the http server was contacted %d times", plainHits.Load())
	}
}

func TestGetStatusErrors(t *testing.T) {
	t.Parallel()
	// An HTTP date 90s ahead, made when the server answers: made at the
	// start of the test, it aged by however long a loaded machine took to
	// reach the subtest.
	const future = "in 90s"
	tests := []struct {
		name           string
		status         int
		retryAfter     string
		wantRetryAfter time.Duration
		tolerance      time.Duration
		wantTemporary  bool
	}{
		{name: "500", status: 500, wantTemporary: true},
		{name: "429 with seconds", status: 429, retryAfter: "120", wantRetryAfter: 2 * time.Minute, wantTemporary: true},
		{name: "503 with HTTP date", status: 503, retryAfter: future, wantRetryAfter: 90 * time.Second, tolerance: 3 * time.Second, wantTemporary: true},
		{name: "503 with garbage", status: 503, retryAfter: "soon", wantTemporary: true},
		{name: "500 ignores Retry-After", status: 500, retryAfter: "30", wantTemporary: true},
		{name: "404", status: 404},
		{name: "403", status: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch tc.retryAfter {
				case "":
				case future:
					w.Header().Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
				default:
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, "<html><title>Error</title></html>")
			}))
			defer srv.Close()
			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
			resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/x"})
			if resp != nil {
				t.Errorf("resp = %+v, want nil", resp)
			}
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *StatusError", err)
			}
			if se.URL != srv.URL+"/x" || se.Status != tc.status {
				t.Errorf("StatusError = %+v", se)
			}
			if d := se.RetryAfter - tc.wantRetryAfter; d < -tc.tolerance || d > tc.tolerance {
				t.Errorf("RetryAfter = %s, want %s ± %s", se.RetryAfter, tc.wantRetryAfter, tc.tolerance)
			}
			if se.Temporary() != tc.wantTemporary {
				t.Errorf("Temporary() = %v, want %v", se.Temporary(), tc.wantTemporary)
			}
			if !strings.Contains(err.Error(), srv.URL+"/x") || !strings.Contains(err.Error(), fmt.Sprint(tc.status)) {
				t.Errorf("err = %q, want URL and status", err)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		in     string
		want   time.Duration
		wantOK bool
	}{
		{name: "empty", in: "", want: 0},
		{name: "seconds", in: "120", want: 2 * time.Minute, wantOK: true},
		{name: "seconds with spaces", in: " 5 ", want: 5 * time.Second, wantOK: true},
		{name: "zero", in: "0", want: 0, wantOK: true},
		{name: "negative", in: "-5", want: 0},
		{name: "absurd is capped at a year", in: "999999999999999", want: 365 * 24 * time.Hour, wantOK: true},
		{name: "IMF-fixdate", in: "Tue, 03 Mar 2026 10:05:00 GMT", want: 5 * time.Minute, wantOK: true},
		{name: "RFC 850 date", in: "Tuesday, 03-Mar-26 10:00:30 GMT", want: 30 * time.Second, wantOK: true},
		{name: "ANSI C date", in: "Tue Mar  3 10:00:07 2026", want: 7 * time.Second, wantOK: true},
		{name: "date in the past", in: "Tue, 03 Mar 2026 09:00:00 GMT", want: 0, wantOK: true},
		{name: "date far ahead is capped", in: "Tue, 03 Mar 2099 09:00:00 GMT", want: 365 * 24 * time.Hour, wantOK: true},
		{name: "garbage", in: "later", want: 0},
		{name: "fraction", in: "1.5", want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseRetryAfter(tc.in, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestGetTimesOutOnSilentServer uses a listener that accepts connections and
// never answers.
func TestGetTimesOutOnSilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})

	const timeout = 300 * time.Millisecond
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Timeout: timeout})
	u := "http://" + ln.Addr().String() + "/feed"
	start := time.Now()
	_, err = c.Get(context.Background(), Request{URL: u})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), u) || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Errorf("err = %q, want the URL and the timeout", err)
	}
	// Timers never fire early, so this lower bound cannot flake; no upper
	// bound, which a busy machine would break.
	if elapsed < timeout {
		t.Errorf("returned after %s, before the %s timeout", elapsed, timeout)
	}
}

// TestGetTimesOutOnSlowBody: the deadline covers the body read, not only the
// headers.
func TestGetTimesOutOnSlowBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<rss>")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Timeout: 200 * time.Millisecond})
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestGetSendsHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
	_, err := c.Get(context.Background(), Request{URL: srv.URL, Header: map[string]string{
		"X-Api-Key":       "k-123",
		"Accept":          "application/rss+xml",
		"Accept-Encoding": "br",        // cannot be overridden: only gzip is decoded
		"User-Agent":      "Mozilla/5", // cannot be overridden: one identity
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"User-Agent":      testUA,
		"X-Api-Key":       "k-123",
		"Accept":          "application/rss+xml",
		"Accept-Encoding": "gzip",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), v)
		}
	}
	for _, k := range []string{"If-None-Match", "If-Modified-Since"} {
		if v := got.Get(k); v != "" {
			t.Errorf("header %s = %q, want none", k, v)
		}
	}
}

func TestGetRedactsPasswordInErrorsAndLogs(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "feeduser" || pass != "s3cret" {
			t.Errorf("basic auth = %q, %q, %v; want the URL's credentials", user, pass, ok)
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Logger: logger})
	u := strings.Replace(srv.URL, "http://", "http://feeduser:s3cret@", 1)
	_, err := c.Get(context.Background(), Request{URL: u + "/feed"})
	if err == nil {
		t.Fatal("Get succeeded on a 403")
	}
	for _, s := range []string{err.Error(), buf.String()} {
		if strings.Contains(s, "s3cret") || !strings.Contains(s, "feeduser:REDACTED@") {
			t.Errorf("%q: want the password redacted and the URL still named", s)
		}
	}
}

// TestGetRedactsSecretsInErrorsAndLogs: an API key in a source URL, or in
// the URL a server redirects to, appears in no error and no log line,
// whichever way the fetch fails.
func TestGetRedactsSecretsInErrorsAndLogs(t *testing.T) {
	t.Parallel()
	const secret = "k-9f8e7d6c"
	// A port nothing listens on: the connection is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.0.0.1/?access_token="+secret, http.StatusFound)
	})
	mux.HandleFunc("/to-closed", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+closed+"/?sig="+secret, http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?token="+secret, http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name, url string
		wantErr   bool
	}{
		{name: "status error", url: srv.URL + "/forbidden?api_key=" + secret, wantErr: true},
		{name: "success log line", url: srv.URL + "/ok?apiKey=" + secret},
		{name: "redirect loop", url: srv.URL + "/loop?token=" + secret, wantErr: true},
		{name: "redirect to a refused address", url: srv.URL + "/to-private", wantErr: true},
		{name: "redirect to a closed port", url: srv.URL + "/to-closed", wantErr: true},
		{name: "connection refused", url: "http://" + closed + "/feed?x-api-key=" + secret, wantErr: true},
		{name: "unparseable", url: "http://a b/?token=" + secret, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c := newTestClient(t, Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Logger: logger})
			_, err := c.Get(context.Background(), Request{URL: tc.url})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var msg string
			if err != nil {
				msg = err.Error()
			}
			for what, s := range map[string]string{"error": msg, "log": buf.String()} {
				if strings.Contains(s, secret) {
					t.Errorf("%s carries the secret: %q", what, s)
				}
			}
			if !strings.Contains(msg+buf.String(), "REDACTED") {
				t.Errorf("neither error %q nor log %q names the redacted URL", msg, buf.String())
			}
		})
	}
}

func TestGetDefaultAccept(t *testing.T) {
	t.Parallel()
	var accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept = r.Header.Get("Accept")
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if accept != defaultAccept {
		t.Errorf("Accept = %q, want %q", accept, defaultAccept)
	}
}

// TestGetSharedHeadersStayIntact: the client shares its constant header
// values between requests, so a source that overrides one (in any case)
// must not change what the next request on the same client sends.
func TestGetSharedHeadersStayIntact(t *testing.T) {
	t.Parallel()
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Accept")+"|"+r.Header.Get("User-Agent")+"|"+r.Header.Get("Accept-Encoding"))
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
	for _, h := range []map[string]string{
		{"accept": "text/csv", "user-agent": "Mozilla/5", "accept-encoding": "br"},
		nil,
		{"Accept": "application/json"},
		nil,
	} {
		if _, err := c.Get(context.Background(), Request{URL: srv.URL, Header: h}); err != nil {
			t.Fatal(err)
		}
	}
	def := defaultAccept + "|" + testUA + "|gzip"
	want := []string{"text/csv|" + testUA + "|gzip", def, "application/json|" + testUA + "|gzip", def}
	if !slices.Equal(got, want) {
		t.Errorf("Accept|User-Agent|Accept-Encoding per request:\n got %q\nwant %q", got, want)
	}
}

func TestGetRejectsBadRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ua, url, wantErr string
	}{
		{name: "no user agent", url: "http://127.0.0.1:1/feed", wantErr: "get http://127.0.0.1:1/feed: no User-Agent configured"},
		{name: "ftp", ua: testUA, url: "ftp://example.org/feed", wantErr: `get ftp://example.org/feed: unsupported URL scheme "ftp"`},
		{name: "relative", ua: testUA, url: "/feed", wantErr: `get /feed: unsupported URL scheme ""`},
		{name: "no host", ua: testUA, url: "http:///feed", wantErr: "get http:///feed: URL has no host"},
		{name: "unparseable", ua: testUA, url: "http://a b/", wantErr: "get http://a b/: parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := New(Options{UserAgent: tc.ua})
			_, err := c.Get(context.Background(), Request{URL: tc.url})
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want prefix %q", err, tc.wantErr)
			}
		})
	}
}

func TestGetRespectsConcurrencyLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		concurrency, perHost int
		want                 int32
	}{
		{name: "global limit", concurrency: 2, perHost: 10, want: 2},
		{name: "per-host limit", concurrency: 8, perHost: 1, want: 1},
		{name: "per-host limit below global", concurrency: 8, perHost: 3, want: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var inFlight, maxInFlight atomic.Int32
			// The first requests are held until the limit's worth of them
			// are in flight together: the limit is reached however slowly
			// the machine runs, and a request let through beyond it while
			// they are held shows up in maxInFlight.
			full := make(chan struct{})
			var fullOnce sync.Once
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					m := maxInFlight.Load()
					if n <= m || maxInFlight.CompareAndSwap(m, n) {
						break
					}
				}
				if n >= tc.want {
					fullOnce.Do(func() { close(full) })
				}
				<-full
			}))
			defer srv.Close()
			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Concurrency: tc.concurrency, PerHost: tc.perHost})
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if got := maxInFlight.Load(); got != tc.want {
				t.Errorf("max in flight = %d, want %d", got, tc.want)
			}
			c.hosts.mu.Lock()
			left := len(c.hosts.hosts)
			c.hosts.mu.Unlock()
			if left != 0 {
				t.Errorf("%d per-host semaphores left after all requests finished", left)
			}
		})
	}
}

func TestGetCancelWhileWaitingForSlot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		concurrency, perHost int
		secondURL            func(busy, other string) string
	}{
		{name: "global slot", concurrency: 1, perHost: 2, secondURL: func(_, other string) string { return other }},
		{name: "host slot", concurrency: 8, perHost: 1, secondURL: func(busy, _ string) string { return busy }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			entered := make(chan struct{}, 1)
			busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				entered <- struct{}{}
				<-release
			}))
			defer busy.Close()
			var otherHits atomic.Int32
			// "localhost" is a different host from "127.0.0.1" to the
			// per-host limiter.
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
			defer other.Close()
			otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)

			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Concurrency: tc.concurrency, PerHost: tc.perHost})
			done := make(chan error, 1)
			go func() {
				_, err := c.Get(context.Background(), Request{URL: busy.URL})
				done <- err
			}()
			<-entered

			// The first request holds its slot until release, which comes
			// after this Get returns: a Get that ignored the cancel would
			// never return.
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			_, err := c.Get(ctx, Request{URL: tc.secondURL(busy.URL, otherURL)})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if otherHits.Load() != 0 {
				t.Errorf("the request waiting for a slot reached the server")
			}
			close(release)
			if err := <-done; err != nil {
				t.Errorf("first Get: %v", err)
			}
		})
	}
}

func TestGetLogsOneDebugLine(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Logger: logger})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL, Source: "gao"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 1 {
		t.Fatalf("got %d log lines, want 1:\n%s", n, out)
	}
	for _, want := range []string{"level=DEBUG", "source=gao", "url=" + srv.URL, "status=200", "bytes=5", "dur=", "not_modified=false"} {
		if !strings.Contains(out, want) {
			t.Errorf("log line %q lacks %q", out, want)
		}
	}
}

func TestToUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
		wantName    string
	}{
		{name: "valid UTF-8 despite a latin1 header", body: []byte("caf\u00e9 \u20ac"), contentType: "text/html; charset=iso-8859-1", want: "caf\u00e9 \u20ac", wantName: "utf-8"},
		{name: "latin1 from header", body: []byte("caf\xe9"), contentType: "text/html; charset=ISO-8859-1", want: "caf\u00e9", wantName: "windows-1252"},
		{name: "meta charset", body: []byte("<meta charset=\"iso-8859-15\"><p>50 \xa4"), contentType: "text/html", want: "<meta charset=\"iso-8859-15\"><p>50 \u20ac", wantName: "iso-8859-15"},
		{name: "invalid UTF-8 claiming UTF-8", body: []byte("\x93quoted\x94"), contentType: "text/html; charset=utf-8", want: "\u201cquoted\u201d", wantName: "windows-1252"},
		{name: "UTF-8 BOM is dropped", body: []byte("\xef\xbb\xbfhi"), contentType: "text/plain", want: "hi", wantName: "utf-8"},
		{name: "UTF-16LE with BOM", body: []byte{0xFF, 0xFE, 'h', 0, 'i', 0}, contentType: "text/plain", want: "hi", wantName: "utf-16le"},
		{name: "UTF-16BE with BOM over a latin1 header", body: []byte{0xFE, 0xFF, 0, 'h', 0, 0xe9}, contentType: "text/html; charset=iso-8859-1", want: "h\u00e9", wantName: "utf-16be"},
		{name: "UTF-8 BOM over a latin1 header", body: []byte("\xef\xbb\xbfcaf\xc3\xa9"), contentType: "text/html; charset=iso-8859-1", want: "caf\u00e9", wantName: "utf-8"},
		{name: "UTF-16LE from header without BOM", body: []byte{'h', 0, 'i', 0}, contentType: "text/plain; charset=UTF-16LE", want: "hi", wantName: "utf-16le"},
		{name: "BOM-less UTF-16LE XML declaration", body: []byte("<\x00?\x00x\x00m\x00l\x00?\x00>\x00"), want: "<?xml?>", wantName: "utf-16le"},
		{name: "header beats meta", body: []byte("<meta charset=iso-8859-15><p>50 \xa4"), contentType: "text/html; charset=windows-1252", want: "<meta charset=iso-8859-15><p>50 \u00a4", wantName: "windows-1252"},
		{name: "unknown header label falls through to meta", body: []byte("<meta charset=iso-8859-15><p>50 \xa4"), contentType: "text/html; charset=bogus", want: "<meta charset=iso-8859-15><p>50 \u20ac", wantName: "iso-8859-15"},
		{name: "XML declaration beats meta", body: []byte("<?xml version=\"1.0\" encoding=\"iso-8859-15\"?><html><meta charset=windows-1252><p>\xa4"), want: "<?xml version=\"1.0\" encoding=\"iso-8859-15\"?><html><meta charset=windows-1252><p>\u20ac", wantName: "iso-8859-15"},
		{name: "http-equiv meta", body: []byte(`<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-15"><p>` + "\xa4"), want: `<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-15"><p>` + "\u20ac", wantName: "iso-8859-15"},
		{
			name:     "meta charset after 1,024 bytes of head",
			body:     []byte("<html><head><script>" + strings.Repeat("var x = 1;\n", 200) + "</script><meta charset=iso-8859-15></head><body>50 \xa4"),
			want:     "<html><head><script>" + strings.Repeat("var x = 1;\n", 200) + "</script><meta charset=iso-8859-15></head><body>50 \u20ac",
			wantName: "iso-8859-15",
		},
		{name: "meta in the body is ignored", body: []byte("<body><meta charset=iso-8859-15>\xa4"), want: "<body><meta charset=iso-8859-15>\u00a4", wantName: "windows-1252"},
		{name: "meta UTF-16 on 8-bit text", body: []byte("<meta charset=utf-16>caf\xe9"), want: "<meta charset=utf-16>caf\u00e9", wantName: "windows-1252"},
		{name: "no label at all", body: []byte("\x93Thats\x94 50\x80"), want: "\u201cThats\u201d 50\u20ac", wantName: "windows-1252"},
		{name: "ASCII with a bogus header", body: []byte("plain"), contentType: "text/html; charset=x-bogus", want: "plain", wantName: "utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, name, err := ToUTF8(tc.body, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want || name != tc.wantName {
				t.Errorf("ToUTF8 = %q (%s), want %q (%s)", got, name, tc.want, tc.wantName)
			}
		})
	}
}

// TestReadAllReadsWholeBodyWhateverItsSizeHint checks the body reader
// against bodies shorter than, as long as and longer than the size it
// was told to expect, read in small pieces (iotest.HalfReader) as a
// network connection delivers them.
func TestReadAllReadsWholeBodyWhateverItsSizeHint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		body, hint int
	}{
		{"empty, no hint", 0, 0},
		{"empty, hinted", 0, 100},
		{"no hint", 5000, 0},
		{"exact hint", 5000, 5000},
		{"hint too small", 5000, 100},
		{"hint too large", 100, 5000},
		{"at the first buffer's size", 512, 0},
		{"one over it", 513, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := bytes.Repeat([]byte("0123456789"), tc.body/10+1)[:tc.body]
			got, err := readAll(iotest.HalfReader(bytes.NewReader(want)), tc.hint)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes, want the %d written", len(got), len(want))
			}
		})
	}
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		_, err := readAll(iotest.TimeoutReader(strings.NewReader(strings.Repeat("x", 600))), 10)
		if !errors.Is(err, iotest.ErrTimeout) {
			t.Fatalf("err %v, want the reader's %v", err, iotest.ErrTimeout)
		}
	})
}
