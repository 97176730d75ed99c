package number

import "testing"

// The number tests play Kazoo's scenarios, which name Kazoo's modules. The
// facts those carriers declare when they register (carrier/all's test pins
// them) are declared here, where no carrier is linked.
func init() {
	DeclareModule(Module{Name: "local", Default: true, LocalNumbers: true})
	DeclareModule(Module{Name: "mdn", LocalNumbers: true, MDN: true})
	DeclareModule(Module{Name: "bandwidth2", Aliases: []string{"bandwidth"}})
}

func TestModuleOf(t *testing.T) {
	for name, want := range map[string]Module{
		"knm_local":  {Name: "local", Default: true, LocalNumbers: true},
		"undefined":  {Name: "local", Default: true, LocalNumbers: true},
		"":           {Name: "local", Default: true, LocalNumbers: true},
		"wnm_mdn":    {Name: "mdn", LocalNumbers: true, MDN: true},
		"bandwidth":  {Name: "bandwidth2", Aliases: []string{"bandwidth"}},
		"knm_telnyx": {Name: "telnyx"},
	} {
		got := ModuleOf(name)
		if got.Name != want.Name || got.Default != want.Default || got.LocalNumbers != want.LocalNumbers || got.MDN != want.MDN || len(got.Aliases) != len(want.Aliases) {
			t.Errorf("ModuleOf(%q) = %+v, want %+v", name, got, want)
		}
	}
	if DefaultModule() != "local" || !IsLocalModule("knm_mdn") || IsLocalModule("telnyx") {
		t.Errorf("DefaultModule %q, IsLocalModule(mdn) %v, IsLocalModule(telnyx) %v", DefaultModule(), IsLocalModule("mdn"), IsLocalModule("telnyx"))
	}
}

func TestDeclareModuleRefusesDuplicates(t *testing.T) {
	for _, m := range []Module{
		{},
		{Name: "local"},
		{Name: "fresh", Aliases: []string{"bandwidth"}},
		{Name: "second-default", Default: true},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DeclareModule(%+v) did not panic", m)
				}
			}()
			DeclareModule(m)
		}()
	}
}
