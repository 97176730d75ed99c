package billing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// The seams of a purchase that costs money: a client that goes away, a
// server deadline, a carrier that refuses, a reply that is lost, a write
// that fails halfway, and buyers racing for one balance. On both stores.

// dollarPlan charges $1.00 to activate a US number and nothing else.
const dollarPlan = `{"name": "Dollar", "currency": "USD",
  "plan": {"phone_numbers": {"did_us": {"activation_charge": "1.00", "rate": "1.00"}}}}`

// deadlineCtx is a context whose deadline the test decides has passed:
// Done closes when expire is called, and Err is DeadlineExceeded, as when
// the server's own request deadline passes while a carrier is slow.
type deadlineCtx struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func withTestDeadline(parent context.Context) *deadlineCtx {
	return &deadlineCtx{Context: parent, done: make(chan struct{})}
}

func (c *deadlineCtx) expire()               { c.once.Do(func() { close(c.done) }) }
func (c *deadlineCtx) Done() <-chan struct{} { return c.done }
func (c *deadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// credit returns the child's balance.
func (w *world) credit(t *testing.T) *store.Credit {
	t.Helper()
	c, err := w.st.GetCredit(ctx, child)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// debits returns the child's debit entries for num.
func (w *world) debits(t *testing.T, num string) []*store.LedgerEntry {
	t.Helper()
	var out []*store.LedgerEntry
	for _, e := range w.ledger(t, child) {
		if e.Type == store.LedgerDebit && e.Number == num {
			out = append(out, e)
		}
	}
	return out
}

// The buyer's request ends (the client hangs up, or the server's deadline
// passes) while the carrier is still selling: the buyer hears the purchase
// is pending; the sale completes in the background and is recorded and
// charged once; reconciliation afterwards finds nothing left to do.
func TestPurchaseOutlivesItsRequest(t *testing.T) {
	ends := map[string]func(parent context.Context) (context.Context, func()){
		"client hangs up": func(parent context.Context) (context.Context, func()) {
			c, cancel := context.WithCancelCause(parent)
			return c, func() { cancel(errors.New("client went away")) }
		},
		"server deadline passes": func(parent context.Context) (context.Context, func()) {
			c := withTestDeadline(parent)
			return c, c.expire
		},
	}
	for name, end := range ends {
		t.Run(name, func(t *testing.T) {
			eachWorld(t, func(t *testing.T, w *world) {
				w.plan(t, "dollar", reseller, dollarPlan, reseller)
				if _, _, err := w.bill.AddCredit(ctx, child, 500, "USD", "", "req-credit"); err != nil {
					t.Fatal(err)
				}
				w.offer(t, didNum)
				gate := w.fake.Hold(carriertest.OpAcquire)
				t.Cleanup(gate.Release)

				rctx, stop := end(ctx)
				res := make(chan *manager.Result, 1)
				go func() { res <- w.m.Move(rctx, []string{didNum}, child, by(master)) }()
				<-gate.Entered()
				stop()
				r := <-res
				if e := number.AsError(r.Failed[didNum]); e.Kind != number.KindPurchasePending {
					t.Fatalf("reply %v, want purchase_pending", r.Failed)
				}
				// Pending: the money is set aside, nothing is charged yet.
				if c := w.credit(t); c.HeldMinor != 100 || c.BalanceMinor != 500 {
					t.Fatalf("while pending: %+v", c)
				}
				gate.Release()
				if err := w.m.Drain(ctx); err != nil {
					t.Fatal(err)
				}
				n, err := w.st.GetNumber(ctx, didNum)
				if err != nil || n.State != number.InService || n.AssignedTo != child {
					t.Fatalf("after the sale: %+v %v", n, err)
				}
				for range 2 {
					rep, err := w.m.Reconcile(ctx, 0)
					if err != nil || len(rep.Recorded)+len(rep.Dropped)+len(rep.Pending) != 0 {
						t.Fatalf("reconcile: %+v %v", rep, err)
					}
				}
				if d := w.debits(t, didNum); len(d) != 1 || d[0].AmountMinor != 100 {
					t.Fatalf("charged %d times", len(d))
				}
				if c := w.credit(t); c.HeldMinor != 0 || c.BalanceMinor != 400 {
					t.Fatalf("after the sale: %+v", c)
				}
				if got := w.fake.Acquired(); len(got) != 1 {
					t.Fatalf("bought %v", got)
				}
			})
		})
	}
}

// The carrier sold the number but its reply was lost (a 502 after the
// order was sent): the intent and its hold stay; reconciliation on two
// nodes at once records the number once and charges it once.
func TestLostReplyIsReconciledAndChargedOnce(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.plan(t, "dollar", reseller, dollarPlan, reseller)
		if _, _, err := w.bill.AddCredit(ctx, child, 500, "USD", "", "req-credit"); err != nil {
			t.Fatal(err)
		}
		w.offer(t, didNum)
		w.fake.LoseAcquireReply("", carrier.Classify(number.Errorf(number.KindByCarrier, didNum, "HTTP 502"), carrier.Transient))
		r := w.m.Move(ctx, []string{didNum}, child, by(master))
		if e := number.AsError(r.Failed[didNum]); e.Kind != number.KindPurchasePending {
			t.Fatalf("reply %v", r.Failed)
		}
		if c := w.credit(t); c.HeldMinor != 100 {
			t.Fatalf("nothing held: %+v", c)
		}
		// A second node on the same database.
		src := config.NewSource(w.st, "", time.Nanosecond)
		other := manager.New(w.st, src, manager.Options{Now: func() time.Time { return epoch }})
		other.SetBilling(billing.New(w.st, billing.ClassifyWith(other), billing.Options{Now: func() time.Time { return epoch }}))
		var wg sync.WaitGroup
		recorded := make([]int, 2)
		for i, m := range []*manager.Manager{w.m, other} {
			wg.Go(func() {
				rep, err := m.Reconcile(ctx, 0)
				if err != nil {
					t.Error(err)
				}
				recorded[i] = len(rep.Recorded)
			})
		}
		wg.Wait()
		if recorded[0]+recorded[1] != 1 {
			t.Fatalf("recorded %v times", recorded)
		}
		n, err := w.st.GetNumber(ctx, didNum)
		if err != nil || n.State != number.InService || n.AssignedTo != child {
			t.Fatalf("reconciled %+v %v", n, err)
		}
		if d := w.debits(t, didNum); len(d) != 1 || d[0].AmountMinor != 100 {
			t.Fatalf("charged %d times", len(d))
		}
		if c := w.credit(t); c.HeldMinor != 0 || c.BalanceMinor != 400 {
			t.Fatalf("after reconciliation: %+v", c)
		}
	})
}

