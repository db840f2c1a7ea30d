package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/figwatch/watcher/internal/fetch"
)

// follow replaces each new or changed feed item by the article it links to,
// because the figures are in the article, not in the summary. The article
// is a document of its own, identified by its canonical URL, so the same
// story reached through two feeds is stored once. Items whose feed entry
// is unchanged since the last poll are not refetched (revisits aside): a
// warm poll costs no article requests.
//
// An article that is gone (a 4xx) or unreadable falls back to the item's
// own text. One that fails for a reason that may pass (timeout, 5xx) is
// skipped this time and the result is not Complete, so the caller does not
// save the feed's validators and the next poll sees the item again rather
// than a 304. So are items over the poll's MaxFollow, oldest first.
func (r *reader) follow(ctx context.Context, res *Result) error {
	items := res.Docs
	res.Docs = nil
	// A job holds a Document and an Item (~500 bytes): the slice is sized
	// once rather than grown, since on a cold poll every item is one.
	work := make([]followJob, 0, len(items))
	for _, it := range items {
		key := strings.TrimPrefix(it.ID, r.spec.ID+":")
		prev, ok, err := r.env.Items.Item(ctx, key)
		if err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		r.markDone(key)
		switch {
		case ok && prev.Hash == it.Hash:
			// Unchanged; refresh its Seen now and then so retention keeps it.
			if r.now.Sub(prev.Seen) >= r.env.Touch {
				prev.Seen = r.now
				res.Items = append(res.Items, prev)
			}
		case it.URL == "":
			res.Docs = append(res.Docs, it)
		default:
			work = append(work, followJob{stub: it, key: key, prev: prev, known: ok})
		}
	}
	// Feeds list newest first: the oldest are read first, so that what is
	// left for the next poll is the newest, which the next poll sees first.
	slices.Reverse(work)
	if len(work) > r.budget {
		r.env.log().Warn("more new items than max_follow: the rest are read at the next poll",
			"source", r.spec.ID, "items", len(work), "max_follow", r.budget)
		work, res.Complete = work[:r.budget], false
	}
	r.budget -= len(work)
	r.run(ctx, work, res, r.article)
	return ctx.Err()
}

// followJob is one item whose document is to be fetched.
type followJob struct {
	stub  Document // the feed item or listing row, for what the target lacks
	key   string
	prev  Item // the stored item, when known
	known bool
	// revisit fetches prev.URL conditionally instead of the stub's link.
	revisit bool
	report  string // listing: the entry's report number, to pick its PDF
}

// readFunc fetches and reads one job's document; notModified reports a
// revisit answered 304.
type readFunc func(ctx context.Context, j followJob) (doc Document, got fetched, err error)

// fetched is what the fetch of a target left to remember.
type fetched struct {
	url, etag, lastModified string
	notModified             bool
}

// fetchedOf is what a response leaves to remember for the next request.
func fetchedOf(resp *fetch.Response) fetched {
	return fetched{url: resp.URL, etag: resp.ETag, lastModified: resp.LastModified, notModified: resp.NotModified}
}

// pdfText is a fetched PDF's text; a PDF that cannot be read is
// errUnreadable, a failure retrying will not mend.
func (r *reader) pdfText(ctx context.Context, resp *fetch.Response) (string, error) {
	doc, err := PDFDocument(ctx, r.spec.ID, resp.URL, resp.Body)
	if err != nil {
		return "", errUnreadable{err}
	}
	return doc.Text, nil
}

// run reads the jobs concurrently (the fetcher bounds requests in flight,
// per host too) and adds their documents and item records to res. At most
// Env.Workers goroutines read them, taking the jobs in order: a goroutine
// per job parked 20 per feed poll (640 in a cold cycle's 32 polls) on the
// fetcher's slots, every one a stack the garbage collector scans at each
// cycle.
func (r *reader) run(ctx context.Context, jobs []followJob, res *Result, read readFunc) {
	// Every job adds at most one item and one document.
	res.Items = slices.Grow(res.Items, len(jobs))
	res.Docs = slices.Grow(res.Docs, len(jobs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(len(jobs), r.env.workers()) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
				r.runOne(ctx, jobs[i], res, read, &mu)
			}
		})
	}
	wg.Wait()
}

