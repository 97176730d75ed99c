// Package carrier is the contract between Numan and its carrier modules,
// and the registry they join, in the style of database/sql drivers: each
// module registers its Info and a Factory in init(), and Numan builds the
// configured ones by name.
//
// The required interface is small: search, acquire, disconnect and a
// static Info. Everything else a carrier may offer is an optional
// interface found by type assertion (Checker, Holder, Lister, Router,
// Porter and PortabilityChecker), so a carrier
// implements only what its API can do and callers ask only carriers that
// can answer.
//
// Carriers report facts (search results, order ids, classified failures);
// they never write to storage and never change a number's state.
package carrier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
)

// Carrier is what every carrier module implements. Every call that may
// reach the network takes a context with a deadline, and fails with a
// *number.Error carrying a *Failure that says what the failure means.
type Carrier interface {
	// Info describes the carrier. It does not change once the carrier is
	// built.
	Info() Info
	// FindNumbers searches for up to quantity numbers starting with prefix
	// (normalised E.164, e.g. +1415; toll-free wildcards like +180* allowed).
	FindNumbers(ctx context.Context, prefix string, quantity int, opts SearchOptions) ([]Result, error)
	// Acquire buys the number at the carrier. Numan never calls it on a dry run.
	Acquire(ctx context.Context, n *number.Number) (Acquired, error)
	// Disconnect releases the number at the carrier.
	Disconnect(ctx context.Context, n *number.Number) error
}

// Info is what Numan needs to know about a carrier beyond its calls: the
// facts Kazoo's carrier behaviour exposed as functions, and the roles that
// Kazoo's number manager gave some carriers by name. The embedded
// number.Module holds the facts the domain rules need (its Name is the
// registry name).
type Info struct {
	number.Module
	// Local means the carrier needs no remote API: buying and releasing
	// call no carrier, so no purchase intent is recorded (Kazoo's is_local).
	Local bool
	// Billable means its numbers are billed to the account (Kazoo's
	// is_number_billable; no carrier's answer depends on the number).
	Billable bool
	// LookupCNAM means inbound CNAM lookups apply to its numbers (Kazoo's
	// should_lookup_cnam).
	LookupCNAM bool
	// MaxPrefixLength is the longest prefix it searches by, 0..15 (Kazoo's
	// info maximal_prefix_length).
	MaxPrefixLength int
	// Usable means carriers_info lists it in usable_carriers: numbers may
	// be created with or moved to it. Carriers that only search numbers
	// held by another module (reserved stock) and test carriers are not.
	Usable bool
	// AccountSearchRank, when positive, puts the carrier among those asked
	// first, in rank order, whenever an account and its reseller search
	// (Kazoo's available_carriers: reserved, reserved_reseller, local),
	// whatever carrier_modules says.
	AccountSearchRank int
	// Stored means the carrier offers only numbers Numan already stores
	// (carrier/storesearch): a search of such carriers alone pages
	// straight from the store, in number order, and keeps no discovery
	// records, since the numbers are already held.
	Stored bool
}

// Checker is implemented by carriers that can tell the status of numbers
// (Kazoo's check_numbers; only other's phonebook offers it).
type Checker interface {
	// CheckNumbers returns the carrier's status of each number it knows
	// among nums, keyed as given.
	CheckNumbers(ctx context.Context, nums []string) (map[string]string, error)
}

// Holder is implemented by carriers that can tell whether the account holds
// a number. Reconciliation uses it to settle a purchase interrupted between
// the carrier's answer and Numan's write.
type Holder interface {
	Holds(ctx context.Context, e164 string) (bool, error)
}

// SearchOptions are the search options of Kazoo's knm_search.
type SearchOptions struct {
	Country    string // ISO 3166 alpha-2, default US
	Dialcode   string // e.g. +1
	Offset     int
	AccountID  string // the account searching
	ResellerID string // its reseller
	Blocks     int    // block search: consecutive numbers, at carriers that offer it
	QueryID    string
}

// Result is one number a carrier offers: the search result is keyed by
// the number, with what the carrier needs to buy it and what it said about
// it.
type Result struct {
	Number      string       // E.164
	Carrier     string       // registry name of the carrier that offered it
	State       number.State // usually discovery
	CarrierData number.Doc   // what the carrier needs to buy it later
	Details     Details      // what the carrier said about it, normalised
}

// Acquired is what a carrier reports after buying a number.
type Acquired struct {
	CarrierData number.Doc // merged over the number's carrier data
	Locality    number.Doc // locality the carrier reported, if any
}

// Deps is what Numan hands every carrier: no carrier reaches for globals.
type Deps struct {
	Logger     *slog.Logger
	HTTPClient *http.Client
	Now        func() time.Time
	// Numbers lets the carriers that need no remote API (local, inventory,
	// managed, reserved, ...) search the numbers Numan stores. Read only.
	Numbers NumberSearcher
}