// A definite refusal from the carrier leaves nothing: no number, no intent,
// no hold, no charge.
func TestCarrierRefusalLeavesNothing(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.plan(t, "dollar", reseller, dollarPlan, reseller)
		if _, _, err := w.bill.AddCredit(ctx, child, 500, "USD", "", "req-credit"); err != nil {
			t.Fatal(err)
		}
		w.offer(t, didNum)
		w.fake.FailAcquire("", carrier.Classify(number.Errorf(number.KindByCarrier, didNum, "number no longer available"), carrier.Taken))
		r := w.m.Move(ctx, []string{didNum}, child, by(master))
		if e := number.AsError(r.Failed[didNum]); e.Kind != number.KindByCarrier {
			t.Fatalf("reply %v", r.Failed)
		}
		// The offer itself may go (the carrier says it is taken), but
		// nobody owns the number and nothing is charged.
		if n, err := w.st.GetNumber(ctx, didNum); err == nil && (n.AssignedTo != "" || n.CarrierData[manager.PurchaseKey] != nil) {
			t.Fatalf("left behind: %+v", n)
		}
		if d := w.debits(t, didNum); len(d) != 0 {
			t.Fatalf("charged %d times", len(d))
		}
		if c := w.credit(t); c.HeldMinor != 0 || c.BalanceMinor != 500 {
			t.Fatalf("credit %+v", c)
		}
		if hs, _ := w.st.ListHolds(ctx, child); len(hs) != 0 {
			t.Fatalf("holds %+v", hs)
		}
	})
}

// failingLedger fails the ledger write inside the number's transaction, as
// a crash or a database error between the two writes would.
type failingLedger struct{ store.Store }

