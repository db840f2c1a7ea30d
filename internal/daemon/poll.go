package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// Poll runs one cycle of one source: fetch (conditionally), parse, extract,
// then diff and store in one transaction that also queues the alerts. On
// any failure the source's snapshots and validators are left as they were;
// only its health (last error, consecutive failures) is recorded.
func (d *Daemon) Poll(ctx context.Context, src config.Source) error {
	start := d.now()
	var prev store.FetchState
	err := d.db.View(ctx, func(tx *store.Tx) error {
		var err error
		prev, _, err = tx.FetchState(src.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("poll %s: read fetch state: %w", src.ID, err)
	}
	prev.Source = src.ID

	resp, err := d.fetcher.Get(ctx, fetch.Request{
		URL: src.URL, ETag: prev.ETag, LastModified: prev.LastModified,
		Header: src.Headers, Source: src.ID,
	})
	if err != nil {
		return d.failed(ctx, src, prev, 0, fmt.Errorf("poll %s: %w", src.ID, err))
	}
	if resp.NotModified {
		st := d.succeeded(prev, resp)
		if err := d.db.Update(ctx, func(tx *store.Tx) error { return tx.PutFetchState(st) }); err != nil {
			return fmt.Errorf("poll %s: save fetch state: %w", src.ID, err)
		}
		d.log.Info("poll", "source", src.ID, "status", resp.Status, "not_modified", true,
			"bytes", resp.Bytes, "dur", d.now().Sub(start).Round(time.Millisecond))
		return nil
	}

	docs, err := d.documents(ctx, src, resp)
	if err == nil && src.FollowLinks {
		err = d.followLinks(ctx, src, docs)
	}
	if err != nil {
		return d.failed(ctx, src, prev, resp.Status, fmt.Errorf("poll %s: %w", src.ID, err))
	}
	in := diff.Input{
		Source: diff.SourceInfo{
			ID: src.ID, Name: src.Name, Authority: src.Authority,
			FirstPoll: prev.Polls == 0, AlertOnFirstPoll: src.AlertOnFirstPoll,
		},
		Now:     d.now(),
		Metrics: d.metrics,
	}
	figures := 0
	for _, doc := range docs {
		figs := d.ext.Extract(doc.Text)
		figures += len(figs)
		in.Docs = append(in.Docs, diff.Doc{Document: doc, Figures: figs})
	}

	var res diff.Result
	err = d.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if res, err = diff.Compare(tx, in); err != nil {
			return err
		}
		for _, s := range res.Snapshots {
			if err := tx.PutSnapshot(s); err != nil {
				return err
			}
		}
		for _, o := range res.Observations {
			if err := tx.AddObservation(o); err != nil {
				return err
			}
		}
		for _, ev := range res.Events {
			payload, err := encodeEvent(ev)
			if err != nil {
				return err
			}
			if err := tx.Enqueue(&store.Alert{
				Kind: string(ev.Kind), Metric: ev.Metric, Channel: d.cfg.Slack.Channel,
				Payload: payload, Created: in.Now, NextAttempt: in.Now,
			}); err != nil {
				return err
			}
		}
		return tx.PutFetchState(d.succeeded(prev, resp))
	})
	if err != nil {
		// A storage failure is not the source's fault, but nothing of this
		// poll was kept, so the next poll must fetch it all again: the
		// validators were not saved either.
		return fmt.Errorf("poll %s: store: %w", src.ID, err)
	}
	d.log.Info("poll", "source", src.ID, "status", resp.Status, "bytes", resp.Bytes,
		"docs", len(docs), "changed", len(res.Snapshots), "figures", figures,
		"events", len(res.Events), "first_poll", in.Source.FirstPoll,
		"dur", d.now().Sub(start).Round(time.Millisecond))
	for _, ev := range res.Events {
		d.log.Info("event", "source", src.ID, "kind", ev.Kind, "metric", ev.Metric, "doc", ev.DocID)
	}
	if len(res.Events) > 0 {
		d.kick()
	}
	return nil
}

// documents turns a fetched body into documents according to the source's
// kind.
func (d *Daemon) documents(ctx context.Context, src config.Source, resp *fetch.Response) ([]source.Document, error) {
	switch src.Kind {
	case config.KindPDF:
		doc, err := source.PDFDocument(ctx, src.ID, resp.URL, resp.Body)
		if err != nil {
			return nil, err
		}
		return []source.Document{doc}, nil
	case config.KindPage:
		body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
		if err != nil {
			return nil, fmt.Errorf("decode page %s: %w", resp.URL, err)
		}
		doc, err := source.PageDocument(src.ID, resp.URL, src.Selector, body)
		if err != nil {
			return nil, err
		}
		return []source.Document{doc}, nil
	default:
		return source.ParseFeed(src.ID, resp.URL, resp.Body)
	}
}

func (d *Daemon) succeeded(prev store.FetchState, resp *fetch.Response) store.FetchState {
	st := prev
	now := d.now()
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	st.LastStatus = resp.Status
	st.LastPoll, st.LastSuccess = now, now
	st.LastError = ""
	st.ConsecutiveFailures = 0
	st.FailingSince = time.Time{}
	st.Polls++
	return st
}

// failed records a failed poll in the source's health and returns err. The
// validators and snapshots stay as they were, so the next successful poll
// compares against the last good state.
func (d *Daemon) failed(ctx context.Context, src config.Source, prev store.FetchState, status int, err error) error {
	st := prev
	now := d.now()
	st.LastPoll = now
	st.LastStatus = status
	var se *fetch.StatusError
	if errors.As(err, &se) {
		st.LastStatus = se.Status
	}
	st.LastError = err.Error()
	st.ConsecutiveFailures++
	if st.FailingSince.IsZero() {
		st.FailingSince = now
	}
	d.log.Error("poll failed", "source", src.ID, "url", src.URL, "status", st.LastStatus,
		"failures", st.ConsecutiveFailures, "err", err)
	// Record health even if the poll's context ran out (a timeout is the
	// commonest failure), but not beyond a short grace period.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if werr := d.db.Update(wctx, func(tx *store.Tx) error { return tx.PutFetchState(st) }); werr != nil {
		d.log.Error("save fetch state", "source", src.ID, "err", werr)
	}
	return err
}
