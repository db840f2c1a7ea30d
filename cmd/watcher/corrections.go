package main

import (
	"context"
	"io"

	"github.com/figwatch/watcher/internal/inspect"
	"github.com/figwatch/watcher/internal/slackapp"
	"github.com/figwatch/watcher/internal/store"
)

// cmdCorrections lists the corrections made from Slack ("Wrong metric")
// and the `none:` terms that would have avoided each, for the config's
// maintainer.
func cmdCorrections(ctx context.Context, o inspectFlags, stdout, stderr io.Writer) int {
	return inspectCmd(ctx, "corrections", o, nil, stderr, func(ctx context.Context, env inspectEnv, _ []string) error {
		db, closeDB, err := inspect.Open(ctx, env.cfg, env.dbPath, remote(env.cfg), env.log)
		if err != nil {
			return err
		}
		defer closeDB()
		var cs []store.Correction
		if err := db.View(ctx, func(tx *store.Tx) error {
			cs, err = tx.Corrections("")
			return err
		}); err != nil {
			return err
		}
		return slackapp.WriteCorrections(stdout, env.cfg, cs)
	})
}
