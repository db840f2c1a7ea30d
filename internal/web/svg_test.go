package web

import (
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/store"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func TestRenderSVGGolden(t *testing.T) {
	t.Parallel()
	got := string(RenderSVG(goldenHistory(), 480, 120))
	path := filepath.Join("testdata", "payrolls.svg.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (go test -update to create): %v", err)
	}
	if got+"\n" != string(want) {
		t.Errorf("RenderSVG differs from %s (go test -update to accept):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestRenderSVGIgnoresInputOrder(t *testing.T) {
	t.Parallel()
	h := goldenHistory()
	reversed := []store.Observation{h[3], h[2], h[1], h[0]}
	if a, b := RenderSVG(h, 480, 120), RenderSVG(reversed, 480, 120); a != b {
		t.Errorf("chart depends on input order:\n%s\n%s", a, b)
	}
	if h[0].Value != 291000 {
		t.Error("RenderSVG reordered its argument")
	}
}

// svgShape is what the property test learns from parsing a chart.
type svgShape struct {
	width, height float64
	texts         []string
	titles        []string
	circles       [][2]float64 // cx, cy
	stepPath      string
}

// parseSVG checks that s is well-formed XML with an <svg> root and
// collects its shapes.
func parseSVG(t *testing.T, s string) svgShape {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	var sh svgShape
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, s)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range el.Attr {
				attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if el.Name.Local != "svg" {
					t.Fatalf("root element %q, want svg", el.Name.Local)
				}
				sh.width, _ = strconv.ParseFloat(attr["width"], 64)
				sh.height, _ = strconv.ParseFloat(attr["height"], 64)
			}
			switch el.Name.Local {
			case "circle":
				cx, err1 := strconv.ParseFloat(attr["cx"], 64)
				cy, err2 := strconv.ParseFloat(attr["cy"], 64)
				if err1 != nil || err2 != nil {
					t.Fatalf("circle with bad coordinates %v", attr)
				}
				sh.circles = append(sh.circles, [2]float64{cx, cy})
			case "path":
				if attr["class"] == "official" {
					sh.stepPath = attr["d"]
				}
			}
			stack = append(stack, el.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			switch stack[len(stack)-1] {
			case "text":
				sh.texts = append(sh.texts, string(el))
			case "title":
				sh.titles = append(sh.titles, string(el))
			}
		}
	}
	return sh
}

func TestRenderSVGShapes(t *testing.T) {
	t.Parallel()
	at := func(d int) time.Time { return time.Date(2025, time.March, d, 9, 0, 0, 0, time.UTC) }
	obs := func(authority string, v float64, d int) store.Observation {
		return store.Observation{Metric: "m", Value: v, Authority: authority, Published: at(d), Observed: at(d)}
	}
	for _, tc := range []struct {
		name        string
		history     []store.Observation
		w, h        int
		wantW       float64
		wantCircles int
		wantTexts   []string
		wantStep    bool
	}{
		{name: "empty", w: 480, h: 120, wantW: 480, wantTexts: []string{"no observations yet"}},
		{name: "one official", history: []store.Observation{obs("official", 4.1, 1)}, w: 480, h: 120, wantW: 480,
			wantCircles: 1, wantTexts: []string{"4.1", "2025-03-01"}, wantStep: true},
		{name: "flat zero", history: []store.Observation{obs("official", 0, 1), obs("official", 0, 5)}, w: 480, h: 120, wantW: 480,
			wantCircles: 2, wantTexts: []string{"0", "2025-03-01", "2025-03-05"}, wantStep: true},
		{name: "press only, same instant", history: []store.Observation{obs("press", 10, 2), obs("press", 20, 2)}, w: 300, h: 80, wantW: 300,
			wantCircles: 2, wantTexts: []string{"20", "10", "2025-03-02"}},
		{name: "negative values", history: []store.Observation{obs("official", -1500, 1), obs("press", 2500, 3)}, w: 480, h: 120, wantW: 480,
			wantCircles: 2, wantTexts: []string{"2,500", "-1,500", "2025-03-01", "2025-03-03"}, wantStep: true},
		{name: "too small is enlarged", history: []store.Observation{obs("official", 1, 1)}, w: 10, h: 10, wantW: minChartW,
			wantCircles: 1, wantTexts: []string{"1", "2025-03-01"}, wantStep: true},
		{name: "percent range", history: []store.Observation{
			{Metric: "m", Value: 4.1, High: 4.3, Unit: "percent", Authority: "press", Published: at(1)},
			{Metric: "m", Value: 3.9, Unit: "percent", Authority: "official", Published: at(2)},
		}, w: 480, h: 120, wantW: 480, wantCircles: 2, wantTexts: []string{"4.3%", "3.9%", "2025-03-01", "2025-03-02"}, wantStep: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sh := parseSVG(t, string(RenderSVG(tc.history, tc.w, tc.h)))
			if sh.width != tc.wantW {
				t.Errorf("width = %v, want %v", sh.width, tc.wantW)
			}
			if len(sh.circles) != tc.wantCircles || len(sh.titles) != tc.wantCircles {
				t.Errorf("%d markers with %d tooltips, want %d", len(sh.circles), len(sh.titles), tc.wantCircles)
			}
			if strings.Join(sh.texts, "|") != strings.Join(tc.wantTexts, "|") {
				t.Errorf("labels = %q, want %q", sh.texts, tc.wantTexts)
			}
			if (sh.stepPath != "") != tc.wantStep {
				t.Errorf("step path %q, want one: %v", sh.stepPath, tc.wantStep)
			}
			for _, c := range sh.circles {
				if c[0] < 0 || c[0] > sh.width || c[1] < 0 || c[1] > sh.height || math.IsNaN(c[0]) || math.IsNaN(c[1]) {
					t.Errorf("marker at %v outside the %vx%v chart", c, sh.width, sh.height)
				}
			}
		})
	}
}

