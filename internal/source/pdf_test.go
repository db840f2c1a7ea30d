package source

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/figwatch/watcher/internal/pdftest"
)

func minimalPDF(pages ...string) []byte { return pdftest.Minimal(pages...) }

func TestPDFDocument(t *testing.T) {
	t.Parallel()
	if err := PDFToTextAvailable(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	d, err := PDFDocument(ctx, "oig", "https://example.org/OIG-25-21.pdf", minimalPDF("More than 43,000 children failed to appear."))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Text, "More than 43,000 children failed to appear.") || d.Title != "OIG-25-21.pdf" || d.ID != "oig:https://example.org/OIG-25-21.pdf" {
		t.Errorf("doc = %+v", d)
	}
	d2, err := PDFDocument(ctx, "oig", "https://example.org/OIG-25-21.pdf", minimalPDF("More than 44,000 children failed to appear."))
	if err != nil {
		t.Fatal(err)
	}
	if d2.Hash == d.Hash {
		t.Error("a changed figure did not change the document hash")
	}
}

func TestPDFDocumentRejectsNonPDF(t *testing.T) {
	t.Parallel()
	_, err := PDFDocument(context.Background(), "oig", "https://example.org/r.pdf", []byte("<html>Access Denied</html>"))
	if err == nil || !strings.Contains(err.Error(), "https://example.org/r.pdf: body is not a PDF") {
		t.Fatalf("err = %v", err)
	}
}

func TestPDFDocumentPageNumbers(t *testing.T) {
	t.Parallel()
	if err := PDFToTextAvailable(); err != nil {
		t.Skip(err)
	}
	body := minimalPDF(
		"OIG-25-21 Management Alert",
		"More than 43,000 children failed to appear.",
		"ICE had not served 233,000 notices to appear.",
	)
	d, err := PDFDocument(context.Background(), "oig", "https://example.org/OIG-25-21.pdf", body)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		quote string
		want  int
	}{
		{quote: "OIG-25-21", want: 1},
		{quote: "43,000", want: 2},
		{quote: "233,000", want: 3},
	}
	for _, tc := range tests {
		i := strings.Index(d.Text, tc.quote)
		if i < 0 {
			t.Fatalf("text lacks %q: %q", tc.quote, d.Text)
		}
		if got := PageAt(d.Text, i); got != tc.want {
			t.Errorf("PageAt(%q at %d) = %d, want %d; text %q", tc.quote, i, got, tc.want, d.Text)
		}
	}
}

func TestPageAt(t *testing.T) {
	t.Parallel()
	const text = "one\ftwo\fthree\f"
	tests := []struct {
		name   string
		offset int
		want   int
	}{
		{name: "start", offset: 0, want: 1},
		{name: "form feed ending page 1", offset: 3, want: 1},
		{name: "first byte of page 2", offset: 4, want: 2},
		{name: "last page", offset: strings.Index(text, "three"), want: 3},
		{name: "trailing form feed", offset: len(text) - 1, want: 3},
		{name: "end of text", offset: len(text), want: 3},
		{name: "past the end", offset: len(text) + 10, want: 3},
		{name: "negative", offset: -1, want: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := PageAt(text, tc.offset); got != tc.want {
				t.Errorf("PageAt(%d) = %d, want %d", tc.offset, got, tc.want)
			}
		})
	}
	if got := PageAt("", 0); got != 1 {
		t.Errorf(`PageAt("", 0) = %d, want 1`, got)
	}
}

// TestPDFDocumentRefuses50MB: the size is checked before pdftotext runs,
// so this holds whether or not poppler is installed, and is fast.
func TestPDFDocumentRefuses50MB(t *testing.T) {
	t.Parallel()
	body := append(minimalPDF("x"), bytes.Repeat([]byte("0"), 50_000_000)...)
	start := time.Now()
	_, err := PDFDocument(context.Background(), "oig", "https://example.org/huge.pdf", body)
	if !errors.Is(err, ErrPDFTooLarge) || !strings.Contains(err.Error(), "https://example.org/huge.pdf") {
		t.Fatalf("err = %v, want ErrPDFTooLarge naming the URL", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %s to refuse", elapsed)
	}
}
