// Package storesearch holds what the carriers without a remote API share:
// they answer searches from the numbers Numan already stores, read only.
package storesearch

import (
	"context"
	"fmt"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// NormalizePrefix trims the prefix, drops a toll-free wildcard's trailing
// "*" ("+180*" means numbers starting +180) and gives it a leading "+", so a
// prefix typed without one ("415") still bounds an E.164 key range.
func NormalizePrefix(prefix string) string {
	prefix = strings.TrimRight(strings.TrimSpace(prefix), "*")
	if !strings.HasPrefix(prefix, "+") {
		prefix = "+" + prefix
	}
	return prefix
}

// Query is the store query for a search of quantity numbers starting with
// prefix, skipping offset. ok is false when nothing can match (no quantity
// asked): store.SearchQuery treats Limit 0 as "no limit", so the caller must
// not run the query then.
func Query(prefix string, quantity, offset int) (q store.SearchQuery, ok bool) {
	if quantity <= 0 {
		return store.SearchQuery{}, false
	}
	return store.SearchQuery{
		Prefix: NormalizePrefix(prefix),
		Offset: max(offset, 0),
		Limit:  quantity,
	}, true
}

// Find runs q and turns the stored numbers into results offered by the
// carrier registered as name. Numbers keep their stored state and carrier
// data; they are not discoveries.
func Find(ctx context.Context, name string, numbers carrier.NumberSearcher, q store.SearchQuery) ([]carrier.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, number.Wrap(number.KindUnspecified, "", fmt.Errorf("%s: search: %w", name, err))
	}
	nums, err := numbers.SearchNumbers(ctx, q)
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
		})
	}
	return results, nil
}

// RequireNumbers is the check every store-backed factory makes: without the
// store the carrier could only ever fail, so building it is an error.
func RequireNumbers(name string, deps carrier.Deps) error {
	if deps.Numbers == nil {
		return number.Errorf(number.KindInvalid, "", "%s: carrier.Deps.Numbers is required", name)
	}
	return nil
}
