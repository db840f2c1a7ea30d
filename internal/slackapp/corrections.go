package slackapp

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/store"
)

// maxTermCandidates bounds the words tried as a `none:` term per correction.
const maxTermCandidates = 8

// stopwords are words never worth suggesting as a `none:` term.
var stopwords = map[string]bool{
	"the": true, "and": true, "that": true, "this": true, "with": true, "from": true, "were": true,
	"have": true, "has": true, "had": true, "been": true, "their": true, "they": true, "them": true,
	"said": true, "says": true, "about": true, "more": true, "than": true, "some": true, "into": true,
	"over": true, "under": true, "nearly": true, "almost": true, "which": true, "while": true,
	"will": true, "would": true, "could": true, "also": true, "after": true, "before": true, "other": true,
}

// Suggestion is the rule change that would have kept a corrected figure
// from its wrong metric: a `none:` term for the old metric's rule, checked
// against the extractor when Verified.
type Suggestion struct {
	Correction store.Correction
	// Term is empty when no single word of the sentence would do.
	Term     string
	Verified bool
}

// SuggestNone finds, among the words of a correction's sentence nearest
// the figure, one that as a `none:` term of the old metric's rule stops
// the extractor from taking the figure for that metric, without touching
// what the rule says of its other terms. Candidates the rule already
// uses are skipped.
func SuggestNone(cfg *config.Config, c store.Correction) Suggestion {
	s := Suggestion{Correction: c}
	var rule *config.Metric
	for i := range cfg.Metrics {
		if cfg.Metrics[i].ID == c.OldMetric {
			rule = &cfg.Metrics[i]
		}
	}
	if rule == nil || c.Sentence == "" {
		return s
	}
	used := map[string]bool{}
	for _, list := range [][]string{rule.Any, rule.All, rule.None} {
		for _, t := range list {
			for _, w := range strings.Fields(strings.ToLower(t)) {
				used[w] = true
			}
		}
	}
	tried := 0
	for _, w := range nearestWords(c.Sentence, c.Text) {
		if used[w] || stopwords[w] {
			continue
		}
		if s.Term == "" {
			s.Term = w // the nearest, should none verify
		}
		if !stillMatches(cfg, c, w) {
			s.Term, s.Verified = w, true
			return s
		}
		if tried++; tried == maxTermCandidates {
			break
		}
	}
	return s
}

// nearestWords are the sentence's words of four letters or more, nearest
// the figure's text first.
func nearestWords(sentence, text string) []string {
	at := strings.Index(sentence, text)
	if at < 0 {
		at = 0
	}
	type word struct {
		w    string
		dist int
	}
	var words []word
	start := -1
	for i, r := range sentence + " " {
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			w := strings.ToLower(sentence[start:i])
			d := start - at
			if d < 0 {
				d = at - i
			}
			if len([]rune(w)) >= 4 {
				words = append(words, word{w, d})
			}
			start = -1
		}
	}
	slices.SortStableFunc(words, func(a, b word) int { return a.dist - b.dist })
	var out []string
	for _, w := range words {
		if !slices.Contains(out, w.w) {
			out = append(out, w.w)
		}
	}
	return out
}

// stillMatches reports whether, with term added to the old metric's
// `none:` list, the extractor still takes the figure in the sentence for
// the old metric.
func stillMatches(cfg *config.Config, c store.Correction, term string) bool {
	rules := make([]extract.Rule, 0, len(cfg.Metrics))
	for _, m := range cfg.Metrics {
		r := extract.Rule{Metric: m.ID, Any: m.Any, All: m.All, None: m.None, Units: m.Units}
		if m.ID == c.OldMetric {
			r.None = append(slices.Clone(m.None), term)
		}
		rules = append(rules, r)
	}
	ext, err := extract.New(rules)
	if err != nil {
		return true
	}
	for _, f := range ext.Extract(c.Sentence) {
		if f.Text == c.Text && f.Metric == c.OldMetric {
			return true
		}
	}
	return false
}

// WriteCorrections prints, for the config's maintainer, each correction
// made from Slack and the `none:` term that would have avoided it.
func WriteCorrections(w io.Writer, cfg *config.Config, cs []store.Correction) error {
	if len(cs) == 0 {
		_, err := fmt.Fprintln(w, "No corrections.")
		return err
	}
	for _, c := range cs {
		fmt.Fprintf(w, "%s  %s  %q in %s: %s → %s (by %s)\n", c.At.UTC().Format(time.DateTime), c.DocID, c.Text, c.DocID,
			c.OldMetric, orNone(c.NewMetric), c.User)
		if c.Sentence != "" {
			fmt.Fprintf(w, "    %s\n", c.Sentence)
		}
		s := SuggestNone(cfg, c)
		switch {
		case s.Verified:
			fmt.Fprintf(w, "    rule change: metrics[%s].none += [%q]  (checked: the figure no longer matches %s)\n", c.OldMetric, s.Term, c.OldMetric)
		case s.Term != "":
			fmt.Fprintf(w, "    no single none: term avoids it; nearest candidate %q (unverified)\n", s.Term)
		default:
			fmt.Fprintf(w, "    no rule change found (metric %s not in the config, or no sentence)\n", c.OldMetric)
		}
	}
	return nil
}
