package number

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Module is what the domain rules need to know about a carrier module: the
// facts Kazoo derived from a module's name (knm_local, knm_mdn). Each
// carrier declares its Module when it registers (carrier.Info embeds it and
// carrier.Register declares it), so no rule here spells a carrier's name:
// the rules look the facts up by the number's module name.
type Module struct {
	// Name is the registry name: Kazoo's module name without knm_.
	Name string
	// Aliases are other names the module answers to (the legacy name of
	// Kazoo's bandwidth module). Kazoo's knm_ and wnm_ prefixes are always
	// accepted and need no alias.
	Aliases []string
	// Default marks the module Kazoo calls the local carrier: numbers
	// stored without a module (or "undefined") belong to it, it is the
	// default of available_module_name, port_in_module_name and
	// carrier_modules, numbers created in port_in get it, its numbers may
	// be released from any state, and call routing reports them local.
	// At most one module is the default.
	Default bool
	// LocalNumbers marks modules whose numbers are the system's own (Kazoo's
	// knm_local and knm_mdn): they carry the local feature, are deleted
	// rather than aged when released, keep no external feature unless
	// local_feature_override, and follow force_local_outbound.
	LocalNumbers bool
	// MDN marks the mobile-number module: its numbers are created in
	// service and only MDN runs may change them (and change only them).
	MDN bool
}

// moduleTable is the declared modules, by name and by alias, and the
// default module's name. It is replaced whole on every declaration (all at
// init time) so the rules, which look modules up on every request, read it
// without a lock.
type moduleTable struct {
	byName      map[string]Module
	defaultName string
}

var (
	declareMu sync.Mutex // serialises DeclareModule
	modules   atomic.Pointer[moduleTable]
)

func loadModules() *moduleTable {
	if t := modules.Load(); t != nil {
		return t
	}
	return &moduleTable{}
}

// DeclareModule makes m's facts known to the domain rules. carrier.Register
// calls it for every carrier; tests of this package declare the modules
// they use. It panics on an empty name, a name or alias already declared,
// or a second default module: those are programming errors.
func DeclareModule(m Module) {
	declareMu.Lock()
	defer declareMu.Unlock()
	old := loadModules()
	if m.Name == "" {
		panic("number: DeclareModule with an empty name")
	}
	names := append([]string{m.Name}, m.Aliases...)
	for _, n := range names {
		if _, dup := old.byName[n]; dup {
			panic("number: module " + n + " declared twice")
		}
	}
	if m.Default && old.defaultName != "" {
		panic("number: two default modules, " + old.defaultName + " and " + m.Name)
	}
	m.Aliases = slices.Clone(m.Aliases)
	t := &moduleTable{byName: maps.Clone(old.byName), defaultName: old.defaultName}
	if t.byName == nil {
		t.byName = map[string]Module{}
	}
	for _, n := range names {
		t.byName[n] = m
	}
	if m.Default {
		t.defaultName = m.Name
	}
	modules.Store(t)
}

// ModuleOf returns the facts of the module named name (any spelling
// CarrierName accepts). A module nobody declared has no special fact.
func ModuleOf(name string) Module {
	name = CarrierName(name)
	if m, ok := loadModules().byName[name]; ok {
		return m
	}
	return Module{Name: name}
}

// DefaultModule is the name of the default module (Kazoo's knm_local), or
// "" when none is declared.
func DefaultModule() string { return loadModules().defaultName }

// CarrierName turns any spelling of a carrier module into Numan's registry
// name: Kazoo's knm_ and wnm_ prefixes are dropped, a declared alias
// becomes its module's name, and "undefined" or "" the default module's.
func CarrierName(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "knm_")
	s = strings.TrimPrefix(s, "wnm_")
	t := loadModules()
	if s == "" || s == "undefined" {
		return t.defaultName
	}
	if m, ok := t.byName[s]; ok {
		return m.Name
	}
	return s
}

// IsLocalModule reports whether module's numbers are the system's own
// (Module.LocalNumbers: Kazoo's knm_local and knm_mdn).
func IsLocalModule(module string) bool { return ModuleOf(module).LocalNumbers }
