package fetch

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

func TestAddrClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want string
	}{
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"2606:4700::1111", ""},
		{"127.0.0.1", "loopback"},
		{"127.0.0.2", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.5.4", "private"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "private"},
		{"fd00::1", "private"},
		{"fec0::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.254", "CGNAT"},
		{"100.128.0.1", ""},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"255.255.255.255", "broadcast"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"64:ff9b::808:808", ""},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			if got := addrClass(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Errorf("addrClass(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

func TestEgressPolicyCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		allow   []string
		addr    string
		wantErr string // "" when allowed
	}{
		{name: "public needs no entry", addr: "8.8.8.8"},
		{name: "metadata service refused", addr: "169.254.169.254",
			wantErr: "refusing to connect to 169.254.169.254 (link-local); allow it with fetch.allow_private"},
		{name: "mapped metadata service refused", addr: "::ffff:169.254.169.254",
			wantErr: "refusing to connect to ::ffff:169.254.169.254 (link-local); allow it with fetch.allow_private"},
		{name: "private listed", allow: []string{"10.0.0.0/8"}, addr: "10.0.0.1"},
		{name: "private listed, mapped form", allow: []string{"10.0.0.0/8"}, addr: "::ffff:10.0.0.1"},
		{name: "neighbouring range not listed", allow: []string{"10.0.0.0/24"}, addr: "10.0.1.1",
			wantErr: "refusing to connect to 10.0.1.1 (private)"},
		{name: "one loopback address listed", allow: []string{"127.0.0.1/32"}, addr: "127.0.0.2",
			wantErr: "refusing to connect to 127.0.0.2 (loopback)"},
		{name: "IPv6 loopback listed", allow: []string{"::1/128"}, addr: "::1"},
		{name: "zone ignored", allow: []string{"fe80::/10"}, addr: "fe80::1%eth0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var allow []netip.Prefix
			for _, s := range tc.allow {
				allow = append(allow, netip.MustParsePrefix(s))
			}
			err := newEgressPolicy(allow).check(netip.MustParseAddr(tc.addr))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("check(%s) = %v, want allowed", tc.addr, err)
				}
				return
			}
			var ee *EgressError
			if !errors.As(err, &ee) || ee.Temporary() || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("check(%s) = %v, want a permanent *EgressError %q", tc.addr, err, tc.wantErr)
			}
		})
	}
}

func TestEgressPolicyKeyIgnoresOrderAndDuplicates(t *testing.T) {
	t.Parallel()
	a := newEgressPolicy([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		[]netip.Prefix{netip.MustParsePrefix("10.1.2.3/8")})
	b := newEgressPolicy([]netip.Prefix{netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")})
	if a.key() != b.key() {
		t.Errorf("keys differ: %q vs %q", a.key(), b.key())
	}
}

// errNotConnecting stops a dial that the policy let through, after the
// point the test counts and before connect(2): the tests never send a
// packet to a private address, even one they allowed.
var errNotConnecting = errors.New("test: dial stopped before connecting")

// dialProbe wraps a policy client's Control hook, counting the dials the
// policy refused and those it let through.
type dialProbe struct {
	refused atomic.Int32
	mu      sync.Mutex
	reached []string // addresses let through, except pass
}

// install wraps pc's Control. Dials to pass (the test server) go ahead;
// every other dial that the policy lets through is recorded and stopped.
func (p *dialProbe) install(t *testing.T, pc *policyClient, pass string) {
	t.Helper()
	if pc.dialer == nil || pc.dialer.Control == nil {
		t.Fatal("the client's dialer has no Control hook")
	}
	policyControl := pc.dialer.Control
	pc.dialer.Control = func(network, address string, rc syscall.RawConn) error {
		if err := policyControl(network, address, rc); err != nil {
			p.refused.Add(1)
			return err
		}
		if address == pass {
			return nil
		}
		p.mu.Lock()
		p.reached = append(p.reached, address)
		p.mu.Unlock()
		return errNotConnecting
	}
}

func (p *dialProbe) reachedAddrs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.reached...)
}

// TestGetRefusesNonPublicAddressesBeforeDialling fetches, directly and
// through a redirect from a (listed) test server, the addresses a hostile
// feed would aim at: the cloud metadata service, an intranet, another
// loopback address and IPv6 loopback. Refused, no dial gets past the
// policy; listed, each reaches the dial step (where the probe stops it).
func TestGetRefusesNonPublicAddressesBeforeDialling(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	srvAddr := srv.Listener.Addr().String()
	srvOnly := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

	targets := []struct {
		url, dialled, class, allow string
	}{
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254:80", "link-local", "169.254.169.254/32"},
		{"http://10.0.0.1/intranet", "10.0.0.1:80", "private", "10.0.0.0/8"},
		{"http://127.0.0.2/", "127.0.0.2:80", "loopback", "127.0.0.0/8"},
		{"http://[::1]/", "[::1]:80", "loopback", "::1/128"},
		// Go dials a mapped address as the IPv4 address it is.
		{"http://[::ffff:169.254.169.254]/", "169.254.169.254:80", "link-local", "169.254.0.0/16"},
	}
	for _, tg := range targets {
		for _, via := range []string{"direct", "redirect"} {
			for _, listed := range []bool{false, true} {
				name := via + " " + tg.url
				if listed {
					name += " listed"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					c := newTestClient(t, Options{AllowPrivate: srvOnly})
					var extra []netip.Prefix
					if listed {
						extra = []netip.Prefix{netip.MustParsePrefix(tg.allow)}
					}
					var probe dialProbe
					probe.install(t, c.client(extra), srvAddr)
					u := tg.url
					if via == "redirect" {
						u = srv.URL + "/r?to=" + tg.url
					}
					_, err := c.Get(context.Background(), Request{URL: u, AllowPrivate: extra})
					reached := probe.reachedAddrs()
					if listed {
						if !errors.Is(err, errNotConnecting) || len(reached) != 1 || reached[0] != tg.dialled {
							t.Fatalf("err = %v, dials let through %q; want one dial to %s", err, reached, tg.dialled)
						}
						return
					}
					var ee *EgressError
					if !errors.As(err, &ee) || ee.Class != tg.class {
						t.Fatalf("err = %v, want an *EgressError of class %s", err, tg.class)
					}
					if len(reached) != 0 {
						t.Errorf("dials let through: %q, want none", reached)
					}
					want := "refusing to connect to " + ee.Addr.String() + " (" + tg.class + "); allow it with fetch.allow_private"
					if msg := err.Error(); !strings.HasPrefix(msg, "get "+u+": ") || !strings.Contains(msg, want) {
						t.Errorf("err = %q, want the URL and %q", msg, want)
					}
					if via == "redirect" && !strings.Contains(err.Error(), "redirect to "+tg.url) {
						t.Errorf("err = %q, want the redirect's target named", err)
					}
				})
			}
		}
	}
}

