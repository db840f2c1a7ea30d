package source

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/figwatch/watcher/internal/fetch"
)

// TestRunReadsWithBoundedGoroutines checks that a poll reads its jobs with
// at most Env.Workers goroutines (fetch.DefaultConcurrency when unset), every job once, whatever their number.
// Each read sleeps on synctest's clock, so every goroutine that could read
// at once does.
func TestRunReadsWithBoundedGoroutines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		jobs         int
		wantInFlight int
	}{
		{"fewer jobs than workers", 3, 3},
		{"as many as workers", fetch.DefaultConcurrency, fetch.DefaultConcurrency},
		{"a cold feed's worth", 50, fetch.DefaultConcurrency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				inFlight, most := 0, 0
				read := func(ctx context.Context, j followJob) (Document, fetched, error) {
					mu.Lock()
					inFlight++
					most = max(most, inFlight)
					mu.Unlock()
					time.Sleep(time.Second)
					mu.Lock()
					inFlight--
					mu.Unlock()
					return Document{ID: "s:" + j.key}, fetched{}, nil
				}
				jobs := make([]followJob, tc.jobs)
				for i := range jobs {
					jobs[i].key = fmt.Sprint(i)
				}
				r := reader{spec: Spec{ID: "s", NoRevisit: true}, now: time.Now()}
				res := Result{Complete: true}
				r.run(t.Context(), jobs, &res, read)

				if most != tc.wantInFlight {
					t.Errorf("%d reads at once, want %d", most, tc.wantInFlight)
				}
				seen := map[string]int{}
				for _, d := range res.Docs {
					seen[d.ID]++
				}
				if len(res.Docs) != tc.jobs || len(seen) != tc.jobs || len(res.Items) != tc.jobs {
					t.Errorf("%d documents (%d distinct), %d items, want one each of %d jobs", len(res.Docs), len(seen), len(res.Items), tc.jobs)
				}
			})
		})
	}
}
