//go:build !unix

package config

import "io/fs"

// dirWritable cannot ask the kernel here; opening the database will say.
func dirWritable(string) error { return nil }

// fileID has no inode to give here; size and time tell builds apart.
func fileID(fs.FileInfo) string { return "" }

// ownFile cannot tell owners apart here; the cache directory's own
// permissions protect its entries.
func ownFile(fs.FileInfo) bool { return true }
