package billing_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// monthlyPlan charges only monthly rates: $1.00 a US number, $2.00 a
// toll-free one.
const monthlyPlan = `{"name": "Monthly", "currency": "USD",
  "plan": {"phone_numbers": {"did_us": {"rate": "1.00"}, "tollfree_us": {"rate": "2.00"}}}}`

// TestMonthlyCharges runs the bookkeeping job over three months, on two
// nodes at once (two Books over one store), each pass run twice, with
// numbers added and released mid-month, days on which no node ran, and an
// account whose credit cannot cover its month until credit is added. Each
// account and month is posted once, at the documented proration: the sum
// of the days' bills over the days of the month, rounded once.
func TestMonthlyCharges(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.plan(t, "monthly", master, monthlyPlan, child, reseller)
		nodes := []*billing.Books{billing.NewBooks(w.st, w.bill), billing.NewBooks(w.st, w.bill)}
		put := func(e164, owner string, st number.State, at time.Time) {
			t.Helper()
			n, err := w.st.GetNumber(ctx, e164)
			if number.IsKind(err, number.KindNotFound) {
				n = &number.Number{Number: e164, State: st, AssignedTo: owner, ModuleName: "fake", Created: at, Modified: at}
				if err := w.st.InsertNumber(ctx, n); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n.State, n.Modified = st, at
			if st == number.Released {
				n.AssignedTo, n.PrevAssignedTo = "", n.AssignedTo
			}
			if err := w.st.UpdateNumber(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		const (
			didA, didB, didC = "+14155550101", "+14155550102", "+14155550103"
			toll             = "+18005550199"
		)
		if _, _, err := w.bill.AddCredit(ctx, reseller, 50, "USD", "a little", "r0"); err != nil {
			t.Fatal(err)
		}
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 9, 0, 0, 0, time.UTC) }
		changes := map[time.Time]func(at time.Time){
			day(1, 1): func(at time.Time) {
				put(didA, child, number.InService, at)
				put(toll, reseller, number.InService, at)
			},
			day(1, 11): func(at time.Time) { put(didB, child, number.InService, at) },
			day(2, 3): func(time.Time) {
				if _, _, err := w.bill.AddCredit(ctx, reseller, 1000, "USD", "top-up", "r1"); err != nil {
					t.Fatal(err)
				}
			},
			day(2, 15): func(at time.Time) { put(didA, child, number.Released, at) },
			day(3, 1):  func(at time.Time) { put(didB, child, number.Released, at) },
			day(3, 20): func(at time.Time) { put(didC, child, number.Reserved, at) },
		}
		for at := day(1, 1); !at.After(day(4, 2)); at = at.AddDate(0, 0, 1) {
			if f := changes[at]; f != nil {
				f(at)
			}
			if at.Month() == 1 && at.Day() >= 20 && at.Day() <= 24 {
				continue // no node ran these days
			}
			for range 2 {
				for _, b := range nodes {
					rep, err := b.Run(ctx, at)
					if err != nil || len(rep.Errors) > 0 {
						t.Fatalf("%s: %v %v", at.Format(time.DateOnly), err, rep.Errors)
					}
				}
			}
			if at.Equal(day(2, 2)) {
				owed, err := w.st.ListRecurringPostings(ctx, reseller, store.PostingOwed)
				if err != nil || len(owed) != 1 || owed[0].AmountMinor != 200 {
					t.Fatalf("reseller's January before the top-up: %+v %v", owed, err)
				}
				if c := w.creditOf(t, reseller); c.BalanceMinor != 50 {
					t.Fatalf("an owed month was debited into an overdraft: %+v", c)
				}
			}
		}
		// Hand-computed, in cents: January (31 days): didA 31 days and
		// didB 21 days at 100 = 5200/31 = 167.7 -> 168. February (28):
		// didA 14 days, didB 28 = 4200/28 = 150. March (31): didC
		// reserved from the 20th, 12 days = 1200/31 = 38.7 -> 39. The
		// reseller's toll-free at 200: every month whole.
		want := map[string]int64{
			child + " 2026-01": 168, child + " 2026-02": 150, child + " 2026-03": 39,
			reseller + " 2026-01": 200, reseller + " 2026-02": 200, reseller + " 2026-03": 200,
		}
		ps, err := w.st.ListRecurringPostings(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != len(want) {
			t.Fatalf("%d postings, want %d: %+v", len(ps), len(want), ps)
		}
		for _, p := range ps {
			if p.Status != store.PostingPosted || p.AmountMinor != want[p.AccountID+" "+p.Period] {
				t.Errorf("%s %s: %s %d, want posted %d", p.AccountID, p.Period, p.Status, p.AmountMinor, want[p.AccountID+" "+p.Period])
			}
		}
		for acc, n := range map[string]int{child: 3, reseller: 3} {
			es, err := w.st.ListEvents(ctx, event.Query{AccountID: acc, Types: []string{event.ChargePosted}})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != n {
				t.Errorf("%s has %d charge.posted events, want one a posted month", acc, len(es))
			}
		}
		for acc, months := range map[string][]int64{child: {168, 150, 39}, reseller: {200, 200, 200}} {
			var got []int64
			for _, e := range w.ledger(t, acc) {
				if e.Reason == billing.ReasonMonthly {
					got = append(got, e.AmountMinor)
					var d struct {
						Days  int `json:"days_in_month"`
						Items []struct {
							Item         string `json:"item"`
							QuantityDays int64  `json:"quantity_days"`
						} `json:"items"`
					}
					if err := json.Unmarshal(e.Detail, &d); err != nil || d.Days < 28 || len(d.Items) == 0 {
						t.Errorf("entry detail %s: %v", e.Detail, err)
					}
				}
			}
			if len(got) != len(months) {
				t.Fatalf("%s's ledger has monthly charges %v, want %v", acc, got, months)
			}
			for i := range got {
				if got[i] != months[i] {
					t.Errorf("%s's month %d: %d, want %d", acc, i+1, got[i], months[i])
				}
			}
		}
		if c := w.creditOf(t, reseller); c.BalanceMinor != 50+1000-600 {
			t.Errorf("reseller's balance %d, want %d", c.BalanceMinor, 50+1000-600)
		}
	})
}

