package source

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/itchyny/gojq"

	"github.com/figwatch/watcher/internal/fetch"
)

// Kinds of source, as the config names them.
const (
	KindFeed    = "feed"    // RSS, Atom or JSON Feed
	KindPage    = "page"    // an HTML page, optionally narrowed by a CSS selector
	KindPDF     = "pdf"     // one PDF report
	KindListing = "listing" // a page whose rows (or links) lead to reports
)

// Defaults of a Spec's zero fields.
const (
	DefaultLinks     = "a[href]"
	DefaultMaxFollow = 100
	DefaultMaxItems  = 1000
)

// DefaultRevisit is when a followed article or listing entry is fetched
// again after it was first seen, to catch edits made after publication
// that its feed entry or row does not show. Edits cluster in the first
// hours, so the schedule decays.
var DefaultRevisit = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 168 * time.Hour}

// Spec is what reading a source needs to know of its configuration. It
// mirrors the config's source keys, so that this package does not depend
// on the config package; the daemon fills it.
type Spec struct {
	ID          string
	Kind        string // KindFeed (also ""), KindPage, KindPDF, KindListing
	URL         string
	Selector    string            // page, listing: CSS selector of the region to read
	FollowLinks bool              // feed: fetch the article each item links to
	Headers     map[string]string // sent with every request of the source
	// Links is the CSS selector, inside each row of a listing, of the link
	// to the entry's document; "" is DefaultLinks.
	Links string
	// MaxFollow bounds the documents fetched per poll for new items,
	// listing entries and revisits together; 0 is DefaultMaxFollow. Those
	// over the bound are fetched at a later poll, oldest first.
	MaxFollow int
	// MaxItems bounds the items read from one feed body; 0 is
	// DefaultMaxItems. A feed that lists more (an archive feed, a runaway
	// generator) has the rest dropped, with one warning per poll.
	MaxItems int
	// Revisit is the schedule of refetches after first seen; nil is
	// DefaultRevisit. NoRevisit turns revisits off.
	Revisit   []time.Duration
	NoRevisit bool
	// CSV maps a KindCSV source's columns to records.
	CSV *CSVSpec
	// JQ is a KindJSON source's compiled expression (CompileJQ), and
	// Labels the metrics' labels its document's text shows.
	JQ     *gojq.Code
	Labels map[string]string
}

func (s Spec) maxFollow() int {
	if s.MaxFollow > 0 {
		return s.MaxFollow
	}
	return DefaultMaxFollow
}

func (s Spec) maxItems() int {
	if s.MaxItems > 0 {
		return s.MaxItems
	}
	return DefaultMaxItems
}

func (s Spec) revisits() []time.Duration {
	switch {
	case s.NoRevisit:
		return nil
	case s.Revisit == nil:
		return DefaultRevisit
	}
	return s.Revisit
}

func (s Spec) links() string {
	if s.Links != "" {
		return s.Links
	}
	return DefaultLinks
}

