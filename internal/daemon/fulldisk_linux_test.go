package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/figwatch/watcher/internal/store"
)

// mountTmpfs mounts a tmpfs of size bytes in a temporary directory, or
// skips the test where mounting is not permitted (not root, a container
// without CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size="+strconv.Itoa(size)); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): the full-disk test needs root", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes to a file in dir until the filesystem is full.
func fill(t *testing.T, dir string) (remove func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			break
		}
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFullDiskFailsPollsLoudly(t *testing.T) {
	mnt := mountTmpfs(t, 4<<20)
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	path := filepath.Join(mnt, "watcher.db")
	h.reopen(t, path, store.Options{Timeout: time.Second})
	h.feeds.set("/oig.xml", feedResponse{body: bigFeed(0, 5)})
	if err := h.once(); err != nil {
		t.Fatalf("baseline poll on the empty tmpfs: %v", err)
	}
	h.d.stats = NewMetrics(prometheus.NewRegistry())

	free := fill(t, mnt)
	checkStoreFailuresAreLoud(t, h, "no space left on device")

	// Space again: the next poll is stored and the daemon healthy.
	free()
	h.feeds.set("/oig.xml", feedResponse{body: bigFeed(9, 40)})
	if err := h.once(); err != nil {
		t.Fatalf("poll after space was freed: %v", err)
	}
	if err := h.d.Healthy(); err != nil {
		t.Errorf("still unhealthy after a stored poll: %v", err)
	}
}
