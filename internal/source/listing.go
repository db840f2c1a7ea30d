package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/figwatch/watcher/internal/fetch"
)

// Entry is one row (or link) of a listing page.
type Entry struct {
	// Key is the entry's identity, also the ID of its document: the report
	// number and year ("OIG-24-46/2024": agencies reuse and mistype
	// numbers across years) when the row has a number (the number alone
	// when it has no year), else "url:" and the link's canonical URL.
	Key       string
	Number    string    // report number, "" when the row has none
	Year      string    // fiscal year column, else the year of the date
	Title     string    // the link's text, else the title cell's
	Published time.Time // from the row's date column; zero when absent
	Link      string    // absolute URL of the entry's document or landing page
	Hash      string    // of what the row says, to tell a changed row
}

// reportNumber matches report numbers as agencies print them: OIG-24-46,
// GAO-25-107840, OEI-09-24-00210, A-06-22-01000.
var reportNumber = regexp.MustCompile(`\b[A-Z]{1,5}(?:-\d{2,6}){2,3}\b`)

// ListingEntries reads the entries of a listing page (decoded to UTF-8)
// fetched from pageURL: each row of a table in the region selector picks
// (the whole page when ""), its columns found by their headers (a number,
// title, date and year column), with the link the links selector finds
// inside the row; in a region without a table, each link is an entry.
// Rows without a link are not entries. Entries come in page order, each
// key once.
func ListingEntries(pageURL, selector, links string, body []byte) ([]Entry, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("read listing %s: bad URL: %w", pageURL, err)
	}
	if countTags(body, MaxPageElements) {
		return nil, fmt.Errorf("read listing %s: page has more than %d elements", pageURL, MaxPageElements)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("read listing %s: %w", pageURL, err)
	}
	region := doc.Selection
	if selector != "" {
		if region = doc.Find(selector); region.Length() == 0 {
			return nil, fmt.Errorf("listing %s: selector %q matches nothing", pageURL, selector)
		}
	}
	if links == "" {
		links = DefaultLinks
	}
	var out []Entry
	seen := map[string]bool{}
	add := func(e Entry, ok bool) {
		if ok && !seen[e.Key] {
			seen[e.Key] = true
			out = append(out, e)
		}
	}
	tables := region.Find("table").AddSelection(region.Filter("table"))
	if tables.Length() == 0 {
		region.Find(links).Each(func(_ int, a *goquery.Selection) {
			add(linkEntry(base, a))
		})
		return out, nil
	}
	tables.Each(func(_ int, t *goquery.Selection) {
		var cols listingColumns
		t.Find("tr").Each(func(_ int, tr *goquery.Selection) {
			if tr.Closest("table").Get(0) != t.Get(0) {
				return // a row of a nested table
			}
			cells := tr.ChildrenFiltered("td,th")
			if cells.Filter("td").Length() == 0 {
				cols = headerColumns(cells)
				return
			}
			add(rowEntry(base, cols, cells, tr.Find(links).First()))
		})
	})
	return out, nil
}

// listingColumns are the indexes of a listing table's known columns, -1
// when absent.
type listingColumns struct{ number, title, date, year int }

func headerColumns(cells *goquery.Selection) listingColumns {
	c := listingColumns{-1, -1, -1, -1}
	cells.Each(func(i int, th *goquery.Selection) {
		h := strings.ToLower(cellText(th))
		switch {
		case c.number < 0 && (strings.Contains(h, "number") || h == "report no." || h == "no."):
			c.number = i
		case c.year < 0 && strings.Contains(h, "year"):
			c.year = i
		case c.date < 0 && strings.Contains(h, "date"):
			c.date = i
		case c.title < 0 && strings.Contains(h, "title"):
			c.title = i
		}
	})
	return c
}

func cellText(s *goquery.Selection) string {
	return strings.Join(strings.Fields(s.Text()), " ")
}

func rowEntry(base *url.URL, cols listingColumns, cells, link *goquery.Selection) (Entry, bool) {
	href, ok := link.Attr("href")
	if !ok || strings.TrimSpace(href) == "" {
		return Entry{}, false
	}
	cell := func(i int) string {
		if i < 0 || i >= cells.Length() {
			return ""
		}
		return cellText(cells.Eq(i))
	}
	e := Entry{Link: resolve(base, strings.TrimSpace(href)), Title: cellText(link)}
	if e.Title == "" {
		e.Title = cell(cols.title)
	}
	e.Number = reportNumber.FindString(cell(cols.number))
	if e.Number == "" {
		// No number column: a number anywhere in the row, as some listings
		// put it under the title.
		e.Number = reportNumber.FindString(cellText(cells))
	}
	if d, ok := parseRowDate(cell(cols.date)); ok {
		e.Published = d
	}
	e.Year = yearPattern.FindString(cell(cols.year))
	if e.Year == "" && !e.Published.IsZero() {
		e.Year = e.Published.Format("2006")
	}
	e.Title = RepairMojibake(e.Title)
	return e.finish(), true
}

func linkEntry(base *url.URL, a *goquery.Selection) (Entry, bool) {
	href, ok := a.Attr("href")
	if !ok || strings.TrimSpace(href) == "" || strings.HasPrefix(strings.TrimSpace(href), "#") {
		return Entry{}, false
	}
	e := Entry{Link: resolve(base, strings.TrimSpace(href)), Title: RepairMojibake(cellText(a))}
	e.Number = reportNumber.FindString(e.Title)
	if e.Number == "" {
		e.Number = reportNumber.FindString(strings.ToUpper(path.Base(e.Link)))
	}
	return e.finish(), true
}

