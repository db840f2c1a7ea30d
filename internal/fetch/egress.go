package fetch

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"syscall"
)

// EgressError reports a connection the egress policy refused: the address
// is loopback, private, link-local, CGNAT, multicast, unspecified or
// broadcast, and no allow-list prefix (Options.AllowPrivate,
// Request.AllowPrivate) contains it. It is permanent: the same URL is
// refused until the configuration changes.
type EgressError struct {
	Addr  netip.Addr // the address that would have been dialled
	Class string     // "loopback", "private", "link-local", …
}

func (e *EgressError) Error() string {
	return fmt.Sprintf("refusing to connect to %s (%s); allow it with fetch.allow_private", e.Addr, e.Class)
}

// Temporary reports false: retrying cannot help, only an allow-list entry.
func (e *EgressError) Temporary() bool { return false }

// LoopbackPrefixes returns 127.0.0.0/8 and ::1/128, for clients (tests,
// the offline demo) that fetch from servers on this host on purpose:
// Options{AllowPrivate: fetch.LoopbackPrefixes()}.
func LoopbackPrefixes() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

var (
	// Ranges that netip.Addr has no predicate for.
	cgnatPrefix     = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598 shared address space
	thisNetPrefix   = netip.MustParsePrefix("0.0.0.0/8")     // RFC 791 "this network"
	siteLocalPrefix = netip.MustParsePrefix("fec0::/10")     // deprecated, still routed inside some sites
	nat64Prefix     = netip.MustParsePrefix("64:ff9b::/96")  // RFC 6052: the IPv4 address is the last 32 bits
	broadcastAddr   = netip.AddrFrom4([4]byte{255, 255, 255, 255})
)

// addrClass names the reason a is not a public unicast address, or returns
// "" when it is one. IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
// forms are judged by the IPv4 address they reach.
func addrClass(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() && nat64Prefix.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case a.IsUnspecified(), thisNetPrefix.Contains(a):
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	case a == broadcastAddr:
		return "broadcast"
	case a.IsPrivate(), siteLocalPrefix.Contains(a):
		return "private"
	case cgnatPrefix.Contains(a):
		return "CGNAT"
	}
	return ""
}

// egressPolicy refuses connections to non-public addresses outside its
// allow list. The zero value refuses them all.
type egressPolicy struct {
	allow []netip.Prefix // sorted, without duplicates
}

func newEgressPolicy(lists ...[]netip.Prefix) egressPolicy {
	var all []netip.Prefix
	for _, l := range lists {
		for _, p := range l {
			all = append(all, p.Masked())
		}
	}
	// Any total order will do, as long as equal lists sort alike (key);
	// comparing the parts, not the printed forms, allocates nothing.
	slices.SortFunc(all, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	return egressPolicy{allow: slices.Compact(all)}
}

// key identifies the policy: clients with equal keys may share connections.
func (p egressPolicy) key() string {
	var b strings.Builder
	for _, pf := range p.allow {
		b.WriteString(pf.String())
		b.WriteByte(' ')
	}
	return b.String()
}

// check returns an *EgressError when a may not be connected to.
func (p egressPolicy) check(a netip.Addr) error {
	a = a.WithZone("")
	class := addrClass(a)
	if class == "" {
		return nil
	}
	for _, pf := range p.allow {
		if pf.Contains(a) || pf.Contains(a.Unmap()) {
			return nil
		}
	}
	return &EgressError{Addr: a, Class: class}
}

// checkHost refuses a URL host that is a literal non-public address. It
// runs before any connection is attempted, so the refusal also holds when
// the request would go through a proxy, whose own address is what the
// dialler sees. Host names are left to control, after resolution.
func (p egressPolicy) checkHost(host string) error {
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return nil
	}
	return p.check(a)
}

// control is the net.Dialer's Control hook: it sees the address actually
// dialled, after DNS resolution, for the first request and every redirect
// alike, so neither a rebinding DNS answer nor a redirect can route a fetch
// around the policy. It runs after the socket is created and before
// connect(2), so a refused address never sees a packet.
func (p egressPolicy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: an address the policy cannot read is not dialled.
		return fmt.Errorf("egress policy: cannot read %s address %q: %w", network, address, err)
	}
	return p.check(ap.Addr())
}
