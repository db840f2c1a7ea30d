package extract

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// corpusDirs are where the hand-labelled articles shared by the team may
// be: ../shared beside the repository (CI lays it there); the tests skip
// without it.
var corpusDirs = []string{"../../../shared/corpus"}

// corpusDir returns the first corpus directory present, or "".
func corpusDir() string {
	for _, d := range corpusDirs {
		if _, err := os.Stat(filepath.Join(d, "gold.json")); err == nil {
			return d
		}
	}
	return ""
}

type goldFile struct {
	Docs map[string]struct {
		Split   string `json:"split"`
		Story   string `json:"story"`
		Figures []struct {
			Line     int      `json:"line"`
			Value    float64  `json:"value"`
			Pct      bool     `json:"pct"`
			Q        string   `json:"q"`
			Metric   []string `json:"metric"`
			Optional bool     `json:"optional"`
		} `json:"figures"`
		Non [][2]any `json:"non"`
	} `json:"docs"`
}

type corpusScore struct {
	req, hit, ext, good, mreq, mhit, qhit, nonfp int
}

func (s *corpusScore) add(o corpusScore) {
	s.req += o.req
	s.hit += o.hit
	s.ext += o.ext
	s.good += o.good
	s.mreq += o.mreq
	s.mhit += o.mhit
	s.qhit += o.qhit
	s.nonfp += o.nonfp
}

func pct(n, m int) float64 {
	if m == 0 {
		return 100
	}
	return 100 * float64(n) / float64(m)
}

// The corpus tests port ../shared/score_extract.py: they match the
// extractor's figures to the hand labels of one story, with the rules a
// newsroom would use for it, and fail below the thresholds of issue #12.
func TestCorpusScoresUAC(t *testing.T) { testCorpusStory(t, "uac", shippedConfig) }

func TestCorpusScoresImproperPayments(t *testing.T) {
	testCorpusStory(t, "improper_payments", "../../config/examples/improper_payments.yaml")
}

func TestCorpusScoresBorderEncounters(t *testing.T) {
	testCorpusStory(t, "border_encounters", "../../config/examples/border_encounters.yaml")
}

func testCorpusStory(t *testing.T, story, config string) {
	t.Parallel()
	dir := corpusDir()
	if dir == "" {
		t.Skip("no labelled corpus at any of", corpusDirs)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "gold.json"))
	if err != nil {
		t.Fatal(err)
	}
	var gold goldFile
	if err := json.Unmarshal(raw, &gold); err != nil {
		t.Fatalf("parse gold.json: %v", err)
	}
	e := configExtractor(t, config)
	names := make([]string, 0, len(gold.Docs))
	for name := range gold.Docs {
		names = append(names, name)
	}
	sort.Strings(names)

	var tot corpusScore
	for _, name := range names {
		doc := gold.Docs[name]
		if doc.Story != story {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		figs := e.Extract(string(text))
		checkOffsets(t, string(text), figs)
		type extracted struct {
			value  float64
			pct    bool
			q      string
			metric string
			line   int
			text   string
			used   bool
		}
		ext := make([]*extracted, 0, len(figs))
		for _, f := range figs {
			ext = append(ext, &extracted{
				value: f.Value, pct: f.Unit == UnitPercent, q: string(f.Qualifier), metric: f.Metric,
				line: strings.Count(string(text[:f.Start]), "\n") + 1, text: f.Text,
			})
		}
		d := corpusScore{ext: len(ext)}
		var misses []string
		for _, g := range doc.Figures {
			if !g.Optional {
				d.req++
			}
			var cands []*extracted
			for _, x := range ext {
				if !x.used && x.pct == g.Pct && math.Abs(x.value-g.Value) <= math.Max(1e-9, math.Abs(g.Value)*0.005) {
					cands = append(cands, x)
				}
			}
			if len(cands) == 0 {
				if !g.Optional {
					misses = append(misses, "miss L"+strconv.Itoa(g.Line)+" "+strconv.FormatFloat(g.Value, 'f', -1, 64))
				}
				continue
			}
			rank := func(x *extracted) int {
				if x.line == g.Line {
					return 0
				}
				return 2 + max(x.line-g.Line, g.Line-x.line)
			}
			slices.SortStableFunc(cands, func(a, b *extracted) int { return rank(a) - rank(b) })
			x := cands[0]
			x.used = true
			d.good++
			if g.Optional {
				continue
			}
			d.hit++
			if x.q == g.Q {
				d.qhit++
			} else {
				misses = append(misses, "qual L"+strconv.Itoa(g.Line)+": got "+x.q+" want "+g.Q)
			}
			if len(g.Metric) > 0 {
				d.mreq++
				if slices.Contains(g.Metric, x.metric) {
					d.mhit++
				} else {
					misses = append(misses, "metric L"+strconv.Itoa(g.Line)+": got "+x.metric+" want "+strings.Join(g.Metric, "|"))
				}
			}
		}
		for _, x := range ext {
			if x.used {
				continue
			}
			for _, n := range doc.Non {
				ln, _ := n[0].(float64)
				s, _ := n[1].(string)
				if v, err := strconv.ParseFloat(s, 64); err == nil && x.line == int(ln) && math.Abs(x.value-v) < 1e-9 {
					d.nonfp++
				}
			}
			misses = append(misses, "extra L"+strconv.Itoa(x.line)+" "+x.text)
		}
		t.Logf("%s [%s] recall %d/%d precision %d/%d metric %d/%d qualifier %d/%d non-figures %d",
			name, doc.Split, d.hit, d.req, d.good, d.ext, d.mhit, d.mreq, d.qhit, d.hit, d.nonfp)
		for _, m := range misses {
			t.Log("   ", m)
		}
		tot.add(d)
	}
	recall, precision := pct(tot.hit, tot.req), pct(tot.good, tot.ext)
	metric, qual := pct(tot.mhit, tot.mreq), pct(tot.qhit, tot.hit)
	if tot.req == 0 {
		t.Fatalf("no labelled figures for story %s", story)
	}
	t.Logf("%s: recall=%.1f%% precision=%.1f%% metric=%.1f%% qualifier=%.1f%% non-figures=%d", story, recall, precision, metric, qual, tot.nonfp)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"recall", recall, 98}, {"precision", precision, 98}, {"metric accuracy", metric, 95}, {"qualifier accuracy", qual, 97}} {
		if c.got < c.want {
			t.Errorf("%s %.1f%% below %.0f%%", c.name, c.got, c.want)
		}
	}
	if tot.nonfp != 0 {
		t.Errorf("%d non-figures returned as figures", tot.nonfp)
	}
}
