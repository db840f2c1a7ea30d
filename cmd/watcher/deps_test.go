package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The shipped binary carries no test machinery (net/http/httptest once
// came in through the demo's feed server), and no man page generator:
// cobra/doc brings go-md2man and blackfriday, whose init runs at every
// start; the pages come from the packaging build (-tags manpages, man.go).
func TestBinaryLinksNoTestPackages(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the binary's packages")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed %d packages; the listing is not what this test expects", len(deps))
	}
	for _, p := range deps {
		if p == "net/http/httptest" || p == "testing" || strings.HasSuffix(p, "/fakeslack") ||
			strings.HasSuffix(p, "/notifytest") || strings.HasSuffix(p, "/pdftest") || strings.HasSuffix(p, "/cputime") ||
			strings.HasSuffix(p, "/cobra/doc") || strings.Contains(p, "blackfriday") || strings.Contains(p, "go-md2man") {
			t.Errorf("the watcher binary links %s", p)
		}
	}
}

// The packaging build (-tags manpages) does carry the generator, which
// writes the man pages.
func TestPackagingBuildLinksManGenerator(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the binary's packages")
	}
	out, err := exec.Command(gobin, "list", "-deps", "-tags", "manpages", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	if !slices.Contains(strings.Fields(string(out)), "github.com/spf13/cobra/doc") {
		t.Error("the manpages build does not link cobra/doc")
	}
}
