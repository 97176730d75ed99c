package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/carriertest"
	_ "github.com/numan-dev/numan/carrier/storesearch"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// The account tree of Kazoo's test world (kazoo-test-scenarios.md §1.1)
// plus a grandchild under CHILD: MASTER > RESELLER > CHILD > GRANDCHILD.
const (
	master     = "00000000000000000000000000000001"
	reseller   = "00000000000000000000000000000002"
	child      = "00000000000000000000000000000003"
	grandchild = "00000000000000000000000000000004"
)

var (
	ctx   = context.Background()
	epoch = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
)

type world struct {
	st   store.Store
	m    *manager.Manager
	bill *billing.Service
	fake *carriertest.Fake
}

// newWorld is a SQLite store with the account tree, the fake carrier as
// the carrier of new numbers, and a manager priced by the billing service.
func newWorld(t testing.TB) *world {
	t.Helper()
	return newWorldOn(t, storetest.OpenSQLite(t))
}

// newWorldOn is newWorld on a fresh store st (eachWorld runs a test on
// both kinds).
func newWorldOn(t testing.TB, st store.Store) *world {
	t.Helper()
	for _, a := range []*number.Account{
		{ID: master, Name: "Master Account", Enabled: true, Reseller: true, SuperduperAdmin: true, AllowNumberAdditions: true},
		{ID: reseller, Name: "Sub Account", ParentID: master, Tree: []string{master}, Enabled: true, Reseller: true, AllowNumberAdditions: true},
		{ID: child, Name: "Sub-Sub Account", ParentID: reseller, Tree: []string{master, reseller}, Enabled: true},
		{ID: grandchild, Name: "Sub-Sub-Sub Account", ParentID: child, Tree: []string{master, reseller, child}, Enabled: true},
	} {
		a.Created, a.Modified = epoch, epoch
		if err := st.InsertAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	carriertest.RegisterFake()
	fake := carriertest.NewFake(t)
	put := func(id string, doc any) {
		raw, _ := json.Marshal(doc)
		if err := st.PutConfig(ctx, id, raw); err != nil {
			t.Fatal(err)
		}
	}
	registerRecordedE911()
	put("number_manager", map[string]any{"default": map[string]any{"carrier_modules": []string{"knm_local", "knm_fake"}, "e911_provider": recordedE911}})
	put("number_manager.fake", map[string]json.RawMessage{"default": fake.Settings()})
	src := config.NewSource(st, "", time.Nanosecond)
	now := func() time.Time { return epoch }
	m := manager.New(st, src, manager.Options{Now: now})
	bill := billing.New(st, billing.ClassifyWith(m), billing.Options{Now: now})
	m.SetBilling(bill)
	return &world{st: st, m: m, bill: bill, fake: fake}
}

// retailPlan prices the three classes, the fake carrier and e911; local
// numbers' carrier and feature are free.
const retailPlan = `{
  "name": "Retail",
  "currency": "USD",
  "plan": {
    "phone_numbers": {
      "did_us":        {"name": "US DID", "activation_charge": 2.5, "rate": "1.00"},
      "tollfree_us":   {"name": "US Toll-free", "activation_charge": "5", "rate": 2},
      "international": {"activation_charge_minor": 1000, "rate_minor": 425}
    },
    "number_carriers": {"knm_fake": {"activation_charge": 0.10, "rate": 0}},
    "number_services": {"e911": {"activation_charge": "3.00", "rate": "1.50"}}
  }
}`

// Hand-computed prices of retailPlan, in cents: activation (class +
// carrier) and monthly, per class of a number bought from the fake.
const (
	didToday, didMonthly     = 250 + 10, 100
	tollToday, tollMonthly   = 500 + 10, 200
	intlToday, intlMonthly   = 1000 + 10, 425
	e911Today, e911Monthly   = 300, 150
	didNum, tollNum, intlNum = "+14155550100", "+18005550100", "+442071230100"
)

// plan stores a plan document owned by owner and links it to the accounts.
func (w *world) plan(t testing.TB, id, owner, doc string, accounts ...string) {
	t.Helper()
	p, err := billing.DecodePlan(json.RawMessage(doc))
	if err != nil {
		t.Fatal(err)
	}
	p.ID, p.OwnerID = id, owner
	sp := p.Stored()
	sp.Created, sp.Modified = epoch, epoch
	if err := w.st.InsertServicePlan(ctx, sp); err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		if err := w.st.LinkServicePlan(ctx, a, id, epoch); err != nil {
			t.Fatal(err)
		}
	}
}

// offer stores numbers in discovery at the fake carrier, as a search
// leaves them, so moving them in buys them.
func (w *world) offer(t testing.TB, nums ...string) {
	t.Helper()
	var ns []*number.Number
	for _, n := range nums {
		ns = append(ns, number.New(n, number.Discovery, "fake", epoch))
	}
	if err := w.st.InsertNumbers(ctx, ns); err != nil {
		t.Fatal(err)
	}
}

// mixed returns n numbers cycling through the three classes, and the
// hand-computed totals of buying them all.
func mixed(n int) (nums []string, today, monthly int64) {
	for i := range n {
		switch i % 3 {
		case 0:
			nums = append(nums, fmt.Sprintf("+1415555%04d", i))
			today, monthly = today+didToday, monthly+didMonthly
		case 1:
			nums = append(nums, fmt.Sprintf("+1800555%04d", i))
			today, monthly = today+tollToday, monthly+tollMonthly
		default:
			nums = append(nums, fmt.Sprintf("+4420712%05d", i))
			today, monthly = today+intlToday, monthly+intlMonthly
		}
	}
	return nums, today, monthly
}

// rows counts what the store holds: numbers by state and ledger entries of
// the accounts.
func (w *world) rows(t *testing.T) string {
	t.Helper()
	counts, err := w.st.CountNumbersByState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ledger := 0
	for _, a := range []string{master, reseller, child, grandchild} {
		es, err := w.st.ListLedger(ctx, store.LedgerQuery{AccountID: a})
		if err != nil {
			t.Fatal(err)
		}
		ledger += len(es)
	}
	return fmt.Sprintf("numbers %v, ledger %d", counts, ledger)
}

func (w *world) ledger(t *testing.T, account string) []*store.LedgerEntry {
	t.Helper()
	es, err := w.st.ListLedger(ctx, store.LedgerQuery{AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func quoteOf(t *testing.T, r *manager.Result) billing.Quote {
	t.Helper()
	if len(r.Failed) > 0 {
		t.Fatalf("failures: %v", r.Failed)
	}
	return r.Charges
}

func by(account string) manager.Op { return manager.Op{AuthBy: number.By(account)} }

func dry(op manager.Op) manager.Op { op.DryRun = true; return op }

// eachWorld runs fn on a world over SQLite and over PostgreSQL (skipped
// without NUMAN_TEST_POSTGRES_DSN).
func eachWorld(t *testing.T, fn func(t *testing.T, w *world)) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) { fn(t, newWorldOn(t, st)) })
}
