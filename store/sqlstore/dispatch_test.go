package sqlstore_test

import (
	"context"
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
	ctx := t.Context()
	st, err := sqlstore.OpenPostgres(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx = event.WithActor(ctx, event.Actor{Via: "system"}, "")
	now := time.Now()
	insert := func(e164 string) {
		t.Helper()
		if err := st.InsertNumber(ctx, number.New(e164, number.Available, "local", now)); err != nil {
			t.Fatal(err)
		}
	}
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
