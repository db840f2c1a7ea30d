//go:build unix

package daemon

import (
	"fmt"
	"os"
	"syscall"
)

// JournalStream reports whether f is the stream systemd connected to the
// journal: env is $JOURNAL_STREAM, "device:inode" of that stream, which
// systemd sets for a service whose output goes to the journal. The
// variable is inherited by whatever the service starts, so the file's
// own device and inode are compared with it, as systemd.exec(5) advises:
// a command whose stderr was redirected to a file is not the journal.
func JournalStream(f *os.File, env string) bool {
	if env == "" || f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	// Dev and Ino have different types from one platform to the next.
	return env == fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino))
}
