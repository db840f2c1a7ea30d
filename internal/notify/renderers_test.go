package notify

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// TestRenderersUseOnlyMessage keeps each event kind described in one place
// (build.go): the Slack and console renderers read a Message, never an
// event. In their rendering files, package diff may appear only as the
// diff.Event of the entry points that hand events to Build, no alert's
// Event is read, and nothing is decided on a Kind.
func TestRenderersUseOnlyMessage(t *testing.T) {
	t.Parallel()
	files := []string{
		filepath.Join("slack", "blocks.go"),
		filepath.Join("slack", "digest.go"),
		filepath.Join("slack", "richtext.go"),
		filepath.Join("console", "console.go"),
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			isKind := func(e ast.Expr) bool {
				s, ok := e.(*ast.SelectorExpr)
				return ok && s.Sel.Name == "Kind"
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					x, _ := n.X.(*ast.Ident)
					switch {
					case x != nil && x.Name == "diff" && n.Sel.Name != "Event":
						t.Errorf("%s: uses diff.%s: renderers read notify.Message", fset.Position(n.Pos()), n.Sel.Name)
					case (x == nil || x.Name != "diff") && n.Sel.Name == "Event":
						t.Errorf("%s: reads an alert's Event: renderers read notify.Message", fset.Position(n.Pos()))
					}
				case *ast.SwitchStmt:
					if n.Tag != nil && isKind(n.Tag) {
						t.Errorf("%s: switches on a kind", fset.Position(n.Pos()))
					}
				case *ast.BinaryExpr:
					if (n.Op == token.EQL || n.Op == token.NEQ) && (isKind(n.X) || isKind(n.Y)) {
						t.Errorf("%s: compares a kind", fset.Position(n.Pos()))
					}
				}
				return true
			})
		})
	}
}