// TestGetChecksTheResolvedAddress: a host name is judged by the address it
// resolves to, at dial time, so a name (or a DNS answer rebound to a
// private address) cannot walk around the policy that a literal address
// meets. "localhost" resolves to loopback.
func TestGetChecksTheResolvedAddress(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32 // requests that reached the target
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	byName := "http://localhost:" + port + "/feed"
	// The redirecting server listens on IPv6 loopback, listed, and sends
	// the client to a name that resolves to IPv4 loopback, not listed.
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	redirector := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	redirector.Listener.Close()
	redirector.Listener = ln
	redirector.Start()
	t.Cleanup(redirector.Close)

	tests := []struct {
		name, url string
		allow     []netip.Prefix
	}{
		{name: "direct", url: byName},
		// The redirecting server itself is reached by its literal address.
		{name: "redirect", url: redirector.URL + "/r?to=" + byName, allow: []netip.Prefix{netip.MustParsePrefix("::1/128")}},
	}
	for _, tc := range tests {
		// Not parallel: the target's hit count is read after both.
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, Options{AllowPrivate: tc.allow})
			var probe dialProbe
			probe.install(t, c.client(nil), redirector.Listener.Addr().String())
			_, err := c.Get(context.Background(), Request{URL: tc.url})
			var ee *EgressError
			if !errors.As(err, &ee) || ee.Class != "loopback" {
				t.Fatalf("err = %v, want an *EgressError for loopback", err)
			}
			if probe.refused.Load() == 0 {
				t.Error("the dialler's Control hook refused nothing: the refusal did not come from the resolved address")
			}
			if r := probe.reachedAddrs(); len(r) != 0 {
				t.Errorf("dials let through: %q", r)
			}
		})
	}

	if n := hits.Load(); n != 0 {
		t.Errorf("the target saw %d requests, want none", n)
	}
	c := newTestClient(t, Options{AllowPrivate: LoopbackPrefixes()})
	resp, err := c.Get(context.Background(), Request{URL: byName})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("Get = %v, want the body: loopback is listed", err)
	}
}

// TestGetKeepsAllowListsApart: a connection opened for a request whose
// source may reach a private address is not reused by one that may not.
func TestGetKeepsAllowListsApart(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(srv.Close)
	// By name, so that only the dialler, not the check of literal
	// addresses, can refuse it.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	u := "http://localhost:" + port + "/"
	c := newTestClient(t, Options{})
	if _, err := c.Get(context.Background(), Request{URL: u, AllowPrivate: LoopbackPrefixes()}); err != nil {
		t.Fatalf("listed request: %v", err)
	}
	var probe dialProbe
	probe.install(t, c.client(nil), "")
	_, err := c.Get(context.Background(), Request{URL: u})
	var ee *EgressError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, want an *EgressError: the other request's idle connection must not be reused", err)
	}
	if probe.refused.Load() == 0 {
		t.Error("the dialler refused nothing: the request was refused before it could have reused a connection")
	}
}
