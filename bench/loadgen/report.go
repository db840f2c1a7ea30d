package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// number is what a median is taken of (time.Duration is an int64).
type number interface{ ~int | ~int64 | ~float64 }

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// median returns the median of xs (the mean of the middle two for an even
// count), 0 for none.
func median[T number](xs []T) T {
	if len(xs) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// medianOf applies f to every result and returns the median.
func medianOf[T number](rs []Result, f func(Result) T) T {
	xs := make([]T, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return median(xs)
}

// Row is the per-field median of the cycles of one tool and scenario.
type Row struct {
	Tool, Scenario string
	Samples        int
	Wall, CPU      time.Duration
	MaxRSS, DBSize int64
	MaxAnon        int64
	DBUsed         int64
	Server         Stats
	Log            LogCounts
	Items          int
}

func summarize(rs []Result) Row {
	return Row{
		Tool: rs[0].Tool, Scenario: rs[0].Scenario, Samples: len(rs),
		Wall:    medianOf(rs, func(r Result) time.Duration { return r.Wall }),
		CPU:     medianOf(rs, func(r Result) time.Duration { return r.CPU }),
		MaxRSS:  medianOf(rs, func(r Result) int64 { return r.MaxRSS }),
		MaxAnon: medianOf(rs, func(r Result) int64 { return r.MaxAnon }),
		DBSize:  medianOf(rs, func(r Result) int64 { return r.DBSize }),
		DBUsed:  medianOf(rs, func(r Result) int64 { return r.DB.Used }),
		Items:   medianOf(rs, func(r Result) int { return r.Items }),
		Server: Stats{
			Requests:    medianOf(rs, func(r Result) int64 { return r.Server.Requests }),
			Feeds:       medianOf(rs, func(r Result) int64 { return r.Server.Feeds }),
			Articles:    medianOf(rs, func(r Result) int64 { return r.Server.Articles }),
			NotModified: medianOf(rs, func(r Result) int64 { return r.Server.NotModified }),
			Bytes:       medianOf(rs, func(r Result) int64 { return r.Server.Bytes }),
			Errors:      medianOf(rs, func(r Result) int64 { return r.Server.Errors }),
		},
		Log: LogCounts{
			Figures: medianOf(rs, func(r Result) int { return r.Log.Figures }),
			Events:  medianOf(rs, func(r Result) int { return r.Log.Events }),
			Failed:  medianOf(rs, func(r Result) int { return r.Log.Failed }),
		},
	}
}

func filter(rs []Result, keep func(Result) bool) []Result {
	var out []Result
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// printSummary prints the once-mode results as Markdown: the median table,
// the urlwatch ratios, and each target of issue #7 with its verdict.
func printSummary(w io.Writer, o Options, all []Result) {
	fmt.Fprintf(w, "\n### N=%d feeds × K=%d items, follow_links=%t, P=%g%%, fetch.concurrency=%d, %s, %d run(s), %d changed cycle(s) per run: medians\n\n",
		o.N, o.K, o.Follow, o.P, o.Concurrency, hostLimits(o), o.Runs, o.Cycles)
	fmt.Fprintln(w, "| tool | cycle | samples | wall s | CPU s | peak RSS MB | requests | articles | 304s | served MB | figures | events | failed | DB file MB | DB pages MB |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	rows := map[string]Row{}
	for _, sc := range []string{"cold", "warm", "changed"} {
		for _, tool := range []string{"floor", "watcher", "urlwatch"} {
			rs := filter(all, func(r Result) bool { return r.Tool == tool && r.Scenario == sc })
			if len(rs) == 0 {
				continue
			}
			row := summarize(rs)
			rows[tool+"/"+sc] = row
			fig, ev, failed := fmt.Sprint(row.Log.Figures), fmt.Sprint(row.Log.Events), fmt.Sprint(row.Log.Failed)
			used := fmt.Sprintf("%.1f", mb(row.DBUsed))
			if tool != "watcher" {
				fig, ev, failed, used = "–", "–", "–", "–"
			}
			fmt.Fprintf(w, "| %s | %s | %d | %.2f | %.2f | %.0f | %d | %d | %d | %.1f | %s | %s | %s | %.1f | %s |\n",
				tool, sc, row.Samples, row.Wall.Seconds(), row.CPU.Seconds(), mb(row.MaxRSS), row.Server.Requests,
				row.Server.Articles, row.Server.NotModified, mb(row.Server.Bytes), fig, ev, failed, mb(row.DBSize), used)
		}
	}

	cold, warm, changed := rows["watcher/cold"], rows["watcher/warm"], rows["watcher/changed"]
	if _, ok := rows["floor/warm"]; ok {
		printFloorRatios(w, o, rows)
	}
	if vs := filter(all, func(r Result) bool { return r.Tool == "validate" }); len(vs) > 0 {
		v := summarize(vs)
		fmt.Fprintf(w, "\nStart-up: `watcher validate` (a full parse and check of the config, %d sources, which a `once` does only when the config cache has no current entry): %.3f s wall, %.3f s CPU, peak RSS %.0f MB, medians of %d; a warm `once` (config from the cache) takes %.3f s wall, peak RSS %.0f MB",
			o.N, v.Wall.Seconds(), v.CPU.Seconds(), mb(v.MaxRSS), v.Samples, warm.Wall.Seconds(), mb(warm.MaxRSS))
		if f, ok := rows["floor/warm"]; ok {
			fmt.Fprintf(w, "; warm `once` − floor = %.3f s (start-up, database open, scheduling and the 304 path's own cost)",
				(warm.Wall - f.Wall).Seconds())
		}
		opens := filter(all, func(r Result) bool { return r.Tool == "watcher" && r.Scenario == "warm" })
		open := medianOf(opens, func(r Result) time.Duration { return r.DB.Open })
		fmt.Fprintf(w, ". Opening the %.0f MB database with bbolt (read-only, from the harness, after the cycle): %.1f ms (median)",
			mb(warm.DBSize), float64(open.Microseconds())/1000)
		fmt.Fprintf(w, ". Peak RSS of a warm `once`: %.0f MB, of which anonymous (heap and stacks; the rest is the database's mmap) at most %.0f MB; of `validate` %.0f MB anonymous (issue #16 target 6 at N=10,000: ≤ 80 MB)\n",
			mb(warm.MaxRSS), mb(warm.MaxAnon), mb(v.MaxAnon))
	}
	if _, ok := rows["urlwatch/warm"]; ok {
		fmt.Fprintln(w, "\n| cycle | watcher wall s | urlwatch wall s | urlwatch ÷ watcher (wall) | urlwatch ÷ watcher (CPU) |")
		fmt.Fprintln(w, "|---|--:|--:|--:|--:|")
		for _, sc := range []string{"cold", "warm", "changed"} {
			a, b := rows["watcher/"+sc], rows["urlwatch/"+sc]
			if a.Samples == 0 || b.Samples == 0 {
				continue
			}
			fmt.Fprintf(w, "| %s | %.3f | %.3f | %.1f× | %.1f× |\n", sc, a.Wall.Seconds(), b.Wall.Seconds(),
				ratio(b.Wall, a.Wall), ratio(b.CPU, a.CPU))
		}
	}

	fmt.Fprintln(w, "\nTargets (issue #7):")
	if uw, ok := rows["urlwatch/warm"]; ok {
		r := ratio(uw.Wall, warm.Wall)
		fmt.Fprintf(w, "1. warm ≥ 10× faster than urlwatch: %.1f× → %s; requests per feed %.2f (%d 304s of %d requests) → %s\n",
			r, verdict(r >= 10), float64(warm.Server.Requests)/float64(o.N), warm.Server.NotModified, warm.Server.Requests,
			verdict(warm.Server.Requests == int64(o.N)))
	} else {
		fmt.Fprintf(w, "1. warm: %.3f s; requests per feed %.2f (%d 304s) → %s; run with -urlwatch for the ratio\n",
			warm.Wall.Seconds(), float64(warm.Server.Requests)/float64(o.N), warm.Server.NotModified,
			verdict(warm.Server.Requests == int64(o.N)))
	}
	if o.Follow {
		fmt.Fprintf(w, "2. cold with follow_links: %.2f s (target < 20 s) → %s; peak RSS %.0f MB (target < 300 MB) → %s; %d requests, %.0f MB served\n",
			cold.Wall.Seconds(), verdict(cold.Wall < 20*time.Second), mb(cold.MaxRSS), verdict(cold.MaxRSS < 300<<20),
			cold.Server.Requests, mb(cold.Server.Bytes))
		if cold.Server.Articles > 0 {
			per := cold.CPU / time.Duration(cold.Server.Articles)
			fmt.Fprintf(w, "   issue #16 target 2: %.2f ms CPU per article (%d articles; ≤ 1 ms) → %s; peak RSS ≤ 200 MB → %s\n",
				float64(per.Microseconds())/1000, cold.Server.Articles, verdict(per <= time.Millisecond), verdict(cold.MaxRSS <= 200<<20))
		}
	} else {
		fmt.Fprintln(w, "2. cold with follow_links: not measured (-follow=false)")
	}
	if changed.Samples > 0 {
		feeds := int64(float64(o.N)*o.P/100 + 0.5)
		if o.P > 0 {
			feeds = max(feeds, 1)
		}
		perFetch := time.Duration(0)
		if cold.Server.Requests > 0 {
			perFetch = cold.Wall / time.Duration(cold.Server.Requests)
		}
		bound := 2 * (warm.Wall + time.Duration(changed.Server.Articles)*perFetch)
		wantArticles := int64(0)
		if o.Follow {
			wantArticles = feeds
		}
		fmt.Fprintf(w, "3. %g%% changed (%d feeds): %d article requests (want %d: only the new items) → %s; %.3f s vs bound 2×(warm %.3f s + %d × %.2f ms per cold fetch) = %.3f s → %s\n",
			o.P, feeds, changed.Server.Articles, wantArticles, verdict(changed.Server.Articles == wantArticles),
			changed.Wall.Seconds(), warm.Wall.Seconds(), changed.Server.Articles, float64(perFetch.Microseconds())/1000,
			bound.Seconds(), verdict(changed.Wall <= bound))
		last := filter(all, func(r Result) bool { return r.Tool == "watcher" && r.Scenario == "changed" && r.Cycle == o.Cycles })
		if len(last) > 0 {
			db := medianOf(last, func(r Result) int64 { return r.DBSize })
			used := medianOf(last, func(r Result) int64 { return r.DB.Used })
			items := medianOf(last, func(r Result) int { return r.Items })
			fmt.Fprintf(w, "4. database after cold + warm + %d changed cycles: file %.1f MB, pages in use %.1f MB, for %d documents seen = %.0f bytes per document (file), %.0f (pages in use)\n",
				o.Cycles, mb(db), mb(used), items, float64(db)/float64(items), float64(used)/float64(items))
			printBuckets(w, last[len(last)-1].DB)
			// Pages in use, not the file: the file grows in 16 MiB steps.
			if o.Cycles > 0 && warm.Samples > 0 {
				per := float64(used-warm.DBUsed) / float64(o.Cycles)
				fmt.Fprintf(w, "   issue #16 target 5: pages in use grew %.2f MB per %g%%-changed cycle (%.1f → %.1f MB over %d cycles; ≤ 1 MB) → %s\n",
					mb(int64(per)), o.P, mb(warm.DBUsed), mb(used), o.Cycles, verdict(per <= 1<<20))
			}
		}
	}
	fmt.Fprintln(w, "5. memory across daemon cycles: run with -daemon -cycles 100")
}

// printBuckets shows where the database's bytes go, for the last run,
// and the bytes per record (a nested bucket's keys count as records).
func printBuckets(w io.Writer, u DBUsage) {
	names := slices.Sorted(maps.Keys(u.Buckets))
	fmt.Fprint(w, "   bytes in use per bucket (last run):")
	for _, n := range names {
		fmt.Fprintf(w, " %s %.1f MB (%d keys", n, mb(u.Buckets[n]), u.Keys[n])
		if u.Keys[n] > 0 {
			fmt.Fprintf(w, ", %.0f B/key", float64(u.Buckets[n])/float64(u.Keys[n]))
		}
		fmt.Fprint(w, ");")
	}
	fmt.Fprintln(w)
	if u.Keys["docs"] > 0 {
		fmt.Fprintf(w, "   bytes per document (docs bucket): %.0f; ", float64(u.Buckets["docs"])/float64(u.Keys["docs"]))
	}
	obs := []string{"metrics", "metrics_latest", "metrics_values"}
	var ob int64
	for _, n := range obs {
		ob += u.Buckets[n]
	}
	if u.Keys["metrics"] > 0 {
		fmt.Fprintf(w, "bytes per observation (metrics bucket): %.0f, with its indexes (metrics_latest, metrics_values): %.0f",
			float64(u.Buckets["metrics"])/float64(u.Keys["metrics"]), float64(ob)/float64(u.Keys["metrics"]))
	}
	fmt.Fprintln(w)
}

// printFloorRatios prints every tool's cycle as a ratio to the floor's in
// the same run, and issue #16's targets 1 for the warm and changed cycles.
func printFloorRatios(w io.Writer, o Options, rows map[string]Row) {
	fmt.Fprintln(w, "\n| cycle | floor wall s | floor CPU s | watcher ÷ floor (wall) | watcher ÷ floor (CPU) | urlwatch ÷ floor (wall) |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|")
	for _, sc := range []string{"cold", "warm", "changed"} {
		f, wt := rows["floor/"+sc], rows["watcher/"+sc]
		if f.Samples == 0 || wt.Samples == 0 {
			continue
		}
		uw := "–"
		if u, ok := rows["urlwatch/"+sc]; ok {
			uw = fmt.Sprintf("%.1f×", ratio(u.Wall, f.Wall))
		}
		fmt.Fprintf(w, "| %s | %.3f | %.3f | %.1f× | %.1f× | %s |\n", sc, f.Wall.Seconds(), f.CPU.Seconds(),
			ratio(wt.Wall, f.Wall), ratio(wt.CPU, f.CPU), uw)
	}
	warm, fw := rows["watcher/warm"], rows["floor/warm"]
	fmt.Fprintf(w, "\nIssue #16 target 1: warm %.1f× the floor (≤ 2×) → %s", ratio(warm.Wall, fw.Wall), verdict(ratio(warm.Wall, fw.Wall) <= 2))
	if ch, fc := rows["watcher/changed"], rows["floor/changed"]; ch.Samples > 0 && fc.Samples > 0 {
		note := ""
		if o.Follow {
			note = " (follow_links on: watcher also fetches the new articles, the floor does not; the target is for feeds only)"
		}
		fmt.Fprintf(w, "; %g%% changed %.1f× the floor (≤ 3×)%s → %s", o.P, ratio(ch.Wall, fc.Wall), note, verdict(ratio(ch.Wall, fc.Wall) <= 3))
	}
	fmt.Fprintln(w)
}

// printScrapes prints what each measured scrape cost the daemon, and issue
// #16's targets 3 and 4.
func printScrapes(w io.Writer, o Options, ss []Scrape) {
	if len(ss) == 0 {
		return
	}
	fmt.Fprintf(w, "\nScrapes of the daemon's listener (medians of %d per request; CPU from /proc/<pid>/stat in 10 ms ticks; anonymous RSS sampled every 2 ms, the highest rise of the repeats):\n", ss[0].Repeats)
	fmt.Fprintln(w, "\n| after cycle | request | wall ms | daemon CPU ms | anon MB before | anon MB peak | anon MB after | bytes | series | series per source | series with a source label |")
	fmt.Fprintln(w, "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, s := range ss {
		series, per, labelled := "–", "–", "–"
		if s.Path == "/metrics" {
			series, per, labelled = fmt.Sprint(s.Series), fmt.Sprintf("%.1f", float64(s.Series)/float64(o.N)), fmt.Sprint(s.SourceSeries)
		}
		fmt.Fprintf(w, "| %d | `%s` | %.0f | %.0f | %.1f | %.1f | %.1f | %d | %s | %s | %s |\n", s.Cycle, s.Path,
			float64(s.Wall.Microseconds())/1000, float64(s.CPU.Milliseconds()), mb(s.AnonBefore), mb(s.AnonPeak), mb(s.AnonAfter),
			s.Bytes, series, per, labelled)
	}
	first, last := ss[0].Cycle, ss[len(ss)-1].Cycle
	for _, path := range []string{"/metrics", "/"} {
		var a, b *Scrape
		for i := range ss {
			if ss[i].Path != path {
				continue
			}
			if ss[i].Cycle == first && a == nil {
				a = &ss[i]
			}
			if ss[i].Cycle == last {
				b = &ss[i]
			}
		}
		if a == nil || b == nil {
			continue
		}
		growth := mb(b.AnonPeak - b.AnonBefore)
		fmt.Fprintf(w, "\nIssue #16 target 3, `%s`: after cycle %d %.0f ms CPU, %.0f ms wall; after cycle %d %.0f ms CPU (%.2f× cycle %d; ≤ 1.2×), %.0f ms wall (%.2f×); ≤ 50 ms CPU → %s; anonymous memory +%.1f MB during the request (≤ 10 MB) → %s",
			path, a.Cycle, float64(a.CPU.Milliseconds()), float64(a.Wall.Milliseconds()), b.Cycle, float64(b.CPU.Milliseconds()),
			ratio(b.CPU, a.CPU), a.Cycle, float64(b.Wall.Milliseconds()), ratio(b.Wall, a.Wall),
			verdict(b.CPU <= 50*time.Millisecond && (a.CPU == 0 || ratio(b.CPU, a.CPU) <= 1.2 || b.CPU-a.CPU <= clockTick)),
			growth, verdict(growth <= 10))
		if path == "/metrics" {
			per := float64(b.Series) / float64(o.N)
			fmt.Fprintf(w, "\nIssue #16 target 4: %d series, %.1f per source (≤ 5) → %s", b.Series, per, verdict(per <= 5))
		}
	}
	fmt.Fprintln(w)
}

func hostLimits(o Options) string {
	if o.PerHost <= 0 {
		return "per_host and host_delay not set (the build's defaults)"
	}
	return fmt.Sprintf("per_host=%d, host_delay=%s", o.PerHost, o.HostDelay)
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

// printDaemon prints the daemon-mode samples at the cycles worth quoting
// and the RSS growth between cycle 10 (warm, steady) and the last.
func printDaemon(w io.Writer, o Options, ss []DaemonSample) {
	fmt.Fprintf(w, "\n### watcher run: N=%d × K=%d, follow_links=%t, @every %s, P=%g%% changed per cycle, %d cycles\n\n",
		o.N, o.K, o.Follow, o.Interval, o.P, len(ss))
	fmt.Fprintln(w, "| cycle | RSS MB | anon RSS MB | peak RSS MB | requests | articles | 304s | figures | events | failed | DB MB | bytes/doc |")
	fmt.Fprintln(w, "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, s := range ss {
		if !slices.Contains([]int{1, 2, 10, 25, 50, 75, 100}, s.Cycle) && s.Cycle != len(ss) {
			continue
		}
		fmt.Fprintf(w, "| %d | %.1f | %.1f | %.1f | %d | %d | %d | %d | %d | %d | %.1f | %.0f |\n",
			s.Cycle, mb(s.RSS), mb(s.Anon), mb(s.HWM), s.Server.Requests, s.Server.Articles, s.Server.NotModified,
			s.Log.Figures, s.Log.Events, s.Log.Failed, mb(s.DBSize), float64(s.DBSize)/float64(max(s.Items, 1)))
	}
	if len(ss) >= 10 {
		a, b := ss[9], ss[len(ss)-1]
		growth := 100 * (float64(b.RSS) - float64(a.RSS)) / float64(a.RSS)
		anon := 100 * (float64(b.Anon) - float64(a.Anon)) / float64(a.Anon)
		fmt.Fprintf(w, "\n5. RSS at cycle 10: %.1f MB, at cycle %d: %.1f MB (%+.1f%%); anonymous RSS %.1f → %.1f MB (%+.1f%%) → %s (met: anonymous RSS within 10%%; file-backed RSS is bbolt's mmap, which follows the database size)\n",
			mb(a.RSS), b.Cycle, mb(b.RSS), growth, mb(a.Anon), mb(b.Anon), anon, verdict(anon <= 10))
	}
}
