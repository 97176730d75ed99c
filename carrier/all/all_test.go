package all_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	_ "github.com/numan-dev/numan/carrier/all"
	"github.com/numan-dev/numan/carrier/carriertest"
)

const carrierImportPath = "github.com/numan-dev/numan/carrier/"

// notCarriers are directories under carrier/ that call carrier.Register but
// are no built-in carrier: carriertest registers the fake only when a test
// asks (RegisterFake), so production binaries never list it.
var notCarriers = map[string]bool{"carriertest": true, "all": true}

// carrierPackage is a directory of carrier/ whose non-test code registers
// carriers, and the names it registers when they are string constants.
type carrierPackage struct {
	dir   string
	names []string // registered names that could be read from the source
	calls int      // carrier.Register calls
}

// TestAllImportsEveryCarrier checks that all.go blank-imports exactly the
// carrier/* packages that call carrier.Register, and that what they
// register is exactly carrier.Names().
func TestAllImportsEveryCarrier(t *testing.T) {
	pkgs := carrierPackages(t, "..")
	if len(pkgs) == 0 {
		t.Fatal("found no carrier package under carrier/")
	}

	var wantImports []string
	var wantNames []string
	calls := 0
	for _, p := range pkgs {
		wantImports = append(wantImports, carrierImportPath+p.dir)
		wantNames = append(wantNames, p.names...)
		calls += p.calls
	}
	if got := blankImports(t, "all.go"); !slices.Equal(got, wantImports) {
		t.Errorf("all.go imports\n\t%v\nbut the carrier packages are\n\t%v\n(add the missing import to all.go)", got, wantImports)
	}

	names := slices.DeleteFunc(carrier.Names(), func(n string) bool { return n == carriertest.FakeName })
	if len(names) != calls {
		t.Errorf("carrier.Names() has %d carriers %v, but the carrier packages make %d carrier.Register calls", len(names), names, calls)
	}
	for _, n := range wantNames {
		if !slices.Contains(names, n) {
			t.Errorf("%q is registered in the source but not in carrier.Names() %v", n, names)
		}
	}
}

// TestLocalCarriersRegistered pins the registry names of the carriers that
// need no remote API (package reservedreseller registers reserved_reseller).
func TestLocalCarriersRegistered(t *testing.T) {
	for _, name := range []string{"inventory", "local", "managed", "mdn", "reserved", "reserved_reseller"} {
		if !carrier.Registered(name) || !carrier.Registered("knm_"+name) {
			t.Errorf("carrier %q is not registered", name)
		}
	}
	if carrier.Registered(carriertest.FakeName) {
		t.Errorf("the fake carrier is registered without RegisterFake")
	}
}

// carrierPackages lists the directories under root whose non-test Go files
// call carrier.Register, sorted.
func carrierPackages(t *testing.T, root string) []carrierPackage {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []carrierPackage
	for _, e := range entries {
		if !e.IsDir() || notCarriers[e.Name()] || e.Name() == "internal" || e.Name() == "testdata" {
			continue
		}
		p := carrierPackage{dir: e.Name()}
		inspectPackage(t, filepath.Join(root, e.Name()), &p)
		if p.calls > 0 {
			pkgs = append(pkgs, p)
		}
	}
	slices.SortFunc(pkgs, func(a, b carrierPackage) int { return strings.Compare(a.dir, b.dir) })
	return pkgs
}

// inspectPackage counts the carrier.Register calls in dir's non-test files
// and resolves their names: a string literal, or a string constant of the
// package.
func inspectPackage(t *testing.T, dir string, p *carrierPackage) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	consts := map[string]string{}
	var args []ast.Expr
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", file, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if i < len(n.Values) {
						if s, ok := stringLit(n.Values[i]); ok {
							consts[id.Name] = s
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Register" {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "carrier" && len(n.Args) == 2 {
						args = append(args, n.Args[0])
					}
				}
			}
			return true
		})
	}
	p.calls = len(args)
	for _, a := range args {
		if s, ok := stringLit(a); ok {
			p.names = append(p.names, s)
		} else if id, ok := a.(*ast.Ident); ok && consts[id.Name] != "" {
			p.names = append(p.names, consts[id.Name])
		}
	}
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// blankImports returns the carrier packages file blank-imports, sorted.
func blankImports(t *testing.T, file string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if imp.Name != nil && imp.Name.Name == "_" && path.Dir(p)+"/" == carrierImportPath {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