func TestRenderSVGEscapesText(t *testing.T) {
	t.Parallel()
	hostile := store.Observation{Metric: "m", Value: 1, Authority: "press", Source: `"><script>x</script>`,
		Quote: "</title><script>alert(1)</script>", Unit: `<img src=x>`, Published: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := string(RenderSVG([]store.Observation{hostile}, 480, 120))
	if strings.Contains(s, "<script") || strings.Contains(s, "<img") {
		t.Fatalf("chart holds unescaped markup:\n%s", s)
	}
	sh := parseSVG(t, s)
	if len(sh.titles) != 1 || !strings.Contains(sh.titles[0], "</title><script>alert(1)</script>") {
		t.Errorf("tooltip = %q, want the quote as text", sh.titles)
	}
}

func TestRenderSVGTruncatesLongQuotes(t *testing.T) {
	t.Parallel()
	o := store.Observation{Metric: "m", Value: 1, Authority: "official", Quote: strings.Repeat("word ", 200),
		Published: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	sh := parseSVG(t, string(RenderSVG([]store.Observation{o}, 480, 120)))
	if n := len([]rune(sh.titles[0])); n > tooltipQuote+80 {
		t.Errorf("tooltip is %d runes long, want the quote cut to %d", n, tooltipQuote)
	}
	if !strings.HasSuffix(sh.titles[0], "…”") {
		t.Errorf("tooltip %q does not mark the cut", sh.titles[0])
	}
}

func BenchmarkRenderSVG(b *testing.B) {
	hist := benchHistory("m", 200, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	for b.Loop() {
		_ = RenderSVG(hist, 480, 120)
	}
}

// A chart places a figure at the date it is for: a 2025 story about
// FY2023 sits left of an official figure as of May 2024.
func TestChartPlacesFiguresByTheirPeriod(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	official := store.Observation{Value: 291000, Authority: "official", Published: day(2024, 8, 20), AsOf: day(2024, 6, 1)}
	press := store.Observation{Value: 250000, Authority: "press", Published: day(2025, 3, 2), AsOf: day(2023, 10, 1)}
	svg := string(RenderSVG([]store.Observation{official, press}, 400, 120))
	first, last := strings.Index(svg, "2023-10-01"), strings.Index(svg, "2024-06-01")
	if first < 0 || last < 0 || first > last || strings.Contains(svg, "2025-03-02") {
		t.Errorf("chart axis not by the dates the figures are for:\n%s", svg)
	}
}

func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"", "a", "one line", " lead", "trail ", "two  spaces", "tab\there", "nl\nx", "nbsp\u00a0x", "em\u2003x", "“quoted” — dash", "\x85", "\xff bad"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := oneLine(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", s, got, want)
		}
	})
}

// The page draws a chart again when its metric's history version moves,
// and reuses it while it stays.
func TestChartsFollowHistoryVersion(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 25, 0, 0, 0, 0, time.UTC)
	hist := func(v float64) []store.Observation {
		return []store.Observation{{Metric: "m", Value: v, Authority: "official", Quote: fmt.Sprintf("The value was %v.", v), Published: at, Observed: at}}
	}
	var c charts
	m := MetricStatus{ID: "m", History: hist(291000), HistoryVersion: 1}
	first := c.render(m, 600, 200)
	if !strings.Contains(string(first), "291,000") {
		t.Fatalf("chart of version 1 lacks its value:\n%s", first)
	}
	// The same version is the same history: the chart drawn for it is
	// the one handed out, whatever History holds now.
	same := m
	same.History = hist(1)
	if again := c.render(same, 600, 200); again != first {
		t.Error("the same version drew a different chart")
	}
	m.History, m.HistoryVersion = hist(233000), 2
	second := c.render(m, 600, 200)
	if !strings.Contains(string(second), "233,000") || strings.Contains(string(second), "291,000") {
		t.Errorf("chart of version 2 is not its history's:\n%s", second)
	}
	if n := len(c.m); n != 1 {
		t.Errorf("%d charts kept for one metric, want 1", n)
	}
	// Without a version (a status read without the daemon's cache) the
	// chart is drawn from the history every time.
	m.History, m.HistoryVersion = hist(43000), 0
	if got := c.render(m, 600, 200); !strings.Contains(string(got), "43,000") {
		t.Errorf("an unversioned history was not drawn:\n%s", got)
	}
}
