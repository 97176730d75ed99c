package billing_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

func TestDryRunTotals(t *testing.T) {
	for _, n := range []int{1, 10, 1000} {
		t.Run(fmt.Sprintf("%d numbers", n), func(t *testing.T) {
			w := newWorld(t)
			w.plan(t, "retail", reseller, retailPlan, reseller)
			nums, today, monthly := mixed(n)
			w.offer(t, nums...)
			before := w.rows(t)

			q := quoteOf(t, w.m.Move(ctx, nums, reseller, dry(by(master))))
			if len(q) != 1 {
				t.Fatalf("want one invoice, got %d", len(q))
			}
			inv := q[0]
			if inv.AccountID != reseller || inv.Plan.ID != "retail" || inv.Plan.AccountID != reseller || inv.Currency != "USD" {
				t.Fatalf("invoice %+v", inv)
			}
			if inv.Summary.TodayMinor != today || inv.Summary.RecurringMinor != monthly {
				t.Fatalf("today %d recurring %d, want %d and %d", inv.Summary.TodayMinor, inv.Summary.RecurringMinor, today, monthly)
			}
			if string(inv.Summary.Today) != billing.FormatAmount(today, "USD") {
				t.Fatalf("today %s", inv.Summary.Today)
			}
			// Per item: quantity × rate = total, and the totals add up.
			var sumToday, sumMonthly, carriers int64
			for _, c := range inv.ActivationCharges {
				if c.Quantity*c.RateMinor != c.TotalMinor {
					t.Fatalf("activation %+v", c)
				}
				sumToday += c.TotalMinor
				if c.Category == billing.CategoryCarriers {
					carriers = c.Quantity
				}
			}
			for _, c := range inv.Items {
				sumMonthly += c.TotalMinor
			}
			if sumToday != today || sumMonthly != monthly || carriers != int64(n) {
				t.Fatalf("lines add to %d/%d with %d carrier charges", sumToday, sumMonthly, carriers)
			}
			if after := w.rows(t); after != before {
				t.Fatalf("dry run wrote: before %s, after %s", before, after)
			}
			if c := w.fake.Calls(carriertest.OpAcquire); c != 0 {
				t.Fatalf("dry run bought %d numbers", c)
			}
		})
	}
}

func TestAcceptedChargesWriteOneEntryPerNumber(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "retail", reseller, retailPlan, reseller)
	nums, today, _ := mixed(10)
	w.offer(t, nums...)
	op := by(master)
	op.RequestID = "req-accept"
	r := w.m.Move(ctx, nums, reseller, op)
	if !r.OK() || len(r.Succeeded) != 10 {
		t.Fatalf("move: %d ok, failed %v", len(r.Succeeded), r.Failed)
	}
	if got := w.fake.Calls(carriertest.OpAcquire); got != 10 {
		t.Fatalf("%d buys", got)
	}
	es := w.ledger(t, reseller)
	if len(es) != 10 {
		t.Fatalf("%d ledger entries, want 10", len(es))
	}
	var total int64
	var seen []string
	for _, e := range es {
		total += e.AmountMinor
		seen = append(seen, e.Number)
		if e.Type != store.LedgerDebit || e.Reason != billing.ReasonActivation || e.RequestID != "req-accept" ||
			e.Currency != "USD" || e.Category != billing.CategoryNumbers || !e.Created.Equal(epoch) {
			t.Fatalf("entry %+v", e)
		}
	}
	slices.Sort(seen)
	if total != today || !slices.Equal(seen, sorted(nums)) {
		t.Fatalf("ledger total %d for %v, want %d for %v", total, seen, today, nums)
	}
	// The entry of a DID says what it is made of.
	var lines []billing.Line
	_ = json.Unmarshal(es[0].Detail, &lines)
	if es[0].Number != nums[0] || es[0].Item != "did_us" || es[0].AmountMinor != didToday || len(lines) != 2 || lines[1].Item != "fake" {
		t.Fatalf("first entry %+v, lines %+v", es[0], lines)
	}

	// Running it again changes nothing and charges nothing.
	r = w.m.Move(ctx, nums, reseller, op)
	if len(w.ledger(t, reseller)) != 10 {
		t.Fatalf("a move that changed nothing was charged (%v)", r.Failed)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestFailedHalfwayChargesOnlyWhatWasBought(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "retail", reseller, retailPlan, reseller)
	nums, _, _ := mixed(10)
	w.offer(t, nums...)
	refused := map[string]bool{nums[3]: true, nums[5]: true, nums[6]: true, nums[9]: true}
	for n := range refused {
		w.fake.FailAcquire(n, number.Errorf(number.KindByCarrier, n, "sold out"))
	}
	r := w.m.Move(ctx, nums, reseller, by(master))
	if len(r.Succeeded) != 6 || len(r.Failed) != 4 {
		t.Fatalf("%d ok, failed %v", len(r.Succeeded), r.Failed)
	}
	var want []string
	var wantTotal int64
	for i, n := range nums {
		if !refused[n] {
			want = append(want, n)
			wantTotal += []int64{didToday, tollToday, intlToday}[i%3]
		}
	}
	var got []string
	var total int64
	for _, e := range w.ledger(t, reseller) {
		got = append(got, e.Number)
		total += e.AmountMinor
	}
	slices.Sort(got)
	if !slices.Equal(got, sorted(want)) || total != wantTotal {
		t.Fatalf("ledger %v (%d), want %v (%d)", got, total, want, wantTotal)
	}
}

