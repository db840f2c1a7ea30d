package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// do sends GET path to h over a real loopback connection, with the given
// Host header (the server's address when empty) and Authorization.
func do(t *testing.T, h http.Handler, path, host, auth string) (int, http.Header, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func fakeBackup(_ context.Context, w io.Writer) (int64, error) {
	n, err := io.WriteString(w, "the whole database")
	return int64(n), err
}

func TestBackupAndProfilerNeedTheToken(t *testing.T) {
	t.Parallel()
	h := Handler(Options{Status: fixedProvider{st: testStatus()}, Backup: fakeBackup, Pprof: true, Token: "s3cret"})
	for _, tc := range []struct {
		name, path, auth string
		want             int
	}{
		{"backup without a token", "/api/backup", "", http.StatusUnauthorized},
		{"backup with a wrong token", "/api/backup", "Bearer s3cre", http.StatusUnauthorized},
		{"backup with basic auth", "/api/backup", "Basic czNjcmV0", http.StatusUnauthorized},
		{"backup with the token", "/api/backup", "Bearer s3cret", http.StatusOK},
		{"profiler without a token", "/debug/pprof/", "", http.StatusUnauthorized},
		{"profiler with the token", "/debug/pprof/", "Bearer s3cret", http.StatusOK},
		{"status page needs none", "/", "", http.StatusOK},
		{"healthz needs none", "/healthz", "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, hdr, body := do(t, h, tc.path, "", tc.auth)
			if status != tc.want {
				t.Fatalf("GET %s = %d %q, want %d", tc.path, status, body, tc.want)
			}
			if status == http.StatusUnauthorized {
				if strings.Contains(body, "database") || hdr.Get("WWW-Authenticate") == "" {
					t.Errorf("401 leaks the body or lacks WWW-Authenticate: %q %v", body, hdr)
				}
			}
		})
	}
}

func TestBackupRefusedWhenNoTokenIsConfigured(t *testing.T) {
	t.Parallel()
	h := Handler(Options{Backup: fakeBackup})
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		if status, _, body := do(t, h, "/api/backup", "", auth); status != http.StatusUnauthorized || !strings.Contains(body, "none configured") {
			t.Errorf("GET /api/backup (Authorization %q) with no token configured = %d %q, want 401", auth, status, body)
		}
	}
}

func TestForeignHostIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, listen, host string
		hosts              []string
		want               int
	}{
		{"rebinding name", "127.0.0.1:9464", "attacker.example:9464", nil, http.StatusForbidden},
		{"rebinding name without port", "127.0.0.1:9464", "attacker.example", nil, http.StatusForbidden},
		{"localhost", "127.0.0.1:9464", "localhost:9464", nil, http.StatusOK},
		{"localhost upper case", "127.0.0.1:9464", "LOCALHOST:9464", nil, http.StatusOK},
		{"loopback IPv4", "127.0.0.1:9464", "127.0.0.2:9464", nil, http.StatusOK},
		{"loopback IPv6", "[::1]:9464", "[::1]:9464", nil, http.StatusOK},
		{"the listen name", "watcher.newsroom.internal:9464", "watcher.newsroom.internal:9464", nil, http.StatusOK},
		{"the listen IP", "192.0.2.10:9464", "192.0.2.10:9464", nil, http.StatusOK},
		{"another IP on a fixed address", "192.0.2.10:9464", "192.0.2.11:9464", nil, http.StatusForbidden},
		{"any IP on an unspecified address", "0.0.0.0:9464", "192.0.2.10:9464", nil, http.StatusOK},
		{"a name on an unspecified address", "0.0.0.0:9464", "attacker.example", nil, http.StatusForbidden},
		{"an extra host", "127.0.0.1:9464", "watcher.example.org", []string{"watcher.example.org"}, http.StatusOK},
		{"localhost lookalike", "127.0.0.1:9464", "localhost.attacker.example", nil, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Handler(Options{Status: fixedProvider{st: testStatus()}, Listen: tc.listen, Hosts: tc.hosts,
				Backup: fakeBackup, Token: "s3cret"})
			for _, path := range []string{"/", "/healthz", "/api/backup"} {
				want := tc.want
				status, _, body := do(t, h, path, tc.host, "Bearer s3cret")
				if status != want {
					t.Errorf("GET %s with Host %q = %d %.60q, want %d", path, tc.host, status, body, want)
				}
			}
		})
	}
}

func TestUnixSocketNeedsNoToken(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "watcher.sock")
	ln, err := ListenUnix(context.Background(), sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, Handler(Options{Backup: fakeBackup, Token: "s3cret"}), nil) }()
	defer func() { cancel(); <-done }()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	resp, err := client.Get("http://localhost/api/backup")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "the whole database" {
		t.Errorf("backup over the Unix socket = %d %q, want 200 and the file", resp.StatusCode, body)
	}
}

func TestListenUnix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "watcher.sock")
	ln, err := ListenUnix(context.Background(), sock)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode = %v (%v), want 0660", fi.Mode().Perm(), err)
	}
	// A live socket is not taken over.
	if _, err := ListenUnix(context.Background(), sock); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("second ListenUnix on a live socket = %v, want refused", err)
	}
	// A stale one (its server gone without removing it) is replaced.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	ln2, err := ListenUnix(context.Background(), sock)
	if err != nil {
		t.Fatalf("ListenUnix over a stale socket: %v", err)
	}
	ln2.Close()
	// Anything else at the path is left alone.
	file := filepath.Join(dir, "not-a-socket")
	os.WriteFile(file, []byte("x"), 0o600)
	if _, err := ListenUnix(context.Background(), file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("ListenUnix on a regular file = %v, want refused", err)
	}
}
