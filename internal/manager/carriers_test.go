package manager_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// withFakes configures the world to search local inventory and the given
// fake carriers (named fake; several fakes need several worlds).
func (w *world) withCarrier(t *testing.T, f *carriertest.Fake, extra string) {
	t.Helper()
	carriertest.RegisterFake()
	cfg := fmt.Sprintf(`{"default":{"carrier_modules":["knm_local","knm_fake"]%s}}`, extra)
	if err := w.st.PutConfig(ctx, "number_manager", json.RawMessage(cfg)); err != nil {
		t.Fatal(err)
	}
	sec, _ := json.Marshal(map[string]json.RawMessage{"default": f.Settings()})
	if err := w.st.PutConfig(ctx, "number_manager.fake", sec); err != nil {
		t.Fatal(err)
	}
}

const offered = "+14155550177"

func search(t *testing.T, w *world, prefix string, qty, offset int) *manager.SearchResponse {
	t.Helper()
	resp, err := w.m.Search(ctx, manager.SearchRequest{Prefix: prefix, Quantity: qty, Offset: offset, AccountID: reseller, QueryID: "q-" + prefix, By: number.SystemRequester})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestSearchThenBuyFromTheCarrierThatOffered(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	f.Offer(offered, "+14155550178")
	w.withCarrier(t, f, "")

	resp := search(t, w, "415", 10, 0)
	if len(resp.Numbers) != 2 || resp.Numbers[0].Number != offered || resp.Numbers[0].State != number.Discovery || len(resp.Failed) != 0 {
		t.Fatalf("search: %+v", resp)
	}

	dry := one(t, w.m.Move(ctx, []string{offered}, reseller, manager.Op{AuthBy: number.By(reseller), DryRun: true}))
	if dry.State != number.InService || f.Calls(carriertest.OpAcquire) != 0 {
		t.Fatalf("dry run bought: %+v, %d acquires", dry, f.Calls(carriertest.OpAcquire))
	}
	w.absent(t, offered)

	n := one(t, w.m.Move(ctx, []string{offered}, reseller, manager.Op{AuthBy: number.By(reseller)}))
	if n.State != number.InService || n.AssignedTo != reseller || n.ModuleName != carriertest.FakeName {
		t.Fatalf("%+v", n)
	}
	s := w.stored(t, offered)
	if _, ok := s.CarrierData["order_id"]; !ok || s.State != number.InService {
		t.Fatalf("stored %+v", s)
	}
	if _, pending := s.CarrierData[manager.PurchaseKey]; pending {
		t.Fatal("purchase intent left behind")
	}
	if got := f.Acquired(); len(got) != 1 || got[0] != offered {
		t.Fatalf("acquired %v", got)
	}

	// Releasing it gives it back to the carrier.
	one(t, w.m.Release(ctx, []string{offered}, as(reseller)))
	if got := f.Disconnected(); len(got) != 1 {
		t.Fatalf("disconnected %v", got)
	}
}

func TestCarrierRefusalLeavesNothing(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	f.Offer(offered)
	f.FailAcquire("", carrier.Classify(number.Errorf(number.KindByCarrier, offered, "number no longer available"), carrier.Taken))
	w.withCarrier(t, f, "")
	search(t, w, "415", 1, 0)
	r := w.m.Move(ctx, []string{offered}, reseller, as(reseller))
	if e := failure(t, r, offered); e.Kind != number.KindByCarrier {
		t.Fatalf("%v", e)
	}
	w.absent(t, offered)
}

// A failure that does not say the carrier refused (a 5xx, a timeout, a
// reply that cannot be read) may hide a sale: the intent stays, the buyer
// is told the purchase is pending, and reconciliation settles it.
func TestUncertainCarrierFailureKeepsTheIntent(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	f.Offer(offered)
	f.LoseAcquireReply("", carrier.Classify(number.Errorf(number.KindByCarrier, offered, "HTTP 502"), carrier.Transient))
	w.withCarrier(t, f, "")
	search(t, w, "415", 1, 0)
	r := w.m.Move(ctx, []string{offered}, reseller, as(reseller))
	if e := failure(t, r, offered); e.Kind != number.KindPurchasePending {
		t.Fatalf("%v", e)
	}
	if s := w.stored(t, offered); s.State != number.Discovery || s.CarrierData[manager.PurchaseKey] == nil {
		t.Fatalf("intent not kept: %+v", s)
	}
	rep, err := w.m.Reconcile(ctx, 0)
	if err != nil || len(rep.Recorded) != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if s := w.stored(t, offered); s.State != number.InService || s.AssignedTo != reseller {
		t.Fatalf("reconciled %+v", s)
	}
}

func TestConcurrentBuyersReachTheCarrierOnce(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	f.Offer(offered)
	w.withCarrier(t, f, "")
	search(t, w, "415", 1, 0)
	gate := f.Hold(carriertest.OpAcquire)
	var wg sync.WaitGroup
	results := make([]*manager.Result, 8)
	for i := range results {
		acc := fmt.Sprintf("%032x", 100+i)
		if err := w.st.InsertAccount(ctx, &number.Account{ID: acc, Name: acc, ParentID: master, Tree: []string{master}, Enabled: true, Created: epoch, Modified: epoch}); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.m.Move(ctx, []string{offered}, acc, as(acc))
		}()
	}
	<-gate.Entered()
	gate.Release()
	wg.Wait()
	wins := 0
	for _, r := range results {
		if r.OK() {
			wins++
			continue
		}
		if k := number.KindOf(r.Failed[offered]); k != number.KindNumberExists && k != number.KindConflict {
			t.Fatalf("loser got %v", r.Failed)
		}
	}
	if wins != 1 || f.Calls(carriertest.OpAcquire) != 1 {
		t.Fatalf("%d winners, %d carrier buys", wins, f.Calls(carriertest.OpAcquire))
	}
}

