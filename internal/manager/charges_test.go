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

// countingStore counts the reads that start a run of an operation.
type countingStore struct {
	store.Store
	reads atomic.Int64
}

func (c *countingStore) GetNumber(ctx context.Context, e164 string) (*number.Number, error) {
	c.reads.Add(1)
	return c.Store.GetNumber(ctx, e164)
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
// most once, then run for real at most once.
func TestQuoteThenCommitRunsTheDryRunOnce(t *testing.T) {
	charged := billing.Quote{{AccountID: reseller, Summary: billing.Summary{Today: "1.00", TodayMinor: 100}}}
	refused := number.NewError(number.KindNotEnoughCredit, reseller)
	tests := []struct {
		name       string
		bill       *fakeBilling // nil: a manager that charges nothing
		quoteFirst bool
		runs       int64 // reads of the number: one per run
		written    bool
		accept     bool // Result.NeedsAcceptance
		failed     number.Kind
		checks     int
	}{
		{"not accepted, nothing charges", nil, true, 2, true, false, "", 0},
		{"not accepted, free", &fakeBilling{}, true, 2, true, false, "", 0},
		{"not accepted, charged", &fakeBilling{quote: charged}, true, 1, false, true, "", 0},
		{"accepted, nothing charges", nil, false, 1, true, false, "", 0},
		{"accepted, free", &fakeBilling{}, false, 2, true, false, "", 0},
		{"accepted, charged", &fakeBilling{quote: charged}, false, 2, true, false, "", 1},
		{"accepted, not enough credit", &fakeBilling{quote: charged, refuse: refused}, false, 1, false, false, number.KindNotEnoughCredit, 1},
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
			before := w.stored(t, inServiceNum)
			r := m.Update(ctx, []string{inServiceNum}, manager.Merge, number.Doc{"my_key": json.RawMessage(`"x"`)}, op)
			if got := cs.reads.Load(); got != tc.runs {
				t.Errorf("the operation ran %d times, want %d", got, tc.runs)
			}
			if r.NeedsAcceptance != tc.accept || (tc.accept && len(r.Charges) != 1) {
				t.Errorf("needs acceptance %v with charges %v", r.NeedsAcceptance, r.Charges)
			}
			if tc.failed != "" {
				wantKind(t, failure(t, r, inServiceNum), tc.failed, "")
			} else if !tc.accept {
				one(t, r)
			}
			after := w.stored(t, inServiceNum)
			if written := after.Version != before.Version; written != tc.written {
				t.Errorf("written %v, want %v", written, tc.written)
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
