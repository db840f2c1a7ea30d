package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// benchConfig is a generated newsroom config of n feed sources, in the
// shape bench/loadgen writes (five keys a source), with the shipped
// config's metrics.
func benchConfig(tb testing.TB, n int) []byte {
	tb.Helper()
	var b strings.Builder
	b.WriteString("timezone: UTC\nstorage:\n  path: /tmp/w.db\nfetch:\n  concurrency: 8\n  per_host: 8\n  host_delay: 0s\n")
	b.WriteString("defaults:\n  schedule: \"@every 15m\"\n  authority: official\nsources:\n")
	for i := range n {
		auth := "official"
		if i%5 == 4 {
			auth = "press"
		}
		fmt.Fprintf(&b, "  - id: feed-%05d\n    kind: feed\n    url: http://127.0.0.1:40959/feed/%d.xml\n    authority: %s\n    follow_links: false\n", i, i, auth)
	}
	b.WriteString(shippedMetrics(tb))
	return []byte(b.String())
}

// BenchmarkParse is loading the config of a newsroom with 1,000 and with
// 10,000 sources: the part of a `watcher once` start-up that grows with
// the sources.
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			data := benchConfig(b, n)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse("bench.yaml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// shippedMetrics is the metrics section of config/watcher.yaml, from its
// "metrics:" line to the end of the file.
func shippedMetrics(tb testing.TB) string {
	tb.Helper()
	data, err := os.ReadFile("../../config/watcher.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\nmetrics:\n")
	if i < 0 {
		tb.Fatal("config/watcher.yaml has no metrics section")
	}
	return s[i+1:]
}

// BenchmarkCacheHit is loading the same configs from a current cache
// entry, as a `watcher once` does after the first since the file changed:
// compare with BenchmarkParse.
func BenchmarkCacheHit(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			data := benchConfig(b, n)
			c := Cache{Dir: b.TempDir(), MinSize: DefaultCacheMinSize}
			env := osEnvironment()
			if _, st, err := c.parse("bench.yaml", data, env); err != nil || st.Err != nil {
				b.Fatal(err, st.Err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, st, err := c.parse("bench.yaml", data, env); err != nil || !st.Hit {
					b.Fatal(err, st)
				}
			}
		})
	}
}
