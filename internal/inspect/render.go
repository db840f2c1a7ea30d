package inspect

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// WriteStatus prints what `watcher status` shows: each source with its
// health and next run, each metric's current official value, the outbox,
// and the last errors. Times are in loc, the newsroom's zone (config
// timezone; UTC when nil), labelled with the zone, as alerts show them.
func WriteStatus(w io.Writer, st web.Status, loc *time.Location) error {
	stamp := func(t time.Time) string { return orDash(notify.StampIn(t, loc)) }
	fmt.Fprintf(w, "watcher %s · database %s, retention last ran %s · outbox: %d pending, %d sent, %d failed\n\n",
		st.Version, humanBytes(st.DBSize), stamp(st.RetentionRan), st.Outbox.Pending, st.Outbox.Sent, st.Outbox.Failed)
	if st.Unhealthy != "" {
		fmt.Fprintf(w, "UNHEALTHY: %s\n", st.Unhealthy)
	}
	if f := st.Store.ConsecutiveFailures; f > 0 {
		fmt.Fprintf(w, "STORAGE FAILING: %d write(s) in a row failed, polls lost (last %s): %s\n\n", f, stamp(st.Store.LastFailure), st.Store.LastError)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tAUTHORITY\tLAST POLL\tSTATUS\tNEXT RUN")
	var errs []string
	for _, s := range st.Sources {
		status := health(s, stamp)
		if s.State.LastError != "" {
			errs = append(errs, fmt.Sprintf("%s (%s): %s", s.ID, stamp(s.State.LastPoll), s.State.LastError))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, s.Authority, stamp(s.State.LastPoll), status, stamp(s.NextRun))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tCURRENT OFFICIAL\tREPORTED\tSOURCE\tOBSERVATIONS")
	for _, m := range st.Metrics {
		cur, when, src := "-", "-", "-"
		if o := m.Current; o != nil {
			cur = diff.Wording(o.QualifierText, o.Text)
			if o.Text == "" {
				cur = notify.FormatNumber(o.Value, o.Unit)
			}
			if o.Period.Label != "" && o.Period.From != "document" {
				cur += " (" + o.Period.Label + ")"
			}
			if o.Conflict {
				cur += " CONFLICT: its report states another value for this period"
			}
			when, src = orDash(notify.DateIn(reported(*o), loc)), orDash(o.Source)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", m.ID, cur, when, src, len(m.History))
	}
	tw.Flush()
	if len(st.Outbox.Recent) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ALERT\tKIND\tMETRIC\tCHANNEL\tSTATUS\tATTEMPTS\tCREATED\tHEADLINE")
		for _, a := range st.Outbox.Recent {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, a.Kind, orDash(a.Metric), orDash(a.Channel), a.Status, a.Attempts, stamp(a.Created),
				orDash(notify.Truncate(notify.Clean(a.Headline), 100)))
			if a.Status != store.StatusSent && a.LastError != "" {
				errs = append(errs, fmt.Sprintf("alert %d: %s", a.ID, a.LastError))
			}
		}
		tw.Flush()
	}
	writeSlack(w, st.Slack, stamp)
	if len(errs) > 0 {
		fmt.Fprintln(w, "\nLAST ERRORS")
		for _, e := range errs {
			fmt.Fprintln(w, "  "+e)
		}
	}
	return nil
}

// writeSlack prints what people did through the Slack app, when they did
// anything: mutes in force, acknowledged alerts, recent actions.
func writeSlack(w io.Writer, sl web.SlackStatus, stamp func(time.Time) string) {
	if len(sl.Mutes) > 0 {
		fmt.Fprintln(w, "\nMUTED")
		for _, m := range sl.Mutes {
			fmt.Fprintf(w, "  %s %s until %s (by %s)\n", m.Scope, m.Name, stamp(m.Until), m.By)
		}
	}
	if len(sl.Acks) > 0 {
		fmt.Fprintln(w, "\nACKNOWLEDGED")
		for _, a := range sl.Acks {
			fmt.Fprintf(w, "  alert %d by %s at %s\n", a.AlertID, a.User, stamp(a.At))
		}
	}
	if len(sl.Actions) > 0 {
		fmt.Fprintln(w, "\nRECENT ACTIONS (Slack)")
		for _, a := range sl.Actions {
			fmt.Fprintf(w, "  %s  %-8s %s  %s\n", stamp(a.At), a.Kind, a.User, a.What)
		}
	}
}

func health(s web.SourceStatus, stamp func(time.Time) string) string {
	switch {
	case !s.Enabled:
		return "disabled"
	case s.State.LastPoll.IsZero():
		return "never polled"
	case s.State.ConsecutiveFailures > 0:
		return fmt.Sprintf("FAILING ×%d since %s", s.State.ConsecutiveFailures, stamp(s.State.FailingSince))
	case s.State.LastStatus == 304:
		return "ok (unchanged)"
	default:
		return fmt.Sprintf("ok (%d)", s.State.LastStatus)
	}
}

// WriteHistory prints a metric's observations, oldest first, each with
// its source, date (in loc, the newsroom's zone; UTC when nil), wording
// and quote.
func WriteHistory(w io.Writer, st web.Status, metric string, loc *time.Location) error {
	for _, m := range st.Metrics {
		if m.ID != metric {
			continue
		}
		fmt.Fprintf(w, "%s (%s): %d observations, by the date each figure is for\n\n", orDash(m.Label), m.ID, len(m.History))
		hist := slices.Clone(m.History)
		slices.SortStableFunc(hist, func(a, b store.Observation) int { return a.ForDate().Compare(b.ForDate()) })
		for _, o := range hist {
			fmt.Fprintf(w, "%-11s  %-8s  %-22s  %s\n", notify.DateIn(o.ForDate(), loc), o.Authority, diff.Wording(o.QualifierText, o.Text), sourceLine(o))
			fmt.Fprintf(w, "            %s\n", forLine(o, loc))
			if o.Quote != "" {
				fmt.Fprintf(w, "            “%s”\n", notify.Truncate(notify.Clean(o.Quote), 300))
			}
		}
		return nil
	}
	var ids []string
	for _, m := range st.Metrics {
		ids = append(ids, m.ID)
	}
	return fmt.Errorf("no metric %q in the config (metrics: %s)", metric, strings.Join(ids, ", "))
}

// forLine says what the figure is for and when it was published and seen:
// the date a history sorts by is not the poll's.
func forLine(o store.Observation, loc *time.Location) string {
	var parts []string
	switch l := o.Period.Label; {
	case l == "" || o.Period.From == "document":
	case strings.HasPrefix(l, "as of"):
		parts = append(parts, l)
	default:
		parts = append(parts, "for "+l)
	}
	if !o.Published.IsZero() {
		parts = append(parts, "published "+notify.DateIn(o.Published, loc))
	}
	parts = append(parts, "seen "+notify.StampIn(o.Observed, loc))
	return strings.Join(parts, " · ")
}

func sourceLine(o store.Observation) string {
	parts := []string{orDash(o.SourceName)}
	if o.SourceName == "" {
		parts[0] = orDash(o.Source)
	}
	if o.Title != "" {
		parts = append(parts, o.Title)
	}
	if o.URL != "" {
		parts = append(parts, o.URL)
	}
	return strings.Join(parts, " · ")
}

// Export writes the metric history, documents and figures of db: one JSON
// document, or with CSV one table (what: observations, figures).
func Export(ctx context.Context, w io.Writer, db *store.DB, format, what string) error {
	switch format {
	case "json":
		return exportJSON(ctx, w, db)
	case "csv":
		return exportCSV(ctx, w, db, what)
	}
	return fmt.Errorf("unknown export format %q (csv or json)", format)
}

func exportJSON(ctx context.Context, w io.Writer, db *store.DB) error {
	out := struct {
		Metrics   map[string][]store.Observation `json:"metrics"`
		Documents []store.Snapshot               `json:"documents"`
	}{Metrics: map[string][]store.Observation{}}
	err := db.View(ctx, func(tx *store.Tx) error {
		ids, err := tx.Metrics()
		if err != nil {
			return err
		}
		for _, id := range ids {
			if out.Metrics[id], err = tx.Observations(id); err != nil {
				return err
			}
		}
		return tx.ForEachSnapshot(func(s store.Snapshot) error {
			out.Documents = append(out.Documents, s)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func exportCSV(ctx context.Context, w io.Writer, db *store.DB, what string) error {
	cw := csv.NewWriter(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	t := func(v time.Time) string {
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format(time.RFC3339)
	}
	err := db.View(ctx, func(tx *store.Tx) error {
		switch what {
		case "", "observations":
			cw.Write([]string{"metric", "value", "high", "unit", "qualifier", "wording", "authority", "source", "published", "observed", "url", "title", "quote", "period", "period_start", "period_end", "as_of", "conflict"})
			ids, err := tx.Metrics()
			if err != nil {
				return err
			}
			for _, id := range ids {
				obs, err := tx.Observations(id)
				if err != nil {
					return err
				}
				for _, o := range obs {
					cw.Write([]string{o.Metric, f(o.Value), f(o.High), o.Unit, o.Qualifier, diff.Wording(o.QualifierText, o.Text),
						o.Authority, o.Source, t(o.Published), t(o.Observed), o.URL, o.Title, o.Quote,
						o.Period.Label, t(o.Period.Start), t(o.Period.End), t(o.AsOf), strconv.FormatBool(o.Conflict)})
				}
			}
		case "figures":
			cw.Write([]string{"doc_id", "source", "url", "title", "published", "revision", "metric", "value", "high", "unit", "qualifier", "text", "sentence", "period"})
			return tx.ForEachSnapshot(func(s store.Snapshot) error {
				for _, g := range s.Figures {
					cw.Write([]string{s.DocID, s.Source, s.URL, s.Title, t(s.Published), strconv.Itoa(s.Revision),
						g.Metric, f(g.Value), f(g.High), g.Unit, g.Qualifier, g.Text, g.Sentence, g.Period})
				}
				return nil
			})
		default:
			return fmt.Errorf("unknown table %q for csv (observations or figures)", what)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	cw.Flush()
	return cw.Error()
}

func reported(o store.Observation) time.Time {
	if !o.Published.IsZero() {
		return o.Published
	}
	return o.Observed
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