// runOne reads one job and adds its outcome to res under mu.
func (r *reader) runOne(ctx context.Context, j followJob, res *Result, read readFunc, mu *sync.Mutex) {
	doc, got, err := read(ctx, j)
	mu.Lock()
	defer mu.Unlock()
	switch {
	case err == nil:
	case permanentFetchError(err) && !j.revisit:
		r.env.log().Warn("document unreadable: using the item's own text", "source", r.spec.ID, "url", j.stub.URL, "err", err)
		doc = j.stub
	case permanentFetchError(err):
		// A revisit of a document that is now gone: keep what was
		// read, stop revisiting.
		r.env.log().Warn("revisit unreadable: keeping the stored version", "source", r.spec.ID, "url", j.prev.URL, "err", err)
		it := j.prev
		it.NextVisit = time.Time{}
		res.Items = append(res.Items, it)
		return
	case j.revisit:
		// Still due: the next poll tries again. The source's
		// validators need not be dropped for it.
		r.env.log().Warn("revisit not fetched: will retry at the next poll", "source", r.spec.ID, "url", j.prev.URL, "err", err)
		return
	default:
		r.env.log().Warn("document not fetched: will retry at the next poll", "source", r.spec.ID, "url", j.stub.URL, "err", err)
		res.Complete = false
		return
	}
	res.Items = append(res.Items, r.itemFor(j, doc, got))
	if !got.notModified {
		res.Docs = append(res.Docs, doc)
	}
}

// itemFor is the record of a job after it was read.
func (r *reader) itemFor(j followJob, doc Document, got fetched) Item {
	it := j.prev
	if !j.revisit {
		it = Item{Key: j.key, FirstSeen: r.now}
		if j.known && !j.prev.FirstSeen.IsZero() {
			// A changed entry keeps its schedule's origin: its revisits
			// are still about how old the story is.
			it.FirstSeen, it.Visits = j.prev.FirstSeen, j.prev.Visits
		}
		it.Hash, it.Published = j.stub.Hash, j.stub.Published
		if r.spec.Kind == KindListing {
			// The row's title is the document's; an article has its own,
			// read again on a revisit.
			it.Title = j.stub.Title
		}
	} else {
		it.Visits++
	}
	it.Seen = r.now
	it.FirstSeen = it.FirstSeen.Truncate(time.Second)
	if !got.notModified {
		it.DocID, it.Outlet = doc.ID, ""
		if doc.Outlet != HostOutlet(doc.URL) {
			// Only a name the host does not give (an aggregator's
			// <source>) needs remembering for a revisit.
			it.Outlet = doc.Outlet
		}
		if got.url != "" {
			it.URL = got.url
		}
	}
	if got.url != "" {
		it.ETag, it.LastModified = got.etag, got.lastModified
	}
	if it.URL == "" {
		// Read from the item's own text: nothing to revisit.
		it.NextVisit = time.Time{}
		return it
	}
	r.schedule(&it)
	return it
}

