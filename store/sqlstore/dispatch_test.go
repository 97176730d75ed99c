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
	for {
		n, err := st.DispatchEvents(ctx, 10, now, route)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	slices.Sort(routed)
	if want := []string{"+14155550901", "+14155550902", "+14155550903"}; !slices.Equal(routed, want) {
		t.Fatalf("routed %v, want %v", routed, want)
	}
	ds, err := st.ClaimDeliveries(context.WithoutCancel(ctx), "n", now, now.Add(time.Minute), 10, nil)
	if err != nil || len(ds) != 3 {
		t.Fatalf("claimed %d deliveries, %v; want 3", len(ds), err)
	}
}

// TestDispatchFindsAnEventBelowItsLastBatch: the dispatcher reads the
// queue from after its last batch, so an event whose seq is below it and
// whose transaction commits later (PostgreSQL takes seqs before commit) is
// found by a read from the start: at once when nothing is above, and
// within dispatchSweepEvery reads while events keep coming above it.
func TestDispatchFindsAnEventBelowItsLastBatch(t *testing.T) {
	ctx, st, insert := dispatchStore(t)
	now := time.Now()
	routed := map[string]int{}
	var order []string
	route := func(e *event.Event) []store.Delivery {
		routed[e.Number]++
		order = append(order, e.Number)
		return nil
	}
	dispatch := func(limit int) int {
		t.Helper()
		n, err := st.DispatchEvents(ctx, limit, now, route)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, late := range []struct {
		number string
		above  int // events committed above it after it commits
	}{{"+14155550911", 0}, {"+14155550912", sqlstore.DispatchSweepEvery + 1}} {
		commit := insertHeld(ctx, st, number.New(late.number, number.Available, "local", now))
		insert(late.number + "0") // above it, committed first
		for dispatch(10) > 0 {
		}
		if routed[late.number] != 0 {
			t.Fatal("routed an event whose transaction has not committed")
		}
		if err := commit(); err != nil {
			t.Fatal(err)
		}
		for i := range late.above {
			insert(fmt.Sprintf("%s%d", late.number, i+1))
		}
		// One event a read: while events remain above it, every read
		// but the sweeps finds one of them, so a sweep finds it before
		// the last of them.
		order = nil
		for dispatch(1) > 0 {
		}
		if routed[late.number] != 1 {
			t.Errorf("%s (%d events above it) routed %d times, want once", late.number, late.above, routed[late.number])
		}
		if late.above > 0 && slices.Index(order, late.number) == len(order)-1 {
			t.Errorf("%s routed after the %d events above it: no sweep", late.number, late.above)
		}
	}
	for n, times := range routed {
		if times != 1 {
			t.Errorf("%s routed %d times", n, times)
		}
	}
}

// dispatchStore opens a PostgreSQL store for a dispatch test, with a
// context of the system acting and a way to insert an available number.
func dispatchStore(t *testing.T) (context.Context, *sqlstore.Store, func(e164 string)) {
	ctx := t.Context()
	st, err := sqlstore.OpenPostgres(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx = event.WithActor(ctx, event.Actor{Via: "system"}, "")
	insert := func(e164 string) {
		t.Helper()
		if err := st.InsertNumber(ctx, number.New(e164, number.Available, "local", time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, st, insert
}
