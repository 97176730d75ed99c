// Package carrier is the contract between Numan and its carrier modules,
// and the registry they join, in the style of database/sql drivers: each
// module registers a Factory under its name in init(), and Numan builds the
// configured ones by name.
//
// Carriers report facts (search results, order ids, classified errors);
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
	"github.com/numan-dev/numan/store"
)

// Carrier is what every carrier module implements. Every call that may
// reach the network takes a context with a deadline.
type Carrier interface {
	// Name is the registry name, e.g. "bandwidth2".
	Name() string
	// FindNumbers searches for up to quantity numbers starting with prefix
	// (normalised E.164, e.g. +1415; toll-free wildcards like +180* allowed).
	FindNumbers(ctx context.Context, prefix string, quantity int, opts SearchOptions) ([]Result, error)
	// Acquire buys the number at the carrier. Numan never calls it on a dry run.
	Acquire(ctx context.Context, n *number.Number) (Acquired, error)
	// Disconnect releases the number at the carrier.
	Disconnect(ctx context.Context, n *number.Number) error
	// IsLocal reports whether the carrier needs no remote API.
	IsLocal() bool
	// IsNumberBillable reports whether the number is billed to the account.
	IsNumberBillable(n *number.Number) bool
	// ShouldLookupCNAM reports whether inbound CNAM lookups apply to its numbers.
	ShouldLookupCNAM() bool
	// CheckNumbers returns the carrier's status for each number; carriers
	// that cannot check return an error of kind unspecified_fault.
	CheckNumbers(ctx context.Context, nums []string) (map[string]string, error)
	// MaxPrefixLength is the longest prefix the carrier searches by.
	MaxPrefixLength() int
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

// Result is one number a carrier offers.
type Result struct {
	Number      string       // E.164
	Carrier     string       // registry name of the carrier that offered it
	State       number.State // usually discovery
	CarrierData number.Doc   // what the carrier needs to buy it later
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

// NumberSearcher is the read-only part of the store local carriers use.
type NumberSearcher interface {
	SearchNumbers(ctx context.Context, q store.SearchQuery) ([]*number.Number, error)
}

// Factory builds a carrier from its settings document
// (number_manager.<name>; nil when none is stored). It decodes strictly,
// fills defaults and validates.
type Factory func(settings json.RawMessage, deps Deps) (Carrier, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a carrier available under name. It panics on an empty
// name, a nil factory or a duplicate: those are programming errors.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if name == "" || f == nil {
		panic("carrier: Register with empty name or nil factory")
	}
	if _, dup := factories[name]; dup {
		panic("carrier: Register called twice for " + name)
	}
	factories[name] = f
}

// New builds the carrier registered as name (Kazoo's knm_ prefix is
// accepted) from its settings.
func New(name string, settings json.RawMessage, deps Deps) (Carrier, error) {
	name = number.CarrierName(name)
	mu.RLock()
	f, ok := factories[name]
	mu.RUnlock()
	if !ok {
		return nil, number.Errorf(number.KindInvalid, "", "unknown carrier %q", name)
	}
	c, err := f(settings, deps)
	if err != nil {
		return nil, fmt.Errorf("carrier %s: %w", name, err)
	}
	return c, nil
}

// Registered reports whether a carrier is registered under name.
func Registered(name string) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := factories[number.CarrierName(name)]
	return ok
}

// Names returns the registered carrier names, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
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

// Holder is implemented by carriers that can tell whether the account holds
// a number. Reconciliation uses it to settle a purchase interrupted between
// the carrier's answer and Numan's write.
type Holder interface {
	Holds(ctx context.Context, e164 string) (bool, error)
}
