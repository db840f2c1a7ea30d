//go:build unix

package daemon

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestJournalStreamComparesTheFilesDeviceAndInode(t *testing.T) {
	t.Parallel()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Skip("no device and inode on this platform")
	}
	own := fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino))
	for _, tc := range []struct {
		name, env string
		want      bool
	}{
		{"systemd connected this file", own, true},
		{"inherited from a service, file redirected", fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino)+1), false},
		{"not under systemd", "", false},
		{"garbage", "journal", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := JournalStream(f, tc.env); got != tc.want {
				t.Errorf("JournalStream(%q) = %t, want %t", tc.env, got, tc.want)
			}
		})
	}
}
