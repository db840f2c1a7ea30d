package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/figwatch/watcher/internal/fetch"
)

// Content kinds Sniff tells apart.
const (
	ContentPDF  = "pdf"
	ContentHTML = "html"
	ContentText = "text"
)

// Sniff tells a PDF, an HTML page and plain text apart by content (and by
// content type when fetched), not by file name: scraped files are often
// misnamed.
func Sniff(data []byte, contentType string) string {
	head := bytes.TrimLeft(data[:min(len(data), 1024)], "\ufeff \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")) || strings.Contains(contentType, "application/pdf"):
		return ContentPDF
	case strings.Contains(contentType, "html"):
		return ContentHTML
	}
	lower := bytes.ToLower(head)
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<p>", "<div", "<article", "<table", "<nav", "<header", "<main"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			return ContentHTML
		}
	}
	return ContentText
}

// ErrNoFetcher is returned by ReadInput for a URL when it was given no
// Fetcher.
var ErrNoFetcher = errors.New("no fetcher to read a URL with")

// ReadInput reads a file, standard input ("-") or an http(s) URL into one
// Document, through the same code that reads a source's body: a PDF as a
// `kind: pdf` source, an HTML page as a `kind: page` source without a
// selector (its main content, tables with their headers), anything else
// as plain text, kept as it is so that figures' offsets are offsets into
// the input. So `watcher extract` finds in a page exactly the figures a
// poll of that page stores.
func ReadInput(ctx context.Context, in string, stdin io.Reader, f Fetcher) (Document, error) {
	resp := &fetch.Response{URL: in, Status: 200}
	var err error
	switch {
	case in == "-":
		resp.URL = "stdin"
		resp.Body, err = io.ReadAll(stdin)
	case strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://"):
		if f == nil {
			return Document{}, fmt.Errorf("read %s: %w", in, ErrNoFetcher)
		}
		resp, err = f.Get(ctx, fetch.Request{URL: in, Source: "extract"})
	default:
		resp.Body, err = os.ReadFile(in)
		if abs, aerr := filepath.Abs(in); aerr == nil {
			resp.URL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
		}
	}
	if err != nil {
		return Document{}, fmt.Errorf("read %s: %w", in, err)
	}
	spec := Spec{ID: "extract"}
	switch Sniff(resp.Body, resp.ContentType) {
	case ContentPDF:
		spec.Kind = KindPDF
	case ContentHTML:
		spec.Kind = KindPage
	default:
		body := resp.Body
		if resp.ContentType != "" {
			if body, _, err = fetch.ToUTF8(resp.Body, resp.ContentType); err != nil {
				return Document{}, fmt.Errorf("decode %s: %w", in, err)
			}
		}
		return Document{ID: "extract:" + resp.URL, Source: "extract", URL: resp.URL, Text: string(body)}, nil
	}
	res, err := Documents(ctx, Env{Fetch: f}, spec, resp)
	if err != nil {
		return Document{}, err
	}
	return res.Docs[0], nil
}
