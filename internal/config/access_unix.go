//go:build unix

package config

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// dirWritable asks the kernel whether this process may create files in dir
// (access(2) with W_OK: permissions, ACLs and read-only mounts included).
func dirWritable(dir string) error {
	const wOK = 0x2
	return syscall.Access(dir, wOK)
}

// fileID is the device and inode of a file: with its size and time, what
// tells one build of the executable from the next.
func fileID(info fs.FileInfo) string {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return ""
}

// ownFile reports whether this process's user owns the file and no one
// else may write it.
func ownFile(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid() && info.Mode().Perm()&0o022 == 0
}
