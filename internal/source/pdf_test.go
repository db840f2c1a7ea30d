package source

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// minimalPDF builds a one-page PDF showing text, with a correct xref table.
func minimalPDF(text string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"", // content stream, below
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objs[3] = fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream)
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

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
