package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// bigFeed is a feed of n items, each stating figures in its own words, so
// that storing it needs many new pages.
func bigFeed(round, n int) string {
	items := make([][4]string, n)
	for i := range items {
		id := fmt.Sprintf("r%d-%d", round, i)
		items[i] = [4]string{id, "Report " + id,
			fmt.Sprintf("%s The review (%s) covered %d,%03d case files in %d field offices. %s",
				aug2024, id, 10+i, round, 3+i, strings.Repeat("Investigators read every file twice. ", 8)), pubAug}
	}
	return rss("DHS OIG", items...)
}

// reopen swaps the daemon's database for the file at path opened with
// opts: the fault injected is whatever that handle does to writes.
func (h *harness) reopen(t *testing.T, path string, opts store.Options) {
	t.Helper()
	h.stop()
	opts.Now = h.clock.Now
	db, err := store.Open(path, opts)
	if err != nil {
		t.Fatalf("reopen %s: %v", path, err)
	}
	h.db, h.d.db, h.d.retain.db = db, db, db
	if h.d.outbox, err = newOutbox(h.d, nil); err != nil {
		t.Fatalf("reopen %s: outbox: %v", path, err)
	}
}

// get serves path from the daemon's HTTP handler.
func get(t *testing.T, d *Daemon, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	web.Handler(web.Options{Status: d, Health: d.Healthy}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost"+path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

// checkStoreFailuresAreLoud polls src n times while writes fail and checks
// each poll is a failure everyone can see: the error, the log, /metrics,
// the status, and from the MaxStoreFailures-th on /healthz.
func checkStoreFailuresAreLoud(t *testing.T, h *harness, cause string) {
	t.Helper()
	logBefore := len(h.log())
	for i := 1; i <= DefaultMaxStoreFailures; i++ {
		h.feeds.set("/oig.xml", feedResponse{body: bigFeed(i, 40)})
		err := h.once()
		if err == nil || !strings.Contains(err.Error(), cause) {
			t.Fatalf("poll %d with failing writes: err = %v, want the cause %q", i, err, cause)
		}
		if got := testutil.ToFloat64(h.d.stats.storeWriteFailures); got != float64(i) {
			t.Errorf("watcher_store_write_failures_total = %v after %d failed polls", got, i)
		}
		if got := testutil.ToFloat64(h.d.stats.polls.WithLabelValues(config.KindFeed, "official", pollError)); got != float64(i) {
			t.Errorf("watcher_polls_total{result=error} = %v after %d failed polls", got, i)
		}
		st, err := h.d.Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if st.Store.ConsecutiveFailures != i || !strings.Contains(st.Store.LastError, cause) {
			t.Errorf("status store health = %+v after %d failed polls", st.Store, i)
		}
		if (st.Unhealthy != "") != (i >= DefaultMaxStoreFailures) {
			t.Errorf("status after %d failed polls says unhealthy %q", i, st.Unhealthy)
		}
		herr := h.d.Healthy()
		if i < DefaultMaxStoreFailures && herr != nil {
			t.Errorf("unhealthy after %d store failures: %v", i, herr)
		}
		if i == DefaultMaxStoreFailures && (herr == nil || !strings.Contains(herr.Error(), cause)) {
			t.Errorf("Healthy after %d store failures = %v, want an error naming %q", i, herr, cause)
		}
	}
	logs := h.log()[logBefore:]
	if n := strings.Count(logs, `level=ERROR msg="poll failed" source=oig`); n != DefaultMaxStoreFailures {
		t.Errorf("%d error lines for the failed polls, want %d:\n%s", n, DefaultMaxStoreFailures, logs)
	}
	if strings.Contains(logs, "level=INFO msg=poll source=oig") {
		t.Errorf("a poll that was not stored was logged as done:\n%s", logs)
	}
	if got := testutil.ToFloat64(h.d.stats.polls.WithLabelValues(config.KindFeed, "official", pollOK)); got != 0 {
		t.Errorf("watcher_polls_total{result=ok} = %v for polls that were not stored", got)
	}
	if code, body := get(t, h.d, "/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, cause) {
		t.Errorf("/healthz = %d %q, want 503 naming %q", code, body, cause)
	}
	if _, body := get(t, h.d, "/"); !strings.Contains(body, "polls lost") {
		t.Error("status page does not show the failing writes")
	}
}

func TestStoreWriteFailureIsAFailedPoll(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	h.feeds.set("/oig.xml", feedResponse{body: bigFeed(0, 5)})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	// Counting starts once the baseline is stored.
	h.d.stats = NewMetrics(prometheus.NewRegistry())
	// The injected fault: every write to the file fails.
	h.reopen(t, h.cfg.Storage.Path, store.Options{ReadOnly: true})
	checkStoreFailuresAreLoud(t, h, "read-only")

	// A 304 whose fetch state cannot be saved is no more a done poll.
	h.feeds.set("/oig.xml", feedResponse{etag: `"v1"`, body: bigFeed(7, 5)})
	h.reopen(t, h.cfg.Storage.Path, store.Options{})
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	h.d.stats = NewMetrics(prometheus.NewRegistry())
	h.reopen(t, h.cfg.Storage.Path, store.Options{ReadOnly: true})
	if err := h.once(); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("304 poll with failing writes: err = %v", err)
	}
	if nm, fail := testutil.ToFloat64(h.d.stats.polls.WithLabelValues(config.KindFeed, "official", pollNotModified)),
		testutil.ToFloat64(h.d.stats.storeWriteFailures); nm != 0 || fail != 1 {
		t.Errorf("a 304 that could not be saved counted as not_modified %v times, store failures %v; want 0 and 1", nm, fail)
	}

	// Writable again: the next poll is stored and the daemon healthy.
	h.reopen(t, h.cfg.Storage.Path, store.Options{})
	if err := h.once(); err != nil {
		t.Fatalf("poll after the fault cleared: %v", err)
	}
	if err := h.d.Healthy(); err != nil {
		t.Errorf("still unhealthy after a stored poll: %v", err)
	}
	if st, _ := h.d.Status(t.Context()); st.Store.ConsecutiveFailures != 0 {
		t.Errorf("store health not reset: %+v", st.Store)
	}
}

// The watchdog is fed only while Healthy: after MaxStoreFailures polls
// that could not be written, systemd stops hearing WATCHDOG=1 and restarts
// the unit (or marks it failed).
func TestWatchdogStarvesWhileWritesFail(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "oig", path: "/oig.xml", authority: "official"}}, "")
	synctest.Test(t, func(t *testing.T) {
		var pings atomic.Int64
		h.d.opts.SdNotify = func(s string) {
			if s == "WATCHDOG=1" {
				pings.Add(1)
			}
		}
		h.d.opts.WatchdogInterval = 10 * time.Second
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { h.d.watchdog(ctx); close(done) }()

		time.Sleep(35 * time.Second)
		synctest.Wait()
		if got := pings.Load(); got != 3 {
			t.Errorf("%d pings in 35s at a 10s interval while healthy, want 3", got)
		}
		for range DefaultMaxStoreFailures {
			h.d.writes.failed(errors.New("no space left on device"), h.clock.Now())
		}
		time.Sleep(60 * time.Second)
		synctest.Wait()
		if got := pings.Load(); got != 3 {
			t.Errorf("%d pings, want none after the store failures (3 before)", got)
		}
		h.d.writes.written(h.d.log)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := pings.Load(); got != 4 {
			t.Errorf("%d pings, want the watchdog fed again once a poll is stored", got)
		}
		cancel()
		<-done
	})
}
