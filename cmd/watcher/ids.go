package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/figwatch/watcher/internal/config"
)

// The ids a user types on the command line (metric and source ids of the
// config): completed from the config, and checked against it with a
// "did you mean" before a command reads any database.

func metricIDs(cfg *config.Config) (ids, labels []string) {
	for _, m := range cfg.Metrics {
		ids, labels = append(ids, m.ID), append(labels, m.Label)
	}
	return ids, labels
}

func sourceIDs(cfg *config.Config) (ids, labels []string) {
	for _, s := range cfg.Sources {
		ids, labels = append(ids, s.ID), append(labels, s.Name)
	}
	return ids, labels
}

// completeIDs completes the ids list returns from the config --config
// names on the line being completed, each described by its label. A config
// that does not load completes nothing: the shell has no place to show why.
func completeIDs(g *globalFlags, list func(*config.Config) (ids, labels []string)) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cfg, _, err := config.DefaultCache().Load(g.path())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ids, labels := list(cfg)
		out := make([]cobra.Completion, 0, len(ids))
		for i, id := range ids {
			out = append(out, cobra.CompletionWithDesc(id, labels[i]))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// checkID is a usage error when id is not one of the config's ids of this
// kind ("metric", "source"), with the closest id when one is near.
func checkID(kind, id string, ids []string) error {
	if contains(ids, id) {
		return nil
	}
	if s := config.Suggest(id, ids); s != "" {
		return usagef("no %s %q; did you mean %q?", kind, id, s)
	}
	return usagef("no %s %q in the config (%ss: %s)", kind, id, kind, strings.Join(ids, ", "))
}

// didYouMean is `; did you mean "x"?` when a value in known is close to
// s, else "".
func didYouMean(s string, known []string) string {
	if m := config.Suggest(s, known); m != "" {
		return fmt.Sprintf("; did you mean %q?", m)
	}
	return ""
}
