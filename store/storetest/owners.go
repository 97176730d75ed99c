package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// testAccountOwners: nothing is owned by a missing account. An account
// that numbers are assigned to is not deleted, and a write that gives a
// number an owner locks the owner in its transaction, so a deletion racing
// with it either waits and is refused, or wins and the write fails.
func testAccountOwners(t *testing.T, s store.Store) {
	ctx := context.Background()
	acc := account(1, "Owner")
	mustInsertAccounts(t, s, acc)
	n := plain("+14155550100", number.InService)
	n.AssignedTo = acc.ID
	mustInsert(t, s, n)
	if c, err := s.CountAccountNumbers(ctx, acc.ID); err != nil || c != 1 {
		t.Fatalf("count = %d, %v", c, err)
	}
	wantKind(t, "delete an owner", s.DeleteAccount(ctx, acc.ID), number.KindAccountHasNumbers)
	if _, err := s.GetAccount(ctx, acc.ID); err != nil {
		t.Fatalf("the owner went: %v", err)
	}
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.LockAccount(ctx, accountID(99)) })
	wantKind(t, "lock a missing account", err, number.KindNotFound)

	got := mustGet(t, s, n.Number)
	got.AssignedTo = ""
	if err := s.UpdateNumber(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, acc.ID); err != nil {
		t.Fatalf("delete once nothing is owned: %v", err)
	}

	// Writers give numbers to an account while it is deleted: at the end,
	// no number is owned by a missing account.
	for round := range 5 {
		owner := account(10+round, fmt.Sprintf("Racer %d", round))
		mustInsertAccounts(t, s, owner)
		var assigned atomic.Int64
		together(9, func(w int) {
			if w == 0 {
				err := s.DeleteAccount(ctx, owner.ID)
				if err != nil && !number.IsKind(err, number.KindAccountHasNumbers) {
					t.Errorf("delete: %v", err)
				}
				return
			}
			err := s.InTx(ctx, func(tx store.Tx) error {
				if err := tx.LockAccount(ctx, owner.ID); err != nil {
					return err
				}
				m := plain(fmt.Sprintf("+1415555%02d%02d", round, w), number.InService)
				m.AssignedTo = owner.ID
				return tx.InsertNumber(ctx, m)
			})
			switch {
			case err == nil:
				assigned.Add(1)
			case !number.IsKind(err, number.KindNotFound):
				t.Errorf("assign: %v", err)
			}
		})
		_, err := s.GetAccount(ctx, owner.ID)
		gone := number.IsKind(err, number.KindNotFound)
		held, cerr := s.CountAccountNumbers(ctx, owner.ID)
		if cerr != nil {
			t.Fatal(cerr)
		}
		if gone && held > 0 {
			t.Fatalf("round %d: %d numbers owned by a deleted account", round, held)
		}
		if held != assigned.Load() {
			t.Fatalf("round %d: %d numbers assigned, %d acknowledged", round, held, assigned.Load())
		}
	}
}
