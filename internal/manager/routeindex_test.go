package manager_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

// newPostgresWorld is newWorld on PostgreSQL, in a schema of its own.
func newPostgresWorld(t *testing.T) *world {
	t.Helper()
	return worldOn(t, storetest.OpenPostgres(t))
}

// worldOn seeds st with the fixture world and builds a manager on it.
func worldOn(t *testing.T, st store.Store) *world {
	t.Helper()
	seedWorld(t, st)
	return managerOn(st)
}

func seedWorld(t *testing.T, st store.Store) {
	t.Helper()
	for _, a := range []*number.Account{
		{ID: master, Name: "Master Account", Enabled: true, Reseller: true, SuperduperAdmin: true, AllowNumberAdditions: true},
		{ID: reseller, Name: "Sub Account", ParentID: master, Tree: []string{master}, Enabled: true, Reseller: true, AllowNumberAdditions: true},
		{ID: child, Name: "Sub-Sub Account", ParentID: reseller, Tree: []string{master, reseller}, Enabled: true},
	} {
		a.Created, a.Modified = epoch, epoch
		if err := st.InsertAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.InsertNumbers(ctx, fixtureNumbers()); err != nil {
		t.Fatal(err)
	}
}

func managerOn(st store.Store) *world {
	w := &world{st: st, now: epoch}
	w.src = config.NewSource(st, "", time.Nanosecond)
	w.m = manager.New(st, w.src, manager.Options{Now: func() time.Time { return w.now }})
	return w
}

// routeWrites are every kind of write of numbers, through the manager and
// straight through the store, each followed by a check of the route index.
func routeWrites(t *testing.T, w *world, after func(step string)) {
	t.Helper()
	fresh := []string{"+15559990001", "+15559990002", "+15559990003"}
	ok := func(step string, r *manager.Result) {
		t.Helper()
		if len(r.Failed) > 0 {
			t.Fatalf("%s: %v", step, r.Failed)
		}
		after(step)
	}
	ok("create", w.m.Create(ctx, fresh, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller}))
	ok("create ported in", w.m.Create(ctx, []string{"+15559990009"}, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller, State: number.PortIn}))
	ok("assign to an app", w.m.AssignToApp(ctx, fresh[1:2], "callflow", manager.Op{AuthBy: number.SystemRequester}))
	ok("assign to trunkstore", w.m.AssignToApp(ctx, fresh[:1], number.AppTrunkstore, manager.Op{AuthBy: number.SystemRequester}))
	ok("features", w.m.Update(ctx, fresh[:1], manager.Merge, number.Doc{
		"failover": json.RawMessage(`{"e164":"+14155550199"}`),
		"prepend":  json.RawMessage(`{"enabled":true,"name":"sales"}`),
		"ringback": json.RawMessage(`{"early":"media-1","transfer":"media-2"}`),
	}, manager.Op{AuthBy: number.SystemRequester}))
	ok("move", w.m.Move(ctx, fresh[1:2], child, manager.Op{AuthBy: number.SystemRequester}))
	ok("reserve", w.m.Reserve(ctx, []string{availableNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller}))
	ok("activate the reserved", w.m.Move(ctx, []string{availableNum}, reseller, manager.Op{AuthBy: number.SystemRequester}))
	ok("release", w.m.Release(ctx, fresh[2:], manager.Op{AuthBy: number.SystemRequester}))
	ok("delete", w.m.Delete(ctx, fresh[1:2], manager.Op{AuthBy: number.SystemRequester}))

	// Straight through the store: a bulk import, a transaction, single
	// writes.
	var batch []*number.Number
	for i := range 50 {
		n := number.New(fmt.Sprintf("+1555888%04d", i), number.InService, "local", epoch)
		n.AssignedTo = child
		batch = append(batch, n)
	}
	if err := w.st.InsertNumbers(ctx, batch); err != nil {
		t.Fatal(err)
	}
	after("import")
	if err := w.st.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.GetNumberForUpdate(ctx, batch[0].Number)
		if err != nil {
			return err
		}
		n.UsedBy = "trunkstore"
		if err := tx.UpdateNumber(ctx, n); err != nil {
			return err
		}
		m, err := tx.GetNumberForUpdate(ctx, batch[1].Number)
		if err != nil {
			return err
		}
		return tx.DeleteNumber(ctx, m.Number, m.Version)
	}); err != nil {
		t.Fatal(err)
	}
	after("transaction")
	rolledBack := fmt.Errorf("roll back")
	if err := w.st.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.GetNumberForUpdate(ctx, batch[2].Number)
		if err != nil {
			return err
		}
		n.AssignedTo = reseller
		if err := tx.UpdateNumber(ctx, n); err != nil {
			return err
		}
		return rolledBack
	}); !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	after("rolled back transaction")
	n := w.stored(t, batch[3].Number)
	n.State = number.PortOut
	if err := w.st.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	after("port out")
	if err := w.st.DeleteNumber(ctx, n.Number, n.Version); err != nil {
		t.Fatal(err)
	}
	after("store delete")
}

