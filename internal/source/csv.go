package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/figwatch/watcher/internal/fetch"
)

// KindCSV is a CSV data file (or a page that links the newest one).
const KindCSV = "csv"

// Record is one value a data source (CSV, JSON) states for a metric and a
// period.
type Record struct {
	Metric string  // metric id
	Value  float64 // summed over the rows of the group and period
	// Period is the period as a sortable key ("2024-10" for a month, else
	// the period columns' values joined with " "); Label is how it reads
	// ("October 2024").
	Period, Label string
}

// CSVSpec maps the columns of a CSV source to records, mirroring the
// config's csv keys.
type CSVSpec struct {
	Value   string   // the column holding the value ("Encounter Count")
	Periods []string // the columns that make the period ("Fiscal Year", "Month (abbv)")
	Metrics []CSVMetric
	// Discover finds the file on the source's page when its URL moves
	// every month: the newest link whose URL matches (by the YYYY-MM
	// folder in its path when there is one, else the first on the page).
	Discover *regexp.Regexp
}

// CSVMetric is one metric of a CSV source: the rows that pass every
// filter, summed per period.
type CSVMetric struct {
	ID    string
	Label string // written in the document's text; "" is ID
	// Where maps a column to the values a row may hold there, compared
	// without case and spacing ("Demographic": ["UAC", "UC / Single
	// Minors"], the name changed between files).
	Where map[string][]string
}

// csvDocuments reads a CSV source: the body is the file, or with Discover
// the page that links it, and the file is fetched (conditionally, its
// validators kept in an item) when the link is new or changed.
func (r *reader) csvDocuments(ctx context.Context, resp *fetch.Response, res *Result) error {
	cs := r.spec.CSV
	if cs == nil {
		return fmt.Errorf("csv source %s: no column mapping", r.spec.ID)
	}
	data, fileURL := resp.Body, resp.URL
	if cs.Discover != nil {
		link, err := discoverLink(resp.URL, resp.Body, cs.Discover)
		if err != nil {
			return err
		}
		const key = "csv"
		prev, ok, err := r.env.Items.Item(ctx, key)
		if err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		req := fetch.Request{URL: link, Header: r.spec.Headers, Source: r.spec.ID}
		if ok && prev.URL == link {
			req.ETag, req.LastModified = prev.ETag, prev.LastModified
		}
		fresp, err := r.env.Fetch.Get(ctx, req)
		if err != nil {
			return fmt.Errorf("fetch %s: %w", link, err)
		}
		if fresp.NotModified {
			return nil
		}
		res.Items = append(res.Items, Item{Key: key, URL: link, ETag: fresp.ETag, LastModified: fresp.LastModified, Seen: r.now, FirstSeen: r.now})
		data, fileURL = fresp.Body, fresp.URL
	}
	records, err := CSVRecords(data, *cs)
	if err != nil {
		return fmt.Errorf("read csv %s: %w", fileURL, err)
	}
	if len(records) == 0 {
		return fmt.Errorf("read csv %s: no rows match any metric (columns renamed?)", fileURL)
	}
	res.Docs = append(res.Docs, recordsDocument(r.spec, fileURL, records, cs.labels()))
	return nil
}