func TestResellerPlanAppliesToGrandchild(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "retail", reseller, retailPlan, reseller)
	w.offer(t, didNum)
	q := quoteOf(t, w.m.Move(ctx, []string{didNum}, grandchild, dry(by(master))))
	if len(q) != 1 || q[0].AccountID != grandchild || q[0].Plan.ID != "retail" || q[0].Plan.AccountID != reseller ||
		q[0].Summary.TodayMinor != didToday || q[0].Summary.RecurringMinor != didMonthly {
		t.Fatalf("quote %+v", q[0])
	}
	// A plan of the child's own replaces the reseller's for the child only.
	w.plan(t, "cheap", reseller, `{"name":"Cheap","plan":{"phone_numbers":{"did_us":{"activation_charge":"0.01"}}}}`, child)
	p, from, err := w.bill.PlanFor(ctx, child)
	if err != nil || p.ID != "cheap" || from != child {
		t.Fatalf("child plan %v from %s, %v", p, from, err)
	}
	// The grandchild's nearest reseller is still RESELLER: CHILD is no reseller.
	p, from, err = w.bill.PlanFor(ctx, grandchild)
	if err != nil || p.ID != "retail" || from != reseller {
		t.Fatalf("grandchild plan %v from %s, %v", p, from, err)
	}
	// The master's plans price a reseller without plans of its own, but not
	// the reseller's descendants: their nearest reseller is RESELLER.
	w2 := newWorld(t)
	w2.plan(t, "wholesale", master, `{"name":"Wholesale","plan":{"phone_numbers":{"_all":{"activation_charge":"0.50"}}}}`, master)
	p, from, err = w2.bill.PlanFor(ctx, reseller)
	if err != nil || p == nil || p.ID != "wholesale" || from != master {
		t.Fatalf("reseller plan %v from %s, %v", p, from, err)
	}
	p, _, err = w2.bill.PlanFor(ctx, child)
	if err != nil || p != nil {
		t.Fatalf("child of a reseller without plans is priced by %v (%v)", p, err)
	}
}

func TestNotEnoughCreditBuysNothing(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "retail", reseller, retailPlan, reseller)
	nums := []string{"+14155550100", "+14155550101", "+14155550102"} // 3 × 2.60
	w.offer(t, nums...)
	if _, _, err := w.bill.AddCredit(ctx, child, 500, "USD", "prepaid", "req-credit"); err != nil {
		t.Fatal(err)
	}
	before := w.rows(t)

	// The dry run still quotes: the client learns the price.
	q := quoteOf(t, w.m.Move(ctx, nums, child, dry(by(master))))
	if len(q) != 1 || q[0].Summary.TodayMinor != 3*didToday {
		t.Fatalf("quote %+v", q)
	}
	r := w.m.Move(ctx, nums, child, by(master))
	if len(r.Succeeded) != 0 || len(r.Failed) != 3 {
		t.Fatalf("%d bought, failed %v", len(r.Succeeded), r.Failed)
	}
	for _, n := range nums {
		e := number.AsError(r.Failed[n])
		if e.Kind != number.KindNotEnoughCredit || e.Number != child { // a 402 (internal/api's kind table)
			t.Fatalf("%s: %v", n, r.Failed[n])
		}
	}
	if got := w.fake.Calls(carriertest.OpAcquire); got != 0 {
		t.Fatalf("%d numbers bought without credit", got)
	}
	if after := w.rows(t); after != before {
		t.Fatalf("refused run wrote: before %s, after %s", before, after)
	}
	c, _ := w.st.GetCredit(ctx, child)
	if c.BalanceMinor != 500 {
		t.Fatalf("balance %d", c.BalanceMinor)
	}

	// Enough credit: bought, charged, and the balance debited.
	if _, _, err := w.bill.AddCredit(ctx, child, 300, "USD", "", "req-credit-2"); err != nil {
		t.Fatal(err)
	}
	r = w.m.Move(ctx, nums, child, by(master))
	if !r.OK() || len(r.Succeeded) != 3 {
		t.Fatalf("failed %v", r.Failed)
	}
	c, _ = w.st.GetCredit(ctx, child)
	if c.BalanceMinor != 800-3*didToday {
		t.Fatalf("balance %d, want %d", c.BalanceMinor, 800-3*didToday)
	}
	es := w.ledger(t, child)
	if len(es) != 5 || es[0].Type != store.LedgerCredit || es[4].Type != store.LedgerDebit {
		t.Fatalf("ledger %d entries", len(es))
	}
}

