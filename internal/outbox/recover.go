package outbox

import (
	"context"
	"time"

	"github.com/figwatch/watcher/internal/notify"
)

// findWindow is how far before an alert's creation the destination is
// searched for a copy already posted.
const findWindow = time.Minute

// recoverPosted makes a crash between the destination's answer and the
// outbox's record harmless, for a notifier that can look messages up
// (Caps.Find). An alert marked tried by an earlier attempt may already be
// posted: it is looked for, and when found recorded as sent rather than
// sent again. An alert about to be tried for the first time is marked so
// first. done is true when the alert needs no send in this pass.
//
// Edits are not looked for: sending one twice rewrites the message with
// the same text.
func (p *pass) recoverPosted(ctx context.Context, j *job) (out outcome, done bool, err error) {
	if !p.caps.Find {
		// Without lookups the marker would cost a write (and an fsync)
		// per alert for nothing.
		return 0, false, nil
	}
	if j.a.Tried && j.a.UpdateOf == 0 {
		found, ok, err := p.n.Find(ctx, notify.Locator{
			Channel: j.a.Channel, ThreadTS: j.na.ThreadTS, AlertID: j.a.ID, Since: j.a.Created.Add(-findWindow),
		})
		if err != nil {
			p.o.log.Warn("could not check whether alert was already posted", "alert", j.a.ID, "err", err)
			out, err := p.retryLater(ctx, j.a, err)
			return out, true, err
		}
		if ok {
			p.o.log.Info("alert already posted before a restart; not posting again", "alert", j.a.ID, "ts", found.TS)
			out, err := p.markSent(ctx, j, found)
			return out, true, err
		}
	}
	if !j.a.Tried {
		j.a.Tried = true
		if err := p.o.putAlert(ctx, j.a); err != nil {
			return deferred, true, err
		}
	}
	return 0, false, nil
}
