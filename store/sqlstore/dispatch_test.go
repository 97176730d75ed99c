package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

// TestDispatchRoutesAnEventThatCommitsDuringItsBatch: on PostgreSQL an
// event's seq is taken before its transaction commits, so a dispatcher can
// read a batch around an event not committed yet, which then commits
// before the batch is taken off the queue (by its range of seqs): that
// event must be routed with the batch, not taken off the queue unrouted.
func TestDispatchRoutesAnEventThatCommitsDuringItsBatch(t *testing.T) {
	ctx, st, insert := dispatchStore(t)
	now := time.Now()
	insert("+14155550901")
	// The second number's transaction takes its seq and waits.
	commit := insertHeld(ctx, st, number.New("+14155550902", number.Available, "local", now))
	insert("+14155550903")
	var once sync.Once
	sqlstore.SetAfterDispatchReadForTest(st, func() {
		once.Do(func() {
			if err := commit(); err != nil {
				t.Error(err)
			}
		})
	})
	var routed []string
	route := func(e *event.Event) []store.Delivery {
		routed = append(routed, e.Number)
		return []store.Delivery{{Sink: "bus"}}
	}
	dispatchAll(t, st, 10, now, route)
	slices.Sort(routed)
	if want := []string{"+14155550901", "+14155550902", "+14155550903"}; !slices.Equal(routed, want) {
		t.Fatalf("routed %v, want %v", routed, want)
	}
	ds, err := st.ClaimDeliveries(context.WithoutCancel(ctx), "n", now, now.Add(time.Minute), 10, nil)
	if err != nil || len(ds) != 3 {
		t.Fatalf("claimed %d deliveries, %v; want 3", len(ds), err)
	}
}

// TestDispatchKeepsANumbersOrderAcrossALateCommit: an event that commits
// after a batch above it was dispatched (PostgreSQL takes seqs before
// commit) is dispatched before the next event of its number, which can
// only be written after it commits: deliveries wait only for earlier
// deliveries of their number, so the later event must not get one first.
func TestDispatchKeepsANumbersOrderAcrossALateCommit(t *testing.T) {
	ctx, st, insert := dispatchStore(t)
	now := time.Now()
	var order []string
	route := func(e *event.Event) []store.Delivery {
		order = append(order, e.Number+" "+e.Type)
		return []store.Delivery{{Sink: "bus"}}
	}
	late := "+14155550911"
	commit := insertHeld(ctx, st, number.New(late, number.Available, "local", now))
	insert("+14155550912") // above it, committed first
	dispatchAll(t, st, 10, now, route)
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	n, err := st.GetNumber(ctx, late)
	if err != nil {
		t.Fatal(err)
	}
	n.State = number.Reserved
	if err := st.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	order = nil
	dispatchAll(t, st, 1, now, route)
	if want := []string{late + " " + event.NumberCreated, late + " " + event.NumberStateChanged}; !slices.Equal(order, want) {
		t.Fatalf("dispatched %v, want %v", order, want)
	}
}

// TestDispatchTakesOffALateEventWithNothingToRoute: with nothing to route
// to, dispatch takes the queue from after its last batch, and finds an
// event below it that committed late: at once when nothing is above, and
// within dispatchSweepEvery passes while events keep coming above it.
func TestDispatchTakesOffALateEventWithNothingToRoute(t *testing.T) {
	ctx, st, insert := dispatchStore(t)
	now := time.Now()
	dropOne := func() int {
		t.Helper()
		n, err := st.DispatchEvents(ctx, 1, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	lateEvent := func(e164 string) {
		t.Helper()
		commit := insertHeld(ctx, st, number.New(e164, number.Available, "local", now))
		insert(e164 + "0") // above it, committed first
		if dropOne() != 1 || dropOne() != 0 {
			t.Fatal("not the one committed event taken off")
		}
		if err := commit(); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing above it: the next pass takes it.
	lateEvent("+14155550921")
	if dropOne() != 1 || dropOne() != 0 {
		t.Fatal("the late event was not taken off when nothing was above it")
	}
	// Events keep coming above it: a pass from the head takes it within
	// dispatchSweepEvery passes, while events above it remain.
	late := "+14155550922"
	lateEvent(late)
	for i := range 2 * sqlstore.DispatchSweepEvery {
		insert(fmt.Sprintf("%s%02d", late, i+1))
	}
	for range sqlstore.DispatchSweepEvery {
		dropOne()
	}
	var left []string
	if _, err := st.DispatchEvents(ctx, 100, now, func(e *event.Event) []store.Delivery {
		left = append(left, e.Number)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(left, late) || len(left) != sqlstore.DispatchSweepEvery+1 {
		t.Errorf("left on the queue after %d passes: %v; want %d events above the late one, not it",
			sqlstore.DispatchSweepEvery, left, sqlstore.DispatchSweepEvery+1)
	}
}

// dispatchStore opens a PostgreSQL store for a dispatch test, with a
// context of the system acting and a way to insert an available number;
// its events are queued for dispatch (storetest.TakeEvents).
func dispatchStore(t *testing.T) (context.Context, *sqlstore.Store, func(e164 string)) {
	ctx := t.Context()
	st, err := sqlstore.OpenPostgres(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.TakeEvents(t, st)
	ctx = event.WithActor(ctx, event.Actor{Via: "system"}, "")
	insert := func(e164 string) {
		t.Helper()
		if err := st.InsertNumber(ctx, number.New(e164, number.Available, "local", time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, st, insert
}

// dispatchAll dispatches limit events at a time until none is left.
func dispatchAll(t *testing.T, st *sqlstore.Store, limit int, now time.Time, route func(*event.Event) []store.Delivery) {
	t.Helper()
	for {
		n, err := st.DispatchEvents(t.Context(), limit, now, route)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}
