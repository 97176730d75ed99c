package carriertest

import (
	"context"
	"slices"

	"github.com/numan-dev/numan/carrier"
)

// Holds reports whether the fake sold e164 and has not taken it back: it
// was acquired more times than it was disconnected. It lets reconciliation
// tests ask the carrier what it holds.
func (f *Fake) Holds(ctx context.Context, e164 string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, ctxError("holds", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	bought := len(slices.DeleteFunc(slices.Clone(f.acquiredNums), func(s string) bool { return s != e164 }))
	released := len(slices.DeleteFunc(slices.Clone(f.disconnected), func(s string) bool { return s != e164 }))
	return bought > released, nil
}

var _ carrier.Holder = (*Fake)(nil)
