package manager

import (
	"context"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
)

// numberCache keeps numbers read for display (Get) for a short time, as
// Kazoo's number doc cache does: GET of a number is by far the most common
// request. Only reads use it: every write reads the store and writes
// conditionally on the version it read, so a stale entry can never cause a
// wrong write. This node's writes drop their entries at once; another
// node's writes are seen within the TTL.
type numberCache struct {
	ttl time.Duration
	max int // entries kept at most; at max the cache starts over

	mu      sync.Mutex
	entries map[string]cachedNumber
}

type cachedNumber struct {
	n       *number.Number // never modified once cached
	fetched time.Time
}

func (c *numberCache) get(e164 string, now time.Time) (*number.Number, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[e164]
	c.mu.Unlock()
	// An entry from the future (a clock set back) is not trusted.
	if !ok || now.Sub(e.fetched) >= c.ttl || now.Before(e.fetched) {
		return nil, false
	}
	return e.n, true
}

func (c *numberCache) put(n *number.Number, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		c.entries = map[string]cachedNumber{} // bound memory; it refills
	}
	c.entries[n.Number] = cachedNumber{n: n.Clone(), fetched: now}
	c.mu.Unlock()
}

// forget drops a number this node is writing.
func (c *numberCache) forget(e164 string) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	delete(c.entries, e164)
	c.mu.Unlock()
}

// readNumber is the read of one number for display: from the cache when
// fresh, else from the store.
func (m *Manager) readNumber(ctx context.Context, e164 string) (*number.Number, error) {
	now := m.now()
	if n, ok := m.numbers.get(e164, now); ok {
		return n, nil
	}
	n, err := m.store.GetNumber(ctx, e164)
	if err != nil {
		return nil, err
	}
	m.numbers.put(n, now)
	return n, nil
}
