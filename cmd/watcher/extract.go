package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/source"
)

// extractFlags are extract's flags.
type extractFlags struct {
	config         string
	explicitConfig bool // --config or $WATCHER_CONFIG was given
	json, all      bool
	explain        bool // the frame and every metric's terms, per figure
}

// cmdExtract prints the figures of a text file: one JSON object per line
// with --json (the format ../shared/score_extract.py reads; offsets are
// bytes into the input), else a human-readable list.
func cmdExtract(o extractFlags, in string, stdin io.Reader, stdout, stderr io.Writer) int {
	rules, err := extractConfig(o.config, o.explicitConfig, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	ext, err := daemon.NewExtractor(rules)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	text, err := readInput(in, rules, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "watcher extract: %v\n", err)
		return exitFailure
	}
	if o.explain {
		if err := extract.WriteExplanations(stdout, ext.Explain(text)); err != nil {
			fmt.Fprintf(stderr, "watcher extract: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	var figs []extract.Figure
	if o.all {
		figs = ext.ExtractAll(text)
	} else {
		figs = ext.Extract(text)
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, f := range figs {
			if err := enc.Encode(f); err != nil {
				fmt.Fprintf(stderr, "watcher extract: %v\n", err)
				return exitFailure
			}
		}
		return exitOK
	}
	for _, f := range figs {
		writeHuman(w, f)
	}
	return exitOK
}

// extractConfig loads the config for its metric rules. When --config was
// not given and the default file is absent (extract run outside a checkout),
// figures are still printed, without metrics.
func extractConfig(path string, explicit bool, stderr io.Writer) (*config.Config, error) {
	cfg, _, err := config.DefaultCache().Load(path)
	if err != nil && !explicit && errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "watcher extract: %s not found: figures are printed without metrics (use --config)\n", path)
		return &config.Config{Path: path}, nil
	}
	return cfg, err
}

func writeHuman(w io.Writer, f extract.Figure) {
	num := f.Text
	if f.QualifierText != "" {
		num = f.QualifierText + " " + num
	}
	metric := f.Metric
	if metric == "" && len(f.Ambiguous) > 0 {
		metric = "ambiguous: " + strings.Join(f.Ambiguous, ", ")
	}
	if metric == "" {
		metric = "-"
	}
	kind := ""
	if f.Kind != "" {
		kind = " [not a figure: " + f.Kind + "]"
	}
	unit := ""
	if f.Unit != "" {
		unit = " " + f.Unit
	}
	fmt.Fprintf(w, "%-22s %-9s %-22s @%d%s\n    %s\n", num+unit, f.Qualifier, metric, f.Start, kind, markSentence(f))
}

// markSentence shows the sentence with the figure between » «.
func markSentence(f extract.Figure) string {
	s := f.Sentence
	if i := strings.Index(s, f.Text); i >= 0 && f.Text != "" {
		return s[:i] + "»" + f.Text + "«" + s[i+len(f.Text):]
	}
	return s
}

// readInput reads a file, stdin or a URL through internal/source, as the
// daemon reads a page or PDF source, and returns the text to extract from.
// A plain-text file's offsets are byte offsets into the file; a page's and
// a PDF's are into the text the daemon would store.
func readInput(in string, cfg *config.Config, stdin io.Reader) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var f source.Fetcher
	if strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://") {
		c := newExtractFetcher(cfg)
		defer c.Close()
		f = c
	}
	doc, err := source.ReadInput(ctx, in, stdin, f)
	if err != nil {
		return "", err
	}
	return doc.Text, nil
}

// newExtractFetcher is the fetcher of `watcher extract URL`, with the
// config's User-Agent and body limit.
func newExtractFetcher(cfg *config.Config) *fetch.Client {
	ua := cfg.Fetch.UserAgent
	if ua == "" {
		ua = config.DefaultUserAgent()
	}
	return fetch.New(fetch.Options{UserAgent: ua, MaxBodyBytes: int64(cfg.Fetch.MaxBodySize)})
}
