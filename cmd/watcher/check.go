package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/inspect"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/console"
	"github.com/figwatch/watcher/internal/source"
	"github.com/figwatch/watcher/internal/store"
)

// checkFlags are check's flags.
type checkFlags struct {
	config string
	file   string // a saved copy of the source's URL to read instead of fetching it
	json   bool
}

// checkState is the stored state a dry run compares against, and what to
// tell the user about it.
type checkState struct {
	db    *store.DB
	close func()
	kind  string // "database", "backup" or "empty"
	note  string
}

func cmdCheck(ctx context.Context, o checkFlags, id string, stdout, stderr io.Writer) int {
	cfg, ok := loadConfig(o.config, stderr)
	if !ok {
		return exitUsage
	}
	// An id the config does not have is a typo: said before anything is
	// opened or fetched.
	ids, _ := sourceIDs(cfg)
	if err := checkID("source", id, ids); err != nil {
		fmt.Fprintf(stderr, "watcher check: %v\n", err)
		return exitUsage
	}
	src := sourceByID(cfg, id)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var body *fetch.Response
	if o.file != "" {
		data, err := os.ReadFile(o.file)
		if err != nil {
			fmt.Fprintf(stderr, "watcher check: %v\n", err)
			return exitFailure
		}
		body = fileResponse(src, data)
	}

	st := openCheckState(ctx, cfg, log)
	defer st.close()
	fetcher := newFetcher(cfg, log)
	defer fetcher.Close()
	// The notifier is never called: Check queues nothing. The daemon
	// wants one all the same.
	d, err := daemon.New(daemonOptions(cfg, st.db, fetcher, console.New(io.Discard), log))
	if err != nil {
		fmt.Fprintf(stderr, "watcher check: %v\n", err)
		return exitUsage
	}
	res, err := d.Check(ctx, id, daemon.CheckOptions{Body: body})
	if err != nil {
		fmt.Fprintf(stderr, "watcher check: %v\n", err)
		return exitFailure
	}
	rep := newCheckReport(cfg, res, st, o.file, body)
	w := bufio.NewWriter(stdout)
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		writeCheck(w, rep)
	}
	if err = errors.Join(err, w.Flush()); err != nil {
		fmt.Fprintf(stderr, "watcher check: %v\n", err)
		return exitFailure
	}
	if res.Refused != "" {
		fmt.Fprintf(stderr, "watcher check: a real poll would fail: %s\n", res.Refused)
		return exitFailure
	}
	return exitOK
}

func sourceByID(cfg *config.Config, id string) config.Source {
	for _, s := range cfg.Sources {
		if s.ID == id {
			return s
		}
	}
	return config.Source{}
}

// fileResponse is a saved file as if the source's URL had answered it,
// its content type told by its content (source.Sniff) as a server would
// have told it: the URL stays the source's, so that relative links and
// document ids come out as a real poll's.
func fileResponse(src config.Source, data []byte) *fetch.Response {
	resp := &fetch.Response{URL: src.URL, Status: 200, Body: data, Bytes: int64(len(data))}
	switch source.Sniff(data, "") {
	case source.ContentPDF:
		resp.ContentType = "application/pdf"
	case source.ContentHTML:
		resp.ContentType = "text/html"
	}
	return resp
}

// openCheckState opens what a dry run compares against, never writing to
// nor creating the config's database: the file read-only; while the
// daemon holds it, a hot backup through the daemon's listener; and when
// there is no file, or the daemon cannot be asked, an empty temporary
// database, with a note saying so.
func openCheckState(ctx context.Context, cfg *config.Config, log *slog.Logger) checkState {
	path := cfg.Storage.Path
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyState(log, fmt.Sprintf("no database at %s: compared against an empty state, as a first poll", path))
	}
	if err == nil {
		var db *store.DB
		db, err = store.Open(path, store.Options{ReadOnly: true, Timeout: 500 * time.Millisecond, Logger: log})
		if err == nil {
			return checkState{db: db, close: func() { db.Close() }, kind: "database", note: "compared against " + path + " (read-only)"}
		}
		if errors.Is(err, store.ErrLocked) {
			db, closeDB, berr := inspect.Open(ctx, cfg, "", remote(cfg), log)
			if berr == nil {
				return checkState{db: db, close: closeDB, kind: "backup",
					note: "the running daemon holds " + path + ": compared against a hot backup of its state"}
			}
			err = berr
		}
	}
	return emptyState(log, fmt.Sprintf("cannot read %s (%v): compared against an empty state, as a first poll", path, err))
}

