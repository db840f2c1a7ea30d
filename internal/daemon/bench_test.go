package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/fetch"
)

// BenchmarkOnceWarm is a warm `watcher once` past the config load: every
// source answers 304, so what is measured is the cycle's own cost per
// source (reading the fetch states, the conditional requests, saving the
// states), which issue #16 wants close to the requests alone. It reports
// allocations and bytes per source: the 304 path is meant to stay
// allocation-light. The counts include the test's feed server, which
// runs in the same process.
func BenchmarkOnceWarm(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			srcs := make([]sourceYAML, n)
			for i := range srcs {
				srcs[i] = sourceYAML{id: fmt.Sprintf("feed-%05d", i), path: fmt.Sprintf("/feed/%d.xml", i), authority: "official"}
			}
			h := newHarness(b, srcs, "")
			for i := range srcs {
				h.feeds.set(srcs[i].path, feedResponse{body: rss("Feed", [4]string{"g1", "Item", "No figures here.", pubMar}), etag: fmt.Sprintf(`"v%d"`, i)})
			}
			// As the shipped config's fetch settings would: eight polls in
			// flight, all on the one loopback host, no delay between them.
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			f := fetch.New(fetch.Options{
				UserAgent: h.cfg.Fetch.UserAgent, Timeout: time.Duration(h.cfg.Fetch.Timeout),
				MaxBodyBytes: int64(h.cfg.Fetch.MaxBodySize), Concurrency: 8, PerHost: 8,
				AllowPrivate: fetch.LoopbackPrefixes(), Logger: log,
			})
			d, err := New(Options{Config: h.cfg, DB: h.db, Fetcher: f, Notifier: h.d.rt.Load().notifier, Logger: log, Now: h.clock.Now, MaxJitter: -1})
			if err != nil {
				b.Fatal(err)
			}
			h.d = d
			if err := h.once(); err != nil { // cold: every feed read whole
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			for b.Loop() {
				if err := h.d.Once(ctx); err != nil {
					b.Fatal(err)
				}
			}
			goruntime.ReadMemStats(&after)
			per := float64(b.N * n)
			b.ReportMetric(float64(b.Elapsed().Microseconds())/per, "µs/source")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/per, "allocs/source")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/per, "B/source")
		})
	}
}