// Fetcher fetches one URL; *fetch.Client is one. It is the consumer's
// interface, so the daemon can count what is fetched on a source's behalf.
type Fetcher interface {
	Get(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Item is what is remembered of one followed feed item or listing entry
// between polls. It mirrors the store's item record; the caller converts.
type Item struct {
	Key  string // feed item GUID (or link), or listing entry identity
	Hash string // of the feed entry or listing row as last read
	// DocID is the document the item was read into.
	DocID     string
	Seen      time.Time // last time the item was in its feed or listing
	Published time.Time // as the feed or row gave it
	Title     string    // as the feed or row gave it, for a revisit's document
	Outlet    string    // the document's publisher, for a revisit's document
	// URL is the document fetched for the item, with its validators, for
	// conditional revisits.
	URL          string
	ETag         string
	LastModified string
	FirstSeen    time.Time
	// NextVisit is when the document is due to be fetched again; zero when
	// no revisit is left. Visits is the position in the revisit schedule:
	// the revisits made, or skipped because the daemon was down.
	NextVisit time.Time
	Visits    int
}

// ItemState looks up the remembered items of the source being read. Its
// methods run short reads; no transaction is held across a fetch.
type ItemState interface {
	Item(ctx context.Context, key string) (Item, bool, error)
	// Due returns the items whose NextVisit is at or before now.
	Due(ctx context.Context, now time.Time) ([]Item, error)
}

// Env is what reading a source uses besides its Spec.
type Env struct {
	Fetch Fetcher
	Items ItemState        // required for following, listings and revisits
	Now   func() time.Time // default time.Now
	Log   *slog.Logger     // default discards
	// Touch is how stale an unchanged item's Seen may grow before it is
	// written again, so retention keeps it; 0 writes it every poll.
	Touch time.Duration
	// Workers bounds the goroutines a poll reads its articles, listing
	// entries and revisits with: more than the fetcher lets run at once
	// would only wait for its slots (fetch.concurrency).
	// 0 is fetch.DefaultConcurrency.
	Workers int
}

func (e Env) workers() int {
	if e.Workers <= 0 {
		return fetch.DefaultConcurrency
	}
	return e.Workers
}

func (e Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e Env) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

// Result is what one poll of a source read.
type Result struct {
	Docs []Document
	// Items are the item records to save with the poll.
	Items []Item
	// Complete is false when something the poll should have read was left
	// for the next one (a fetch that may succeed later, entries over
	// MaxFollow): the caller must then not keep the source's validators,
	// or a 304 would hide those entries.
	Complete bool
}

// Documents turns a fetched response into documents according to the
// source's kind: a feed's items (and, with FollowLinks, the articles they
// link to), a page, a PDF, or a listing's new entries. Followed articles
// and listing entries that are due are revisited, also when resp is a 304.
func Documents(ctx context.Context, env Env, spec Spec, resp *fetch.Response) (Result, error) {
	res := Result{Complete: true}
	r := reader{env: env, spec: spec, budget: spec.maxFollow(), now: env.now()}
	if !resp.NotModified {
		var err error
		switch spec.Kind {
		case KindPDF:
			var doc Document
			doc, err = PDFDocument(ctx, spec.ID, resp.URL, resp.Body)
			doc.Outlet = HostOutlet(resp.URL)
			res.Docs = []Document{doc}
		case KindPage:
			var doc Document
			doc, err = pageDocument(spec, resp)
			doc.Outlet = HostOutlet(resp.URL)
			res.Docs = []Document{doc}
		case KindListing:
			err = r.listing(ctx, resp, &res)
		case KindCSV:
			err = r.csvDocuments(ctx, resp, &res)
		case KindJSON:
			err = jsonDocuments(ctx, spec, resp, &res)
		default:
			res.Docs, err = ParseFeed(spec.ID, resp.URL, resp.Body)
			if limit := spec.maxItems(); len(res.Docs) > limit {
				env.log().Warn("feed lists more items than max_items: the rest are dropped",
					"source", spec.ID, "items", len(res.Docs), "max_items", limit)
				res.Docs = res.Docs[:limit]
			}
			if err == nil && spec.FollowLinks {
				err = r.follow(ctx, &res)
			}
		}
		if err != nil {
			return Result{}, err
		}
	}
	if spec.FollowLinks || spec.Kind == KindListing {
		if err := r.revisit(ctx, &res); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// jsonDocuments reads a JSON source into one document of records.
func jsonDocuments(ctx context.Context, spec Spec, resp *fetch.Response, res *Result) error {
	if spec.JQ == nil {
		return fmt.Errorf("json source %s: no jq expression", spec.ID)
	}
	records, err := JSONRecords(ctx, spec.JQ, resp.Body)
	if err != nil {
		return fmt.Errorf("read json %s: %w", resp.URL, err)
	}
	if len(records) == 0 {
		return fmt.Errorf("read json %s: the jq expression yields no records (API changed?)", resp.URL)
	}
	res.Docs = append(res.Docs, recordsDocument(spec, resp.URL, records, spec.Labels))
	return nil
}

// pageDocument reads a page, decoding it to UTF-8 first.
func pageDocument(spec Spec, resp *fetch.Response) (Document, error) {
	body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
	if err != nil {
		return Document{}, fmt.Errorf("decode page %s: %w", resp.URL, err)
	}
	return PageDocument(spec.ID, resp.URL, spec.Selector, body)
}

// reader is one poll's reading of a source.
type reader struct {
	env    Env
	spec   Spec
	now    time.Time
	budget int // documents that may still be fetched this poll
	// done holds the item keys read this poll, so a revisit does not
	// fetch them again.
	done map[string]bool
}

func (r *reader) markDone(key string) {
	if r.done == nil {
		r.done = map[string]bool{}
	}
	r.done[key] = true
}

// schedule sets it's next revisit after a visit at now: the first time of
// the schedule, counted from first seen, that is still ahead. Times that
// passed while the daemon was down are skipped rather than fetched in a
// burst.
func (r *reader) schedule(it *Item) {
	it.NextVisit = time.Time{}
	// Seconds are precise enough for a schedule counted in hours, and
	// keep the item records short.
	for i, d := range r.spec.revisits() {
		if i < it.Visits {
			continue
		}
		if at := it.FirstSeen.Add(d); at.After(r.now) {
			it.NextVisit = at.Truncate(time.Second)
			return
		}
		it.Visits = i + 1
	}
}
