package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runHolds is the conformance suite of credit holds and the conditional
// debit: no debit or hold ever takes an account's balance, less what is
// held, below its limit, however many transactions race.
func runHolds(t *testing.T, open Opener) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	credit := func(t *testing.T, s store.Store, acc string, amount int64) {
		t.Helper()
		e := &store.LedgerEntry{AccountID: acc, Type: store.LedgerCredit, Reason: "manual_addition", AmountMinor: amount, Currency: "USD", Created: at}
		if err := s.AppendLedger(ctx, []*store.LedgerEntry{e}); err != nil {
			t.Fatal(err)
		}
	}
	debit := func(acc string, amount int64) *store.LedgerEntry {
		return &store.LedgerEntry{AccountID: acc, Type: store.LedgerDebit, Reason: "number_activation", AmountMinor: amount, Currency: "USD", Created: at}
	}
	hold := func(id, acc string, amount int64) *store.Hold {
		return &store.Hold{ID: id, AccountID: acc, AmountMinor: amount, Currency: "USD", Number: "+14155550100", RequestID: "r1", Created: at}
	}
	balance := func(t *testing.T, s store.Store, acc string) *store.Credit {
		t.Helper()
		c, err := s.GetCredit(ctx, acc)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("hold, release, debit", func(t *testing.T) {
		s := open(t)
		// No credit: nothing to hold, nothing refused.
		if held, err := s.PlaceHold(ctx, hold("h0", "acc", 100)); err != nil || held {
			t.Fatalf("hold without credit: %v %v", held, err)
		}
		credit(t, s, "acc", 500)
		if held, err := s.PlaceHold(ctx, hold("h1", "acc", 300)); err != nil || !held {
			t.Fatalf("hold: %v %v", held, err)
		}
		if c := balance(t, s, "acc"); c.BalanceMinor != 500 || c.HeldMinor != 300 || c.Available() != 200 {
			t.Fatalf("after the hold: %+v", c)
		}
		// What is held cannot be spent twice: by a hold or by a debit.
		_, err := s.PlaceHold(ctx, hold("h2", "acc", 201))
		wantKind(t, "second hold", err, number.KindNotEnoughCredit)
		wantKind(t, "debit over the hold", s.AppendLedger(ctx, []*store.LedgerEntry{debit("acc", 201)}), number.KindNotEnoughCredit)
		_, err = s.PlaceHold(ctx, hold("h1", "acc", 1))
		wantKind(t, "same hold again", err, number.KindConflict)
		wrong := hold("h3", "acc", 1)
		wrong.Currency = "EUR"
		_, err = s.PlaceHold(ctx, wrong)
		wantKind(t, "another currency", err, number.KindInvalid)
		if hs, err := s.ListHolds(ctx, "acc"); err != nil || len(hs) != 1 || hs[0].ID != "h1" || hs[0].AmountMinor != 300 ||
			hs[0].Number != "+14155550100" || !hs[0].Created.Equal(at) {
			t.Fatalf("holds = %+v, %v", hs, err)
		}

		// Settled as bought: the hold becomes the debit, in one transaction.
		err = s.InTx(ctx, func(tx store.Tx) error {
			if err := tx.ReleaseHold(ctx, "h1"); err != nil {
				return err
			}
			return tx.AppendLedger(ctx, []*store.LedgerEntry{debit("acc", 300)})
		})
		if err != nil {
			t.Fatal(err)
		}
		if c := balance(t, s, "acc"); c.BalanceMinor != 200 || c.HeldMinor != 0 {
			t.Fatalf("after settling: %+v", c)
		}
		// Settled once.
		wantKind(t, "release twice", s.ReleaseHold(ctx, "h1"), number.KindNotFound)

		// A limit lets the balance go that far below zero, no further.
		wantKind(t, "limit without credit", s.SetCreditLimit(ctx, "nobody", 100, at), number.KindNotFound)
		wantKind(t, "negative limit", s.SetCreditLimit(ctx, "acc", -1, at), number.KindInvalid)
		if err := s.SetCreditLimit(ctx, "acc", 100, at); err != nil {
			t.Fatal(err)
		}
		wantKind(t, "debit past the limit", s.AppendLedger(ctx, []*store.LedgerEntry{debit("acc", 301)}), number.KindNotEnoughCredit)
		if err := s.AppendLedger(ctx, []*store.LedgerEntry{debit("acc", 300)}); err != nil {
			t.Fatal(err)
		}
		if c := balance(t, s, "acc"); c.BalanceMinor != -100 || c.LimitMinor != 100 || c.Available() != 0 {
			t.Fatalf("at the limit: %+v", c)
		}
		// A refused debit in a batch stores nothing of the batch.
		before, _ := s.ListLedger(ctx, store.LedgerQuery{AccountID: "acc"})
		wantKind(t, "batch", s.AppendLedger(ctx, []*store.LedgerEntry{debit("other", 5), debit("acc", 1)}), number.KindNotEnoughCredit)
		if after, _ := s.ListLedger(ctx, store.LedgerQuery{AccountID: "acc"}); len(after) != len(before) {
			t.Fatal("a refused batch was stored")
		}
	})

	t.Run("rolled back with its transaction", func(t *testing.T) {
		s := open(t)
		credit(t, s, "acc", 500)
		err := s.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.PlaceHold(ctx, hold("h1", "acc", 300)); err != nil {
				return err
			}
			return fmt.Errorf("the intent could not be written")
		})
		if err == nil {
			t.Fatal("no error")
		}
		if c := balance(t, s, "acc"); c.HeldMinor != 0 {
			t.Fatalf("a rolled-back hold holds: %+v", c)
		}
		if hs, _ := s.ListHolds(ctx, "acc"); len(hs) != 0 {
			t.Fatalf("holds = %+v", hs)
		}
	})

	t.Run("concurrent holds and debits never overdraw", func(t *testing.T) {
		s := open(t)
		credit(t, s, "acc", 500) // room for five of 100
		const workers = 24
		var won atomic.Int64
		errs := make(chan error, workers)
		together(workers, func(w int) {
			var err error
			if w%2 == 0 {
				var held bool
				held, err = s.PlaceHold(ctx, hold(fmt.Sprintf("h%d", w), "acc", 100))
				if err == nil && !held {
					err = fmt.Errorf("hold %d not placed", w)
				}
			} else {
				err = s.AppendLedger(ctx, []*store.LedgerEntry{debit("acc", 100)})
			}
			switch {
			case err == nil:
				won.Add(1)
			case !number.IsKind(err, number.KindNotEnoughCredit):
				errs <- err
			}
		})
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		c := balance(t, s, "acc")
		if won.Load() != 5 || c.Available() != 0 || c.BalanceMinor-c.HeldMinor != 0 {
			t.Fatalf("%d won; credit %+v", won.Load(), c)
		}
	})
}
