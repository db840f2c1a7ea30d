package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"strings"
	"time"
)

// PDFTimeout bounds one pdftotext run: malformed PDFs can make parsers spin.
const PDFTimeout = 60 * time.Second

// MaxPDFBytes is the largest PDF handed to pdftotext. Reports with figures
// run to a few megabytes; a larger body is most often a scan, an annex of
// images, or an attack on the parser, and pdftotext holds all of it in
// memory.
const MaxPDFBytes = 32 << 20

// ErrPDFTooLarge is returned (wrapped with the URL and the sizes) for a PDF
// over MaxPDFBytes.
var ErrPDFTooLarge = errors.New("PDF too large")

// ErrNoPDFToText says poppler's pdftotext is not installed.
var ErrNoPDFToText = errors.New("pdftotext not found: install poppler-utils to read PDF sources")

// PDFToTextAvailable reports whether pdftotext can be run, so the daemon can
// say so at start when a PDF source is configured.
func PDFToTextAvailable() error {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		return ErrNoPDFToText
	}
	return nil
}

// PDFDocument extracts the text of a PDF report with poppler's pdftotext, in
// a subprocess with a timeout and an empty environment: poppler gives the
// best text of the candidates (pure-Go readers drop spaces and minus signs,
// which corrupts figures) and a crash or hang there cannot take the daemon
// with it. Pages are kept apart by form feeds, as pdftotext writes them, so
// PageAt can tell the page of a figure. A body over MaxPDFBytes is refused
// before pdftotext runs (ErrPDFTooLarge), and so is one that does not start
// like a PDF.
func PDFDocument(ctx context.Context, sourceID, pdfURL string, body []byte) (Document, error) {
	if len(body) > MaxPDFBytes {
		return Document{}, fmt.Errorf("read pdf %s: %d bytes, over the limit of %d: %w", pdfURL, len(body), MaxPDFBytes, ErrPDFTooLarge)
	}
	if !bytes.HasPrefix(bytes.TrimLeft(body[:min(len(body), 1024)], "\x00\t\r\n "), []byte("%PDF-")) {
		return Document{}, fmt.Errorf("read pdf %s: body is not a PDF (starts with %q)", pdfURL, snippet(body, 40))
	}
	if err := PDFToTextAvailable(); err != nil {
		return Document{}, fmt.Errorf("read pdf %s: %w", pdfURL, err)
	}
	ctx, cancel := context.WithTimeout(ctx, PDFTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pdftotext", "-enc", "UTF-8", "-q", "-", "-")
	cmd.Env = []string{}
	cmd.Stdin = bytes.NewReader(body)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Document{}, fmt.Errorf("read pdf %s: pdftotext: %w", pdfURL, ctx.Err())
		}
		return Document{}, fmt.Errorf("read pdf %s: pdftotext: %v: %s", pdfURL, err, strings.TrimSpace(stderr.String()))
	}
	text := strings.ToValidUTF8(out.String(), "\ufffd")
	title := path.Base(pdfURL)
	sum := sha256.Sum256([]byte(title + "\n" + text))
	return Document{
		ID: sourceID + ":" + pdfURL, Source: sourceID, URL: pdfURL, Title: title,
		Text: text, Hash: hex.EncodeToString(sum[:]),
	}, nil
}

// PageAt returns the 1-based page number of the byte offset in the text of
// a PDF Document, whose pages pdftotext separates with form feeds, so that a
// quote can say "p. 4". Offsets before the text count as page 1, offsets
// past its end as the last page; the form feed that ends a page belongs to
// that page.
func PageAt(text string, offset int) int {
	offset = min(max(offset, 0), len(text))
	if offset == len(text) && offset > 0 {
		// pdftotext ends the last page with a form feed too; the end of
		// the text is on that page, not on an empty one after it.
		offset--
	}
	return 1 + strings.Count(text[:offset], "\f")
}
