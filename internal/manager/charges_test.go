package manager_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// countingStore counts the reads of numbers that start a run of an
// operation.
type countingStore struct {
	store.Store
	reads atomic.Int64
}

func (c *countingStore) GetNumber(ctx context.Context, e164 string) (*number.Number, error) {
	c.reads.Add(1)
	return c.Store.GetNumber(ctx, e164)
}

func (c *countingStore) GetNumbers(ctx context.Context, e164s []string) (map[string]*number.Number, error) {
	c.reads.Add(int64(len(e164s)))
	return c.Store.GetNumbers(ctx, e164s)
}

// fakeBilling prices every change at quote and counts what it is asked.
type fakeBilling struct {
	quote          billing.Quote
	refuse         error
	quotes, checks int
}

func (f *fakeBilling) Quote(context.Context, []number.Change) (billing.Quote, error) {
	f.quotes++
	return f.quote, nil
}

func (f *fakeBilling) CheckCredit(_ context.Context, q billing.Quote) error {
	f.checks++
	return f.refuse
}

// The quote-then-commit decision: an operation is rehearsed (run dry) at
// most once, then run for real at most once; an operation whose caller
// accepted charges runs once, unrehearsed, when its account can pay
// (one number: the ledger refuses what its account cannot pay, in the
// write's transaction; several: their quote is checked first, and the
// rehearsal refuses them all if it fails).
func TestQuoteThenCommitRunsTheDryRunOnce(t *testing.T) {
	charged := billing.Quote{{AccountID: reseller, Summary: billing.Summary{Today: "1.00", TodayMinor: 100}}}
	refused := number.NewError(number.KindNotEnoughCredit, reseller)
	one, two := []string{inServiceNum}, []string{inServiceNum, withHistoryNum}
	tests := []struct {
		name       string
		bill       *fakeBilling // nil: a manager that charges nothing
		quoteFirst bool
		nums       []string
		runs       int64 // runs of the operation (each reads every number once)
		written    bool
		accept     bool // Result.NeedsAcceptance
		failed     number.Kind
		checks     int
	}{
		{"not accepted, nothing charges", nil, true, one, 2, true, false, "", 0},
		{"not accepted, free", &fakeBilling{}, true, one, 2, true, false, "", 0},
		{"not accepted, charged", &fakeBilling{quote: charged}, true, one, 1, false, true, "", 0},
		{"accepted, nothing charges", nil, false, one, 1, true, false, "", 0},
		{"accepted, free", &fakeBilling{}, false, one, 1, true, false, "", 0},
		{"accepted, charged", &fakeBilling{quote: charged}, false, one, 1, true, false, "", 0},
		{"accepted, free, two numbers", &fakeBilling{}, false, two, 1, true, false, "", 0},
		{"accepted, charged, two numbers", &fakeBilling{quote: charged}, false, two, 1, true, false, "", 1},
		{"accepted, not enough credit, two numbers", &fakeBilling{quote: charged, refuse: refused}, false, two, 2, false, false, number.KindNotEnoughCredit, 2},
		{"not accepted, charged, two numbers", &fakeBilling{quote: charged}, true, two, 1, false, true, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			cs := &countingStore{Store: w.st}
			m := manager.New(cs, w.src, manager.Options{Now: func() time.Time { return w.now }})
			if tc.bill != nil {
				m.SetBilling(tc.bill)
			}
			op := as(reseller)
			op.QuoteFirst = tc.quoteFirst
			before := map[string]int64{}
			for _, n := range tc.nums {
				before[n] = w.stored(t, n).Version
			}
			r := m.Update(ctx, tc.nums, manager.Merge, number.Doc{"my_key": json.RawMessage(`"x"`)}, op)
			if got, want := cs.reads.Load(), tc.runs*int64(len(tc.nums)); got != want {
				t.Errorf("%d reads of the numbers, want %d (%d runs)", got, want, tc.runs)
			}
			if r.NeedsAcceptance != tc.accept || (tc.accept && len(r.Charges) != 1) {
				t.Errorf("needs acceptance %v with charges %v", r.NeedsAcceptance, r.Charges)
			}
			for _, n := range tc.nums {
				switch {
				case tc.failed != "":
					wantKind(t, failure(t, r, n), tc.failed, "")
				case !tc.accept && r.Failed[n] != nil:
					t.Errorf("%s failed: %v", n, r.Failed[n])
				}
				if written := w.stored(t, n).Version != before[n]; written != tc.written {
					t.Errorf("%s written %v, want %v", n, written, tc.written)
				}
			}
			if tc.bill != nil {
				if tc.bill.checks != tc.checks {
					t.Errorf("credit checked %d times, want %d", tc.bill.checks, tc.checks)
				}
				// Each run prices its changes once: a dry run for its
				// quote, a real run for the charges it writes with them.
				if int64(tc.bill.quotes) != tc.runs {
					t.Errorf("priced %d times, want %d", tc.bill.quotes, tc.runs)
				}
			}
		})
	}
}