// emptyState is a new database in a temporary directory, removed on close.
func emptyState(log *slog.Logger, note string) checkState {
	dir, err := os.MkdirTemp("", "watcher-check-")
	if err == nil {
		var db *store.DB
		if db, err = store.Open(filepath.Join(dir, "empty.db"), store.Options{Timeout: time.Second, Logger: log}); err == nil {
			return checkState{db: db, close: func() { db.Close(); os.RemoveAll(dir) }, kind: "empty", note: note}
		}
		os.RemoveAll(dir)
	}
	// Without a temporary directory there is nothing to compare against;
	// the caller's daemon.New refuses the nil database and says so.
	return checkState{close: func() {}, kind: "empty", note: note + "; no temporary database: " + err.Error()}
}

// checkReport is what check prints, as text or as JSON.
type checkReport struct {
	Source     string       `json:"source"`
	Name       string       `json:"name,omitempty"`
	Kind       string       `json:"kind"`
	Authority  string       `json:"authority"`
	URL        string       `json:"url"`
	Status     int          `json:"status"`
	File       string       `json:"file,omitempty"`
	FileAs     string       `json:"file_read_as,omitempty"`
	State      string       `json:"state"`
	StateNote  string       `json:"state_note"`
	FirstPoll  bool         `json:"first_poll"`
	Silenced   bool         `json:"silenced"`
	Unchanged  int          `json:"unchanged"`
	Items      int          `json:"items"`
	Complete   bool         `json:"complete"`
	MaxPerPoll int          `json:"max_per_poll,omitempty"`
	Refused    string       `json:"refused,omitempty"`
	Documents  []checkDoc   `json:"documents"`
	Alerts     []checkAlert `json:"alerts"`
	loc        *time.Location
}

type checkDoc struct {
	ID        string           `json:"id"`
	Title     string           `json:"title,omitempty"`
	Outlet    string           `json:"outlet,omitempty"`
	URL       string           `json:"url,omitempty"`
	Published time.Time        `json:"published,omitzero"`
	Records   []source.Record  `json:"records,omitempty"`
	Figures   []extract.Figure `json:"figures"`
}

type checkAlert struct {
	Kind     string `json:"kind"`
	Metric   string `json:"metric,omitempty"`
	Doc      string `json:"doc,omitempty"`
	Headline string `json:"headline"`
	Channel  string `json:"channel,omitempty"`
	Severity string `json:"severity,omitempty"`
}

func newCheckReport(cfg *config.Config, res daemon.CheckResult, st checkState, file string, body *fetch.Response) checkReport {
	src := res.Source
	rep := checkReport{
		Source: src.ID, Name: src.Name, Kind: string(src.Kind), Authority: src.Authority,
		URL: res.URL, Status: res.Status, State: st.kind, StateNote: st.note,
		FirstPoll: res.FirstPoll, Silenced: res.Silenced, Unchanged: res.Unchanged,
		Items: res.Items, Complete: res.Complete, MaxPerPoll: res.MaxPerPoll, Refused: res.Refused,
		Documents: []checkDoc{}, Alerts: []checkAlert{}, loc: cfg.Location,
	}
	if rep.Kind == "" {
		rep.Kind = string(config.KindFeed)
	}
	if file != "" {
		rep.File, rep.FileAs = file, source.Sniff(body.Body, "")
	}
	for _, d := range res.Docs {
		figs := d.Figures
		if figs == nil {
			figs = []extract.Figure{}
		}
		rep.Documents = append(rep.Documents, checkDoc{
			ID: d.Document.ID, Title: d.Document.Title, Outlet: d.Document.Outlet, URL: d.Document.URL,
			Published: d.Document.Published, Records: d.Document.Records, Figures: figs,
		})
	}
	for _, e := range res.Events {
		m := notify.BuildIn(notify.Alert{Event: e.Event}, cfg.Location)
		rep.Alerts = append(rep.Alerts, checkAlert{
			Kind: string(e.Event.Kind), Metric: e.Event.Metric, Doc: e.Event.DocID,
			Headline: m.FullHeadline(), Channel: e.Channel, Severity: e.Severity,
		})
	}
	return rep
}