// get fetches a job's target: its link, or for a revisit the document
// fetched last time, conditionally.
func (r *reader) get(ctx context.Context, j followJob) (*fetch.Response, error) {
	req := fetch.Request{URL: j.stub.URL, Header: r.spec.Headers, Source: r.spec.ID}
	if j.revisit {
		req.URL, req.ETag, req.LastModified = j.prev.URL, j.prev.ETag, j.prev.LastModified
	}
	resp, err := r.env.Fetch.Get(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	return resp, nil
}

// article fetches and reads the page (or PDF) behind a feed item.
func (r *reader) article(ctx context.Context, j followJob) (Document, fetched, error) {
	resp, err := r.get(ctx, j)
	if err != nil {
		return Document{}, fetched{}, err
	}
	got := fetchedOf(resp)
	if resp.NotModified {
		return Document{}, got, nil
	}
	canonical := CanonicalURL(resp.URL)
	var title, text, outlet string
	if IsPDF(resp.Body, resp.ContentType) {
		if text, err = r.pdfText(ctx, resp); err != nil {
			return Document{}, got, err
		}
	} else {
		body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
		if err != nil {
			return Document{}, got, errUnreadable{fmt.Errorf("decode article %s: %w", resp.URL, err)}
		}
		art, err := Article(resp.URL, body)
		if err != nil {
			return Document{}, got, errUnreadable{err}
		}
		if art.URL != "" {
			canonical = art.URL
		}
		title, text, outlet = art.Title, art.Text, art.Outlet
	}
	item := j.stub
	if j.revisit {
		item = Document{ID: j.prev.DocID, Title: j.prev.Title, Published: j.prev.Published, Outlet: j.prev.Outlet}
	}
	if title == "" {
		title = item.Title
	}
	if outlet == "" {
		// An aggregator's <source>, else the host the article came from.
		outlet = item.Outlet
		if outlet == "" || outlet == HostOutlet(item.URL) {
			outlet = HostOutlet(canonical)
		}
	}
	id := "url:" + canonical
	if j.revisit && item.ID != "" {
		id = item.ID // the document keeps its identity across revisits
	}
	text = title + "\n\n" + text
	sum := sha256.Sum256([]byte(title + "\n" + text))
	return Document{
		ID: id, Source: r.spec.ID, URL: canonical, Title: title, Outlet: outlet,
		Published: item.Published, Text: text, Hash: hex.EncodeToString(sum[:]),
	}, got, nil
}

// IsPDF tells a PDF body by its content type or its first bytes.
func IsPDF(body []byte, contentType string) bool {
	return strings.Contains(contentType, "application/pdf") ||
		strings.HasPrefix(string(body[:min(len(body), 8)]), "%PDF-")
}

// errUnreadable marks a document that was fetched but could not be read.
type errUnreadable struct{ error }

func (e errUnreadable) Unwrap() error { return e.error }

// permanentFetchError reports a failure that retrying will not mend: the
// page is gone or forbidden, too large, unreadable, or at an address the
// egress policy refuses (a feed item linking the intranet stays refused).
func permanentFetchError(err error) bool {
	var u errUnreadable
	var eg *fetch.EgressError
	if errors.As(err, &u) || errors.Is(err, fetch.ErrTooLarge) || errors.As(err, &eg) {
		return true
	}
	var se *fetch.StatusError
	if errors.As(err, &se) {
		return se.Status >= 400 && se.Status < 500 && se.Status != http.StatusRequestTimeout && se.Status != http.StatusTooManyRequests
	}
	return false
}

// revisit fetches again, conditionally, the followed documents whose
// revisit is due, within what is left of the poll's MaxFollow. A changed
// one becomes a document like any other, which the diff compares with the
// stored version; a 304 only moves its schedule on.
func (r *reader) revisit(ctx context.Context, res *Result) error {
	if r.spec.revisits() == nil || r.budget <= 0 {
		return nil
	}
	due, err := r.env.Items.Due(ctx, r.now)
	if err != nil {
		return fmt.Errorf("read items due for revisit: %w", err)
	}
	var jobs []followJob
	for _, it := range due {
		if r.done[it.Key] || it.URL == "" {
			continue
		}
		jobs = append(jobs, followJob{key: it.Key, prev: it, known: true, revisit: true, stub: Document{URL: it.URL}})
	}
	// The longest overdue first; the rest wait for the next poll, which
	// does not need the source's validators dropped: Due finds them again.
	slices.SortFunc(jobs, func(a, b followJob) int { return a.prev.NextVisit.Compare(b.prev.NextVisit) })
	jobs = jobs[:min(len(jobs), r.budget)]
	r.budget -= len(jobs)
	read := r.article
	if r.spec.Kind == KindListing {
		read = r.entry
	}
	r.run(ctx, jobs, res, read)
	return ctx.Err()
}
