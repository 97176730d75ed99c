package billing

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numan-dev/numan/store"
)

// planCache keeps the service plans linked along account chains for a
// short time (Options.PlanCacheTTL), as the accounts cache keeps accounts:
// every priced write resolves its account's plans, which change rarely.
// This node's own plan writes (all of which go through the Service) make
// every entry stale at once; another node's are seen within the TTL.
type planCache struct {
	ttl time.Duration
	now func() time.Time

	gen     atomic.Int64 // bumped by every plan write of this node
	mu      sync.Mutex
	entries map[string]planEntry
}

type planEntry struct {
	linked  map[string][]*store.ServicePlan
	gen     int64
	expires time.Time
}

// planCacheMax bounds the cache: past it, it starts again empty.
const planCacheMax = 10_000

// linked returns LinkedServicePlans(chain), from the cache when fresh.
// The maps returned are shared: callers must not change them.
func (c *planCache) linked(ctx context.Context, st Store, chain []string) (map[string][]*store.ServicePlan, error) {
	if c == nil || c.ttl <= 0 {
		return st.LinkedServicePlans(ctx, chain)
	}
	key := strings.Join(chain, "/")
	gen := c.gen.Load()
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.gen == gen && now.Before(e.expires) {
		return e.linked, nil
	}
	linked, err := st.LinkedServicePlans(ctx, chain)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= planCacheMax {
		c.entries = map[string]planEntry{}
	}
	c.entries[key] = planEntry{linked: linked, gen: gen, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return linked, nil
}

// changed makes every entry stale: this node wrote a plan or a link.
func (c *planCache) changed() {
	if c != nil {
		c.gen.Add(1)
	}
}