// One number nothing is bought for (a local number) is activated without a
// rehearsal: its one write is priced in its transaction, and the ledger
// refuses what the account cannot pay. The refusal must read as the
// rehearsed one does and leave nothing behind; the same number with
// enough credit is charged once.
func TestOneLocalNumberIsRefusedAsWhenRehearsed(t *testing.T) {
	// Local numbers are not priced by class (as in Kazoo); their carrier is.
	const localPlan = `{"name": "Local", "currency": "USD", "plan": {"number_carriers": {"local": {"activation_charge": "2.50"}}}}`
	eachWorld(t, func(t *testing.T, w *world) {
		w.plan(t, "local", reseller, localPlan, reseller)
		if err := w.st.InsertNumber(ctx, number.New(didNum, number.Available, "local", epoch)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.bill.AddCredit(ctx, child, 200, "USD", "", "req-credit"); err != nil {
			t.Fatal(err)
		}
		before := w.rows(t)
		r := w.m.Move(ctx, []string{didNum}, child, by(master))
		e := number.AsError(r.Failed[didNum])
		if e == nil || e.Kind != number.KindNotEnoughCredit || e.Number != child || e.Cause != "available 2.00 USD, charges 2.50 USD" {
			t.Fatalf("refusal %#v, want the rehearsal's not_enough_credit", e)
		}
		if after := w.rows(t); after != before {
			t.Fatalf("refused run wrote: before %s, after %s", before, after)
		}

		if _, _, err := w.bill.AddCredit(ctx, child, 100, "USD", "", "req-credit-2"); err != nil {
			t.Fatal(err)
		}
		if r := w.m.Move(ctx, []string{didNum}, child, by(master)); !r.OK() {
			t.Fatalf("failed %v", r.Failed)
		}
		if c, _ := w.st.GetCredit(ctx, child); c.BalanceMinor != 300-250 {
			t.Fatalf("balance %d, want %d", c.BalanceMinor, 300-250)
		}
		var debits int
		for _, e := range w.ledger(t, child) {
			if e.Type == store.LedgerDebit {
				debits++
				if e.AmountMinor != 250 || e.Number != didNum {
					t.Fatalf("debit %+v", e)
				}
			}
		}
		if debits != 1 {
			t.Fatalf("%d debits, want 1", debits)
		}
	})
}

func TestFeatureGainIsCharged(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "retail", reseller, retailPlan, reseller)
	w.offer(t, didNum)
	if r := w.m.Move(ctx, []string{didNum}, reseller, by(master)); !r.OK() {
		t.Fatal(r.Failed)
	}
	e911 := number.Doc{"e911": json.RawMessage(`{"street_address":"140 Geary St","locality":"San Francisco","region":"CA","postal_code":"94108"}`)}
	q := quoteOf(t, w.m.Update(ctx, []string{didNum}, manager.Merge, e911, dry(by(reseller))))
	if len(q) != 1 || q[0].Summary.TodayMinor != e911Today || q[0].Summary.RecurringMinor != e911Monthly ||
		len(q[0].Items) != 1 || q[0].Items[0].Item != "e911" {
		t.Fatalf("quote %+v", q)
	}
	op := by(reseller)
	op.RequestID = "req-e911"
	if r := w.m.Update(ctx, []string{didNum}, manager.Merge, e911, op); !r.OK() {
		t.Fatal(r.Failed)
	}
	es := w.ledger(t, reseller)
	if len(es) != 2 || es[1].Item != "e911" || es[1].Category != billing.CategoryServices || es[1].AmountMinor != e911Today {
		t.Fatalf("ledger %+v", es)
	}
	// A change of user data only, and a release, cost nothing.
	if r := w.m.Update(ctx, []string{didNum}, manager.Merge, number.Doc{"my_key": json.RawMessage(`"x"`)}, dry(by(reseller))); r.Charges != nil || !r.OK() {
		t.Fatalf("user data quoted %v (%v)", r.Charges, r.Failed)
	}
	if r := w.m.Release(ctx, []string{didNum}, by(reseller)); !r.OK() {
		t.Fatal(r.Failed)
	}
	if len(w.ledger(t, reseller)) != 2 {
		t.Fatal("release charged")
	}
	inv, err := w.bill.Current(ctx, reseller)
	if err != nil || inv.Summary.RecurringMinor != 0 {
		t.Fatalf("monthly after release %+v, %v", inv, err)
	}
}

