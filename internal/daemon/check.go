package daemon

import (
	"context"
	"fmt"
	"slices"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/store"
)

// CheckOptions changes what a dry run (Check) reads.
type CheckOptions struct {
	// Body, when set, stands for the source's own fetch (`watcher check
	// --file`): a saved page read as if the source's URL had answered it.
	// The documents it leads to (a feed's articles, a listing's reports)
	// are still fetched through the daemon's fetcher.
	Body *fetch.Response
}

// CheckResult is what a poll of one source would find and raise, had it
// written anything.
type CheckResult struct {
	Source config.Source
	// URL and Status are those of the source's own fetch (the file's URL
	// and 200 for CheckOptions.Body).
	URL    string
	Status int
	// Docs are the documents the poll read, in the order diff takes them
	// (oldest first), with their figures.
	Docs []diff.Doc
	// Unchanged counts the documents whose stored version is the same.
	Unchanged int
	// Items is how many item records (feed items, listing entries) the
	// poll would write; Complete is false when it would leave some for
	// the next poll (entries over max_follow, a fetch that failed).
	Items    int
	Complete bool
	// FirstPoll: the source has never been polled successfully, so a
	// real poll sets the baseline; Silenced says its events would then
	// not be sent (alert_on_first_poll is off). Events holds them anyway,
	// so the newsroom sees what the baseline swallows.
	FirstPoll bool
	Silenced  bool
	// Events are the alerts the poll would queue, each with the channel
	// and severity it would be routed to.
	Events []CheckEvent
	// MaxPerPoll is the outbox's cap on one poll's alerts (0: none): a
	// poll raising more queues the first MaxPerPoll and one summary.
	MaxPerPoll int
	// Refused is why a real poll would fail instead of storing this (a
	// page that states no figure where its stored version did); "" when
	// it would succeed.
	Refused string
}

// CheckEvent is one alert a poll would queue.
type CheckEvent struct {
	Event    diff.Event
	Channel  string
	Severity string
}

// Check is a dry run of one poll of source id: fetched now (without the
// stored validators, so a 304 cannot hide what the source says), read,
// extracted and diffed against the stored state exactly as Poll does,
// but it writes nothing: the store is read only in short read
// transactions, the fetches are not counted in the daemon's metrics, and
// no alert is queued.
func (d *Daemon) Check(ctx context.Context, id string, opts CheckOptions) (CheckResult, error) {
	src, ok := findSource(d.conf(), id)
	if !ok {
		return CheckResult{}, fmt.Errorf("check: no source %q in the config", id)
	}
	res := CheckResult{Source: src, MaxPerPoll: d.rt.Load().policy.MaxPerPoll}
	// Bounded as a scheduled poll is (runSource), articles included.
	ctx, cancel := context.WithTimeout(ctx, d.opts.CycleTimeout)
	defer cancel()
	prev, err := fetchState(ctx, d.db, src.ID)
	if err != nil {
		return res, fmt.Errorf("check %s: read fetch state: %w", src.ID, err)
	}
	// The stored validators would make the fetch conditional: a dry run
	// wants the body, whatever the daemon saw last.
	prev.ETag, prev.LastModified = "", ""
	f := sourceFetcher{d: d, src: src}
	resp := opts.Body
	if resp == nil {
		if resp, err = f.Get(ctx, sourceRequest(src, prev)); err != nil {
			return res, fmt.Errorf("check %s: %w", src.ID, err)
		}
	}
	res.URL, res.Status = resp.URL, resp.Status
	p, err := d.read(ctx, src, prev, f, resp)
	if err != nil {
		return res, fmt.Errorf("check %s: %w", src.ID, err)
	}
	res.Items, res.Complete = len(p.read.Items), p.read.Complete
	res.FirstPoll = p.in.Source.FirstPoll
	res.Silenced = res.FirstPoll && !src.AlertOnFirstPoll
	if err := checkLostFigures(ctx, d.db, src, p.in.Docs); err != nil {
		res.Refused = err.Error()
	}
	// Diffed as if first polls alerted, so that the baseline's events are
	// shown (marked Silenced) rather than dropped unseen.
	in := p.in
	in.Source.AlertOnFirstPoll = true
	var dr diff.Result
	if err := d.db.View(ctx, func(tx *store.Tx) error {
		var err error
		dr, err = diff.Compare(tx, in)
		return err
	}); err != nil {
		return res, fmt.Errorf("check %s: diff: %w", src.ID, err)
	}
	res.Docs = sortedDocs(in.Docs)
	res.Unchanged = dr.Unchanged
	pol := d.rt.Load().policy
	for _, ev := range dr.Events {
		ch, sev := pol.Route(string(ev.Kind), ev.Metric, ev.Source)
		res.Events = append(res.Events, CheckEvent{Event: ev, Channel: ch, Severity: sev})
	}
	return res, nil
}

// source is the configured source id, enabled or not: a disabled source
// is worth checking before it is turned on.
func findSource(cfg *config.Config, id string) (config.Source, bool) {
	for _, s := range cfg.Sources {
		if s.ID == id {
			return s, true
		}
	}
	return config.Source{}, false
}

// sortedDocs is docs in diff's order, oldest first.
func sortedDocs(docs []diff.Doc) []diff.Doc {
	out := slices.Clone(docs)
	slices.SortStableFunc(out, func(a, b diff.Doc) int {
		return a.Document.Published.Compare(b.Document.Published)
	})
	return out
}