// crashingStore fails the write that records a purchase, as if the process
// died right after the carrier said "bought".
type crashingStore struct{ store.Store }

func (c crashingStore) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return c.Store.InTx(ctx, func(tx store.Tx) error { return fn(crashingTx{tx}) })
}

type crashingTx struct{ store.Tx }

func (c crashingTx) UpdateNumber(ctx context.Context, n *number.Number) error {
	if n.State == number.InService {
		return errors.New("crash")
	}
	return c.Tx.UpdateNumber(ctx, n)
}

func TestReconcileAfterACrashBetweenBuyAndWrite(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	f.Offer(offered, "+14155550178")
	w.withCarrier(t, f, "")
	search(t, w, "415", 2, 0)

	crashing := manager.New(crashingStore{w.st}, w.src, manager.Options{Now: func() time.Time { return w.now }})
	r := crashing.Move(ctx, []string{offered}, reseller, as(reseller))
	if r.OK() {
		t.Fatal("the crash did not happen")
	}
	if s := w.stored(t, offered); s.State != number.Discovery {
		t.Fatalf("after the crash: %+v", s)
	}
	// A claim whose carrier never sold the number is forgotten.
	unsold := number.New("+14155550178", number.Discovery, carriertest.FakeName, w.now)
	unsold.CarrierData.Set(manager.PurchaseKey, map[string]any{"account": reseller, "at": w.now.Unix()})
	if err := w.st.InsertNumber(ctx, unsold); err != nil {
		t.Fatal(err)
	}

	// Too recent: another node may still be buying it.
	rep, err := w.m.Reconcile(ctx, time.Minute)
	if err != nil || len(rep.Recorded)+len(rep.Dropped) != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	w.now = w.now.Add(5 * time.Minute)
	rep, err = w.m.Reconcile(ctx, time.Minute)
	if err != nil || len(rep.Recorded) != 1 || rep.Recorded[0] != offered || len(rep.Dropped) != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	s := w.stored(t, offered)
	if s.State != number.InService || s.AssignedTo != reseller {
		t.Fatalf("reconciled %+v", s)
	}
	w.absent(t, "+14155550178")
	// Settled once: running again changes nothing, and the carrier sold it once.
	rep, _ = w.m.Reconcile(ctx, 0)
	if len(rep.Recorded) != 0 || len(f.Acquired()) != 1 {
		t.Fatalf("second run %+v, acquired %v", rep, f.Acquired())
	}
	page, err := w.m.List(ctx, reseller, manager.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	owned := 0
	for _, n := range page.Numbers {
		if n.Number == offered {
			owned++
		}
	}
	if owned != 1 {
		t.Fatalf("owned %d times", owned)
	}
}

func TestFailedDisconnectIsRetried(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	f.Offer(offered)
	w.withCarrier(t, f, "")
	search(t, w, "415", 1, 0)
	one(t, w.m.Move(ctx, []string{offered}, reseller, as(reseller)))
	f.FailDisconnect("", number.Errorf(number.KindByCarrier, offered, "500"))
	n := one(t, w.m.Release(ctx, []string{offered}, as(reseller)))
	// The carrier still holds it: it is not sellable while the retry waits.
	if n.State != number.Released || n.AssignedTo != "" {
		t.Fatalf("%+v", n)
	}
	if s := w.stored(t, offered); s.State != number.Released {
		t.Fatalf("stored %+v", s)
	}
	if done, err := w.m.RetryDisconnects(ctx); err != nil || done != 0 {
		t.Fatalf("retried too early: %d %v", done, err)
	}
	w.now = w.now.Add(2 * time.Minute)
	if done, _ := w.m.RetryDisconnects(ctx); done != 0 {
		t.Fatal("a failing release succeeded")
	}
	f.FailDisconnect("", nil)
	w.now = w.now.Add(10 * time.Minute)
	if done, err := w.m.RetryDisconnects(ctx); err != nil || done != 1 {
		t.Fatalf("retry: %d %v", done, err)
	}
	if got := f.Disconnected(); len(got) != 1 || got[0] != offered {
		t.Fatalf("disconnected %v", got)
	}
	// Given back to the carrier: it leaves the pool.
	w.absent(t, offered)
	w.now = w.now.Add(24 * time.Hour)
	if done, _ := w.m.RetryDisconnects(ctx); done != 0 {
		t.Fatal("retried after success")
	}
}

func TestSearchSurvivesABrokenCarrier(t *testing.T) {
	faults := map[string]func(f *carriertest.Fake) func(){
		"hangs past the timeout": func(f *carriertest.Fake) func() { return f.Hold(carriertest.OpFind).Release },
		"answers an error": func(f *carriertest.Fake) func() {
			f.FailFind(number.Errorf(number.KindByCarrier, "", "HTTP 500"))
			return func() {}
		},
		"sends garbage": func(f *carriertest.Fake) func() {
			f.FailFind(number.Errorf(number.KindByCarrier, "", "malformed XML reply"))
			return func() {}
		},
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			f := carriertest.NewFake(t)
			f.Offer("+14155550199")
			w.withCarrier(t, f, `,"number_search_timeout_ms":50`)
			t.Cleanup(fault(f))
			// Local inventory still answers while the fake fails.
			n := number.New("+14155550100", number.Available, "local", epoch)
			if err := w.st.InsertNumber(ctx, n); err != nil {
				t.Fatal(err)
			}
			resp := search(t, w, "+1415", 5, 0)
			if len(resp.Numbers) != 1 || resp.Numbers[0].Number != "+14155550100" || resp.Failed[carriertest.FakeName] == "" {
				t.Fatalf("%+v", resp)
			}
		})
	}
}