// TestProrate checks the rule on its own: a month's days over the month,
// rounded half up once.
func TestProrate(t *testing.T) {
	m := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	var days []*store.RecurringDay
	for d := 1; d <= 14; d++ {
		days = append(days, &store.RecurringDay{AccountID: "a", Day: m.AddDate(0, 0, d-1).Format(time.DateOnly), Currency: "USD", AmountMinor: 100,
			Detail: json.RawMessage(`[{"category":"phone_numbers","item":"did_us","quantity":1,"rate_minor":100,"total_minor":100}]`)})
	}
	p := billing.Prorate(m, days)
	if p.AmountMinor != 50 || p.Days != 14 || p.Period != "2026-02" {
		t.Fatalf("half of February: %+v", p)
	}
	days = days[:1]
	days[0].AmountMinor = 14 // 14/28 = 0.5 -> rounds up
	if p := billing.Prorate(m, days); p.AmountMinor != 1 {
		t.Fatalf("half a cent: %d", p.AmountMinor)
	}
}

// creditOf returns an account's balance.
func (w *world) creditOf(t *testing.T, acc string) *store.Credit {
	t.Helper()
	c, err := w.st.GetCredit(ctx, acc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMonthlyChargesSeams: a crash between storing a month's posting and
// debiting it leaves it owed, and the next pass debits it once; a pass
// whose context is cancelled stops without posting anything half-way.
func TestMonthlyChargesSeams(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.plan(t, "monthly", master, monthlyPlan, child)
		b := billing.NewBooks(w.st, w.bill)
		// The posting as the first step stores it, before a crash.
		crashed := &store.RecurringPosting{AccountID: child, Period: "2026-01", Currency: "USD", AmountMinor: 123, Days: 5,
			Status: store.PostingOwed, Created: epoch, Modified: epoch}
		if err := w.st.InsertRecurringPosting(ctx, crashed); err != nil {
			t.Fatal(err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := b.Run(cancelled, time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)); err == nil {
			t.Fatal("a cancelled pass reported success")
		}
		if ps, _ := w.st.ListRecurringPostings(ctx, child, store.PostingOwed); len(ps) != 1 {
			t.Fatalf("after a cancelled pass: %+v", ps)
		}
		for range 2 {
			if rep, err := b.Run(ctx, time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)); err != nil || len(rep.Errors) > 0 {
				t.Fatalf("%v %v", err, rep.Errors)
			}
		}
		var monthly []int64
		for _, e := range w.ledger(t, child) {
			if e.Reason == billing.ReasonMonthly {
				monthly = append(monthly, e.AmountMinor)
			}
		}
		if len(monthly) != 1 || monthly[0] != 123 {
			t.Fatalf("the crashed month was debited %v, want once 123", monthly)
		}
	})
}
