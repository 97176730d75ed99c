package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runRecurring is the conformance suite of the bookkeeping records: days
// kept once, postings once per account and month, owed postings settled
// once.
func runRecurring(t *testing.T, open Opener) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	t.Run("days are kept once", func(t *testing.T) {
		s := open(t)
		day := func(acc, d string, amount int64) *store.RecurringDay {
			return &store.RecurringDay{AccountID: acc, Day: d, Currency: "USD", AmountMinor: amount, Detail: []byte(`[{"item":"did_us"}]`)}
		}
		n, err := s.PutRecurringDays(ctx, []*store.RecurringDay{day("a", "2026-03-01", 200), day("a", "2026-03-02", 400), day("b", "2026-03-01", 100)})
		if err != nil || n != 3 {
			t.Fatalf("put: %d %v", n, err)
		}
		if n, err := s.PutRecurringDays(ctx, []*store.RecurringDay{day("a", "2026-03-02", 999), day("a", "2026-03-03", 0)}); err != nil || n != 1 {
			t.Fatalf("put again: %d %v", n, err)
		}
		days, err := s.ListRecurringDays(ctx, "a", "2026-03-01", "2026-03-31")
		if err != nil || len(days) != 3 || days[1].AmountMinor != 400 || days[2].AmountMinor != 0 || string(days[0].Detail) != `[{"item":"did_us"}]` {
			t.Fatalf("days: %+v %v", days, err)
		}
		last, err := s.LastRecurringDay(ctx, "a", "2026-03-02")
		if err != nil || last.Day != "2026-03-02" {
			t.Fatalf("last: %+v %v", last, err)
		}
		if _, err := s.LastRecurringDay(ctx, "a", "2026-02-28"); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("last before any: %v", err)
		}
		n1 := &number.Number{Number: "+14155550100", State: number.InService, AssignedTo: "c", ModuleName: "local", Created: at, Modified: at}
		if err := s.InsertAccount(ctx, &number.Account{ID: "c", Name: "C", Tree: []string{}, Enabled: true, Created: at, Modified: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.InsertNumber(ctx, n1); err != nil {
			t.Fatal(err)
		}
		accs, err := s.RecurringAccounts(ctx, []number.State{number.InService, number.Reserved}, "2026-03-02")
		if err != nil || len(accs) != 2 || accs[0] != "a" || accs[1] != "c" {
			t.Fatalf("accounts: %v %v", accs, err)
		}
	})
	t.Run("a month is posted once", func(t *testing.T) {
		s := open(t)
		p := func() *store.RecurringPosting {
			return &store.RecurringPosting{AccountID: "a", Period: "2026-03", Currency: "USD", AmountMinor: 1234, Days: 31,
				Status: store.PostingOwed, Created: at, Modified: at}
		}
		var won atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				err := s.InsertRecurringPosting(ctx, p())
				switch {
				case err == nil:
					won.Add(1)
				case !number.IsKind(err, number.KindConflict):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d postings of one month", won.Load())
		}
		if err := s.SettleRecurringPosting(ctx, "a", "2026-03", 7, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.SettleRecurringPosting(ctx, "a", "2026-03", 8, at.Add(time.Hour)); !number.IsKind(err, number.KindConflict) {
			t.Fatalf("settled twice: %v", err)
		}
		ps, err := s.ListRecurringPostings(ctx, "", store.PostingPosted)
		if err != nil || len(ps) != 1 || ps[0].LedgerID != 7 || ps[0].AmountMinor != 1234 || !ps[0].Created.Equal(at) {
			t.Fatalf("postings: %+v %v", ps, err)
		}
		if ps, _ := s.ListRecurringPostings(ctx, "a", store.PostingOwed); len(ps) != 0 {
			t.Fatalf("owed after settling: %+v", ps)
		}
	})
}

// runRequests is the conformance suite of idempotency keys and rate
// buckets: one claim of a key however many race, replies kept, expired
// keys new again; a bucket never gives more than it holds.
func runRequests(t *testing.T, open Opener) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	t.Run("idempotency keys", func(t *testing.T) {
		s := open(t)
		rec := func(hash string, now time.Time) *store.IdempotencyRecord {
			return &store.IdempotencyRecord{Scope: "acct", Key: "k1", RequestHash: hash, Created: now, Expires: now.Add(time.Hour)}
		}
		var claims atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				stored, claimed, err := s.ClaimIdempotencyKey(ctx, rec("h1", at))
				switch {
				case err != nil:
					t.Error(err)
				case claimed:
					claims.Add(1)
				case stored.Status != store.KeyPending || stored.RequestHash != "h1":
					t.Errorf("stored: %+v", stored)
				}
			})
		}
		wg.Wait()
		if claims.Load() != 1 {
			t.Fatalf("%d claims of one key", claims.Load())
		}
		if err := s.FinishIdempotencyKey(ctx, "acct", "k1", 201, "application/json", []byte(`{"status":"success"}`)); err != nil {
			t.Fatal(err)
		}
		stored, claimed, err := s.ClaimIdempotencyKey(ctx, rec("h2", at.Add(time.Minute)))
		if err != nil || claimed || stored.Status != store.KeyDone || stored.Code != 201 || string(stored.Body) != `{"status":"success"}` || stored.RequestHash != "h1" {
			t.Fatalf("replay: %+v %v %v", stored, claimed, err)
		}
		if _, claimed, err := s.ClaimIdempotencyKey(ctx, &store.IdempotencyRecord{Scope: "other", Key: "k1", RequestHash: "h1", Created: at, Expires: at.Add(time.Hour)}); err != nil || !claimed {
			t.Fatalf("another scope's key: %v %v", claimed, err)
		}
		if _, claimed, err := s.ClaimIdempotencyKey(ctx, rec("h3", at.Add(2*time.Hour))); err != nil || !claimed {
			t.Fatalf("expired key: %v %v", claimed, err)
		}
		if err := s.ForgetIdempotencyKey(ctx, "acct", "k1"); err != nil {
			t.Fatal(err)
		}
		if _, claimed, err := s.ClaimIdempotencyKey(ctx, rec("h4", at.Add(2*time.Hour))); err != nil || !claimed {
			t.Fatalf("forgotten key: %v %v", claimed, err)
		}
		if n, err := s.PurgeIdempotencyKeys(ctx, at.Add(4*time.Hour)); err != nil || n != 2 {
			t.Fatalf("purge: %d %v", n, err)
		}
	})
	t.Run("rate buckets", func(t *testing.T) {
		s := open(t)
		var got atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				ok, _, err := s.TakeTokens(ctx, "acct:w", 1, 10, 0.5, at)
				if err != nil {
					t.Error(err)
				}
				if ok {
					got.Add(1)
				}
			})
		}
		wg.Wait()
		if got.Load() != 10 {
			t.Fatalf("a bucket of 10 gave %d", got.Load())
		}
		ok, wait, err := s.TakeTokens(ctx, "acct:w", 1, 10, 0.5, at)
		if err != nil || ok || wait != 2*time.Second {
			t.Fatalf("empty bucket: %v %v %v", ok, wait, err)
		}
		if ok, _, err := s.TakeTokens(ctx, "acct:w", 1, 10, 0.5, at.Add(time.Second)); err != nil || ok {
			t.Fatalf("half a token: %v %v", ok, err)
		}
		if ok, _, err := s.TakeTokens(ctx, "acct:w", 1, 10, 0.5, at.Add(2*time.Second)); err != nil || !ok {
			t.Fatalf("refilled: %v %v", ok, err)
		}
		// A node whose clock is behind refills nothing and takes nothing
		// it does not have.
		if ok, _, err := s.TakeTokens(ctx, "acct:w", 1, 10, 0.5, at); err != nil || ok {
			t.Fatalf("clock behind: %v %v", ok, err)
		}
		if ok, _, err := s.TakeTokens(ctx, "acct:w", 1, 10, 0.5, at.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("full again: %v %v", ok, err)
		}
		if ok, _, err := s.TakeTokens(ctx, "other", 1, 10, 0.5, at); err != nil || !ok {
			t.Fatalf("another bucket: %v %v", ok, err)
		}
	})
}
