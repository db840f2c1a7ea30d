package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// follow replaces each new or changed feed item by the article it links to,
// because the figures are in the article, not in the summary. The article
// is a document of its own, identified by its canonical URL, so the same
// story reached through two feeds is stored once. Items whose feed entry
// is unchanged since the last poll are not refetched: a warm poll costs no
// article requests.
//
// An article that is gone (a 4xx) or unreadable falls back to the item's
// own text. One that fails for a reason that may pass (timeout, 5xx) is
// skipped this time and complete is false, so the caller does not save the
// feed's validators and the next poll sees the item again rather than a
// 304.
func (d *Daemon) follow(ctx context.Context, src config.Source, items []source.Document) (docs []source.Document, seen []store.Item, complete bool, err error) {
	now := d.now()
	type todo struct {
		item source.Document
		key  string
	}
	var work []todo
	err = d.db.View(ctx, func(tx *store.Tx) error {
		for _, it := range items {
			key := strings.TrimPrefix(it.ID, src.ID+":")
			prev, ok, err := tx.Item(src.ID, key)
			if err != nil {
				return err
			}
			switch {
			case ok && prev.Hash == it.Hash:
				// Unchanged; refresh its Seen daily so retention keeps it.
				if now.Sub(prev.Seen) >= d.touchInterval() {
					prev.Seen = now
					seen = append(seen, prev)
				}
			case it.URL == "":
				docs = append(docs, it)
			default:
				work = append(work, todo{it, key})
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, false, fmt.Errorf("read items: %w", err)
	}

	complete = true
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, w := range work {
		wg.Go(func() {
			doc, err := d.article(ctx, src, w.item)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
			case permanentFetchError(err):
				d.log.Warn("article unreadable: using the feed item's text", "source", src.ID, "url", w.item.URL, "err", err)
				doc = w.item
			default:
				d.log.Warn("article not fetched: will retry at the next poll", "source", src.ID, "url", w.item.URL, "err", err)
				complete = false
				return
			}
			docs = append(docs, doc)
			seen = append(seen, store.Item{Source: src.ID, Key: w.key, Hash: w.item.Hash, DocID: doc.ID, Seen: now})
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, nil, false, ctx.Err()
	}
	return docs, seen, complete, nil
}

// article fetches and reads the page (or PDF) behind a feed item.
func (d *Daemon) article(ctx context.Context, src config.Source, item source.Document) (source.Document, error) {
	resp, err := d.fetcher.Get(ctx, fetch.Request{URL: item.URL, Header: src.Headers, Source: src.ID})
	if err != nil {
		return source.Document{}, fmt.Errorf("fetch article: %w", err)
	}
	d.stats.fetched(src.ID, resp)
	canonical := source.CanonicalURL(resp.URL)
	var title, text string
	if isPDF(resp) {
		doc, err := source.PDFDocument(ctx, src.ID, resp.URL, resp.Body)
		if err != nil {
			return source.Document{}, errUnreadable{err}
		}
		text = doc.Text
	} else {
		body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
		if err != nil {
			return source.Document{}, errUnreadable{fmt.Errorf("decode article %s: %w", resp.URL, err)}
		}
		art, err := source.Article(resp.URL, body)
		if err != nil {
			return source.Document{}, errUnreadable{err}
		}
		if art.URL != "" {
			canonical = art.URL
		}
		title, text = art.Title, art.Text
	}
	if title == "" {
		title = item.Title
	}
	text = title + "\n\n" + text
	sum := sha256.Sum256([]byte(title + "\n" + text))
	return source.Document{
		ID: "url:" + canonical, Source: src.ID, URL: canonical, Title: title,
		Published: item.Published, Text: text, Hash: hex.EncodeToString(sum[:]),
	}, nil
}

func isPDF(resp *fetch.Response) bool {
	return strings.Contains(resp.ContentType, "application/pdf") ||
		strings.HasPrefix(string(resp.Body[:min(len(resp.Body), 8)]), "%PDF-")
}

// errUnreadable marks an article that was fetched but could not be read.
type errUnreadable struct{ error }

func (e errUnreadable) Unwrap() error { return e.error }

// permanentFetchError reports an article failure that retrying will not
// mend: the page is gone or forbidden, too large, or unreadable.
func permanentFetchError(err error) bool {
	var u errUnreadable
	if errors.As(err, &u) || errors.Is(err, fetch.ErrTooLarge) {
		return true
	}
	var se *fetch.StatusError
	if errors.As(err, &se) {
		return se.Status >= 400 && se.Status < 500 && se.Status != http.StatusRequestTimeout && se.Status != http.StatusTooManyRequests
	}
	return false
}
