package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The shipped binary carries no test machinery: net/http/httptest once
// came in through the demo's feed server.
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
			strings.HasSuffix(p, "/notifytest") || strings.HasSuffix(p, "/pdftest") || strings.HasSuffix(p, "/cputime") {
			t.Errorf("the watcher binary links %s", p)
		}
	}
}
