package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// SocketApp is the Slack app's connection (slackapp.App): Run keeps it
// open until ctx ends and returns once its handlers are done. The daemon
// owns it so that shutdown waits for it; alerts never depend on it.
type SocketApp interface {
	Run(ctx context.Context) error
}

// runApp runs the Slack app until ctx ends.
func (d *Daemon) runApp(ctx context.Context, app SocketApp) {
	if err := app.Run(ctx); err != nil && ctx.Err() == nil {
		d.log.Error("slack app stopped", "err", err)
	}
}

// applyCorrections gives the figures of docs that someone in Slack said
// were taken for the wrong metric ("Wrong metric" on an alert) the metric
// they said, or none, before the poll is diffed: the same figure then
// never alerts again under the wrong metric, whichever poll sees it.
func (d *Daemon) applyCorrections(ctx context.Context, docs []diff.Doc) error {
	if len(docs) == 0 {
		return nil // a 304: no read transaction for nothing
	}
	return d.db.View(ctx, func(tx *store.Tx) error {
		for i := range docs {
			cs, err := tx.Corrections(docs[i].Document.ID)
			if err != nil {
				return fmt.Errorf("read corrections of %s: %w", docs[i].Document.ID, err)
			}
			for _, c := range cs {
				figs := docs[i].Figures
				for j := range figs {
					if figs[j].Metric == c.OldMetric && figs[j].Text == c.Text && (c.Sentence == "" || figs[j].Sentence == c.Sentence) {
						figs[j].Metric = c.NewMetric
					}
				}
			}
		}
		return nil
	})
}

// Config is the config in force (a reload replaces it): what the Slack
// app reads names and operators from.
func (d *Daemon) Config() *config.Config { return d.conf() }

// recentActions is how many Slack actions a status lists.
const recentActions = 10

// readSlackStatus adds to out what people did through the Slack app: the
// mutes in force, the acknowledgements of out's recent alerts, the latest
// actions.
func readSlackStatus(tx *store.Tx, out *web.Status, now time.Time) error {
	var err error
	if out.Slack.Mutes, err = tx.Mutes(now); err != nil {
		return err
	}
	for _, a := range out.Outbox.Recent {
		ak, ok, err := tx.AckOf(a.ID)
		if err != nil {
			return err
		}
		if ok {
			out.Slack.Acks = append(out.Slack.Acks, ak)
		}
	}
	out.Slack.Actions, err = tx.RecentActions(recentActions)
	return err
}
