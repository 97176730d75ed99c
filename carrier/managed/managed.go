// Package managed is Kazoo's knm_managed: private pools of numbers an
// operator generated or imported for one account (number.Number.Pool). An
// account searching sees its own pool or, when that is empty, its
// reseller's. Managed numbers are billed like bought ones.
package managed

import (
	"context"
	"encoding/json"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/internal/storesearch"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Name is the registry name (Kazoo's knm_managed).
const Name = "managed"

func init() {
	carrier.Register(Name, func(settings json.RawMessage, deps carrier.Deps) (carrier.Carrier, error) {
		cfg := DefaultConfig()
		if err := carrier.DecodeSettings(settings, &cfg); err != nil {
			return nil, err
		}
		return New(cfg, deps)
	})
}

// Config is the system config number_manager.managed. Kazoo reads no keys
// for this carrier; the empty object is accepted and any key is a typo.
type Config struct{}

// DefaultConfig returns the settings used when none are stored.
func DefaultConfig() Config { return Config{} }

// Carrier searches the stored managed pools.
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

// Name returns "managed".
func (c *Carrier) Name() string { return Name }

// FindNumbers returns up to quantity available managed numbers starting
// with prefix from the searching account's pool; when that pool holds none
// matching the prefix, and the account is not its own reseller, from the
// reseller's pool. opts.Offset skips into whichever pool answers. Without an
// account nothing is found: an empty pool id would match every pool.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	q, ok := storesearch.Query(prefix, quantity, opts.Offset)
	if !ok || opts.AccountID == "" {
		return nil, nil
	}
	q.States = []number.State{number.Available}
	q.Modules = []string{Name}
	q.Pool = opts.AccountID
	results, err := storesearch.Find(ctx, Name, c.numbers, q)
	if err != nil || len(results) > 0 {
		return results, err
	}
	if opts.ResellerID == "" || opts.ResellerID == opts.AccountID {
		return nil, nil
	}
	if q.Offset > 0 {
		// The page is empty, but the account's pool may still hold numbers
		// before it; only an empty pool hands the search to the reseller.
		held, err := c.poolHolds(ctx, q)
		if err != nil || held {
			return nil, err
		}
	}
	q.Pool = opts.ResellerID
	return storesearch.Find(ctx, Name, c.numbers, q)
}

// poolHolds reports whether q's pool has any number matching q, ignoring
// q's offset.
func (c *Carrier) poolHolds(ctx context.Context, q store.SearchQuery) (bool, error) {
	q.Offset, q.Limit = 0, 1
	found, err := storesearch.Find(ctx, Name, c.numbers, q)
	return len(found) > 0, err
}

// Acquire does nothing at the carrier: the manager moves the stored number
// out of the pool.
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	return carrier.Acquired{}, nil
}

// Disconnect does nothing at the carrier: the manager returns the stored
// number to the pool.
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error { return nil }

// IsLocal reports true: no remote API is involved.
func (c *Carrier) IsLocal() bool { return true }

// IsNumberBillable reports true, as in Kazoo: a managed number is sold to
// the account like a bought one.
func (c *Carrier) IsNumberBillable(n *number.Number) bool { return true }

// ShouldLookupCNAM reports true: Numan routes the number itself.
func (c *Carrier) ShouldLookupCNAM() bool { return true }

// CheckNumbers is not implemented, as in Kazoo.
func (c *Carrier) CheckNumbers(ctx context.Context, nums []string) (map[string]string, error) {
	return nil, carrier.NotImplemented(Name, "check_numbers")
}

// MaxPrefixLength returns 15, Kazoo's figure for managed: a pool may be
// searched down to a single number.
func (c *Carrier) MaxPrefixLength() int { return 15 }

// Interface guards
var _ carrier.Carrier = (*Carrier)(nil)
