package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// anyHostTransport sends every request to srv, whatever host its URL names,
// so that tests can fetch from several "hosts" served by one httptest
// server.
func anyHostTransport(t *testing.T, srv *httptest.Server) http.RoundTripper {
	t.Helper()
	addr := srv.Listener.Addr().String()
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		DisableCompression: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// startLog records when each request reached the server, per Host header.
type startLog struct {
	mu     sync.Mutex
	starts map[string][]time.Time
}

func (l *startLog) handler(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	if l.starts == nil {
		l.starts = make(map[string][]time.Time)
	}
	host, _, _ := net.SplitHostPort(r.Host)
	l.starts[host] = append(l.starts[host], time.Now())
	l.mu.Unlock()
	io.WriteString(w, "ok")
}

func (l *startLog) get(host string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := slices.Clone(l.starts[host])
	slices.SortFunc(s, time.Time.Compare)
	return s
}

func TestGetSpacesRequestsToOneHost(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	var log startLog
	srv := httptest.NewServer(http.HandlerFunc(log.handler))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), HostDelay: delay, PerHost: 4, Transport: anyHostTransport(t, srv)})

	begin := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 4 {
		wg.Go(func() {
			_, err := c.Get(context.Background(), Request{URL: fmt.Sprintf("http://slow.example:%d/r%d", port, i)})
			errs <- err
		})
	}
	// Another host is not held up by the first one's queue.
	time.Sleep(20 * time.Millisecond)
	if _, err := c.Get(context.Background(), Request{URL: fmt.Sprintf("http://other.example:%d/", port)}); err != nil {
		t.Fatal(err)
	}
	otherDone := time.Since(begin)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	starts := log.get("slow.example")
	if len(starts) != 4 {
		t.Fatalf("slow.example saw %d requests, want 4", len(starts))
	}
	// Scheduling can only make a request later than its turn, so the i-th
	// request to reach the server cannot have started before i delays.
	// (Gaps between neighbours are no test: a late first request narrows
	// the gap to an on-time second one.)
	for i, start := range starts {
		if earliest := begin.Add(time.Duration(i) * delay); start.Before(earliest) {
			t.Errorf("request %d to one host started %s after the first began, want at least %s",
				i, start.Sub(begin), time.Duration(i)*delay)
		}
	}
	if total := starts[3].Sub(begin); total > 4*delay+time.Second {
		t.Errorf("four requests took %s, want about %s", total, 3*delay)
	}
	if otherDone > delay {
		t.Errorf("a request to another host took %s, want no wait behind slow.example's queue", otherDone)
	}
}

func TestGetHostDelayRespectsDeadline(t *testing.T) {
	t.Parallel()
	var log startLog
	srv := httptest.NewServer(http.HandlerFunc(log.handler))
	t.Cleanup(srv.Close) // not defer: the parallel subtests run after this function returns

	t.Run("turn after the deadline fails at once", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), HostDelay: time.Second, Transport: anyHostTransport(t, srv)})
		u := srv.URL + "/a"
		if _, err := c.Get(context.Background(), Request{URL: u}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Get(ctx, Request{URL: u})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), u) ||
			!strings.Contains(err.Error(), "after this request's deadline") {
			t.Fatalf("err = %v, want a deadline error naming the URL", err)
		}
		if elapsed := time.Since(start); elapsed > 250*time.Millisecond {
			t.Errorf("took %s to give up, want no wait", elapsed)
		}
	})

	t.Run("a cancelled wait gives its turn back", func(t *testing.T) {
		t.Parallel()
		const delay = 400 * time.Millisecond
		c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), HostDelay: delay, Transport: anyHostTransport(t, srv)})
		begin := time.Now()
		if _, err := c.Get(context.Background(), Request{URL: "http://cancel.example/1"}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		if _, err := c.Get(ctx, Request{URL: "http://cancel.example/2"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if _, err := c.Get(context.Background(), Request{URL: "http://cancel.example/3"}); err != nil {
			t.Fatal(err)
		}
		// The third request takes the second's turn, one delay after the
		// first, not two.
		if elapsed := time.Since(begin); elapsed < delay || elapsed > 2*delay-50*time.Millisecond {
			t.Errorf("third request done after %s, want between %s and %s", elapsed, delay, 2*delay-50*time.Millisecond)
		}
	})
}