// The route index agrees with the store after every kind of write, on
// one node, on both stores.
func TestRouteIndexAgreesWithTheStore(t *testing.T) {
	for _, kind := range []struct {
		name string
		open func(*testing.T) *world
	}{
		{"sqlite", func(t *testing.T) *world { return newWorld(t) }},
		{"postgres", newPostgresWorld},
	} {
		t.Run(kind.name, func(t *testing.T) {
			w := kind.open(t)
			ictx, cancel := context.WithCancel(ctx)
			defer cancel()
			if err := w.m.StartRouteIndex(ictx); err != nil {
				t.Fatal(err)
			}
			check := func(step string) {
				t.Helper()
				if err := w.m.CheckRouteIndex(ctx); err != nil {
					t.Fatalf("after %s: %v", step, err)
				}
			}
			check("start")
			if w.m.RouteIndexSize() == 0 {
				t.Fatal("nothing indexed")
			}
			routeWrites(t, w, check)
		})
	}
}

// heldWatch is a store whose other nodes' notifications the test holds
// and hands on when it chooses: an injected delay without sleeps.
type heldWatch struct {
	store.Store
	mu      sync.Mutex
	w       store.NumberWatch
	held    []store.NumberChange
	resyncs int
	arrived chan struct{} // a token per notification or resync
}

func (h *heldWatch) WatchNumbers(ctx context.Context, w store.NumberWatch) error {
	h.mu.Lock()
	h.w = w
	h.mu.Unlock()
	return h.Store.(store.NumberWatcher).WatchNumbers(ctx, store.NumberWatch{
		Changed: func(c []store.NumberChange) {
			h.mu.Lock()
			h.held = append(h.held, c...)
			h.mu.Unlock()
			h.arrived <- struct{}{}
		},
		Resync: func() {
			h.mu.Lock()
			h.resyncs++
			h.mu.Unlock()
			h.arrived <- struct{}{}
		},
	})
}

// waitFor waits for notifications until seen(held) holds.
func (h *heldWatch) waitFor(t *testing.T, seen func(held []store.NumberChange, resyncs int) bool) {
	t.Helper()
	timeout := time.After(30 * time.Second) // a guard against a hang, never a delay
	for {
		h.mu.Lock()
		done := seen(h.held, h.resyncs)
		h.mu.Unlock()
		if done {
			return
		}
		select {
		case <-h.arrived:
		case <-timeout:
			t.Fatal("notification never arrived")
		}
	}
}

// release hands the held notifications to the index.
func (h *heldWatch) release() {
	h.mu.Lock()
	held := h.held
	h.held = nil
	w := h.w
	h.mu.Unlock()
	if len(held) > 0 {
		w.Changed(held)
	}
}

