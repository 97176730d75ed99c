package manager

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// accountCache keeps the accounts authorization reads for a short time:
// every operation asks about the requester, the target and the owners, and
// the same few accounts come up request after request. An account changed
// elsewhere is seen within the TTL.
type accountCache struct {
	store store.Accounts
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]cachedAccount
}

type cachedAccount struct {
	acc     *number.Account
	fetched time.Time
}

// get returns the accounts among ids that exist, reading the store only for
// those not cached (in one query).
func (c *accountCache) get(ctx context.Context, ids []string) (number.Accounts, error) {
	out := make(number.Accounts, len(ids))
	if c.ttl <= 0 {
		return c.store.GetAccounts(ctx, ids)
	}
	now := c.now()
	var missing []string
	c.mu.Lock()
	for _, id := range ids {
		if e, ok := c.entries[id]; ok && now.Sub(e.fetched) < c.ttl {
			out[id] = e.acc
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := c.store.GetAccounts(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.entries) > 100_000 {
		c.entries = map[string]cachedAccount{} // bound memory; it refills
	}
	for id, a := range got {
		c.entries[id] = cachedAccount{acc: a, fetched: now}
		out[id] = a
	}
	c.mu.Unlock()
	return out, nil
}

// Relations loads the accounts named (and the requester's) so the
// authorization rules can be checked; unknown ids are simply absent.
// Accounts are cached for Options.AccountCacheTTL.
func (m *Manager) Relations(ctx context.Context, ids ...string) (number.Accounts, error) {
	want := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && id != "system" && !slices.Contains(want, id) {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return number.Accounts{}, nil
	}
	return m.accounts.get(ctx, want)
}
