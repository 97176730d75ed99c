// Package storesearch is the carriers without a remote API that answer
// searches from the numbers Numan already stores, read only: Kazoo's
// knm_local, knm_inventory, knm_managed, knm_reserved and
// knm_reserved_reseller. They differ only in their Info and in which stored
// numbers they offer, so they are one implementation driven by a table.
// Buying or releasing their numbers calls no carrier: the manager moves the
// stored number.
package storesearch

import (
	"context"
	"fmt"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/nanp"
)

// The registry names of the store-backed carriers (Kazoo's knm_ names are
// accepted too).
const (
	Local            = "local"
	Inventory        = "inventory"
	Managed          = "managed"
	Reserved         = "reserved"
	ReservedReseller = "reserved_reseller"
)

// kind is one store-backed carrier: what it is, and which stored numbers it
// offers.
type kind struct {
	info carrier.Info
	// scopes are the stored numbers offered to a search made with opts, as
	// queries tried in turn: the first scope holding any number under the
	// prefix answers (managed: the account's pool, then its reseller's).
	// No scope finds nothing; every kind needs the searching account, as
	// an empty owner or pool would match everyone's numbers.
	scopes func(name string, opts carrier.SearchOptions) []carrier.NumberQuery
}

// kinds are the store-backed carriers, with Kazoo's figures.
var kinds = []kind{
	{
		// Numbers an operator added by hand, available with module local.
		// Kazoo's local carrier: the default module, its numbers local.
		info: carrier.Info{
			Module: number.Module{Name: Local, Default: true, LocalNumbers: true},
			Local:  true, LookupCNAM: true, MaxPrefixLength: 10, Usable: true, AccountSearchRank: 3,
		},
		scopes: availableOfModule,
	},
	{
		// Numbers bulk-loaded from a carrier, available with module
		// inventory. Searched like local numbers but, unlike them, they
		// live the normal lifecycle (aging on release) and are not the
		// system's own: Kazoo's is_local is false.
		info: carrier.Info{
			Module:     number.Module{Name: Inventory},
			LookupCNAM: true, MaxPrefixLength: 10, Usable: true,
		},
		scopes: availableOfModule,
	},
	{
		// Private pools an operator generated or imported for one account
		// (number.Number.Pool): the account's own pool or, when that holds
		// nothing under the prefix and the account is not its own
		// reseller, the reseller's. Sold to the account like bought
		// numbers; a pool may be searched down to a single number.
		info: carrier.Info{
			Module: number.Module{Name: Managed},
			Local:  true, Billable: true, LookupCNAM: true, MaxPrefixLength: 15, Usable: true,
		},
		scopes: func(name string, opts carrier.SearchOptions) []carrier.NumberQuery {
			if opts.AccountID == "" {
				return nil
			}
			own := carrier.NumberQuery{States: []number.State{number.Available}, Modules: []string{name}, Pool: opts.AccountID}
			if opts.ResellerID == "" || opts.ResellerID == opts.AccountID {
				return []carrier.NumberQuery{own}
			}
			resellers := own
			resellers.Pool = opts.ResellerID
			return []carrier.NumberQuery{own, resellers}
		},
	},
	{
		// The numbers reserved for the searching account, whatever their
		// module, so a sub-account can activate what its reseller set aside
		// for it. Asked first when an account searches.
		info: carrier.Info{
			Module: number.Module{Name: Reserved},
			Local:  true, LookupCNAM: true, MaxPrefixLength: 10, AccountSearchRank: 1,
		},
		scopes: func(_ string, opts carrier.SearchOptions) []carrier.NumberQuery {
			return reservedFor(opts.AccountID)
		},
	},
	{
		// The numbers the searching account's reseller holds reserved,
		// which the reseller's sub-accounts may take. Kazoo's paging
		// swapped the query id and the account id when it fetched more;
		// here every page is scoped to the reseller.
		info: carrier.Info{
			Module: number.Module{Name: ReservedReseller},
			Local:  true, LookupCNAM: true, MaxPrefixLength: 10, AccountSearchRank: 2,
		},
		scopes: func(_ string, opts carrier.SearchOptions) []carrier.NumberQuery {
			if opts.ResellerID == opts.AccountID {
				// An account that is its own reseller: carrier reserved
				// already offers these, asking again only costs a query.
				return nil
			}
			return reservedFor(opts.ResellerID)
		},
	},
}

// availableOfModule offers the available numbers of the carrier's own
// module. Like Kazoo it answers only searches made on behalf of an account.
func availableOfModule(name string, opts carrier.SearchOptions) []carrier.NumberQuery {
	if opts.AccountID == "" {
		return nil
	}
	return []carrier.NumberQuery{{States: []number.State{number.Available}, Modules: []string{name}}}
}