func TestGetHonoursRetryAfterPerHost(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/limited" {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Transport: anyHostTransport(t, srv)})
	busy := fmt.Sprintf("http://busy.example:%d", port)

	start := time.Now()
	_, err := c.Get(context.Background(), Request{URL: busy + "/limited", Source: "a"})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || se.RetryAfter != time.Second {
		t.Fatalf("err = %v, want a 429 StatusError with RetryAfter 1s", err)
	}

	// Another source, another path, same host, a deadline before the end of
	// the backoff: refused at once, the server not asked.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err = c.Get(ctx, Request{URL: busy + "/feed", Source: "b"})
	var hb *HostBackoffError
	if !errors.As(err, &hb) {
		t.Fatalf("err = %v, want *HostBackoffError", err)
	}
	if hb.Host != "busy.example" || hb.Status != http.StatusTooManyRequests || hb.Until.Before(start.Add(time.Second)) || !hb.Temporary() {
		t.Errorf("HostBackoffError = %+v", hb)
	}
	if msg := err.Error(); !strings.Contains(msg, busy+"/feed") || !strings.Contains(msg, "host busy.example asked us to wait until") {
		t.Errorf("err = %q, want the URL and the host's request", msg)
	}
	if elapsed := time.Since(t0); elapsed > 300*time.Millisecond {
		t.Errorf("took %s to refuse, want no wait", elapsed)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}

	// Another host is not affected.
	if _, err := c.Get(ctx, Request{URL: fmt.Sprintf("http://calm.example:%d/feed", port)}); err != nil {
		t.Fatalf("other host: %v", err)
	}

	// A deadline after the end of the backoff: the request waits for it.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	resp, err := c.Get(ctx2, Request{URL: busy + "/feed", Source: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" {
		t.Errorf("body %q", resp.Body)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("request sent %s after the 429, want at least the 1s asked for", elapsed)
	}
}

func TestGetRetryAfterWithoutDeadlineWaitsAtMostTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes(), Timeout: 5 * time.Second})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err == nil {
		t.Fatal("want a 503")
	}
	start := time.Now()
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	var hb *HostBackoffError
	if !errors.As(err, &hb) || hb.Status != http.StatusServiceUnavailable {
		t.Fatalf("err = %v, want *HostBackoffError for a 503", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %s, want an immediate refusal", elapsed)
	}
}

func TestHostGateCapsAndSweeps(t *testing.T) {
	t.Parallel()
	g := newHostGate(time.Second)
	now := time.Now()
	g.setBackoff("a", now.Add(time.Hour), 429)
	g.setBackoff("a", now.Add(time.Minute), 503) // shorter: ignored
	if until, status := g.backoff("a", now); !until.Equal(now.Add(time.Hour)) || status != 429 {
		t.Errorf("backoff = %s %d, want the longer one", until, status)
	}
	if until, _ := g.backoff("a", now.Add(2*time.Hour)); !until.IsZero() {
		t.Errorf("backoff after its end = %s, want none", until)
	}
	if _, _, ok := g.reserve("b", now, time.Time{}); !ok {
		t.Fatal("reserve refused")
	}
	// A minute and more later, both entries have expired and are swept.
	g.mu.Lock()
	g.state("c", now.Add(3*time.Hour))
	n := len(g.hosts)
	g.mu.Unlock()
	if n != 1 {
		t.Errorf("%d hosts remembered after the sweep, want 1", n)
	}
}

// TestGetRefuses50MBBody serves 50 MB against the default 10 MiB cap, with
// and without a Content-Length.
func TestGetRefuses50MBBody(t *testing.T) {
	t.Parallel()
	const size = 50_000_000
	chunk := bytes.Repeat([]byte("<p>More than 43,000 children failed to appear.</p>\n"), 1000)
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !chunked {
					w.Header().Set("Content-Length", fmt.Sprint(size))
				}
				for left := size; left > 0; {
					n, err := w.Write(chunk[:min(left, len(chunk))])
					sent.Add(int64(n))
					if err != nil {
						return
					}
					left -= n
				}
			}))
			defer srv.Close()
			c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
			start := time.Now()
			_, err := c.Get(context.Background(), Request{URL: srv.URL + "/report.pdf"})
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), srv.URL+"/report.pdf") ||
				!strings.Contains(err.Error(), fmt.Sprint(DefaultMaxBodyBytes)) {
				t.Fatalf("err = %v, want ErrTooLarge naming the URL and the cap", err)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("took %s to refuse 50 MB", elapsed)
			}
		})
	}
}

// TestGetWindows1252Page serves a page generated in Windows-1252 whose only
// declaration is a <meta> after a long head, and reads it back as UTF-8.
func TestGetWindows1252Page(t *testing.T) {
	t.Parallel()
	head := "<html><head><script>" + strings.Repeat("var tracking = 0;\n", 100) + "</script>" +
		`<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>`
	// “43,000 children” — café, 5€ in Windows-1252 bytes.
	body := head + "<p>\x9343,000 children\x94 \x97 caf\xe9, 5\x80</p></body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html") // no charset, as many servers send
		io.WriteString(w, body)
	}))
	defer srv.Close()
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
	resp, err := c.Get(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	got, name, err := ToUTF8(resp.Body, resp.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<p>“43,000 children” — café, 5€</p>"; name != "windows-1252" || !strings.Contains(string(got), want) {
		t.Errorf("ToUTF8 = %s, %q; want windows-1252 and %q", name, got[len(got)-60:], want)
	}
}