func TestMonthlyBill(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "retail", reseller, retailPlan, reseller)
	nums, _, monthly := mixed(7)
	w.offer(t, nums...)
	if r := w.m.Move(ctx, nums, reseller, by(master)); !r.OK() {
		t.Fatal(r.Failed)
	}
	// Reserved numbers count; released ones do not.
	w.offer(t, "+14155559999")
	if r := w.m.Reserve(ctx, []string{"+14155559999"}, manager.Op{AuthBy: number.By(master), AssignTo: reseller}); !r.OK() {
		t.Fatal(r.Failed)
	}
	inv, err := w.bill.Current(ctx, reseller)
	if err != nil {
		t.Fatal(err)
	}
	if want := monthly + didMonthly; inv.Summary.RecurringMinor != want || inv.Summary.TodayMinor != 0 || len(inv.ActivationCharges) != 0 {
		t.Fatalf("monthly %d, want %d: %+v", inv.Summary.RecurringMinor, want, inv.Summary)
	}
	// Reserving charged the activation; buying the reserved number does not again.
	n := len(w.ledger(t, reseller))
	if r := w.m.Move(ctx, []string{"+14155559999"}, reseller, by(master)); !r.OK() {
		t.Fatal(r.Failed)
	}
	if len(w.ledger(t, reseller)) != n {
		t.Fatal("activating a reserved number charged it twice")
	}
}

// Local numbers are billed without a class (Kazoo skips phone_numbers for
// numbers with the local feature) but with their carrier and features.
func TestLocalNumbersHaveNoClassCharge(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "local", reseller, `{"name":"Local","plan":{
		"phone_numbers":{"did_us":{"activation_charge":"9.99"}},
		"number_carriers":{"local":{"activation_charge":"0.25","rate":"0.05"}},
		"number_services":{"local":{"rate":"0.01"}}}}`, reseller)
	q := quoteOf(t, w.m.Create(ctx, []string{"+15559871234"}, dry(manager.Op{AuthBy: number.By(master), AssignTo: reseller})))
	if len(q) != 1 {
		t.Fatalf("quote %v", q)
	}
	var items []string
	for _, c := range q[0].Items {
		items = append(items, c.Category+"."+c.Item)
	}
	if q[0].Summary.TodayMinor != 25 || q[0].Summary.RecurringMinor != 6 ||
		!slices.Equal(items, []string{"number_carriers.local", "number_services.local"}) {
		t.Fatalf("items %v, summary %+v", items, q[0].Summary)
	}
}

// kazoo-test-scenarios.md §3.2-9 (create_dry_run): a dry-run create of
// TEST_CREATE_NUM by MASTER for RESELLER returns dry_run(quotes) and
// persists nothing. The test build has no services (quotes undefined);
// here the same run is made without a plan (no quote) and with one.
func TestScenarioCreateDryRun(t *testing.T) {
	const createNum = "+15559871234"
	op := manager.Op{AuthBy: number.By(master), AssignTo: reseller, DryRun: true}
	w := newWorld(t)
	r := w.m.Create(ctx, []string{createNum}, op)
	if !r.OK() || len(r.Succeeded) != 1 || r.Charges != nil {
		t.Fatalf("dry run: %d ok, failed %v, charges %v", len(r.Succeeded), r.Failed, r.Charges)
	}
	if n := r.Succeeded[0]; n.State != number.InService || n.AssignedTo != reseller || n.ModuleName != "local" {
		t.Fatalf("would be %+v", n)
	}
	if _, err := w.st.GetNumber(ctx, createNum); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("dry run persisted the number: %v", err)
	}

	w.plan(t, "retail", master, `{"name":"Retail","plan":{"number_carriers":{"local":{"activation_charge":"1.00"}}}}`, reseller)
	q := quoteOf(t, w.m.Create(ctx, []string{createNum}, op))
	if len(q) != 1 || q[0].AccountID != reseller || q[0].Summary.TodayMinor != 100 {
		t.Fatalf("quote %+v", q)
	}
	if _, err := w.st.GetNumber(ctx, createNum); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("dry run persisted the number: %v", err)
	}
	if es := w.ledger(t, reseller); len(es) != 0 {
		t.Fatalf("dry run charged %d", len(es))
	}
}

