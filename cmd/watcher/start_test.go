package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/config"
)

// notifySocket is a fake systemd notify socket: it collects what the
// process under test sends.
type notifySocket struct {
	conn *net.UnixConn
	got  chan string
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	s := &notifySocket{conn: conn, got: make(chan string, 64)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(s.got)
				return
			}
			s.got <- string(buf[:n])
		}
	}()
	return s
}

// received closes the socket and returns everything sent to it.
func (s *notifySocket) received() []string {
	s.conn.Close()
	var out []string
	for m := range s.got {
		out = append(out, m)
	}
	return out
}

// runConfig writes a config for `watcher run` whose source is never
// reached in these tests.
func runConfig(t *testing.T, dbPath, listen string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "watcher.yaml")
	text := fmt.Sprintf(`storage:
  path: %q
http:
  listen: %q
sources:
  - id: oig
    url: http://127.0.0.1:9/feed.xml
    authority: official
    schedule: "@every 24h"
metrics:
  - id: uc_no_nta
    any: ["notice to appear"]
`, dbPath, listen)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunFailsAtStartWithoutReady(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	notAFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notAFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, db, listen string
		want             []string
	}{
		{"port taken", filepath.Join(t.TempDir(), "w.db"), taken.Addr().String(),
			[]string{"cannot serve http.listen: not starting", "address already in use", taken.Addr().String()}},
		{"storage directory unusable", filepath.Join(notAFile, "data", "w.db"), "127.0.0.1:0",
			[]string{"open database", "not a directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock := newNotifySocket(t)
			var out, errb bytes.Buffer
			code := run([]string{"run", "--config", runConfig(t, tc.db, tc.listen)}, nil, &out, &errb)
			if code != exitFailure {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitFailure, errb.String())
			}
			for _, want := range tc.want {
				if !strings.Contains(errb.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errb.String())
				}
			}
			if got := sock.received(); len(got) != 0 {
				t.Errorf("systemd was told %q by a daemon that did not start", got)
			}
		})
	}
}

func TestRunBindsBeforeReadyAndServesInspection(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	t.Setenv(config.DefaultHTTPTokenEnv, "s3cret-token-0123456789")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sock := newNotifySocket(t)
	cfg := runConfig(t, filepath.Join(t.TempDir(), "w.db"), addr)
	var out, errb bytes.Buffer
	code := make(chan int, 1)
	go func() { code <- run([]string{"run", "--config", cfg}, nil, &out, &errb) }()
	for msg := range sock.got {
		if msg != "READY=1" {
			continue
		}
		// READY=1 means the listener is up: it answers at once.
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Errorf("READY=1 sent before %s accepts connections: %v", addr, err)
		} else {
			c.Close()
		}
		break
	}
	// The inspection commands reach the daemon with the same token...
	dir := t.TempDir()
	var bout, berr bytes.Buffer
	if c := run([]string{"backup", "--config", cfg, filepath.Join(dir, "copy.db")}, nil, &bout, &berr); c != exitOK {
		t.Errorf("backup with the token: exit %d: %s", c, berr.String())
	}
	bout.Reset()
	if c := run([]string{"status", "--config", cfg}, nil, &bout, &berr); c != exitOK || !strings.Contains(bout.String(), "oig") {
		t.Errorf("status from the running daemon: exit %d: %s%s", c, bout.String(), berr.String())
	}
	// ...and without it are refused, with a reason.
	t.Setenv(config.DefaultHTTPTokenEnv, "")
	berr.Reset()
	if c := run([]string{"backup", "--config", cfg, filepath.Join(dir, "refused.db")}, nil, &bout, &berr); c != exitFailure || !strings.Contains(berr.String(), "same listener token") {
		t.Errorf("backup without the token: exit %d: %s", c, berr.String())
	}
	// run() turns SIGTERM into a cancelled context; the handler is
	// registered before anything is sent to systemd.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != exitOK {
			t.Errorf("exit %d after SIGTERM; stderr:\n%s", c, errb.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("run did not stop on SIGTERM; stderr:\n%s", errb.String())
	}
}

func TestInspectionNeverCreatesADatabase(t *testing.T) {
	for _, cmd := range []string{"compact", "status", "export", "backup"} {
		t.Run(cmd, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "missing", "watcher.db")
			args := []string{cmd, "--config", runConfig(t, db, "")}
			if cmd == "backup" {
				args = append(args, filepath.Join(dir, "copy.db"))
			}
			var out, errb bytes.Buffer
			if code := run(args, nil, &out, &errb); code != exitFailure {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitFailure, errb.String())
			}
			if !strings.Contains(errb.String(), "no database at "+db) {
				t.Errorf("stderr does not name the resolved path %s:\n%s", db, errb.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
				t.Errorf("%s created %s (stat: %v)", cmd, filepath.Dir(db), err)
			}
		})
	}
}
