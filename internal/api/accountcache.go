package api

import (
	"context"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// cachedAccounts keeps account reads for ttl: every request reads its
// caller's account and the account its path names, while accounts change
// rarely. The server's own account writes drop what they change at once; a
// change made on another node is seen within ttl, the staleness a cluster
// sharing one database already accepts for system config. It wraps only
// the account reads the server makes itself: the store handed on to the
// manager and billing stays the store, with its optional interfaces.
func newAccountCache(st store.Accounts, ttl time.Duration, now func() time.Time) *cachedAccounts {
	return &cachedAccounts{Accounts: st, ttl: ttl, now: now, m: map[string]cachedAccount{}}
}

type cachedAccounts struct {
	store.Accounts
	ttl time.Duration
	now func() time.Time

	mu sync.RWMutex
	m  map[string]cachedAccount
}

type cachedAccount struct {
	acc     *number.Account // shared: callers must not modify it
	fetched time.Time
}

// maxCachedAccounts bounds the cache; past it the cache starts over.
const maxCachedAccounts = 100000

func (c *cachedAccounts) lookup(id string, now time.Time) (*number.Account, bool) {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || c.ttl <= 0 || now.Sub(e.fetched) >= c.ttl || now.Before(e.fetched) {
		return nil, false
	}
	return e.acc, true
}

func (c *cachedAccounts) keep(now time.Time, accs ...*number.Account) {
	c.mu.Lock()
	if len(c.m)+len(accs) > maxCachedAccounts {
		c.m = map[string]cachedAccount{}
	}
	for _, a := range accs {
		c.m[a.ID] = cachedAccount{acc: a, fetched: now}
	}
	c.mu.Unlock()
}

func (c *cachedAccounts) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// GetAccount implements store.Accounts; the account returned is a copy the
// caller may change.
func (c *cachedAccounts) GetAccount(ctx context.Context, id string) (*number.Account, error) {
	now := c.now()
	if a, ok := c.lookup(id, now); ok {
		return copyAccount(a), nil
	}
	a, err := c.Accounts.GetAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	c.keep(now, copyAccount(a))
	return a, nil
}

// GetAccounts implements store.Accounts.
func (c *cachedAccounts) GetAccounts(ctx context.Context, ids []string) (number.Accounts, error) {
	now := c.now()
	out := make(number.Accounts, len(ids))
	var missing []string
	for _, id := range ids {
		if a, ok := c.lookup(id, now); ok {
			out[id] = copyAccount(a)
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	got, err := c.Accounts.GetAccounts(ctx, missing)
	if err != nil {
		return nil, err
	}
	kept := make([]*number.Account, 0, len(got))
	for id, a := range got {
		out[id] = a
		kept = append(kept, copyAccount(a))
	}
	c.keep(now, kept...)
	return out, nil
}

// UpdateAccount implements store.Accounts.
func (c *cachedAccounts) UpdateAccount(ctx context.Context, a *number.Account) error {
	c.forget(a.ID)
	err := c.Accounts.UpdateAccount(ctx, a)
	c.forget(a.ID)
	return err
}

// DeleteAccount implements store.Accounts.
func (c *cachedAccounts) DeleteAccount(ctx context.Context, id string) error {
	c.forget(id)
	err := c.Accounts.DeleteAccount(ctx, id)
	c.forget(id)
	return err
}

func copyAccount(a *number.Account) *number.Account {
	c := *a
	c.Tree = append([]string(nil), a.Tree...)
	c.Public = a.Public.Clone()
	return &c
}