// kazoo-test-scenarios.md §2.9: "dry_run=true writes nothing, and every
// number succeeds", and KNM §7.6: in a dry run the carrier's acquire is a
// no-op. A dry move of numbers from a carrier buys nothing and writes
// nothing, even with a failure scripted at the carrier.
func TestScenarioDryRunCallsNoCarrier(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "retail", reseller, retailPlan, reseller)
	nums, _, _ := mixed(3)
	w.offer(t, nums...)
	w.fake.FailAcquire("", errors.New("the carrier is down"))
	before := w.rows(t)
	r := w.m.Move(ctx, nums, reseller, dry(by(master)))
	if !r.OK() || len(r.Succeeded) != 3 || r.Charges == nil {
		t.Fatalf("%d ok, failed %v", len(r.Succeeded), r.Failed)
	}
	if w.fake.Calls(carriertest.OpAcquire) != 0 || w.rows(t) != before {
		t.Fatal("dry run reached the carrier or the store")
	}
}

// KNM §8.1: a write whose dry run has no quote needs no acceptance; the
// manager reports no charges for accounts without plans and for items no
// plan prices.
func TestNoPlanNoCharges(t *testing.T) {
	w := newWorld(t)
	w.plan(t, "tollfree-only", reseller, `{"name":"TF","plan":{"phone_numbers":{"tollfree_us":{"activation_charge":"1"}}}}`, reseller)
	w.offer(t, didNum)
	if r := w.m.Move(ctx, []string{didNum}, reseller, dry(by(master))); !r.OK() || r.Charges != nil {
		t.Fatalf("charges %v, failed %v", r.Charges, r.Failed)
	}
	if r := w.m.Move(ctx, []string{didNum}, reseller, by(master)); !r.OK() {
		t.Fatal(r.Failed)
	}
	if len(w.ledger(t, reseller)) != 0 {
		t.Fatal("charged for an unpriced item")
	}
}

// BenchmarkDryRunQuote1000 prices a dry-run purchase of 1000 numbers
// across three classes (load, transitions, features, quote).
func BenchmarkDryRunQuote1000(b *testing.B) {
	w := newWorld(b)
	w.plan(b, "retail", reseller, retailPlan, reseller)
	nums, today, _ := mixed(1000)
	w.offer(b, nums...)
	for b.Loop() {
		r := w.m.Move(ctx, nums, reseller, dry(by(master)))
		if q := r.Charges; q == nil || q[0].Summary.TodayMinor != today {
			b.Fatalf("quote %v", r.Charges)
		}
	}
}

// With PlanCacheTTL, the plans linked to an account are read once per
// TTL: another node's link (written to the store directly here) is seen
// once the TTL has passed, this node's own link and unlink at once.
func TestPlanCache(t *testing.T) {
	w := newWorld(t)
	clock := epoch
	now := func() time.Time { return clock }
	bill := billing.New(w.st, billing.ClassifyWith(w.m), billing.Options{Now: now, PlanCacheTTL: time.Second})
	planOf := func() *billing.Plan {
		t.Helper()
		p, _, err := bill.PlanFor(ctx, child)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if planOf() != nil {
		t.Fatal("a plan before any was linked")
	}
	w.plan(t, "retail", reseller, retailPlan, reseller) // another node links it
	if planOf() != nil {
		t.Fatal("another node's link seen before the TTL passed")
	}
	clock = clock.Add(time.Second)
	if p := planOf(); p == nil || p.ID != "retail" {
		t.Fatalf("another node's link not seen after the TTL: %+v", p)
	}
	by, err := w.st.GetAccount(ctx, master)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := w.st.GetAccount(ctx, reseller)
	if err != nil {
		t.Fatal(err)
	}
	if err := bill.UnlinkPlan(ctx, by, acc, "retail"); err != nil {
		t.Fatal(err)
	}
	if p := planOf(); p != nil {
		t.Fatalf("this node's unlink not seen at once: %+v", p)
	}
	if err := bill.LinkPlan(ctx, by, acc, "retail"); err != nil {
		t.Fatal(err)
	}
	if p := planOf(); p == nil {
		t.Fatal("this node's link not seen at once")
	}
}
