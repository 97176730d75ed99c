package accounts

import (
	"context"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// cache keeps account reads for ttl: every request reads its caller's
// account and the account its path names, and every number operation the
// accounts its authorization rules ask about, while accounts change rarely.
// The service's own writes drop what they change at once; a change made on
// another node is seen within ttl, the staleness a cluster sharing one
// database already accepts for system config. Cached accounts are never
// modified: readers get copies, or (Relations) promise not to modify them.
type cache struct {
	st  store.Accounts
	ttl time.Duration // <= 0: no cache, every read goes to the store
	now func() time.Time

	mu sync.RWMutex
	m  map[string]cachedAccount
	// gen counts this node's account writes. A read that began before a
	// write may have read the old account; it keeps nothing, or it could
	// put the old account back after the write dropped it.
	gen uint64
}

type cachedAccount struct {
	acc     *number.Account
	fetched time.Time
}

// maxCachedAccounts bounds the cache; past it the cache starts over.
const maxCachedAccounts = 100_000

func (c *cache) lookup(id string, now time.Time) (*number.Account, bool) {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	// An entry from the future (a clock set back) is not trusted.
	if !ok || now.Sub(e.fetched) >= c.ttl || now.Before(e.fetched) {
		return nil, false
	}
	return e.acc, true
}

// generation is the write count a read starts from.
func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// keep caches accounts read since generation gen, unless an account was
// written meanwhile.
func (c *cache) keep(now time.Time, gen uint64, accs ...*number.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.m)+len(accs) > maxCachedAccounts {
		c.m = map[string]cachedAccount{}
	}
	for _, a := range accs {
		c.m[a.ID] = cachedAccount{acc: a, fetched: now}
	}
}

// forget drops an account this node is writing; it is called before the
// write and after it.
func (c *cache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.gen++
	c.mu.Unlock()
}

// get returns one account; the caller must not modify it.
func (c *cache) get(ctx context.Context, id string) (*number.Account, error) {
	if c.ttl <= 0 {
		return c.st.GetAccount(ctx, id)
	}
	now := c.now()
	if a, ok := c.lookup(id, now); ok {
		return a, nil
	}
	gen := c.generation()
	a, err := c.st.GetAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	c.keep(now, gen, a)
	return a, nil
}

// getMany returns the accounts among ids that exist, reading the store
// only for those not cached (in one query); the caller must not modify them.
func (c *cache) getMany(ctx context.Context, ids []string) (number.Accounts, error) {
	if c.ttl <= 0 {
		return c.st.GetAccounts(ctx, ids)
	}
	now := c.now()
	out := make(number.Accounts, len(ids))
	var missing []string
	for _, id := range ids {
		if a, ok := c.lookup(id, now); ok {
			out[id] = a
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	gen := c.generation()
	got, err := c.st.GetAccounts(ctx, missing)
	if err != nil {
		return nil, err
	}
	kept := make([]*number.Account, 0, len(got))
	for id, a := range got {
		out[id] = a
		kept = append(kept, a)
	}
	c.keep(now, gen, kept...)
	return out, nil
}

func copyAccount(a *number.Account) *number.Account {
	c := *a
	c.Tree = append([]string(nil), a.Tree...)
	c.Public = a.Public.Clone()
	return &c
}