// reservedFor offers the numbers reserved and assigned to account.
func reservedFor(account string) []carrier.NumberQuery {
	if account == "" {
		return nil
	}
	return []carrier.NumberQuery{{States: []number.State{number.Reserved}, AssignedTo: account}}
}

func init() {
	for i := range kinds {
		k := &kinds[i]
		k.info.Stored = true
		carrier.Define(k.info, DefaultConfig, func(cfg Config, deps carrier.Deps) (*Carrier, error) { return newCarrier(k, deps) })
	}
}

// Config is the system config number_manager.<name> of every store-backed
// carrier. Kazoo reads no keys for them; the empty object is accepted and
// any key is a typo.
type Config struct{}

// DefaultConfig returns the settings used when none are stored.
func DefaultConfig() Config { return Config{} }

// Carrier is one store-backed carrier.
type Carrier struct {
	kind    *kind
	numbers carrier.NumberSearcher
}

// newCarrier builds a carrier of kind k; deps.Numbers is required: without
// the store the carrier could only ever fail.
func newCarrier(k *kind, deps carrier.Deps) (*Carrier, error) {
	if deps.Numbers == nil {
		return nil, number.Errorf(number.KindInvalid, "", "%s: carrier.Deps.Numbers is required", k.info.Name)
	}
	return &Carrier{kind: k, numbers: deps.Numbers}, nil
}

// Info describes the carrier.
func (c *Carrier) Info() carrier.Info { return c.kind.info }

// FindNumbers returns up to quantity stored numbers of the carrier's scope
// starting with prefix, skipping opts.Offset of them. Numbers keep their
// stored state and carrier data, and show the locality stored with them;
// they are not discoveries. Unlike Kazoo the
// range ends with the prefix, so a search for +1415 never offers +1416...
// numbers. opts.Offset skips into whichever scope answers; a scope hands
// the search to the next only when it holds nothing under the prefix, not
// when it is paged past its end.
func (c *Carrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	if quantity <= 0 {
		// NumberQuery treats Limit 0 as "no limit": never run it then.
		return nil, nil
	}
	scopes := c.kind.scopes(c.kind.info.Name, opts)
	for i, q := range scopes {
		q.Prefix = normalizePrefix(prefix)
		q.Offset = max(opts.Offset, 0)
		q.Limit = quantity
		results, err := c.find(ctx, q)
		if err != nil || len(results) > 0 || i == len(scopes)-1 {
			return results, err
		}
		if q.Offset > 0 {
			// The page is empty, but the scope may still hold numbers
			// before it; only an empty scope hands the search on.
			held, err := c.holdsAny(ctx, q)
			if err != nil || held {
				return nil, err
			}
		}
	}
	return nil, nil
}

// find runs q and turns the stored numbers into results offered by c.
func (c *Carrier) find(ctx context.Context, q carrier.NumberQuery) ([]carrier.Result, error) {
	name := c.kind.info.Name
	if err := ctx.Err(); err != nil {
		return nil, number.Wrap(number.KindUnspecified, "", fmt.Errorf("%s: search: %w", name, err))
	}
	nums, err := c.numbers.SearchNumbers(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%s: search: %w", name, err)
	}
	results := make([]carrier.Result, 0, len(nums))
	for _, n := range nums {
		if q.Limit > 0 && len(results) == q.Limit {
			break
		}
		results = append(results, carrier.Result{
			Number:      n.Number,
			Carrier:     name,
			State:       n.State,
			CarrierData: n.CarrierData.Clone(),
			Details:     carrier.LocalityDetails(n.Locality),
		})
	}
	return results, nil
}

// holdsAny reports whether q's scope has any number matching q, ignoring
// q's offset.
func (c *Carrier) holdsAny(ctx context.Context, q carrier.NumberQuery) (bool, error) {
	q.Offset, q.Limit = 0, 1
	found, err := c.find(ctx, q)
	return len(found) > 0, err
}

// Acquire does nothing at a carrier: the number is already Numan's (a
// managed number leaves its pool when the manager assigns it).
func (c *Carrier) Acquire(ctx context.Context, n *number.Number) (carrier.Acquired, error) {
	return carrier.Acquired{}, nil
}

// Disconnect does nothing at a carrier: there is none to give the number
// back to (a reserved number's own module handles its release).
func (c *Carrier) Disconnect(ctx context.Context, n *number.Number) error { return nil }

// normalizePrefix trims the prefix, drops a toll-free wildcard's trailing
// "*" ("+180*" means numbers starting +180) and gives it a leading "+", so a
// prefix typed without one ("415") still bounds an E.164 key range.
func normalizePrefix(prefix string) string {
	prefix, _ = nanp.TrimWildcard(strings.TrimSpace(prefix))
	if !strings.HasPrefix(prefix, "+") {
		prefix = "+" + prefix
	}
	return prefix
}

// Interface guards
var _ carrier.Carrier = (*Carrier)(nil)
