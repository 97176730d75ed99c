// Package reserved is Kazoo's knm_reserved: it lets an account find the
// numbers reserved for it (state reserved, assigned to the account), so a
// sub-account can activate what its reseller set aside for it.
package reserved

import (
	"context"
	"encoding/json"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/internal/storesearch"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_reserved).
const Name = "reserved"

func init() {
	carrier.Register(Name, func(settings json.RawMessage, deps carrier.Deps) (carrier.Carrier, error) {
		cfg := DefaultConfig()
		if err := carrier.DecodeSettings(settings, &cfg); err != nil {
			return nil, err
		}
		return New(cfg, deps)
	})
}

// Config is the system config number_manager.reserved. Kazoo reads no keys
// for this carrier; the empty object is accepted and any key is a typo.
type Config struct{}

// DefaultConfig returns the settings used when none are stored.
func DefaultConfig() Config { return Config{} }

// Carrier searches the numbers reserved for the searching account.
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

// Name returns "reserved".
func (c *Carrier) Name() string { return Name }

// FindNumbers returns up to quantity numbers starting with prefix that are
// reserved and assigned to opts.AccountID, whatever their module, skipping
// opts.Offset of them. Without an account nothing is found: an empty owner
// would match every account's reservations.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	q, ok := storesearch.Query(prefix, quantity, opts.Offset)
	if !ok || opts.AccountID == "" {
		return nil, nil
	}
	q.States = []number.State{number.Reserved}
	q.AssignedTo = opts.AccountID
	return storesearch.Find(ctx, Name, c.numbers, q)
}

// Acquire does nothing: the number is already Numan's.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	return carrier.Acquired{}, nil
}

// Disconnect does nothing: the number's own carrier module handles release.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error { return nil }

// IsLocal reports true: no remote API is involved.
func (c *Carrier) IsLocal() bool { return true }

// IsNumberBillable reports false, as in Kazoo.
func (c *Carrier) IsNumberBillable(n *number.Number) bool { return false }

// ShouldLookupCNAM reports true: Numan routes the number itself.
func (c *Carrier) ShouldLookupCNAM() bool { return true }

// CheckNumbers is not implemented, as in Kazoo.
func (c *Carrier) CheckNumbers(ctx context.Context, nums []string) (map[string]string, error) {
	return nil, carrier.NotImplemented(Name, "check_numbers")
}

// MaxPrefixLength returns 10, Kazoo's figure for reserved.
func (c *Carrier) MaxPrefixLength() int { return 10 }

// Interface guards
var _ carrier.Carrier = (*Carrier)(nil)
