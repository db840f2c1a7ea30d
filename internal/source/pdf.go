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
// with it. Pages are kept apart by form feeds, as pdftotext writes them.
func PDFDocument(ctx context.Context, sourceID, pdfURL string, body []byte) (Document, error) {
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
