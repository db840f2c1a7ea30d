//go:build !manpages

package main

import "github.com/spf13/cobra"

// manCommand is nil in the daemon's build: the man pages are written by
// the packaging build (man.go, tag manpages).
func manCommand(*cobra.Command) *cobra.Command { return nil }
