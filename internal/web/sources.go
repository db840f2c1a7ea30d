package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// sourcesPerPage bounds the rows of the sources table. Listing every
// source made the page of a 1,000-source deployment 0.5 MB of rows of
// which an operator reads the few that fail (issue #16); beyond this many
// the page lists the sources that need attention and counts the rest,
// and the full list is there page by page.
const sourcesPerPage = 100

// Source classes, as the page shows them and as ?sources= names them.
const (
	classHealthy  = "healthy"
	classFailing  = "failing"
	classNever    = "never"
	classDisabled = "disabled"
)

// Listings besides a single class: every source, or those that need
// attention (failing or never polled).
const (
	listAll       = "all"
	listAttention = "attention"
)

// sourceQuery is which sources the table lists (?sources=) and which page
// of them (?page=, from 1).
type sourceQuery struct {
	Filter string // "" for the default: all when they fit one page, else attention
	Page   int
}

// parseSourceQuery reads ?sources= and ?page=.
func parseSourceQuery(q url.Values) (sourceQuery, error) {
	sq := sourceQuery{Filter: q.Get("sources"), Page: 1}
	switch sq.Filter {
	case "", listAll, listAttention, classHealthy, classFailing, classNever, classDisabled:
	default:
		return sq, fmt.Errorf("unknown sources %q: want all, attention, healthy, failing, never or disabled", sq.Filter)
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return sq, errors.New("page must be a number from 1")
		}
		sq.Page = n
	}
	return sq, nil
}

// sourceClass is what the page says of a source: disabled, failing, never
// polled or healthy.
func sourceClass(src SourceStatus) string {
	switch {
	case !src.Enabled:
		return classDisabled
	case src.State.ConsecutiveFailures > 0:
		return classFailing
	case src.State.LastPoll.IsZero():
		return classNever
	}
	return classHealthy
}

// listed reports whether a source of class is in the listing filter.
func listed(filter, class string) bool {
	switch filter {
	case listAll:
		return true
	case listAttention:
		return class == classFailing || class == classNever
	}
	return filter == class
}

// listingView says what the sources table holds when it does not hold
// every source, with the counts of the rest and links to them.
type listingView struct {
	// Partial is set when the table does not list every source on one
	// page; the rest of the fields are for it.
	Partial  bool
	What     string // "need attention (failing or never polled)"
	Matching int    // sources in the listing, all pages
	From, To int    // 1-based positions of the rows shown; 0, 0 when none
	Prev     string // URL of the previous page, "" on the first
	Next     string // URL of the next page, "" on the last
	Filters  []filterView
	Kinds    []countView
	Roles    []countView // by authority
}

// filterView is a link to one listing, with how many sources it holds.
type filterView struct {
	Label   string
	URL     string
	N       int
	Current bool
}

// countView is how many sources share a kind or an authority.
type countView struct {
	Name string
	N    int
}

// sourcePageURL links to a page of a listing, at the sources section.
func sourcePageURL(filter string, page int) string {
	v := url.Values{"sources": {filter}}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "?" + v.Encode() + "#sources"
}

// selectSources picks the rows the table shows for q, and describes the
// listing. classes holds each source's class, in config order.
func selectSources(srcs []SourceStatus, classes []string, q sourceQuery) ([]int, listingView) {
	filter := q.Filter
	if filter == "" {
		filter = listAll
		if len(srcs) > sourcesPerPage {
			filter = listAttention
		}
	}
	var rows []int
	for i, c := range classes {
		if listed(filter, c) {
			rows = append(rows, i)
		}
	}
	pages := max(1, (len(rows)+sourcesPerPage-1)/sourcesPerPage)
	page := min(q.Page, pages)
	lo := (page - 1) * sourcesPerPage
	hi := min(lo+sourcesPerPage, len(rows))
	lv := listingView{
		// An explicit filter keeps its links even when it holds every
		// source, so the way back is on the page.
		Partial:  len(rows) < len(srcs) || pages > 1 || (q.Filter != "" && q.Filter != listAll),
		Matching: len(rows),
	}
	if !lv.Partial {
		return rows, lv
	}
	shown := rows[lo:hi]
	if len(shown) > 0 {
		lv.From, lv.To = lo+1, hi
	}
	if page > 1 {
		lv.Prev = sourcePageURL(filter, page-1)
	}
	if page < pages {
		lv.Next = sourcePageURL(filter, page+1)
	}
	perClass := map[string]int{} // one pass over the sources, not one per filter
	for _, c := range classes {
		perClass[c]++
	}
	count := func(filter string) int {
		n := 0
		for c, k := range perClass {
			if listed(filter, c) {
				n += k
			}
		}
		return n
	}
	for _, f := range []struct{ filter, label, what string }{
		{listAttention, "need attention", "need attention (failing or never polled)"},
		{classFailing, "failing", "are failing"},
		{classNever, "never polled", "were never polled"},
		{classHealthy, "healthy", "are healthy"},
		{classDisabled, "disabled", "are disabled"},
		{listAll, "all", "are configured"},
	} {
		fv := filterView{Label: f.label, URL: sourcePageURL(f.filter, 1), N: count(f.filter), Current: f.filter == filter}
		if fv.Current {
			lv.What = f.what
		}
		lv.Filters = append(lv.Filters, fv)
	}
	lv.Kinds = countBy(srcs, func(s SourceStatus) string { return s.Kind })
	lv.Roles = countBy(srcs, func(s SourceStatus) string { return s.Authority })
	return shown, lv
}

// countBy counts sources by key, most common first.
func countBy(srcs []SourceStatus, key func(SourceStatus) string) []countView {
	n := map[string]int{}
	for _, s := range srcs {
		n[key(s)]++
	}
	out := make([]countView, 0, len(n))
	for k, v := range n {
		out = append(out, countView{Name: k, N: v})
	}
	slices.SortFunc(out, func(a, b countView) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name))
	})
	return out
}
