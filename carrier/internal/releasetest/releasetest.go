// Package releasetest proves, carrier by carrier, that a number released
// at a carrier that really disconnects is never sold again without a new
// purchase: a real manager and store release a number in service against
// the carrier's own fake server, seen through a recording proxy, then try
// to activate it again.
package releasetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/internal/storetesting"
	// The default module (local) is declared by the store-backed carriers;
	// number_manager's defaults name it.
	_ "github.com/numan-dev/numan/carrier/storesearch"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Owner is the account the released number belonged to.
const Owner = "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812"

// Call is one request the carrier's fake received.
type Call struct {
	Method, Path, Query, Body string
}

// Case is one carrier's fake and how to recognise its calls.
type Case struct {
	// Carrier is the registry name.
	Carrier string
	// Fake is the URL of the carrier's fake server; Settings returns the
	// carrier's number_manager.<name> document pointing at url (the
	// recording proxy in front of the fake).
	Fake     string
	Settings func(url string) map[string]any
	// Number is a number the fake holds for the operator, and CarrierData
	// what Numan recorded when it was bought (what Disconnect needs).
	Number      string
	CarrierData map[string]any
	// IsDisconnect and IsBuy recognise the carrier's release and purchase
	// calls.
	IsDisconnect, IsBuy func(c Call) bool
}

// proxy records every call on its way to the fake, and can answer the
// release calls itself with a 500, as a carrier that is down would.
type proxy struct {
	mu     sync.Mutex
	calls  []Call
	fail   bool
	isDisc func(Call) bool
	next   http.Handler
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	c := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)}
	p.mu.Lock()
	p.calls = append(p.calls, c)
	fail := p.fail && p.isDisc(c)
	p.mu.Unlock()
	if fail {
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	p.next.ServeHTTP(w, r)
}

func (p *proxy) count(match func(Call) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		if match(c) {
			n++
		}
	}
	return n
}

func (p *proxy) setFail(fail bool) { p.mu.Lock(); p.fail = fail; p.mu.Unlock() }

// world is a store holding c.Number in service for Owner, and a manager
// whose carrier reaches the fake through a recording proxy.
type world struct {
	st  store.Store
	m   *manager.Manager
	px  *proxy
	now time.Time
}

func newWorld(t *testing.T, c Case, policy map[string]any, numberManager ...map[string]any) *world {
	t.Helper()
	ctx := context.Background()
	target, err := url.Parse(c.Fake)
	if err != nil {
		t.Fatal(err)
	}
	px := &proxy{isDisc: c.IsDisconnect, next: httputil.NewSingleHostReverseProxy(target)}
	srv := httptest.NewServer(px)
	t.Cleanup(srv.Close)
	st := storetesting.Open(t, storetesting.Seed{Number: c.Number, State: number.InService, Module: c.Carrier,
		AssignedTo: Owner, CarrierData: c.CarrierData})
	if err := st.InsertAccount(ctx, &number.Account{ID: Owner, Name: "Owner", Enabled: true,
		Created: storetesting.Time, Modified: storetesting.Time}); err != nil {
		t.Fatal(err)
	}
	settings := c.Settings(srv.URL)
	for k, v := range policy {
		settings[k] = v
	}
	put := func(id string, doc any) {
		raw, err := json.Marshal(map[string]any{"default": doc})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutConfig(ctx, id, raw); err != nil {
			t.Fatal(err)
		}
	}
	nm := map[string]any{"carrier_modules": []string{c.Carrier}}
	for _, extra := range numberManager {
		for k, v := range extra {
			nm[k] = v
		}
	}
	put("number_manager", nm)
	put("number_manager."+c.Carrier, settings)
	w := &world{st: st, px: px, now: storetesting.Time.Add(time.Hour)}
	w.m = manager.New(st, config.NewSource(st, "", time.Nanosecond), manager.Options{Now: func() time.Time { return w.now }})
	return w
}

