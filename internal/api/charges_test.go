package api

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// readCounter counts the number reads that start each run of an operation.
type readCounter struct {
	store.Store
	reads atomic.Int64
}

func (c *readCounter) GetNumber(ctx context.Context, e164 string) (*number.Number, error) {
	c.reads.Add(1)
	return c.Store.GetNumber(ctx, e164)
}

// A write whose client has not accepted charges is run dry once: then
// answered 402 when it costs anything, else run for real once.
func TestUnacceptedWriteRunsDryOnce(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	const n = "+14155550900"
	e.seed(ts.a, number.InService, n)
	rc := &readCounter{Store: e.st}
	e.srv.mgr = manager.New(rc, e.srv.cfg, manager.Options{Now: e.clock.now, Accounts: e.srv.accounts})
	patch := map[string]any{"data": map[string]any{"note": "x"}}

	e.srv.mgr.SetBilling(fixedPrice{})
	e.must(200, "PATCH", e.numPath(ts.a, n), ts.tA, patch)
	if got := rc.reads.Load(); got != 2 {
		t.Errorf("a free write ran %d times, want 2 (dry, then for real)", got)
	}

	rc.reads.Store(0)
	e.srv.mgr.SetBilling(fixedPrice{billing.Quote{{Summary: billing.Summary{Today: "1", Recurring: "2"}}}})
	e.must(402, "PATCH", e.numPath(ts.a, n), ts.tA, map[string]any{"data": map[string]any{"note": "y"}})
	if got := rc.reads.Load(); got != 1 {
		t.Errorf("a charged write ran %d times before its 402, want 1 (dry)", got)
	}
}

// The API and the manager read accounts through one cache, which an account
// write clears: a flag the master sets counts at once in the manager's
// authorization, not a cache lifetime later.
func TestAccountWriteReachesAuthorizationAtOnce(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	const n = "+14155550901"
	e.seed(ts.a1, number.InService, n)
	carrier := map[string]any{"data": map[string]any{"carrier_name": "local"}}
	// Only admins name a number's carrier; the manager reads (and caches)
	// a1's account to find it is none.
	e.must(403, "PATCH", e.numPath(ts.a1, n), ts.tA1, carrier)
	e.must(200, "PATCH", "/v2/accounts/"+ts.a1, e.token, map[string]any{"data": map[string]any{"superduper_admin": true}})
	e.must(200, "PATCH", e.numPath(ts.a1, n), ts.tA1, carrier)
}
