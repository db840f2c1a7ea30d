//go:build !unix

package daemon

import "os"

// JournalStream is false where there is no systemd journal.
func JournalStream(f *os.File, env string) bool { return false }