// writeCheck prints a report for a person: where it read from and what it
// compared against, each document with its figures, then the alerts.
func writeCheck(w io.Writer, r checkReport) {
	name := r.Source
	if r.Name != "" {
		name += " (" + r.Name + ")"
	}
	fmt.Fprintf(w, "check %s: %s, %s; dry run, nothing is written\n", name, r.Kind, r.Authority)
	if r.File != "" {
		fmt.Fprintf(w, "read %s as %s, standing for %s\n", r.File, r.FileAs, r.URL)
	} else {
		fmt.Fprintf(w, "fetched %s: %d\n", r.URL, r.Status)
	}
	fmt.Fprintf(w, "state: %s\n", r.StateNote)

	fmt.Fprintf(w, "\n%d document%s", len(r.Documents), plural(len(r.Documents)))
	if r.Unchanged > 0 {
		fmt.Fprintf(w, " (%d unchanged since the last poll)", r.Unchanged)
	}
	fmt.Fprintln(w, ":")
	for _, d := range r.Documents {
		fmt.Fprintf(w, "\n  %s\n", d.ID)
		if d.Title != "" {
			fmt.Fprintf(w, "    title:  %s\n", d.Title)
		}
		if d.URL != "" {
			fmt.Fprintf(w, "    url:    %s\n", d.URL)
		}
		if d.Outlet != "" {
			fmt.Fprintf(w, "    outlet: %s\n", d.Outlet)
		}
		if !d.Published.IsZero() {
			fmt.Fprintf(w, "    date:   %s\n", d.Published.In(r.loc).Format("2 Jan 2006 15:04 MST"))
		}
		for _, rec := range d.Records {
			fmt.Fprintf(w, "    record: %s  %s  %s\n", rec.Metric, periodLabel(rec), formatValue(rec.Value))
		}
		if len(d.Figures) == 0 {
			fmt.Fprintln(w, "    no figures")
			continue
		}
		fmt.Fprintf(w, "    %d figure%s:\n", len(d.Figures), plural(len(d.Figures)))
		for _, f := range d.Figures {
			writeCheckFigure(w, f)
		}
	}

	fmt.Fprintln(w)
	switch {
	case len(r.Alerts) == 0:
		fmt.Fprintln(w, "a poll now would raise no alert")
	case r.Silenced:
		fmt.Fprintf(w, "a poll now would set the baseline silently (first poll, alert_on_first_poll is off): these %d alert%s would NOT be sent:\n",
			len(r.Alerts), plural(len(r.Alerts)))
	default:
		fmt.Fprintf(w, "a poll now would raise %d alert%s:\n", len(r.Alerts), plural(len(r.Alerts)))
	}
	for _, a := range r.Alerts {
		fmt.Fprintf(w, "  %-16s %s", a.Kind, a.Headline)
		if a.Channel != "" {
			fmt.Fprintf(w, "  → %s", a.Channel)
		}
		if a.Severity != "" {
			fmt.Fprintf(w, " [%s]", a.Severity)
		}
		fmt.Fprintln(w)
	}
	if r.MaxPerPoll > 0 && len(r.Alerts) > r.MaxPerPoll {
		fmt.Fprintf(w, "  (over alerts.max_per_poll: the first %d would be sent, then one summary)\n", r.MaxPerPoll)
	}
	if r.Items > 0 {
		fmt.Fprintf(w, "the poll would record %d item%s (feed items, listing entries)", r.Items, plural(r.Items))
		if !r.Complete {
			fmt.Fprint(w, "; some are left for the next poll (max_follow, or a fetch that failed)")
		}
		fmt.Fprintln(w)
	}
	if r.Refused != "" {
		fmt.Fprintf(w, "a real poll would FAIL and keep the stored version: %s\n", r.Refused)
	}
}

// writeCheckFigure prints one figure: the number as written with its
// qualifier, the metric it matched, and the sentence (for a table cell,
// its frame: column headers | row label | value) with the number marked.
func writeCheckFigure(w io.Writer, f extract.Figure) {
	num := f.Text
	if f.QualifierText != "" {
		num = f.QualifierText + " " + num
	}
	if f.Unit != "" {
		num += " " + f.Unit
	}
	metric := f.Metric
	if metric == "" && len(f.Ambiguous) > 0 {
		metric = "ambiguous: " + strings.Join(f.Ambiguous, ", ")
	}
	if metric == "" {
		metric = "(no metric)"
	}
	fmt.Fprintf(w, "      %-24s %-9s %s\n        %s\n", num, f.Qualifier, metric, markSentence(f))
}

func periodLabel(r source.Record) string {
	if r.Label != "" {
		return r.Label
	}
	return r.Period
}

func formatValue(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}
