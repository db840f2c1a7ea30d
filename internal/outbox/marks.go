package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/store"
)

// markWriteTimeout bounds the write recording deliveries, which runs even
// when the pass's context is cancelled (see writeMarks).
const markWriteTimeout = 5 * time.Second

// sentMarks are the records of alerts delivered in this pass and not yet
// written: an ephemeral notifier's, which a pass writes together.
type sentMarks struct {
	marks   []sentMark
	ids     map[uint64]bool
	threads map[threadRef]bool
}

type sentMark struct {
	alert    store.Alert
	thread   threadRef // zero when the message anchors no thread
	threadTS string
}

type threadRef struct{ metric, channel string }

func (m *sentMarks) add(sm sentMark) {
	if m.ids == nil {
		m.ids, m.threads = map[uint64]bool{}, map[threadRef]bool{}
	}
	m.marks = append(m.marks, sm)
	m.ids[sm.alert.ID] = true
	if sm.threadTS != "" {
		m.threads[sm.thread] = true
	}
}

// dependsOn reports whether delivering a needs what marks hold: the status
// of the message it edits, or the thread its metric's messages go to.
func (m *sentMarks) dependsOn(a store.Alert) bool {
	return len(m.marks) > 0 && (m.ids[a.UpdateOf] || m.threads[threadRef{a.Metric, a.Channel}])
}

// flushMarks writes the records the pass holds, in one transaction, and
// empties them.
func (p *pass) flushMarks(ctx context.Context) error {
	if len(p.marks.marks) == 0 {
		return nil
	}
	err := p.o.writeMarks(ctx, p.marks.marks)
	p.marks = sentMarks{}
	return err
}

// writeMarks records delivered alerts (and the thread anchors they set) in
// one transaction, under a context that shutdown does not cancel: the
// messages are out, and a lost record means a duplicate.
func (o *Outbox) writeMarks(ctx context.Context, ms []sentMark) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markWriteTimeout)
	defer cancel()
	err := o.db.Update(wctx, func(tx *store.Tx) error {
		for _, m := range ms {
			if m.threadTS != "" {
				if err := tx.PutThread(m.thread.metric, m.thread.channel, m.threadTS); err != nil {
					return err
				}
			}
			if err := tx.PutAlert(m.alert); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d alert(s) sent, first %d: %w", len(ms), ms[0].alert.ID, err)
	}
	return nil
}
