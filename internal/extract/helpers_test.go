package extract

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// rulesFile mirrors the metrics section of the shipped configuration.
type rulesFile struct {
	Metrics []struct {
		ID        string   `yaml:"id"`
		Label     string   `yaml:"label"`
		Tolerance string   `yaml:"tolerance"`
		Any       []string `yaml:"any"`
		All       []string `yaml:"all"`
		None      []string `yaml:"none"`
		Units     []string `yaml:"units"`
	} `yaml:"metrics"`
}

// shippedConfig is the shipped config file: its metrics section holds the
// rules these tests hold the extractor to.
const shippedConfig = "../../config/watcher.yaml"

func readShippedRules() ([]Rule, error) { return readRules(shippedConfig) }

// configExtractor is an Extractor of the metric rules of the config at
// path.
func configExtractor(t testing.TB, path string) *Extractor {
	t.Helper()
	rules, err := readRules(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rules)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// readRules reads the metrics section of a configuration file.
func readRules(path string) ([]Rule, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f rulesFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	rules := make([]Rule, 0, len(f.Metrics))
	for _, m := range f.Metrics {
		if m.Label == "" {
			return nil, fmt.Errorf("%s: metric %s has no label", path, m.ID)
		}
		rules = append(rules, Rule{Metric: m.ID, Any: m.Any, All: m.All, None: m.None, Units: m.Units})
	}
	return rules, nil
}

func loadRules(tb testing.TB) []Rule {
	tb.Helper()
	rules, err := readShippedRules()
	if err != nil {
		tb.Fatal(err)
	}
	return rules
}

var shipped = sync.OnceValues(func() (*Extractor, error) {
	rules, err := readShippedRules()
	if err != nil {
		return nil, err
	}
	return New(rules)
})

// shippedExtractor returns an Extractor with the shipped config's rules.
func shippedExtractor(tb testing.TB) *Extractor {
	tb.Helper()
	e, err := shipped()
	if err != nil {
		tb.Fatalf("shipped rules: %v", err)
	}
	return e
}

// checkOffsets asserts the invariants every returned figure must satisfy.
func checkOffsets(tb testing.TB, text string, figs []Figure) {
	tb.Helper()
	prev := 0
	for _, f := range figs {
		if f.Start < 0 || f.Start > f.End || f.End > len(text) {
			tb.Fatalf("figure %q: bad offsets [%d,%d) in %d bytes", f.Text, f.Start, f.End, len(text))
		}
		if text[f.Start:f.End] != f.Text {
			tb.Fatalf("figure text %q != input[%d:%d] %q", f.Text, f.Start, f.End, text[f.Start:f.End])
		}
		if f.Start < prev {
			tb.Fatalf("figures out of order at %q", f.Text)
		}
		prev = f.Start
		if f.SentenceStart < 0 || f.SentenceStart > f.Start {
			tb.Fatalf("figure %q: sentence start %d after figure start %d", f.Text, f.SentenceStart, f.Start)
		}
	}
}

// find returns the figure whose Text is text; it fails the test if there is none.
func find(tb testing.TB, figs []Figure, text string) Figure {
	tb.Helper()
	for _, f := range figs {
		if f.Text == text {
			return f
		}
	}
	var got []string
	for _, f := range figs {
		got = append(got, f.Text+"("+f.Kind+")")
	}
	tb.Fatalf("no figure %q; got %s", text, strings.Join(got, ", "))
	return Figure{}
}

func approxEqual(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	m := max(abs(a), abs(b), 1e-9)
	return d <= m*1e-9
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
