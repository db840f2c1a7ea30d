package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// allowHosts refuses, with 403, requests whose Host header names anything
// but the listen address, localhost, a loopback IP or one of hosts. A
// browser visiting attacker.example, whose name the attacker then points
// at 127.0.0.1 (DNS rebinding), still sends Host: attacker.example, so
// its page cannot read the listener.
func allowHosts(listen string, hosts []string, next http.Handler) http.Handler {
	listenHost := listen
	if h, _, err := net.SplitHostPort(listen); err == nil {
		listenHost = h
	}
	anyIP := false
	if a, err := netip.ParseAddr(listenHost); err == nil && a.IsUnspecified() {
		anyIP = true
	}
	allowed := map[string]bool{"localhost": true}
	if listenHost != "" && !anyIP {
		allowed[strings.ToLower(listenHost)] = true
	}
	for _, h := range hosts {
		allowed[strings.ToLower(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
		ok := allowed[host]
		if a, err := netip.ParseAddr(host); err == nil {
			ok = ok || a.IsLoopback() || anyIP
		}
		if !ok {
			http.Error(w, "watcher: this listener does not answer to Host "+quoteHost(r.Host)+
				"; use localhost, a loopback address or the configured http.listen address", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// quoteHost quotes a Host header for an error message, truncated: it is
// whatever the client sent.
func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "…"
	}
	return `"` + strings.ToValidUTF8(h, "?") + `"`
}

// bearer guards a handler with a bearer token, compared in constant time.
// A request over a Unix socket passes without one: only who may open the
// socket file can make it.
func bearer(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if overUnixSocket(r) || (token != "" && validBearer(r.Header.Get("Authorization"), token)) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="watcher"`)
			msg := "watcher: this endpoint needs the listener's bearer token (Authorization: Bearer …)"
			if token == "" {
				msg = "watcher: this endpoint needs a bearer token, and the daemon has none configured"
			}
			http.Error(w, msg, http.StatusUnauthorized)
		})
	}
}

func validBearer(header, token string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

func overUnixSocket(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return ok && a.Network() == "unix"
}
