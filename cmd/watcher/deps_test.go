package main

import (
	"os/exec"
	"slices"
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

// The daemon does not carry the man page generator: cobra/doc brings
// go-md2man and blackfriday, whose init runs at every start. The pages
// come from the packaging build (-tags manpages, man.go).
func TestBinaryLinksNoManGenerator(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the binary's packages")
	}
	for _, tc := range []struct {
		name string
		tags []string
		want bool
	}{
		{"daemon", nil, false},
		{"packaging build", []string{"-tags", "manpages"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := exec.Command(gobin, append(append([]string{"list", "-deps"}, tc.tags...), ".")...).Output()
			if err != nil {
				t.Fatalf("go list -deps: %v", err)
			}
			deps := strings.Fields(string(out))
			if got := slices.Contains(deps, "github.com/spf13/cobra/doc"); got != tc.want {
				t.Errorf("links cobra/doc: %v, want %v", got, tc.want)
			}
			if !tc.want {
				for _, p := range deps {
					if strings.Contains(p, "blackfriday") || strings.Contains(p, "go-md2man") {
						t.Errorf("the watcher binary links %s", p)
					}
				}
			}
		})
	}
}
