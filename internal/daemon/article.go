package daemon

import (
	"context"
	"fmt"
	"sync"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// followLinks fetches the article behind each new or changed feed item and
// appends its text to the item's, because the figures are in the article,
// not the summary. Items whose feed entry is unchanged are not refetched:
// the document keeps the feed item's hash as its identity of content, so a
// warm poll costs no article requests. An article that cannot be fetched
// fails the poll, so that the item is retried next time rather than stored
// without its figures.
func (d *Daemon) followLinks(ctx context.Context, src config.Source, docs []source.Document) error {
	var todo []int
	err := d.db.View(ctx, func(tx *store.Tx) error {
		for i, doc := range docs {
			if doc.URL == "" {
				continue
			}
			prev, ok, err := tx.Snapshot(doc.ID)
			if err != nil {
				return err
			}
			if !ok || prev.Hash != doc.Hash {
				todo = append(todo, i)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read snapshots: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, i := range todo {
		wg.Go(func() {
			text, err := d.article(ctx, src, docs[i].URL)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			docs[i].Text += "\n\n" + text
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("follow links: %d of %d articles failed, first: %w", len(errs), len(todo), errs[0])
	}
	return nil
}

func (d *Daemon) article(ctx context.Context, src config.Source, url string) (string, error) {
	resp, err := d.fetcher.Get(ctx, fetch.Request{URL: url, Header: src.Headers, Source: src.ID})
	if err != nil {
		return "", fmt.Errorf("fetch article: %w", err)
	}
	body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
	if err != nil {
		return "", fmt.Errorf("decode article %s: %w", url, err)
	}
	return source.HTMLText(string(body)), nil
}