// NumberSearcher is the read-only view of Numan's stored numbers that the
// store-backed carriers search. The manager adapts its store to it, so
// carriers depend on no storage package.
type NumberSearcher interface {
	SearchNumbers(ctx context.Context, q NumberQuery) ([]*number.Number, error)
}

// NumberQuery selects stored numbers for a search. Prefix bounds it: only
// numbers starting with the prefix match.
type NumberQuery struct {
	Prefix     string         // E.164 prefix, e.g. +1415
	States     []number.State // empty = any
	Modules    []string       // carrier modules; empty = any
	AssignedTo string         // "" = any owner
	Pool       string         // the account whose private inventory holds it (managed); "" = any
	Offset     int
	Limit      int // 0 = no limit
}

// Factory builds a carrier from its settings document
// (number_manager.<name>; nil when none is stored). It decodes strictly,
// fills defaults and validates.
type Factory func(settings json.RawMessage, deps Deps) (Carrier, error)

type registration struct {
	info    Info
	factory Factory
}

var (
	mu       sync.RWMutex
	registry = map[string]registration{}
)

// Register makes a carrier available under info.Name (and its aliases),
// and declares info.Module to the domain rules. It panics on an empty
// name, a nil factory or a duplicate: those are programming errors.
func Register(info Info, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if info.Name == "" || f == nil {
		panic("carrier: Register with empty name or nil factory")
	}
	if _, dup := registry[info.Name]; dup {
		panic("carrier: Register called twice for " + info.Name)
	}
	if number.CarrierName(info.Name) != info.Name {
		panic("carrier: " + info.Name + " is not a registry name")
	}
	info.Aliases = slices.Clone(info.Aliases)
	number.DeclareModule(info.Module)
	registry[info.Name] = registration{info: info, factory: f}
}

// Define registers a carrier whose settings decode into a Config of type
// C: the factory starts from defaults(), decodes the settings strictly over
// them (DecodeSettings) and calls build. It makes a carrier package's
// init() one line:
//
//	func init() { carrier.Define(info, DefaultConfig, New) }
func Define[C any, T Carrier](info Info, defaults func() C, build func(C, Deps) (T, error)) {
	Register(info, func(settings json.RawMessage, deps Deps) (Carrier, error) {
		cfg := defaults()
		if err := DecodeSettings(settings, &cfg); err != nil {
			return nil, err
		}
		c, err := build(cfg, deps)
		if err != nil {
			return nil, err // not a typed nil *T in a non-nil Carrier
		}
		return c, nil
	})
}

// New builds the carrier registered as name (Kazoo's knm_ prefix is
// accepted) from its settings.
func New(name string, settings json.RawMessage, deps Deps) (Carrier, error) {
	c, _, err := NewWithPolicy(name, settings, deps)
	return c, err
}

// NewWithPolicy builds the carrier registered as name from its settings
// document, and returns the Policy that document sets beside the carrier's
// own settings (see SplitPolicy).
func NewWithPolicy(name string, settings json.RawMessage, deps Deps) (Carrier, Policy, error) {
	name = number.CarrierName(name)
	mu.RLock()
	r, ok := registry[name]
	mu.RUnlock()
	if !ok {
		return nil, Policy{}, number.Errorf(number.KindInvalid, "", "unknown carrier %q", name)
	}
	p, rest, err := SplitPolicy(settings)
	if err != nil {
		return nil, Policy{}, fmt.Errorf("carrier %s: %w", name, err)
	}
	c, err := r.factory(rest, deps)
	if err != nil {
		return nil, Policy{}, fmt.Errorf("carrier %s: %w", name, err)
	}
	return c, p, nil
}

// Registered reports whether a carrier is registered under name.
func Registered(name string) bool {
	_, ok := Lookup(name)
	return ok
}

// Lookup returns the Info the carrier registered as name registered with.
// A carrier built from settings may report more precise facts through its
// own Info (vitelity's LookupCNAM follows its settings).
func Lookup(name string) (Info, bool) {
	name = number.CarrierName(name)
	mu.RLock()
	defer mu.RUnlock()
	r, ok := registry[name]
	return r.info, ok
}

// Names returns the registered carrier names, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Infos returns the registered carriers' Info, sorted by name.
func Infos() []Info {
	names := Names()
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Info, 0, len(names))
	for _, n := range names {
		if r, ok := registry[n]; ok {
			out = append(out, r.info)
		}
	}
	return out
}

// DecodeSettings decodes a carrier's settings document strictly over the
// defaults already in dst: an unknown key is an invalid error, so a typo in
// system config is caught when the carrier is built, not when it is used.
func DecodeSettings(settings json.RawMessage, dst any) error {
	if len(settings) == 0 || string(settings) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return number.Errorf(number.KindInvalid, "", "settings: %v", err)
	}
	return nil
}