func TestSearchPagingIsStable(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	for i := range 30 {
		f.Offer(fmt.Sprintf("+1415555%04d", i))
	}
	w.withCarrier(t, f, "")
	first := search(t, w, "415", 10, 0)
	f.Withdraw("+14155550010")
	second := search(t, w, "415", 10, 10)
	if len(first.Numbers) != 10 || len(second.Numbers) != 10 || second.Numbers[0].Number != "+14155550010" || f.Calls(carriertest.OpFind) != 1 {
		t.Fatalf("first %v second %v finds %d", first.Numbers, second.Numbers, f.Calls(carriertest.OpFind))
	}
}

func TestNormalizePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"415": "+1415", "+1415": "+1415", "80*": "+180*", "8**": "+18**", "1415": "+11415", "14155551234": "+14155551234", " 415 555 ": "+1415555",
		// Vanity prefixes are their keypad digits.
		"628FLOWERS": "+16283569377", "1800flowers": "+18003569377", "+1415CALL": "+14152255", "415-NUM": "+1415686",
	} {
		got, err := manager.NormalizePrefix(in, "US")
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "+", "4 1 5 #", "415é", "+1415_"} {
		if _, err := manager.NormalizePrefix(bad, "US"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got, _ := manager.NormalizePrefix("207", "GB"); got != "+44207" {
		t.Errorf("GB: %q", got)
	}
}

// A carrier that keeps a released number on purpose (provisioning off:
// carrier.ErrKept) still holds it: the number goes back to the pool rather
// than being forgotten, and no retry is left queued.
func TestReleaseKeptByTheCarrier(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	f.Offer(offered)
	w.withCarrier(t, f, "")
	search(t, w, "415", 1, 0)
	one(t, w.m.Move(ctx, []string{offered}, reseller, as(reseller)))
	f.FailDisconnect("", carrier.ErrKept)
	one(t, w.m.Release(ctx, []string{offered}, as(reseller)))
	if s := w.stored(t, offered); s.State != number.Available || s.AssignedTo != "" {
		t.Fatalf("kept at the carrier: %+v", s)
	}
	w.now = w.now.Add(24 * time.Hour)
	if done, err := w.m.RetryDisconnects(ctx); err != nil || done != 0 {
		t.Fatalf("a retry was left: %d %v", done, err)
	}
	if got := f.Calls(carriertest.OpDisconnect); got != 1 {
		t.Fatalf("%d release calls", got)
	}
}
