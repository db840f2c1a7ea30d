//go:build manpages

package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCommand writes the man pages, at build time: packaging/build-deb.sh
// runs `go run -tags manpages ./cmd/watcher man dist/man`. Hidden, as it
// is for packagers. It is built only with the manpages tag: cobra/doc
// brings go-md2man and blackfriday, whose package init every start of the
// daemon would otherwise pay for (1.7 ms, 760 allocations) to write pages
// it never writes. The pages are the same either way: a hidden command is
// on none of them.
func manCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "write the man pages (watcher.1, watcher-CMD.1) into DIR",
		Hidden: true,
		Args:   positionals("DIR"),
		RunE: func(c *cobra.Command, args []string) error {
			// The date comes from SOURCE_DATE_EPOCH when set (cobra/doc),
			// so a package build is reproducible.
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				fmt.Fprintf(c.ErrOrStderr(), "watcher man: %v\n", err)
				return exitError{exitFailure}
			}
			header := &doc.GenManHeader{Title: "WATCHER", Section: "1", Source: "watcher " + root.Version, Manual: "watcher manual"}
			if err := doc.GenManTree(root, header, args[0]); err != nil {
				fmt.Fprintf(c.ErrOrStderr(), "watcher man: %v\n", err)
				return exitError{exitFailure}
			}
			return nil
		},
	}
}
