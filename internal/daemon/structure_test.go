package daemon

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// maxDaemonMethods keeps *Daemon the conductor DESIGN.md describes: a
// stage's logic belongs in the stage's package (outbox, source, diff), or
// in a type of its own here (slots, retainer, schedule).
const maxDaemonMethods = 25

func TestDaemonStaysAConductor(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var methods []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil {
				continue
			}
			recv := fd.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok && id.Name == "Daemon" {
				methods = append(methods, f+":"+fd.Name.Name)
			}
		}
	}
	if len(methods) > maxDaemonMethods {
		t.Errorf("*Daemon has %d methods, more than %d: move a stage's logic to its package or a type of its own:\n%s",
			len(methods), maxDaemonMethods, strings.Join(methods, "\n"))
	}
}
