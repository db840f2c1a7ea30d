//go:build unix

package config

import "syscall"

// dirWritable asks the kernel whether this process may create files in dir
// (access(2) with W_OK: permissions, ACLs and read-only mounts included).
func dirWritable(dir string) error {
	const wOK = 0x2
	return syscall.Access(dir, wOK)
}
