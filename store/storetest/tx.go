package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runTx is the conformance suite of Store.InTx: commit, rollback on an
// error, a panic or a cancelled context, a number write and its ledger
// entry together or not at all, and concurrent transactions on one row.
func runTx(t *testing.T, open Opener) {
	suite{
		{"commit, reading its own writes", testTxCommit},
		{"rollback on error", testTxRollbackOnError},
		{"rollback on panic", testTxRollbackOnPanic},
		{"rollback on a cancelled context", testTxCancelled},
		{"number write and ledger entry both or neither", testTxNumberAndLedger},
		{"duplicate in a bulk insert", testTxBulkDuplicate},
		{"concurrent transactions on one row", func(t *testing.T, s store.Store) { testTxRace(t, s, false) }},
		{"concurrent transactions locking one row", func(t *testing.T, s store.Store) { testTxRace(t, s, true) }},
		{"an update, its event and its owner's lock at once", testNumberUpdater},
		{"concurrent updates at once of one row", testNumberUpdaterRace},
		{"numbers prepared before their transaction", testNumberPreparer},
	}.run(t, open)
}

// debit returns a ledger entry charging acct for e164.
func debit(acct, e164 string, amount int64) *store.LedgerEntry {
	return &store.LedgerEntry{AccountID: acct, Type: store.LedgerDebit, Reason: "number_activation", Number: e164,
		Category: "phone_numbers", Item: "did_us", AmountMinor: amount, Currency: "USD", Created: at}
}

// ledgerOf returns acct's ledger.
func ledgerOf(t *testing.T, s store.Store, acct string) []*store.LedgerEntry {
	t.Helper()
	es, err := s.ListLedger(ctxT(t), store.LedgerQuery{AccountID: acct})
	if err != nil {
		t.Fatalf("ListLedger: %v", err)
	}
	return es
}

// wantAbsent fails unless e164 is not stored.
func wantAbsent(t *testing.T, s store.Store, e164 string) {
	t.Helper()
	_, err := s.GetNumber(ctxT(t), e164)
	wantKind(t, "GetNumber of a number a rolled back transaction wrote", err, number.KindNotFound)
}