// finish sets the entry's key and hash.
func (e Entry) finish() Entry {
	switch {
	case e.Number != "" && e.Year != "":
		e.Key = e.Number + "/" + e.Year
	case e.Number != "":
		e.Key = e.Number
	default:
		e.Key = "url:" + CanonicalURL(e.Link)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{e.Key, e.Title, e.Published.Format(time.DateOnly), e.Link}, "\n")))
	e.Hash = hex.EncodeToString(sum[:])
	return e
}

var yearPattern = regexp.MustCompile(`\b(19|20)\d\d\b`)

// parseRowDate reads the dates listings print: 08/20/2024, 2024-08-20,
// August 20, 2024, Aug 20, 2024, 20 August 2024.
func parseRowDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"01/02/2006", "1/2/2006", time.DateOnly, "January 2, 2006", "Jan 2, 2006", "Jan. 2, 2006", "2 January 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// listing reads a listing page and fetches the documents of its new and
// changed entries, oldest first, at most the poll's MaxFollow of them;
// those left over are read at the next poll (the result is then not
// Complete, so the page is fetched whole again).
func (r *reader) listing(ctx context.Context, resp *fetch.Response, res *Result) error {
	body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
	if err != nil {
		return fmt.Errorf("decode listing %s: %w", resp.URL, err)
	}
	entries, err := ListingEntries(resp.URL, r.spec.Selector, r.spec.links(), body)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		// A listing never empties: this is a bot wall or a redesign, and
		// must read as a failing source, not as "nothing new".
		return fmt.Errorf("listing %s: no entries found (bot wall or redesign?)", resp.URL)
	}
	var work []followJob
	for _, e := range entries {
		prev, ok, err := r.env.Items.Item(ctx, e.Key)
		if err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		r.markDone(e.Key)
		if ok && prev.Hash == e.Hash {
			if r.now.Sub(prev.Seen) >= r.env.Touch {
				prev.Seen = r.now
				res.Items = append(res.Items, prev)
			}
			continue
		}
		// The stub stands for the entry when its document cannot be read:
		// its title is all that is known. Its hash is the row's, which the
		// item keeps to tell a changed row.
		stub := Document{ID: e.Key, Source: r.spec.ID, URL: e.Link, Title: e.Title, Published: e.Published,
			Text: e.Title, Hash: e.Hash, Outlet: HostOutlet(r.spec.URL)}
		work = append(work, followJob{stub: stub, key: e.Key, prev: prev, known: ok, report: e.Number})
	}
	slices.Reverse(work) // listings are newest first
	if len(work) > r.budget {
		r.env.log().Warn("more new entries than max_follow: the rest are read at the next poll",
			"source", r.spec.ID, "entries", len(work), "max_follow", r.budget)
		work, res.Complete = work[:r.budget], false
	}
	r.budget -= len(work)
	r.run(ctx, work, res, r.entry)
	return ctx.Err()
}

// entry fetches and reads the document of a listing entry: a PDF, or an
// HTML page; a landing page that links a PDF (the entry's, by its report
// number, else the first) leads to the PDF.
func (r *reader) entry(ctx context.Context, j followJob) (Document, fetched, error) {
	resp, err := r.get(ctx, j)
	if err != nil {
		return Document{}, fetched{}, err
	}
	got := fetchedOf(resp)
	if resp.NotModified {
		return Document{}, got, nil
	}
	stub := j.stub
	if j.revisit {
		stub = Document{ID: j.prev.DocID, Title: j.prev.Title, Published: j.prev.Published}
	}
	var text string
	if IsPDF(resp.Body, resp.ContentType) {
		if text, err = r.pdfText(ctx, resp); err != nil {
			return Document{}, got, err
		}
	} else {
		body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
		if err != nil {
			return Document{}, got, errUnreadable{fmt.Errorf("decode %s: %w", resp.URL, err)}
		}
		if pdf := landingPDF(resp.URL, body, j.report); pdf != "" {
			presp, err := r.env.Fetch.Get(ctx, fetch.Request{URL: pdf, Header: r.spec.Headers, Source: r.spec.ID})
			if err != nil {
				return Document{}, got, fmt.Errorf("fetch %s: %w", pdf, err)
			}
			got = fetchedOf(presp)
			if text, err = r.pdfText(ctx, presp); err != nil {
				return Document{}, got, err
			}
		} else {
			doc, err := PageDocument(r.spec.ID, resp.URL, "", body)
			if err != nil {
				return Document{}, got, errUnreadable{err}
			}
			text = doc.Text
		}
	}
	title := stub.Title
	if title == "" {
		title = path.Base(got.url)
	}
	text = title + "\n\n" + text
	sum := sha256.Sum256([]byte(title + "\n" + text))
	return Document{
		ID: stub.ID, Source: r.spec.ID, URL: got.url, Title: title, Outlet: HostOutlet(r.spec.URL),
		Published: stub.Published, Text: text, Hash: hex.EncodeToString(sum[:]),
	}, got, nil
}

// landingPDF returns the absolute URL of the PDF a landing page links: the
// one whose link names the report number, else the first; "" when it
// links none.
func landingPDF(pageURL string, body []byte, number string) string {
	base, err := url.Parse(pageURL)
	if err != nil {
		return ""
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	var first, named string
	doc.Find("a[href]").EachWithBreak(func(_ int, a *goquery.Selection) bool {
		href := strings.TrimSpace(a.AttrOr("href", ""))
		u, err := url.Parse(href)
		if err != nil || !strings.HasSuffix(strings.ToLower(u.Path), ".pdf") {
			return true
		}
		abs := base.ResolveReference(u).String()
		if first == "" {
			first = abs
		}
		if number != "" && strings.Contains(strings.ToUpper(href+" "+a.Text()), number) {
			named = abs
			return false
		}
		return true
	})
	if named != "" {
		return named
	}
	return first
}
