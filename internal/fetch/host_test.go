package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// memTransport answers every request in memory with handler, whatever host
// its URL names, and records when each request reached it, per host. In a
// synctest bubble nothing it does blocks on the network, so the bubble's
// clock runs only while every goroutine waits for a timer: the times it
// records are exact.
type memTransport struct {
	handler http.HandlerFunc

	mu     sync.Mutex
	starts map[string][]time.Time
}

func (m *memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	m.mu.Lock()
	if m.starts == nil {
		m.starts = make(map[string][]time.Time)
	}
	m.starts[req.URL.Hostname()] = append(m.starts[req.URL.Hostname()], time.Now())
	m.mu.Unlock()
	rec := httptest.NewRecorder()
	h := m.handler
	if h == nil {
		h = func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }
	}
	h(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

func (m *memTransport) get(host string) []time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := slices.Clone(m.starts[host])
	slices.SortFunc(s, time.Time.Compare)
	return s
}

func (m *memTransport) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.starts {
		n += len(s)
	}
	return n
}

// sameInstant allows for golang.org/x/time/rate, which computes delays in
// float64 seconds and can land a nanosecond off the exact multiple.
func sameInstant(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

func TestGetSpacesRequestsToOneHost(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const delay = 300 * time.Millisecond
		tr := &memTransport{}
		c := newTestClient(t, Options{HostDelay: delay, PerHost: 4, Transport: tr})

		begin := time.Now()
		errs := make(chan error, 4)
		for i := range 4 {
			go func() {
				_, err := c.Get(context.Background(), Request{URL: fmt.Sprintf("http://slow.example/r%d", i)})
				errs <- err
			}()
		}
		// Every request to slow.example is now sent or waiting for its turn.
		synctest.Wait()
		// Another host is not held up by the first one's queue.
		if _, err := c.Get(context.Background(), Request{URL: "http://other.example/"}); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(begin); waited != 0 {
			t.Errorf("a request to another host waited %s behind slow.example's queue", waited)
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		starts := tr.get("slow.example")
		if len(starts) != 4 {
			t.Fatalf("slow.example saw %d requests, want 4", len(starts))
		}
		for i, start := range starts {
			if want := begin.Add(time.Duration(i) * delay); !sameInstant(start, want) {
				t.Errorf("request %d to one host started %s after the first began, want %s", i, start.Sub(begin), want.Sub(begin))
			}
		}
	})
}

func TestGetHostDelayRespectsDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "turn after the deadline fails at once", run: func(t *testing.T) {
			tr := &memTransport{}
			c := newTestClient(t, Options{HostDelay: time.Second, Transport: tr})
			const u = "http://busy.example/a"
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
			if waited := time.Since(start); waited != 0 {
				t.Errorf("waited %s to give up, want no wait", waited)
			}
			if n := tr.count(); n != 1 {
				t.Errorf("host saw %d requests, want 1", n)
			}
			// Nothing was booked: the next request's turn is one delay
			// after the first, not two.
			if _, err := c.Get(context.Background(), Request{URL: u}); err != nil {
				t.Fatal(err)
			}
			if s := tr.get("busy.example"); len(s) != 2 || !sameInstant(s[1], s[0].Add(time.Second)) {
				t.Errorf("starts %v, want the second one second after the first", s)
			}
		}},
		{name: "a cancelled wait gives its turn back", run: func(t *testing.T) {
			const delay = 400 * time.Millisecond
			tr := &memTransport{}
			c := newTestClient(t, Options{HostDelay: delay, Transport: tr})
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
			// The third request takes the second's turn, one delay after
			// the first, not two.
			starts := tr.get("cancel.example")
			if len(starts) != 2 || !sameInstant(starts[1], begin.Add(delay)) {
				t.Errorf("requests reached the host at %v, want the third %s after the first", starts, delay)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, tc.run)
		})
	}
}

func TestGetHonoursRetryAfterPerHost(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		tr := &memTransport{handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/limited" {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			io.WriteString(w, "ok")
		}}
		c := newTestClient(t, Options{Transport: tr})
		const busy = "http://busy.example"

		start := time.Now()
		_, err := c.Get(context.Background(), Request{URL: busy + "/limited", Source: "a"})
		var se *StatusError
		if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || se.RetryAfter != time.Second {
			t.Fatalf("err = %v, want a 429 StatusError with RetryAfter 1s", err)
		}

		// Another source, another path, same host, a deadline before the
		// end of the backoff: refused at once, the server not asked.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err = c.Get(ctx, Request{URL: busy + "/feed", Source: "b"})
		var hb *HostBackoffError
		if !errors.As(err, &hb) {
			t.Fatalf("err = %v, want *HostBackoffError", err)
		}
		if hb.Host != "busy.example" || hb.Status != http.StatusTooManyRequests || !hb.Until.Equal(start.Add(time.Second)) || !hb.Temporary() {
			t.Errorf("HostBackoffError = %+v", hb)
		}
		if msg := err.Error(); !strings.Contains(msg, busy+"/feed") || !strings.Contains(msg, "host busy.example asked us to wait until") {
			t.Errorf("err = %q, want the URL and the host's request", msg)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("waited %s to refuse, want no wait", waited)
		}
		if n := tr.count(); n != 1 {
			t.Errorf("server saw %d requests, want 1", n)
		}

		// Another host is not affected.
		if _, err := c.Get(ctx, Request{URL: "http://calm.example/feed"}); err != nil {
			t.Fatalf("other host: %v", err)
		}

		// A deadline after the end of the backoff: the request waits for
		// it, exactly.
		ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel2()
		resp, err := c.Get(ctx2, Request{URL: busy + "/feed", Source: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != "ok" {
			t.Errorf("body %q", resp.Body)
		}
		if sent := tr.get("busy.example"); len(sent) != 2 || !sent[1].Equal(start.Add(time.Second)) {
			t.Errorf("requests to busy.example at %v, want the second 1s after the 429", sent)
		}
	})
}

