// Package local is Kazoo's knm_local: numbers an operator added by hand,
// kept in Numan's own store as state available with module local. Searching
// offers them; buying or releasing them needs no remote call.
package local

import (
	"context"
	"encoding/json"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/internal/storesearch"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_local).
const Name = "local"

func init() {
	carrier.Register(Name, func(settings json.RawMessage, deps carrier.Deps) (carrier.Carrier, error) {
		cfg := DefaultConfig()
		if err := carrier.DecodeSettings(settings, &cfg); err != nil {
			return nil, err
		}
		return New(cfg, deps)
	})
}

// Config is the system config number_manager.local. Kazoo reads no keys for
// this carrier; the empty object is accepted and any key is a typo.
type Config struct{}

// DefaultConfig returns the settings used when none are stored.
func DefaultConfig() Config { return Config{} }

// Carrier searches the stored local numbers.
type Carrier struct {
	numbers carrier.NumberSearcher
}

// New builds the carrier; deps.Numbers is required.
func New(cfg Config, deps carrier.Deps) (*Carrier, error) {
	if err := storesearch.RequireNumbers(Name, deps); err != nil {
		return nil, err
	}
	return &Carrier{numbers: deps.Numbers}, nil
}

// Name returns "local".
func (c *Carrier) Name() string { return Name }

// FindNumbers returns up to quantity available local numbers starting with
// prefix, skipping opts.Offset of them. Like Kazoo it answers only searches
// made on behalf of an account; an anonymous search finds nothing. Unlike
// Kazoo the range ends with the prefix, so a search for +1415 never offers
// +1416... numbers.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	q, ok := storesearch.Query(prefix, quantity, opts.Offset)
	if !ok || opts.AccountID == "" {
		return nil, nil
	}
	q.States = []number.State{number.Available}
	q.Modules = []string{Name}
	return storesearch.Find(ctx, Name, c.numbers, q)
}

// Acquire does nothing: the number is already Numan's.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	return carrier.Acquired{}, nil
}

// Disconnect does nothing: there is no carrier to give the number back to.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error { return nil }

// IsLocal reports true: no remote API is involved.
func (c *Carrier) IsLocal() bool { return true }

// IsNumberBillable reports false: the operator already owns local numbers.
func (c *Carrier) IsNumberBillable(n *number.Number) bool { return false }

// ShouldLookupCNAM reports true, as Kazoo does for local numbers.
func (c *Carrier) ShouldLookupCNAM() bool { return true }

// CheckNumbers is not implemented, as in Kazoo.
func (c *Carrier) CheckNumbers(ctx context.Context, nums []string) (map[string]string, error) {
	return nil, carrier.NotImplemented(Name, "check_numbers")
}

// MaxPrefixLength returns 10, Kazoo's figure for local.
func (c *Carrier) MaxPrefixLength() int { return 10 }

// Interface guards
var _ carrier.Carrier = (*Carrier)(nil)