func (f failingLedger) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return f.Store.InTx(ctx, func(tx store.Tx) error { return fn(failingLedgerTx{tx}) })
}

type failingLedgerTx struct{ store.Tx }

func (failingLedgerTx) AppendLedger(context.Context, []*store.LedgerEntry) error {
	return errors.New("the database went away")
}

// A failure between the number write and the ledger write leaves both or
// neither: a number written without its charge never happens. A purchase
// the carrier made stays as an intent, recorded and charged once later.
func TestNumberAndLedgerBothOrNeither(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.plan(t, "dollar", reseller, dollarPlan, reseller)
		if _, _, err := w.bill.AddCredit(ctx, child, 500, "USD", "", "req-credit"); err != nil {
			t.Fatal(err)
		}
		w.offer(t, didNum)
		src := config.NewSource(w.st, "", time.Nanosecond)
		broken := manager.New(failingLedger{w.st}, src, manager.Options{Now: func() time.Time { return epoch }})
		broken.SetBilling(billing.New(w.st, billing.ClassifyWith(broken), billing.Options{Now: func() time.Time { return epoch }}))

		r := broken.Move(ctx, []string{didNum}, child, by(master))
		if e := number.AsError(r.Failed[didNum]); e.Kind != number.KindPurchasePending {
			t.Fatalf("reply %v", r.Failed)
		}
		n, err := w.st.GetNumber(ctx, didNum)
		if err != nil || n.State != number.Discovery || n.AssignedTo == child {
			t.Fatalf("the number was written without its charge: %+v %v", n, err)
		}
		if d := w.debits(t, didNum); len(d) != 0 {
			t.Fatalf("charged without the number: %d", len(d))
		}
		rep, err := w.m.Reconcile(ctx, 0)
		if err != nil || len(rep.Recorded) != 1 {
			t.Fatalf("%+v %v", rep, err)
		}
		if d := w.debits(t, didNum); len(d) != 1 {
			t.Fatalf("charged %d times", len(d))
		}

		// The same for a write that calls no carrier (a number created in
		// service): both or neither.
		const created = "+14155550177"
		cr := broken.Create(ctx, []string{created}, manager.Op{AuthBy: number.By(master), AssignTo: child, ModuleName: "fake"})
		if len(cr.Failed) != 1 {
			t.Fatalf("create: %+v", cr)
		}
		if _, err := w.st.GetNumber(ctx, created); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("created without its charge: %v", err)
		}
		if d := w.debits(t, created); len(d) != 0 {
			t.Fatalf("charged for nothing: %d", len(d))
		}
	})
}

// Twenty buyers race for one balance that pays for five: five numbers are
// bought, the balance never goes below its limit, and the ledger holds
// exactly five charges.
func TestConcurrentBuyersNeverOverdraw(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		w.plan(t, "dollar", reseller, dollarPlan, reseller)
		if _, _, err := w.bill.AddCredit(ctx, child, 500, "USD", "", "req-credit"); err != nil {
			t.Fatal(err)
		}
		const buyers = 20
		nums := make([]string, buyers)
		for i := range nums {
			nums[i] = fmt.Sprintf("+1415555%04d", 200+i)
		}
		w.offer(t, nums...)
		var wg sync.WaitGroup
		results := make([]*manager.Result, buyers)
		for i, n := range nums {
			wg.Go(func() { results[i] = w.m.Move(ctx, []string{n}, child, by(master)) })
		}
		wg.Wait()
		bought := 0
		for i, r := range results {
			switch {
			case r.OK():
				bought++
			case number.IsKind(r.Failed[nums[i]], number.KindNotEnoughCredit):
			default:
				t.Fatalf("%s: %v", nums[i], r.Failed)
			}
		}
		c := w.credit(t)
		if bought != 5 || c.BalanceMinor != 0 || c.HeldMinor != 0 {
			t.Fatalf("bought %d, credit %+v", bought, c)
		}
		var sum int64
		for _, e := range w.ledger(t, child) {
			if e.Type == store.LedgerDebit {
				sum += e.AmountMinor
			}
		}
		if sum != int64(bought)*100 || len(w.fake.Acquired()) != bought {
			t.Fatalf("ledger debits %d for %d numbers; carrier sold %d", sum, bought, len(w.fake.Acquired()))
		}
	})
}