func TestGetRetryAfterWithoutDeadlineWaitsAtMostTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		tr := &memTransport{handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		}}
		c := newTestClient(t, Options{Timeout: 5 * time.Second, Transport: tr})
		const u = "http://down.example/feed"
		if _, err := c.Get(context.Background(), Request{URL: u}); err == nil {
			t.Fatal("want a 503")
		}
		start := time.Now()
		_, err := c.Get(context.Background(), Request{URL: u})
		var hb *HostBackoffError
		if !errors.As(err, &hb) || hb.Status != http.StatusServiceUnavailable {
			t.Fatalf("err = %v, want *HostBackoffError for a 503", err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("waited %s, want an immediate refusal", waited)
		}
		if n := tr.count(); n != 1 {
			t.Errorf("server saw %d requests, want 1", n)
		}
	})
}

func TestHostGateCapsAndSweeps(t *testing.T) {
	t.Parallel()
	g := newHostGate(time.Second)
	now := time.Now()
	g.setBackoff("a", now.Add(time.Hour), 429, now)
	g.setBackoff("a", now.Add(time.Minute), 503, now) // shorter: ignored
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

// TestHostGateReserve pins the bookings that HostDelay makes, whichever
// limiter keeps them.
func TestHostGateReserve(t *testing.T) {
	t.Parallel()
	const delay = time.Second
	t0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	// A step reserves at now with deadline (zero: none).
	type reserveStep struct {
		now, deadline time.Time
		cancelStep    int // before reserving, give back step cancelStep-1's booking
		wantStart     time.Time
		wantOK        bool
	}
	tests := []struct {
		name  string
		steps []reserveStep
	}{
		{name: "spaced by the delay", steps: []reserveStep{
			{now: t0, wantStart: t0, wantOK: true},
			{now: t0, wantStart: at(delay), wantOK: true},
			{now: at(100 * time.Millisecond), wantStart: at(2 * delay), wantOK: true},
		}},
		{name: "idle host starts at once", steps: []reserveStep{
			{now: t0, wantStart: t0, wantOK: true},
			{now: at(5 * delay), wantStart: at(5 * delay), wantOK: true},
			{now: at(5 * delay), wantStart: at(6 * delay), wantOK: true},
		}},
		{name: "after the deadline books nothing", steps: []reserveStep{
			{now: t0, wantStart: t0, wantOK: true},
			{now: t0, deadline: at(500 * time.Millisecond), wantStart: at(delay), wantOK: false},
			{now: t0, wantStart: at(delay), wantOK: true},
		}},
		{name: "the latest booking given back", steps: []reserveStep{
			{now: t0, wantStart: t0, wantOK: true},
			{now: t0, wantStart: at(delay), wantOK: true},
			{now: t0, cancelStep: 2, wantStart: at(delay), wantOK: true},
		}},
		{name: "an earlier booking given back keeps later ones", steps: []reserveStep{
			{now: t0, wantStart: t0, wantOK: true},
			{now: t0, wantStart: at(delay), wantOK: true},
			{now: t0, wantStart: at(2 * delay), wantOK: true},
			{now: t0, cancelStep: 2, wantStart: at(3 * delay), wantOK: true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newHostGate(delay)
			var cancels []func(time.Time)
			for i, st := range tc.steps {
				if st.cancelStep > 0 {
					cancels[st.cancelStep-1](st.now)
				}
				start, cancel, ok := g.reserve("h", st.now, st.deadline)
				cancels = append(cancels, cancel)
				if ok != st.wantOK || !sameInstant(start, st.wantStart) {
					t.Fatalf("step %d: reserve = %s, %v; want %s, %v", i, start.Sub(t0), ok, st.wantStart.Sub(t0), st.wantOK)
				}
			}
		})
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
			_, err := c.Get(context.Background(), Request{URL: srv.URL + "/report.pdf"})
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), srv.URL+"/report.pdf") ||
				!strings.Contains(err.Error(), fmt.Sprint(DefaultMaxBodyBytes)) {
				t.Fatalf("err = %v, want ErrTooLarge naming the URL and the cap", err)
			}
			// The client hung up rather than reading on: the server's writes
			// failed once the socket buffers filled, well before 50 MB.
			// (Close waits for the handler to return.)
			c.Close()
			srv.Close()
			if n := sent.Load(); n >= size/2 {
				t.Errorf("server sent %d bytes before the client hung up, want well under %d", n, size)
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