// Run releases c's number and activates it again: the release must reach
// the carrier and take the number out of the pool; the activation must
// fail cleanly, without a purchase call, and the number must never be in
// service again. Then, with the carrier failing its release calls, the
// released number waits in state released (not sellable) until the retry
// succeeds; and under release_policy keep the carrier is never called and
// the number, still held, is sold again from the pool.
func Run(t *testing.T, c Case) {
	ctx := context.Background()
	by := manager.Op{AuthBy: number.By(Owner)}

	t.Run("released at the carrier, never sold without a purchase", func(t *testing.T) {
		w := newWorld(t, c, nil)
		r := w.m.Release(ctx, []string{c.Number}, by)
		if len(r.Failed) != 0 || len(r.Succeeded) != 1 || r.Succeeded[0].State != number.Deleted {
			t.Fatalf("release: %+v %v", r.Succeeded, r.Failed)
		}
		if n := w.px.count(c.IsDisconnect); n != 1 {
			t.Fatalf("%d release calls at the carrier, want 1", n)
		}
		if _, err := w.st.GetNumber(ctx, c.Number); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("the released number is still in the pool: %v", err)
		}
		r = w.m.Move(ctx, []string{c.Number}, Owner, by)
		if len(r.Succeeded) != 0 || !number.IsKind(r.Failed[c.Number], number.KindNotFound) {
			t.Fatalf("activate after the release: %+v %v", r.Succeeded, r.Failed)
		}
		if n := w.px.count(c.IsBuy); n != 0 {
			t.Fatalf("%d purchase calls", n)
		}
		if _, err := w.st.GetNumber(ctx, c.Number); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("in the pool after the activation: %v", err)
		}
	})

	t.Run("a failing release leaves the number released until the retry", func(t *testing.T) {
		w := newWorld(t, c, nil)
		w.px.setFail(true)
		r := w.m.Release(ctx, []string{c.Number}, by)
		if len(r.Failed) != 0 || len(r.Succeeded) != 1 || r.Succeeded[0].State != number.Released {
			t.Fatalf("release: %+v %v", r.Succeeded, r.Failed)
		}
		// Nobody can buy a released number: its old owner no longer sees it,
		// and even the system may not move it in service.
		r = w.m.Move(ctx, []string{c.Number}, Owner, by)
		if len(r.Succeeded) != 0 || !number.IsKind(r.Failed[c.Number], number.KindForbidden) {
			t.Fatalf("activate while the carrier still holds it: %+v %v", r.Succeeded, r.Failed)
		}
		r = w.m.Move(ctx, []string{c.Number}, Owner, manager.Op{AuthBy: number.SystemRequester})
		if len(r.Succeeded) != 0 || !number.IsKind(r.Failed[c.Number], number.KindInvalidStateTransition) {
			t.Fatalf("the system activating it while the carrier still holds it: %+v %v", r.Succeeded, r.Failed)
		}
		if n, err := w.st.GetNumber(ctx, c.Number); err != nil || n.State != number.Released {
			t.Fatalf("while the retry waits: %+v %v", n, err)
		}
		w.px.setFail(false)
		w.now = w.now.Add(10 * time.Minute)
		if done, err := w.m.RetryDisconnects(ctx); err != nil || done != 1 {
			t.Fatalf("retry: %d %v", done, err)
		}
		if _, err := w.st.GetNumber(ctx, c.Number); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("after the retry: %v", err)
		}
		if n := w.px.count(c.IsBuy); n != 0 {
			t.Fatalf("%d purchase calls", n)
		}
	})

	t.Run("should_age: aged, then given back when aging ends", func(t *testing.T) {
		w := newWorld(t, c, nil, map[string]any{"should_age": true, "aging_expiry_d": 30})
		r := w.m.Release(ctx, []string{c.Number}, by)
		if len(r.Failed) != 0 || len(r.Succeeded) != 1 || r.Succeeded[0].State != number.Aging {
			t.Fatalf("release: %+v %v", r.Succeeded, r.Failed)
		}
		if n := w.px.count(c.IsDisconnect); n != 0 {
			t.Fatalf("released at the carrier while aging: %d calls", n)
		}
		w.now = w.now.Add(31 * 24 * time.Hour)
		if aged, err := w.m.AgeNumbers(ctx); err != nil || aged != 1 {
			t.Fatalf("aging: %d %v", aged, err)
		}
		if n := w.px.count(c.IsDisconnect); n != 1 {
			t.Fatalf("%d release calls when aging ended, want 1", n)
		}
		if _, err := w.st.GetNumber(ctx, c.Number); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("after aging: %v", err)
		}
	})

	t.Run("release_policy keep: held and sold again from the pool", func(t *testing.T) {
		w := newWorld(t, c, map[string]any{"release_policy": "keep"})
		r := w.m.Release(ctx, []string{c.Number}, by)
		if len(r.Failed) != 0 || len(r.Succeeded) != 1 || r.Succeeded[0].State != number.Available {
			t.Fatalf("release: %+v %v", r.Succeeded, r.Failed)
		}
		r = w.m.Move(ctx, []string{c.Number}, Owner, by)
		if len(r.Failed) != 0 || len(r.Succeeded) != 1 || r.Succeeded[0].State != number.InService {
			t.Fatalf("activate a kept number: %+v %v", r.Succeeded, r.Failed)
		}
		if d, b := w.px.count(c.IsDisconnect), w.px.count(c.IsBuy); d != 0 || b != 0 {
			t.Fatalf("%d release and %d purchase calls under keep", d, b)
		}
	})
}