func testTxCommit(t *testing.T, s store.Store) {
	acct := account(1, "master")
	err := s.InTx(ctxT(t), func(tx store.Tx) error {
		n := plain("+14155550200", number.Available)
		if err := tx.InsertNumber(ctxT(t), n); err != nil {
			return err
		}
		got, err := tx.GetNumber(ctxT(t), n.Number)
		if err != nil || got.Version != 1 {
			return fmt.Errorf("reading its own insert: %v, %w", got, err)
		}
		got.State = number.Reserved
		if err := tx.UpdateNumber(ctxT(t), got); err != nil {
			return err
		}
		if err := tx.InsertAccount(ctxT(t), acct); err != nil {
			return err
		}
		if err := tx.PutConfig(ctxT(t), "number_manager", json.RawMessage(`{"default":{}}`)); err != nil {
			return err
		}
		if err := tx.QueueDisconnect(ctxT(t), store.PendingDisconnect{Number: n.Number, Carrier: "local", NextAttempt: at}); err != nil {
			return err
		}
		credit := &store.LedgerEntry{AccountID: acct.ID, Type: store.LedgerCredit, Reason: "manual_addition", AmountMinor: 1000, Currency: "USD", Created: at}
		if err := tx.AppendLedger(ctxT(t), []*store.LedgerEntry{credit, debit(acct.ID, n.Number, 300)}); err != nil {
			return err
		}
		if c, err := tx.GetCredit(ctxT(t), acct.ID); err != nil || c.BalanceMinor != 700 {
			return fmt.Errorf("reading its own credit: %+v, %w", c, err)
		}
		if got, err := tx.GetNumberForUpdate(ctxT(t), n.Number); err != nil || got.State != number.Reserved || got.Version != 2 {
			return fmt.Errorf("reading its own update for update: %+v, %w", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if got := mustGet(t, s, "+14155550200"); got.State != number.Reserved || got.Version != 2 {
		t.Errorf("after commit: state %s version %d, want reserved 2", got.State, got.Version)
	}
	if _, err := s.GetAccount(ctxT(t), acct.ID); err != nil {
		t.Errorf("account after commit: %v", err)
	}
	if _, err := s.GetConfig(ctxT(t), "number_manager"); err != nil {
		t.Errorf("config after commit: %v", err)
	}
	if due, err := s.DueDisconnects(ctxT(t), at, 10); err != nil || len(due) != 1 {
		t.Errorf("disconnects after commit: %v, %v", due, err)
	}
	if es := ledgerOf(t, s, acct.ID); len(es) != 2 {
		t.Errorf("ledger after commit: %d entries, want 2", len(es))
	}
	// The store works as before once the transaction ended.
	mustInsert(t, s, plain("+14155550201", number.Available))
}

// writeAll writes a number, an account, a config and a ledger entry in tx.
func writeAll(t *testing.T, tx store.Tx, e164 string) error {
	if err := tx.InsertNumber(ctxT(t), plain(e164, number.Available)); err != nil {
		return err
	}
	if err := tx.InsertAccount(ctxT(t), account(9, "rolled-back")); err != nil {
		return err
	}
	if err := tx.PutConfig(ctxT(t), "rolled_back", json.RawMessage(`{}`)); err != nil {
		return err
	}
	return tx.AppendLedger(ctxT(t), []*store.LedgerEntry{debit(accountID(9), e164, 100)})
}

// wantNothing fails if anything writeAll wrote is stored.
func wantNothing(t *testing.T, s store.Store, e164 string) {
	t.Helper()
	wantAbsent(t, s, e164)
	_, err := s.GetAccount(ctxT(t), accountID(9))
	wantKind(t, "GetAccount after rollback", err, number.KindNotFound)
	_, err = s.GetConfig(ctxT(t), "rolled_back")
	wantKind(t, "GetConfig after rollback", err, number.KindNotFound)
	if es := ledgerOf(t, s, accountID(9)); len(es) != 0 {
		t.Errorf("ledger after rollback: %d entries", len(es))
	}
}

func testTxRollbackOnError(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.InTx(ctxT(t), func(tx store.Tx) error {
		if err := writeAll(t, tx, "+14155550210"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	wantNothing(t, s, "+14155550210")
	mustInsert(t, s, plain("+14155550210", number.Available)) // the writer is free again
}

func testTxRollbackOnPanic(t *testing.T, s store.Store) {
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want the panic of fn", p)
			}
		}()
		_ = s.InTx(ctxT(t), func(tx store.Tx) error {
			if err := writeAll(t, tx, "+14155550220"); err != nil {
				t.Errorf("writeAll: %v", err)
			}
			panic("boom")
		})
	}()
	wantNothing(t, s, "+14155550220")
	mustInsert(t, s, plain("+14155550220", number.Available))
}

func testTxCancelled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(ctxT(t))
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := writeAll(t, tx, "+14155550230"); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if err == nil {
		t.Fatal("InTx committed after its context was cancelled")
	}
	wantNothing(t, s, "+14155550230")
	// A context cancelled before InTx: fn never runs.
	err = s.InTx(ctx, func(tx store.Tx) error {
		t.Error("fn ran on a cancelled context")
		return nil
	})
	if err == nil {
		t.Error("InTx on a cancelled context succeeded")
	}
	mustInsert(t, s, plain("+14155550230", number.Available))
}

func testTxNumberAndLedger(t *testing.T, s store.Store) {
	const e164 = "+14155550240"
	acct := accountID(1)
	mustInsert(t, s, plain(e164, number.Available))
	credit := &store.LedgerEntry{AccountID: acct, Type: store.LedgerCredit, Reason: "manual_addition", AmountMinor: 1000, Currency: "USD", Created: at}
	if err := s.AppendLedger(ctxT(t), []*store.LedgerEntry{credit}); err != nil {
		t.Fatal(err)
	}
	// buy reserves the number read at version and charges for it, in one
	// transaction.
	buy := func(version int64, charge *store.LedgerEntry) error {
		return s.InTx(ctxT(t), func(tx store.Tx) error {
			n, err := tx.GetNumber(ctxT(t), e164)
			if err != nil {
				return err
			}
			n.Version = version
			n.State, n.AssignedTo = number.Reserved, acct
			if err := tx.UpdateNumber(ctxT(t), n); err != nil {
				return err
			}
			return tx.AppendLedger(ctxT(t), []*store.LedgerEntry{charge})
		})
	}
	// The ledger refuses the entry (another currency): the number is not written.
	eur := debit(acct, e164, 300)
	eur.Currency = "EUR"
	wantKind(t, "a purchase whose ledger entry fails", buy(1, eur), number.KindInvalid)
	// The number write loses (stale version): nothing is charged.
	wantKind(t, "a purchase whose number write loses", buy(7, debit(acct, e164, 300)), number.KindConflict)
	if got := mustGet(t, s, e164); got.State != number.Available || got.Version != 1 {
		t.Fatalf("after failed purchases: state %s version %d, want available 1", got.State, got.Version)
	}
	if es := ledgerOf(t, s, acct); len(es) != 1 {
		t.Fatalf("after failed purchases: %d ledger entries, want only the credit", len(es))
	}
	// Both succeed: both are stored.
	if err := buy(1, debit(acct, e164, 300)); err != nil {
		t.Fatalf("purchase: %v", err)
	}
	if got := mustGet(t, s, e164); got.State != number.Reserved || got.Version != 2 {
		t.Errorf("after the purchase: state %s version %d, want reserved 2", got.State, got.Version)
	}
	if c, err := s.GetCredit(ctxT(t), acct); err != nil || c.BalanceMinor != 700 || len(ledgerOf(t, s, acct)) != 2 {
		t.Errorf("after the purchase: credit %+v (%v), want 700 and 2 ledger entries", c, err)
	}
}

func testTxBulkDuplicate(t *testing.T, s store.Store) {
	mustInsert(t, s, plain("+14155550251", number.Available))
	err := s.InTx(ctxT(t), func(tx store.Tx) error {
		if err := tx.InsertNumber(ctxT(t), plain("+14155550250", number.Available)); err != nil {
			return err
		}
		err := tx.InsertNumbers(ctxT(t), []*number.Number{plain("+14155550252", number.Available), plain("+14155550251", number.Available)})
		if e := number.AsError(err); !number.IsKind(err, number.KindNumberExists) || e.Number != "+14155550251" {
			t.Errorf("InsertNumbers with a stored number in a transaction: %v, want KindNumberExists naming +14155550251", err)
		}
		return err
	})
	wantKind(t, "InTx of a failed bulk insert", err, number.KindNumberExists)
	wantAbsent(t, s, "+14155550250")
	wantAbsent(t, s, "+14155550252")
}

// testTxRace has 20 transactions race to reserve one number and charge for
// it: exactly one wins, and exactly one charge is stored. With lock, they
// read the number for update.
func testTxRace(t *testing.T, s store.Store, lock bool) {
	const workers, e164 = 20, "+14155550260"
	mustInsert(t, s, plain(e164, number.Available))
	var wins atomic.Int64
	together(workers, func(w int) {
		acct := accountID(100 + w)
		wrote := false
		err := s.InTx(context.Background(), func(tx store.Tx) error {
			get := tx.GetNumber
			if lock {
				get = tx.GetNumberForUpdate
			}
			n, err := get(context.Background(), e164)
			if err != nil {
				return err
			}
			if n.State != number.Available {
				return nil // lost: nothing to write
			}
			n.State, n.AssignedTo = number.Reserved, acct
			if err := tx.UpdateNumber(context.Background(), n); err != nil {
				return err
			}
			wrote = true
			return tx.AppendLedger(context.Background(), []*store.LedgerEntry{debit(acct, e164, 100)})
		})
		switch {
		case err == nil && wrote:
			wins.Add(1)
		case err != nil && !number.IsKind(err, number.KindConflict):
			t.Errorf("InTx: %v", err)
		}
	})
	got := mustGet(t, s, e164)
	if wins.Load() != 1 || got.State != number.Reserved || got.Version != 2 {
		t.Fatalf("%d winners; number %s version %d; want 1 winner, reserved, version 2", wins.Load(), got.State, got.Version)
	}
	if es := ledgerOf(t, s, got.AssignedTo); len(es) != 1 {
		t.Errorf("the winner has %d ledger entries, want 1", len(es))
	}
	for w := range workers {
		if acct := accountID(100 + w); acct != got.AssignedTo && len(ledgerOf(t, s, acct)) != 0 {
			t.Errorf("loser %s was charged", acct)
		}
	}
}

// updater is s as a store.NumberUpdater; the test is skipped for stores
// without the capability.
func updater(t *testing.T, s store.Store) store.NumberUpdater {
	t.Helper()
	u, ok := s.(store.NumberUpdater)
	if !ok {
		t.Skip("the store is not a store.NumberUpdater")
	}
	return u
}

// testNumberUpdater checks store.NumberUpdater: it writes what LockAccount
// and UpdateNumber would, with the event's before as given, and nothing
// at all when the version moved, the number is gone or the owner is
// missing.
func testNumberUpdater(t *testing.T, s store.Store) {
	u := updater(t, s)
	ctx := actorCtx(t)
	mustInsertAccounts(t, s, account(1, "a"))
	const e164 = "+14155550270"
	mustInsert(t, s, plain(e164, number.Available))
	v1 := mustGet(t, s, e164)
	n := v1.Clone()
	n.State, n.AssignedTo = number.InService, accountID(1)
	if err := u.UpdateNumberFrom(ctx, v1, n, accountID(1)); err != nil {
		t.Fatalf("UpdateNumberFrom: %v", err)
	}
	got := mustGet(t, s, e164)
	if n.Version != 2 || got.Version != 2 || got.State != number.InService || got.AssignedTo != accountID(1) {
		t.Fatalf("after the update: n at %d, stored %s for %q at %d", n.Version, got.State, got.AssignedTo, got.Version)
	}
	es := numberEvents(t, s, e164)
	last := es[len(es)-1]
	var before, after struct {
		State   number.State `json:"state"`
		Version int64        `json:"version"`
	}
	if len(es) != 2 || json.Unmarshal(last.Before, &before) != nil || json.Unmarshal(last.After, &after) != nil ||
		before.State != number.Available || after.State != number.InService {
		t.Fatalf("events %v; the update's: %+v", EventTypes(es), last)
	}

	unchanged := func(what string) {
		t.Helper()
		if got := mustGet(t, s, e164); got.Version != 2 {
			t.Fatalf("%s wrote version %d", what, got.Version)
		}
		if es := numberEvents(t, s, e164); len(es) != 2 {
			t.Fatalf("%s appended an event: %v", what, EventTypes(es))
		}
	}
	nothing := func(what string, err error, kind number.Kind) {
		t.Helper()
		if !number.IsKind(err, kind) {
			t.Fatalf("%s: %v, want %s", what, err, kind)
		}
		unchanged(what)
	}
	stale := v1.Clone()
	stale.State = number.Reserved
	nothing("an update from a version that moved", u.UpdateNumberFrom(ctx, v1, stale, ""), number.KindConflict)

	v2 := mustGet(t, s, e164)
	elsewhere := v2.Clone()
	elsewhere.AssignedTo = accountID(9)
	err := u.UpdateNumberFrom(ctx, v2, elsewhere, accountID(9))
	nothing("an update giving the number to a missing account", err, number.KindNotFound)
	if !errors.Is(err, store.ErrOwnerNotFound) {
		t.Fatalf("a missing owner: %v, want store.ErrOwnerNotFound", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	moved := v2.Clone()
	moved.State = number.Reserved
	if err := u.UpdateNumberFrom(cancelled, v2, moved, ""); err == nil {
		t.Fatal("an update on a cancelled context succeeded")
	}
	unchanged("an update on a cancelled context")

	gone := plain("+14155550271", number.Available)
	gone.Version = 1
	err = u.UpdateNumberFrom(ctx, gone.Clone(), gone, "")
	if !number.IsKind(err, number.KindNotFound) || errors.Is(err, store.ErrOwnerNotFound) {
		t.Fatalf("a missing number: %v, want KindNotFound of the number", err)
	}
}

// testNumberUpdaterRace runs concurrent store.NumberUpdater writes from
// one version: exactly one is written, with one event.
func testNumberUpdaterRace(t *testing.T, s store.Store) {
	u := updater(t, s)
	const workers, e164 = 20, "+14155550272"
	accts := make([]*number.Account, workers)
	for w := range accts {
		accts[w] = account(200+w, fmt.Sprintf("racer%d", w))
	}
	mustInsertAccounts(t, s, accts...)
	mustInsert(t, s, plain(e164, number.Available))
	v1 := mustGet(t, s, e164)
	var wins atomic.Int64
	together(workers, func(w int) {
		n := v1.Clone()
		n.State, n.AssignedTo = number.InService, accountID(200+w)
		switch err := u.UpdateNumberFrom(context.Background(), v1, n, n.AssignedTo); {
		case err == nil:
			wins.Add(1)
		case !number.IsKind(err, number.KindConflict):
			t.Errorf("UpdateNumberFrom: %v", err)
		}
	})
	got := mustGet(t, s, e164)
	if wins.Load() != 1 || got.Version != 2 {
		t.Fatalf("%d winners, version %d; want 1 winner at version 2", wins.Load(), got.Version)
	}
	if es := numberEvents(t, s, e164); len(es) != 2 {
		t.Fatalf("events %v, want the insert's and the winner's", EventTypes(es))
	}
}

// testNumberPreparer checks store.NumberPreparer: prepared numbers insert
// as InsertNumbers does (version 1, a number.created event each, for 1
// and for 30 numbers), and a duplicate among them is KindNumberExists and
// writes nothing.
func testNumberPreparer(t *testing.T, s store.Store) {
	p, ok := s.(store.NumberPreparer)
	if !ok {
		t.Skip("the store is not a store.NumberPreparer")
	}
	ctx := actorCtx(t)
	insert := func(ns []*number.Number) error {
		prepared, err := p.PrepareNumbers(ctx, ns)
		if err != nil {
			t.Fatalf("PrepareNumbers: %v", err)
		}
		return s.InTx(ctx, func(tx store.Tx) error { return prepared.Insert(ctx, tx) })
	}
	for _, size := range []int{1, 30} {
		var ns []*number.Number
		for i := range size {
			ns = append(ns, plain(fmt.Sprintf("+1415555%02d%02d", size, i), number.Available))
		}
		if err := insert(ns); err != nil {
			t.Fatalf("%d numbers: %v", size, err)
		}
		for _, n := range ns {
			got := mustGet(t, s, n.Number)
			if n.Version != 1 || got.Version != 1 || got.State != number.Available {
				t.Fatalf("%s: version %d, stored %s at %d", n.Number, n.Version, got.State, got.Version)
			}
			if es := numberEvents(t, s, n.Number); len(es) != 1 || es[0].Type != event.NumberCreated {
				t.Fatalf("%s: events %v", n.Number, EventTypes(es))
			}
		}
	}
	fresh, dup := plain("+14155559901", number.Available), plain("+14155553000", number.Available)
	err := insert([]*number.Number{fresh, dup})
	if !number.IsKind(err, number.KindNumberExists) || number.AsError(err).Number != dup.Number {
		t.Fatalf("a batch with a stored number: %v, want number_exists for %s", err, dup.Number)
	}
	if _, err := s.GetNumber(ctxT(t), fresh.Number); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("the batch refused stored %s: %v", fresh.Number, err)
	}
	if es := numberEvents(t, s, fresh.Number); len(es) != 0 {
		t.Fatalf("the batch refused appended events: %v", EventTypes(es))
	}
}
