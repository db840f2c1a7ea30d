package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/daemon"
	"github.com/figwatch/watcher/internal/extract"
	"github.com/figwatch/watcher/internal/fetch"
	"github.com/figwatch/watcher/internal/source"
)

// cmdExtract prints the figures of a text file: one JSON object per line
// with --json (the format ../shared/score_extract.py reads; offsets are
// bytes into the input), else a human-readable list.
func cmdExtract(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset, path := flags("extract", stderr)
	asJSON := fset.Bool("json", false, "print one JSON object per figure")
	all := fset.Bool("all", false, "also print the numbers that are not figures (years, dates, ...) with their kind")
	explain := fset.Bool("explain", false, "say, per figure, its frame, every metric's matched and vetoing terms, and why the winner won")
	if err := fset.Parse(args); err != nil {
		return exitUsage
	}
	if fset.NArg() != 1 {
		fmt.Fprintln(stderr, "watcher extract: want exactly one PATH (or - for stdin)")
		return exitUsage
	}
	rules, err := extractConfig(*path, fset, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	ext, err := daemon.NewExtractor(rules)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	in := fset.Arg(0)
	text, err := readInput(in, rules, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "watcher extract: %v\n", err)
		return exitFailure
	}
	if *explain {
		if err := extract.WriteExplanations(stdout, ext.Explain(text)); err != nil {
			fmt.Fprintf(stderr, "watcher extract: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	var figs []extract.Figure
	if *all {
		figs = ext.ExtractAll(text)
	} else {
		figs = ext.Extract(text)
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if *asJSON {
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
func extractConfig(path string, fset *flag.FlagSet, stderr io.Writer) (*config.Config, error) {
	explicit := os.Getenv("WATCHER_CONFIG") != ""
	fset.Visit(func(f *flag.Flag) {
		if f.Name == "config" {
			explicit = true
		}
	})
	cfg, err := config.Load(path)
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

// readInput reads a file, stdin or a URL and returns the text to extract
// from. HTML is masked rather than converted, so offsets stay byte offsets
// into the input; a PDF's offsets are into the text pdftotext gives.
func readInput(in string, cfg *config.Config, stdin io.Reader) (string, error) {
	var (
		data  []byte
		ctype string
		err   error
	)
	switch {
	case in == "-":
		data, err = io.ReadAll(stdin)
	case strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://"):
		data, ctype, err = fetchURL(in, cfg)
	default:
		data, err = os.ReadFile(in)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", in, err)
	}
	switch sniff(data, ctype) {
	case "pdf":
		ctx, cancel := context.WithTimeout(context.Background(), source.PDFTimeout)
		defer cancel()
		doc, err := source.PDFDocument(ctx, "extract", in, data)
		if err != nil {
			return "", err
		}
		return doc.Text, nil
	case "html":
		return string(source.MaskHTML(data)), nil
	}
	return string(data), nil
}

func fetchURL(u string, cfg *config.Config) ([]byte, string, error) {
	ua := cfg.Fetch.UserAgent
	if ua == "" {
		ua = config.DefaultUserAgent()
	}
	c := fetch.New(fetch.Options{UserAgent: ua, MaxBodyBytes: int64(cfg.Fetch.MaxBodySize)})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resp, err := c.Get(ctx, fetch.Request{URL: u, Source: "extract"})
	if err != nil {
		return nil, "", err
	}
	if !strings.Contains(resp.ContentType, "pdf") {
		body, _, err := fetch.ToUTF8(resp.Body, resp.ContentType)
		return body, resp.ContentType, err
	}
	return resp.Body, resp.ContentType, nil
}

// sniff tells PDF and HTML from plain text by content (and content type
// when fetched), not by file name: scraped files are often misnamed.
func sniff(data []byte, ctype string) string {
	head := bytes.TrimLeft(data[:min(len(data), 1024)], "\ufeff \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")) || strings.Contains(ctype, "application/pdf"):
		return "pdf"
	case strings.Contains(ctype, "html"):
		return "html"
	}
	lower := bytes.ToLower(head)
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<p>", "<div", "<article"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			return "html"
		}
	}
	return "text"
}
