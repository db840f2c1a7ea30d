// Package fetch owns the one polite HTTP client every source is fetched with:
// connect and overall timeouts, a cap on the decompressed body size, gzip
// handled by hand so the cap also bounds decompression, bounded redirects
// that never downgrade from https to http, conditional GET with ETag and
// Last-Modified, Retry-After on 429 and 503 remembered per host, a minimum
// delay between requests to one host, global and per-host limits on
// requests in flight, an egress policy that refuses loopback, private,
// link-local and other non-public addresses at dial time unless
// allow-listed, URLs redacted of secrets in every error and log line, and
// charset detection to UTF-8.
package fetch

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 60 * time.Second
	DefaultMaxBodyBytes   = 10 << 20
	DefaultMaxRedirects   = 5
	DefaultConcurrency    = 8
	DefaultPerHost        = 2
)

// defaultAccept names what watcher can read, most wanted first. Some bot
// walls reject requests without an Accept header, and content-negotiating
// servers otherwise pick an HTML rendering of a feed.
const defaultAccept = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, application/pdf;q=0.8, */*;q=0.5"

// presizeBytes bounds the buffer allocated for a body on the strength of
// its Content-Length alone; a larger body grows it as it arrives.
const presizeBytes = 1 << 20

// drainBytes is how much of an error response's body is read and discarded so
// that the connection can go back to the idle pool.
const drainBytes = 64 << 10

// ErrTooLarge is returned (wrapped with the URL and the cap) when a body,
// after decompression, is larger than Options.MaxBodyBytes.
var ErrTooLarge = errors.New("body too large")

// ErrTooManyRedirects is returned (wrapped) when a fetch is redirected more
// than Options.MaxRedirects times, a redirect loop included.
var ErrTooManyRedirects = errors.New("too many redirects")

// ErrInsecureRedirect is returned (wrapped) when an https URL redirects to
// plain http: following it would send the request, and trust the answer, in
// the clear.
var ErrInsecureRedirect = errors.New("redirect from https to http refused")

// Options configures a Client. Zero values take the documented defaults.
type Options struct {
	UserAgent      string        // required; sent on every request
	ConnectTimeout time.Duration // dial + TLS handshake, default 10s
	Timeout        time.Duration // whole request including body read, default 60s
	MaxBodyBytes   int64         // cap on the (decompressed) body, default 10 MiB
	MaxRedirects   int           // default 5; negative follows no redirect at all
	Concurrency    int           // global limit on requests in flight, default 8
	PerHost        int           // per-host limit on requests in flight, default 2
	// HostDelay is the minimum time between the starts of two requests to
	// one host, whichever sources they serve; default 0, none.
	HostDelay time.Duration
	Logger    *slog.Logger // default discards
	// AllowPrivate lists the non-public addresses (loopback, private,
	// link-local, CGNAT, multicast, unspecified) that requests may connect
	// to; every other such address is refused with an *EgressError before
	// a packet is sent. Empty by default: a public feed cannot make watcher
	// fetch the cloud metadata service or the intranet. Request.AllowPrivate
	// adds to it for one request.
	AllowPrivate []netip.Prefix
	// Transport replaces the client's own transport, for tests. The client
	// then cannot apply ConnectTimeout, nor check the addresses its
	// transport dials: only URLs and redirects naming a literal address are
	// checked against AllowPrivate. Timeout still bounds every request.
	Transport http.RoundTripper
}

// Client fetches URLs politely. It is safe for concurrent use; create one per
// process and share it.
type Client struct {
	opts   Options
	global chan struct{}
	hosts  *hostLimiter
	gate   *hostGate
	log    *slog.Logger

	// One HTTP client per distinct allow list (Options.AllowPrivate plus a
	// request's own), made on first use. Connections are never shared
	// between allow lists: an idle connection to an intranet address opened
	// for a source that may reach it must not serve a source that may not.
	// Allow lists come from the configuration, so there are few.
	mu      sync.Mutex
	clients map[string]*policyClient

	// base and baseKey are the policy of Options.AllowPrivate alone, which
	// almost every request uses: worked out once, not per request.
	base    egressPolicy
	baseKey string
	// Header values that are the same on every request, shared by them
	// all (net/http only reads a request's headers).
	accept, userAgent, acceptEncoding []string
}

// policyClient is the HTTP client for one egress policy. dialer is nil
// when Options.Transport replaced the client's own.
type policyClient struct {
	policy egressPolicy
	hc     *http.Client
	dialer *net.Dialer
}

// New returns a Client for opts, filling in defaults. A missing UserAgent is
// reported by every Get, so a misconfigured client fails loudly rather than
// fetching anonymously.
func New(opts Options) *Client {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.PerHost <= 0 {
		opts.PerHost = DefaultPerHost
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := newEgressPolicy(opts.AllowPrivate)
	return &Client{
		opts:           opts,
		global:         make(chan struct{}, opts.Concurrency),
		hosts:          newHostLimiter(opts.PerHost),
		gate:           newHostGate(opts.HostDelay),
		log:            logger,
		clients:        make(map[string]*policyClient),
		base:           base,
		baseKey:        base.key(),
		accept:         []string{defaultAccept},
		userAgent:      []string{opts.UserAgent},
		acceptEncoding: []string{"gzip"},
	}
}

// client returns the HTTP client that enforces the policy of Options.AllowPrivate
// plus extra.
func (c *Client) client(extra []netip.Prefix) *policyClient {
	policy, key := c.base, c.baseKey
	if len(extra) > 0 {
		policy = newEgressPolicy(c.opts.AllowPrivate, extra)
		key = policy.key()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pc := c.clients[key]; pc != nil {
		return pc
	}
	pc := &policyClient{policy: policy}
	rt := c.opts.Transport
	if rt == nil {
		pc.dialer = &net.Dialer{Timeout: c.opts.ConnectTimeout, KeepAlive: 30 * time.Second, Control: policy.control}
		rt = newTransport(c.opts, pc.dialer)
	}
	pc.hc = &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return c.checkRedirect(policy, req, via)
		},
		// No Client.Timeout: Get bounds each request with a context deadline,
		// which covers the body read and keeps errors.Is(err,
		// context.DeadlineExceeded) true on timeout.
	}
	c.clients[key] = pc
	return pc
}

func newTransport(opts Options, dialer *net.Dialer) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   opts.PerHost,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Gzip is requested and decoded in Get so that MaxBodyBytes bounds
		// the decompressed size; the transport must not do it behind our back.
		DisableCompression: true,
	}
}

// redirectRefused marks checkRedirect's errors, whose messages already
// name the redirect's target.
type redirectRefused struct{ error }

func (e redirectRefused) Unwrap() error { return e.error }

func (c *Client) checkRedirect(policy egressPolicy, req *http.Request, via []*http.Request) error {
	if err := c.redirectAllowed(policy, req, via); err != nil {
		return redirectRefused{err}
	}
	return nil
}

func (c *Client) redirectAllowed(policy egressPolicy, req *http.Request, via []*http.Request) error {
	prev := via[len(via)-1]
	if prev.URL.Scheme == "https" && req.URL.Scheme == "http" {
		return fmt.Errorf("redirect from %s to %s: %w", RedactedURL(prev.URL), RedactedURL(req.URL), ErrInsecureRedirect)
	}
	limit := max(c.opts.MaxRedirects, 0)
	if len(via) > limit {
		return fmt.Errorf("stopped after %d redirects at %s: %w", limit, RedactedURL(req.URL), ErrTooManyRedirects)
	}
	if err := policy.checkHost(req.URL.Hostname()); err != nil {
		return fmt.Errorf("redirect to %s: %w", RedactedURL(req.URL), err)
	}
	return nil
}

// Close releases the client's idle connections. Requests in flight are not
// interrupted; the client stays usable.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, pc := range c.clients {
		pc.hc.CloseIdleConnections()
	}
}

// Request is one fetch.
type Request struct {
	URL          string
	ETag         string            // sent as If-None-Match when set
	LastModified string            // sent as If-Modified-Since when set
	Header       map[string]string // extra per-source headers
	Source       string            // for logs
	// AllowPrivate adds to Options.AllowPrivate for this request (a source
	// that watches an intranet page).
	AllowPrivate []netip.Prefix
}

// Response is the outcome of a successful fetch: a 2xx with its body, or a
// 304 Not Modified.
type Response struct {
	URL          string // final URL after redirects
	Status       int
	NotModified  bool   // 304
	Body         []byte // decompressed, at most MaxBodyBytes
	ContentType  string
	ETag         string // validator from the response; on 304 the request's is kept when the server sends none
	LastModified string // as ETag
	Bytes        int64  // body bytes read from the network (compressed size when gzip)
	Duration     time.Duration
}

// StatusError reports a response status other than 2xx or 304.
type StatusError struct {
	URL        string
	Status     int
	RetryAfter time.Duration // from Retry-After on 429 and 503; zero when absent
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("get %s: status %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// Temporary reports whether the same request may succeed later: 408, 425,
// 429 and 5xx, as opposed to 404 or 410 which need a config change.
func (e *StatusError) Temporary() bool {
	switch {
	case e.Status == http.StatusRequestTimeout, e.Status == http.StatusTooEarly,
		e.Status == http.StatusTooManyRequests, e.Status >= 500:
		return true
	}
	return false
}

// Get fetches req.URL. Before sending it waits, returning ctx's error if ctx
// ends first:
//   - for the end of a Retry-After backoff that the host asked for on an
//     earlier 429 or 503. When that end falls after ctx's deadline (or, for
//     a ctx without one, more than Options.Timeout away) Get fails at once
//     with a *HostBackoffError instead;
//   - for a per-host slot (Options.PerHost);
//   - for Options.HostDelay after the start of the previous request to the
//     host. When that start falls after ctx's deadline Get fails at once
//     with an error that satisfies errors.Is(err, context.DeadlineExceeded);
//   - for a global slot (Options.Concurrency).
//
// The whole exchange, body read included, is then bounded by
// Options.Timeout. Errors name the URL, redacted (RedactURL); see
// StatusError, HostBackoffError, EgressError, ErrTooLarge,
// ErrTooManyRedirects and ErrInsecureRedirect. A timeout
// satisfies errors.Is(err, context.DeadlineExceeded).
func (c *Client) Get(ctx context.Context, req Request) (*Response, error) {
	// From here on req.URL only names the fetch in errors and logs: without
	// the password or API key that a URL may carry. The request itself
	// uses u.
	raw := req.URL
	// Parsed once: the redaction and the request share the result.
	u, err := url.Parse(raw)
	if err != nil {
		req.URL = redactUnparsed(raw)
	} else {
		req.URL = redactParsed(raw, u)
	}
	if c.opts.UserAgent == "" {
		return nil, fmt.Errorf("get %s: no User-Agent configured", req.URL)
	}
	if err != nil {
		// url.Parse's error repeats the URL unredacted: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("get %s: parse URL: %w", req.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("get %s: unsupported URL scheme %q", req.URL, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("get %s: URL has no host", req.URL)
	}
	pc := c.client(req.AllowPrivate)
	// A literal address is refused before any wait: no slot, no turn.
	if err := pc.policy.checkHost(u.Hostname()); err != nil {
		return nil, fmt.Errorf("get %s: %w", req.URL, err)
	}

	host := strings.ToLower(u.Hostname())
	// Backoff before the host slot: a request waiting out a Retry-After
	// must not keep another source's request, due later, from its slot.
	if err := c.waitBackoff(ctx, host); err != nil {
		return nil, fmt.Errorf("get %s: %w", req.URL, err)
	}
	// Per-host first: waiting for a busy host while holding a global slot
	// would let one slow host starve every other.
	hs, err := c.hosts.acquire(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("get %s: wait for host slot: %w", req.URL, err)
	}
	defer c.hosts.release(host, hs)
	if err := c.waitTurn(ctx, host); err != nil {
		return nil, fmt.Errorf("get %s: %w", req.URL, err)
	}
	if err := acquire(ctx, c.global); err != nil {
		return nil, fmt.Errorf("get %s: wait for slot: %w", req.URL, err)
	}
	defer func() { <-c.global }()

	start := time.Now()
	resp, err := c.do(ctx, pc.hc, u, req)
	dur := time.Since(start)
	if err == nil {
		resp.Duration = dur
		// Checked first: the attributes alone cost allocations on every
		// request, and at info level nobody reads them.
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.LogAttrs(ctx, slog.LevelDebug, "fetched",
				slog.String("source", req.Source), slog.String("url", req.URL),
				slog.Int("status", resp.Status), slog.Int64("bytes", resp.Bytes),
				slog.Duration("dur", dur), slog.Bool("not_modified", resp.NotModified))
		}
		return resp, nil
	}
	attrs := []slog.Attr{slog.String("source", req.Source), slog.String("url", req.URL)}
	var se *StatusError
	if errors.As(err, &se) {
		attrs = append(attrs, slog.Int("status", se.Status))
		if se.RetryAfter > 0 {
			until := start.Add(dur + min(se.RetryAfter, MaxHostBackoff))
			c.gate.setBackoff(host, until, se.Status, time.Now())
			c.log.LogAttrs(ctx, slog.LevelInfo, "host asked to back off", append(attrs,
				slog.String("host", host), slog.Time("until", until))...)
		}
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "fetch failed", append(attrs,
		slog.Duration("dur", dur), slog.Any("err", err))...)
	return nil, err
}

func (c *Client) do(ctx context.Context, hc *http.Client, u *url.URL, req Request) (*Response, error) {
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	target := u.String()
	hreq, err := http.NewRequestWithContext(tctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", req.URL, err)
	}
	// The constant values are the client's shared slices and the keys are
	// written in canonical form, so building the headers allocates only
	// for the validators; a per-source header still goes through Set,
	// which replaces a shared slice rather than writing into it.
	h := hreq.Header
	h["Accept"] = c.accept
	for k, v := range req.Header {
		if strings.EqualFold(k, "Host") {
			hreq.Host = v
			continue
		}
		h.Set(k, v)
	}
	// Set after the per-source headers: the body decoder below understands
	// only gzip, and the User-Agent is the client's identity everywhere.
	h["User-Agent"] = c.userAgent
	h["Accept-Encoding"] = c.acceptEncoding
	if req.ETag != "" || req.LastModified != "" {
		v := &[2]string{req.ETag, req.LastModified} // one allocation for both
		if req.ETag != "" {
			h["If-None-Match"] = v[0:1:1]
		}
		if req.LastModified != "" {
			h["If-Modified-Since"] = v[1:2:2]
		}
	}

	hresp, err := hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", req.URL, c.explain(ctx, unwrapURLError(u, err)))
	}
	defer hresp.Body.Close()

	final := target
	if hresp.Request != hreq { // redirected
		final = hresp.Request.URL.String()
	}
	out := &Response{
		URL:          final,
		Status:       hresp.StatusCode,
		ContentType:  hresp.Header.Get("Content-Type"),
		ETag:         hresp.Header.Get("ETag"),
		LastModified: hresp.Header.Get("Last-Modified"),
	}
	switch {
	case hresp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = req.ETag
		}
		if out.LastModified == "" {
			out.LastModified = req.LastModified
		}
		return out, nil
	case hresp.StatusCode < 200 || hresp.StatusCode > 299:
		// Drain a little so the connection can be reused; errors here do not
		// matter, the status is the news.
		_, _ = io.CopyN(io.Discard, hresp.Body, drainBytes)
		se := &StatusError{URL: req.URL, Status: hresp.StatusCode}
		if hresp.StatusCode == http.StatusTooManyRequests || hresp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter, _ = ParseRetryAfter(hresp.Header.Get("Retry-After"), time.Now())
		}
		return nil, se
	}

	counted := &countingReader{r: hresp.Body}
	body, err := c.readBody(counted, hresp)
	out.Bytes = counted.n
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", req.URL, c.explain(ctx, err))
	}
	out.Body = body
	return out, nil
}

// waitBackoff waits until host's Retry-After backoff, if any, has ended, or
// fails at once with a *HostBackoffError when it ends after the request
// could still be sent.
func (c *Client) waitBackoff(ctx context.Context, host string) error {
	// A loop: while this request waited, another answer from the host may
	// have pushed the end further out.
	for {
		now := time.Now()
		until, status := c.gate.backoff(host, now)
		if until.IsZero() {
			return nil
		}
		limit, ok := ctx.Deadline()
		if !ok {
			// A ctx without a deadline (a CLI fetch) would otherwise wait up
			// to MaxHostBackoff in silence.
			limit = now.Add(c.opts.Timeout)
		}
		if until.After(limit) {
			return &HostBackoffError{Host: host, Until: until, Status: status}
		}
		if err := sleep(ctx, until.Sub(now)); err != nil {
			return fmt.Errorf("wait for host %s to end its backoff: %w", host, err)
		}
	}
}

// waitTurn waits until Options.HostDelay has passed since the start of the
// previous request to host, booking this request's start.
func (c *Client) waitTurn(ctx context.Context, host string) error {
	now := time.Now()
	deadline, _ := ctx.Deadline()
	start, cancel, ok := c.gate.reserve(host, now, deadline)
	if !ok {
		return fmt.Errorf("host %s is busy until %s, after this request's deadline: %w",
			host, start.UTC().Format(time.RFC3339Nano), context.DeadlineExceeded)
	}
	if err := sleep(ctx, start.Sub(now)); err != nil {
		cancel(time.Now())
		return fmt.Errorf("wait for host %s: %w", host, err)
	}
	return nil
}

// explain adds the configured timeout to an error caused by Get's own
// deadline, which otherwise reads as a bare "context deadline exceeded". ctx
// is the caller's: when its deadline passed first, the timeout is not ours.
func (c *Client) explain(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("timed out after %s: %w", c.opts.Timeout, err)
	}
	return err
}

// unwrapURLError drops net/http's *url.Error wrapper, whose message repeats
// the URL that Get's own wrapping already names; when the failure came after
// a redirect, the URL it failed at is kept. The cause keeps its net.Error,
// context and *EgressError identity.
func unwrapURLError(requested *url.URL, err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Err == nil {
		return err
	}
	var refused redirectRefused
	if errors.As(ue.Err, &refused) {
		// checkRedirect's errors name both ends already.
		return refused.error
	}
	// net/http names the URL it failed at with the password masked its own
	// way: compare without userinfo.
	if at, perr := url.Parse(ue.URL); perr == nil {
		want := *requested
		want.User, at.User = nil, nil
		if at.String() != want.String() {
			return fmt.Errorf("redirected to %s: %w", RedactedURL(at), ue.Err)
		}
	}
	return ue.Err
}

// readBody reads at most MaxBodyBytes of decoded body. Gzip is detected by
// the Content-Encoding header and also by the gzip magic number, because
// some servers compress without saying so and some say so without
// compressing.
func (c *Client) readBody(r io.Reader, hresp *http.Response) ([]byte, error) {
	limit := c.opts.MaxBodyBytes
	enc := strings.ToLower(strings.TrimSpace(hresp.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity", "gzip", "x-gzip":
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}

	// The smallest buffer bufio allows: Peek fills it, and the reads after
	// it go straight into the body, so the body is not copied through a
	// 4 KB buffer.
	br := bufio.NewReaderSize(r, 16)
	size := 0
	if isGzip(br) {
		// gzip reads a byte at a time from a bufio.Reader as it is: given
		// br's 16 bytes it would read the body 16 bytes at a time.
		zr, err := gzip.NewReader(bufio.NewReader(br))
		if err != nil {
			return nil, fmt.Errorf("read gzip body: %w", err)
		}
		defer zr.Close()
		r = zr
	} else {
		// An honest Content-Length over the cap saves reading the body.
		if hresp.ContentLength > limit {
			return nil, fmt.Errorf("declared length %d exceeds %d bytes: %w", hresp.ContentLength, limit, ErrTooLarge)
		}
		// A declared length is the body's size (net/http reads no more),
		// so the body is read into one allocation, not grown to it. Up to
		// a point: a length declared is not yet a length sent.
		if hresp.ContentLength > 0 {
			size = int(min(hresp.ContentLength, presizeBytes))
		}
		r = br
	}

	body, err := readAll(io.LimitReader(r, limit+1), size)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("body exceeds %d bytes: %w", limit, ErrTooLarge)
	}
	return body, nil
}

// readAll is io.ReadAll reading into a buffer of size bytes first: one
// byte more, so that the read which finds the end needs no larger one.
func readAll(r io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, max(size+1, 512))
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				return b, nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow as append does
		}
	}
}

// isGzip reports whether br starts with the gzip magic number and the
// deflate method byte, without consuming it.
func isGzip(br *bufio.Reader) bool {
	p, _ := br.Peek(3)
	return len(p) == 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8
}

// maxRetryAfter caps a Retry-After in seconds so that converting it to a
// Duration cannot overflow.
const maxRetryAfter = 365 * 24 * time.Hour

// ParseRetryAfter reads a Retry-After header value (RFC 9110 §10.2.3): delay
// seconds, or an HTTP date taken relative to now. ok is false when v is
// empty or neither form; a value of zero, negative seconds or a date in the
// past give 0 and ok true, except negative seconds, which are no valid
// value (ok false). Delays are capped at a year; a date's delay is rounded
// to the second, the header's own precision.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0).Round(time.Second), maxRetryAfter), true
	}
	return 0, false
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
