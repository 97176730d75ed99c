package all_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	_ "github.com/numan-dev/numan/carrier/all"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/number"
)

const carrierImportPath = "github.com/numan-dev/numan/carrier/"

// notCarriers are directories under carrier/ that call carrier.Register but
// are no built-in carrier: carriertest registers the fake only when a test
// asks (RegisterFake), so production binaries never list it.
var notCarriers = map[string]bool{"carriertest": true, "all": true}

// kazooNames are the registry names Numan has always answered to (Kazoo's
// modules it implements, plus twilio): each must stay registered. A new
// carrier needs no line here.
var kazooNames = []string{
	"bandwidth2", "inventory", "local", "managed", "mdn", "other", "reserved", "reserved_reseller",
	"simwood", "telnyx", "twilio", "vitelity", "voip_innovations",
}

// carrierPackage is a directory of carrier/ whose non-test code registers
// carriers (carrier.Register or carrier.Define).
type carrierPackage struct {
	dir   string
	calls int
}

// TestAllImportsEveryCarrier checks that all.go blank-imports exactly the
// carrier/* packages that register carriers, and that every name Numan has
// always answered to is still registered, with Kazoo's knm_ prefix too.
func TestAllImportsEveryCarrier(t *testing.T) {
	pkgs := carrierPackages(t, "..")
	if len(pkgs) == 0 {
		t.Fatal("found no carrier package under carrier/")
	}
	var wantImports []string
	for _, p := range pkgs {
		wantImports = append(wantImports, carrierImportPath+p.dir)
	}
	if got := blankImports(t, "all.go"); !slices.Equal(got, wantImports) {
		t.Errorf("all.go imports\n\t%v\nbut the carrier packages are\n\t%v\n(add the missing import to all.go)", got, wantImports)
	}
	for _, n := range kazooNames {
		if !carrier.Registered(n) || !carrier.Registered("knm_"+n) {
			t.Errorf("%q is not registered (or not as knm_%s); registered: %v", n, n, carrier.Names())
		}
	}
	if carrier.Registered(carriertest.FakeName) {
		t.Errorf("the fake carrier is registered without RegisterFake")
	}
}

// TestRoles pins the roles Kazoo gave some carriers by name, now read from
// their Info: the domain facts (the number package's own tests declare the
// same ones for local, mdn and bandwidth2), who is searched first for an
// account, who is usable, and the aliases.
func TestRoles(t *testing.T) {
	modules := map[string]number.Module{}
	var first []string
	var unusable []string
	for _, i := range carrier.Infos() {
		if i.Name == carriertest.FakeName {
			continue
		}
		if i.Default || i.LocalNumbers || i.MDN || len(i.Aliases) > 0 {
			modules[i.Name] = i.Module
		}
		if i.AccountSearchRank > 0 {
			first = append(first, fmt.Sprintf("%d:%s", i.AccountSearchRank, i.Name))
		}
		if !i.Usable {
			unusable = append(unusable, i.Name)
		}
	}
	want := map[string]number.Module{
		"local":      {Name: "local", Default: true, LocalNumbers: true},
		"mdn":        {Name: "mdn", LocalNumbers: true, MDN: true},
		"bandwidth2": {Name: "bandwidth2", Aliases: []string{"bandwidth"}},
	}
	if !reflect.DeepEqual(modules, want) {
		t.Errorf("modules with facts = %+v, want %+v", modules, want)
	}
	slices.Sort(first)
	if want := []string{"1:reserved", "2:reserved_reseller", "3:local"}; !slices.Equal(first, want) {
		t.Errorf("searched first for accounts: %v, want %v", first, want)
	}
	if want := []string{"reserved", "reserved_reseller"}; !slices.Equal(unusable, want) {
		t.Errorf("not usable: %v, want %v", unusable, want)
	}
	for spelling, name := range map[string]string{"": "local", "undefined": "local", "knm_bandwidth": "bandwidth2", "wnm_local": "local"} {
		if got := number.CarrierName(spelling); got != name {
			t.Errorf("CarrierName(%q) = %q, want %q", spelling, got, name)
		}
	}
	if number.DefaultModule() != "local" {
		t.Errorf("DefaultModule() = %q, want local", number.DefaultModule())
	}
}

// carrierPackages lists the directories under root whose non-test Go files
// call carrier.Register or carrier.Define, sorted.
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

// inspectPackage counts the carrier.Register and carrier.Define calls in
// dir's non-test files.
func inspectPackage(t *testing.T, dir string, p *carrierPackage) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", file, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fun := call.Fun
			if ix, ok := fun.(*ast.IndexListExpr); ok { // carrier.Define[C, T](...)
				fun = ix.X
			}
			if sel, ok := fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Register" || sel.Sel.Name == "Define") {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "carrier" {
					p.calls++
				}
			}
			return true
		})
	}
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