func (cs CSVSpec) labels() map[string]string {
	m := map[string]string{}
	for _, mt := range cs.Metrics {
		m[mt.ID] = cmpOr(mt.Label, mt.ID)
	}
	return m
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// recordsDocument is the one document of a data source: a line per record,
// "label | period | value", by metric and period, so that a revised earlier
// period shows as a changed figure. Its identity is the source's, not the
// file's, whose URL moves every month.
func recordsDocument(spec Spec, fileURL string, records []Record, labels map[string]string) Document {
	var b strings.Builder
	for _, rec := range records {
		label := cmpOr(labels[rec.Metric], rec.Metric)
		fmt.Fprintf(&b, "%s | %s | %s\n", label, cmpOr(rec.Label, rec.Period), strconv.FormatFloat(rec.Value, 'f', -1, 64))
	}
	text := strings.TrimSuffix(b.String(), "\n")
	sum := sha256.Sum256([]byte(text))
	return Document{
		ID: spec.ID + ":data", Source: spec.ID, URL: fileURL, Title: spec.ID, Outlet: HostOutlet(fileURL),
		Text: text, Hash: hex.EncodeToString(sum[:]), Records: records,
	}
}

// CSVRecords reads a CSV file into one record per metric and period, the
// values of the rows that pass the metric's filters summed. Rows whose
// value is empty or not a number are skipped; a missing column is an
// error naming it.
func CSVRecords(data []byte, cs CSVSpec) ([]Record, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	rd := csv.NewReader(bytes.NewReader(data))
	rd.FieldsPerRecord = -1
	rd.LazyQuotes = true
	header, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[normCell(h)] = i
	}
	index := func(name string) (int, error) {
		i, ok := col[normCell(name)]
		if !ok {
			return 0, fmt.Errorf("no column %q (columns: %s)", name, strings.Join(header, ", "))
		}
		return i, nil
	}
	valueCol, err := index(cs.Value)
	if err != nil {
		return nil, err
	}
	periodCols := make([]int, len(cs.Periods))
	for i, p := range cs.Periods {
		if periodCols[i], err = index(p); err != nil {
			return nil, err
		}
	}
	type filter struct {
		col  int
		want []string
	}
	filters := make([][]filter, len(cs.Metrics))
	for m, mt := range cs.Metrics {
		for name, vals := range mt.Where {
			i, err := index(name)
			if err != nil {
				return nil, fmt.Errorf("metric %s: %w", mt.ID, err)
			}
			norm := make([]string, len(vals))
			for k, v := range vals {
				norm[k] = normCell(v)
			}
			filters[m] = append(filters[m], filter{i, norm})
		}
	}
	type key struct{ metric, period string }
	sums := map[key]*Record{}
	for line := 2; ; line++ {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if valueCol >= len(row) {
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(row[valueCol]), ",", ""), 64)
		if err != nil {
			continue
		}
		vals := make([]string, len(periodCols))
		for i, c := range periodCols {
			if c < len(row) {
				vals[i] = strings.TrimSpace(row[c])
			}
		}
		period, label := periodOf(cs.Periods, vals)
	metrics:
		for m, mt := range cs.Metrics {
			for _, f := range filters[m] {
				if f.col >= len(row) || !slices.Contains(f.want, normCell(row[f.col])) {
					continue metrics
				}
			}
			k := key{mt.ID, period}
			if sums[k] == nil {
				sums[k] = &Record{Metric: mt.ID, Period: period, Label: label}
			}
			sums[k].Value += v
		}
	}
	out := make([]Record, 0, len(sums))
	for _, rec := range sums {
		out = append(out, *rec)
	}
	slices.SortFunc(out, func(a, b Record) int {
		return cmpStrings(a.Metric+"\x00"+a.Period, b.Metric+"\x00"+b.Period)
	})
	return out, nil
}

func cmpStrings(a, b string) int { return strings.Compare(a, b) }

// normCell compares cells without case and spacing.
func normCell(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

var fourDigitYear = regexp.MustCompile(`\b(19|20)\d\d\b`)

// monthByName reads a month's name or its abbreviation ("OCT", "Sept.").
func monthByName(s string) (time.Month, bool) {
	s = strings.ToLower(strings.Trim(strings.TrimSpace(s), "."))
	if len(s) < 3 {
		return 0, false
	}
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if s == name || s == name[:3] || (m == time.September && s == "sept") {
			return m, true
		}
	}
	return 0, false
}

// periodOf turns the period columns' values into a period key and label.
// A year and a month name become a calendar month ("2024-10", "October
// 2024"); when the year's column is a fiscal year, October to December
// belong to the calendar year before it (US federal fiscal years start in
// October). Other values are joined as they are.
func periodOf(cols, vals []string) (period, label string) {
	var (
		year, fiscal = 0, false
		month        time.Month
	)
	for i, v := range vals {
		if y := fourDigitYear.FindString(v); y != "" && year == 0 {
			year, _ = strconv.Atoi(y)
			fiscal = strings.Contains(strings.ToLower(cols[i]), "fiscal") || strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v)), "FY")
			continue
		}
		if m, ok := monthByName(v); ok {
			month = m
		}
	}
	if year > 0 && month > 0 {
		if fiscal && month >= time.October {
			year--
		}
		return fmt.Sprintf("%04d-%02d", year, int(month)), fmt.Sprintf("%s %d", month, year)
	}
	joined := strings.Join(strings.Fields(strings.Join(vals, " ")), " ")
	return joined, joined
}

// discoverLink finds the newest link on a landing page whose URL matches
// pattern: the one in the latest YYYY-MM folder, else the first.
func discoverLink(pageURL string, body []byte, pattern *regexp.Regexp) (string, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return "", fmt.Errorf("discover on %s: bad URL: %w", pageURL, err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("discover on %s: %w", pageURL, err)
	}
	folder := regexp.MustCompile(`/(\d{4}-\d{2})/`)
	var best, bestFolder string
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		u, err := url.Parse(strings.TrimSpace(a.AttrOr("href", "")))
		if err != nil {
			return
		}
		abs := base.ResolveReference(u).String()
		if !pattern.MatchString(abs) {
			return
		}
		f := ""
		if m := folder.FindStringSubmatch(u.Path); m != nil {
			f = m[1]
		}
		if best == "" || f > bestFolder {
			best, bestFolder = abs, f
		}
	})
	if best == "" {
		return "", fmt.Errorf("discover on %s: no link matches %s (bot wall or redesign?)", pageURL, pattern)
	}
	return best, nil
}
