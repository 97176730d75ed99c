package manager

import (
	"context"

	"github.com/numan-dev/numan/number"
)

// Relations loads the accounts named (and the requester's) so the
// authorization rules can be checked; unknown ids are simply absent. They
// come from the account service's cache, which every account write on this
// node clears.
func (m *Manager) Relations(ctx context.Context, ids ...string) (number.Accounts, error) {
	return m.accounts.Relations(ctx, ids...)
}