// Two nodes on one PostgreSQL schema: node A's writes reach node B's
// route index through the event outbox B's store follows; the test holds
// B's reports (the delay) and, once it has them, hands them on: then B
// agrees with the store too.
func TestRouteIndexAcrossTwoNodes(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	open := func() *sqlstore.Store {
		st, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	seedWorld(t, stA)
	a := managerOn(stA)
	hb := &heldWatch{Store: stB, arrived: make(chan struct{}, 1024)}
	b := managerOn(hb)
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, w := range []*world{a, b} {
		if err := w.m.StartRouteIndex(ictx); err != nil {
			t.Fatal(err)
		}
	}
	fence := 0
	routeWrites(t, a, func(step string) {
		t.Helper()
		if err := a.m.CheckRouteIndex(ctx); err != nil {
			t.Fatalf("node A after %s: %v", step, err)
		}
		// A fence: B's store reports the writes of transactions that
		// ended, in batches by transaction id, and every write before the
		// fence had a smaller one: once B holds the fence, it holds them.
		fence++
		f := number.New(fmt.Sprintf("+1555777%04d", fence), number.Available, "local", epoch)
		if err := stA.InsertNumber(ctx, f); err != nil {
			t.Fatal(err)
		}
		hb.waitFor(t, func(held []store.NumberChange, _ int) bool {
			for _, c := range held {
				if c.Number == f.Number {
					return true
				}
			}
			return false
		})
		hb.release()
		if err := b.m.CheckRouteIndex(ctx); err != nil {
			t.Fatalf("node B after %s and the notifications: %v", step, err)
		}
	})
}

// Two processes on one SQLite file: the numbers the other one writes
// (numan reconcile, a second server) reach this node's route index when
// its watch reads the other's events from the outbox.
func TestRouteIndexSeesAnotherProcessOnSQLite(t *testing.T) {
	templateOnce.Do(func() { templateDB, templateErr = buildTemplate() })
	if templateErr != nil {
		t.Fatal(templateErr)
	}
	path := filepath.Join(t.TempDir(), "numan.db")
	if err := os.WriteFile(path, templateDB, 0o600); err != nil {
		t.Fatal(err)
	}
	open := func() *sqlstore.Store {
		st, err := sqlstore.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	other, mine := open(), open()
	w := managerOn(mine)
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := w.m.StartRouteIndex(ictx); err != nil {
		t.Fatal(err)
	}
	rebuilt := make(chan struct{}, 16)
	w.m.SetRouteIndexHook(func() { rebuilt <- struct{}{} })

	n := number.New("+15557770001", number.InService, "local", epoch)
	n.AssignedTo = reseller
	if err := other.InsertNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := w.m.CheckRouteIndex(ctx); err == nil {
		t.Fatal("the index knew of another process's write before looking")
	}
	mine.PollExternal(ctx)
	select {
	case <-rebuilt:
	case <-time.After(30 * time.Second): // a guard against a hang, never a delay
		t.Fatal("the index never applied the other process's write")
	}
	if err := w.m.CheckRouteIndex(ctx); err != nil {
		t.Fatal(err)
	}
}

// Identify from the route index answers every requester as the store
// path does: the owner's tree and admins learn the owner; anyone else is
// refused the same way; numbers the index does not hold get the store's
// causes (unassigned, not_in_service, not found).
func TestIdentifyFromTheIndexAnswersAsTheStore(t *testing.T) {
	w := newWorld(t)
	plain := managerOn(w.st) // no index: the store path
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := w.m.StartRouteIndex(ictx); err != nil {
		t.Fatal(err)
	}
	requesters := []number.Requester{number.SystemRequester, number.By(master), number.By(reseller), number.By(child), number.By(unrelated)}
	for _, e := range []string{inServiceNum, reservedNum, portInNum, availableNum, telnyxNum, bwExistingDID, "+15550000000"} {
		for _, by := range requesters {
			got, gotErr := w.m.Identify(ctx, e, by)
			want, wantErr := plain.m.Identify(ctx, e, by)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%s by %+v: index %v, store %v", e, by, gotErr, wantErr)
			}
			if gotErr != nil {
				g, s := number.AsError(gotErr), number.AsError(wantErr)
				if g.Kind != s.Kind || g.Cause != s.Cause {
					t.Fatalf("%s by %+v: index %v (%s), store %v (%s)", e, by, g.Kind, g.Cause, s.Kind, s.Cause)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s by %+v: index %+v, store %+v", e, by, got, want)
			}
		}
	}
	// A disabled owner: account_disabled both ways.
	acc, err := w.st.GetAccount(ctx, reseller)
	if err != nil {
		t.Fatal(err)
	}
	acc.Enabled = false
	if err := w.st.UpdateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	_, gotErr := w.m.Identify(ctx, inServiceNum, number.SystemRequester)
	_, wantErr := plain.m.Identify(ctx, inServiceNum, number.SystemRequester)
	if g, s := number.AsError(gotErr), number.AsError(wantErr); gotErr == nil || g.Cause != "account_disabled" || s.Cause != "account_disabled" {
		t.Fatalf("disabled owner: index %v, store %v", gotErr, wantErr)
	}
}
