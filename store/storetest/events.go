package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// runEvents is the conformance suite of the outbox: every number write
// appends its event in its own transaction (both or neither), events are
// read by number and account tree, and deliveries are dispatched once,
// leased to one node, kept in order per number, and replayed.
func runEvents(t *testing.T, open Opener) {
	suite{
		{"number writes append their events", testEventsOfWrites},
		{"no event without its change, no change without its event", testEventsAtomic},
		{"events of an account tree", testEventsTree},
		{"dispatch and lease once", testDeliveriesOnce},
		{"deliveries in order per number", testDeliveriesOrder},
		{"replay and prune", testDeliveriesReplay},
		{"events pruned before they were dispatched", testPrunedBeforeDispatch},
		{"a time range of events to the microsecond", testEventsTimeRange},
		{"dispatch with nothing to route to", testDispatchNoRoute},
		{"events queued only while something takes them", testQueuedWhileTaken},
	}.run(t, open)
}

// TakeEvents saves the system config document of the message buses
// (empty), so s queues every event written from now on for dispatch, as
// it does while a webhook or a bus may take them.
func TakeEvents(t testing.TB, s store.Configs) {
	t.Helper()
	if err := s.PutConfig(t.Context(), event.BusConfigID, json.RawMessage(`{}`)); err != nil {
		t.Fatalf("PutConfig %s: %v", event.BusConfigID, err)
	}
}

// actorCtx is t's context with an actor and a request id.
func actorCtx(t *testing.T) context.Context {
	return event.WithActor(ctxT(t), event.Actor{AccountID: accountID(1), Via: "api"}, "req-1")
}

// numberEvents returns e164's events.
func numberEvents(t *testing.T, s store.Data, e164 string) []*event.Event {
	t.Helper()
	es, err := s.ListEvents(ctxT(t), event.Query{Number: e164})
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	return es
}

// EventTypes returns the types of es, for comparing in tests.
func EventTypes(es []*event.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Type
	}
	return out
}

func testEventsOfWrites(t *testing.T, s store.Store) {
	ctx := actorCtx(t)
	mustInsertAccounts(t, s, account(1, "a"), account(2, "b"))
	n := plain("+14155550300", number.Available)
	if err := s.InsertNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.State, n.AssignedTo = number.InService, accountID(1)
	if err := s.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.AssignedTo = accountID(2)
	if err := s.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.UsedBy = "callflow"
	if err := s.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.State = number.Released
	if err := s.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteNumber(ctx, n.Number, n.Version); err != nil {
		t.Fatal(err)
	}
	// A write that fails (a stale version) appends nothing.
	if err := s.InsertNumbers(ctx, []*number.Number{plain("+14155550301", number.Available), plain("+14155550302", number.Available)}); err != nil {
		t.Fatal(err)
	}
	stale := plain("+14155550301", number.Reserved)
	stale.Version = 7
	wantKind(t, "UpdateNumber at a stale version", s.UpdateNumber(ctx, stale), number.KindConflict)
	wantKind(t, "DeleteNumber at a stale version", s.DeleteNumber(ctx, stale.Number, 7), number.KindConflict)

	es := numberEvents(t, s, n.Number)
	want := []string{event.NumberCreated, event.NumberAssigned, event.NumberMoved, event.NumberUpdated, event.NumberReleased, event.NumberDeleted}
	if got := EventTypes(es); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	for i, e := range es {
		if e.ID == "" || e.Seq == 0 || e.Actor.AccountID != accountID(1) || e.Actor.Via != "api" || e.RequestID != "req-1" || e.Time.IsZero() {
			t.Errorf("event %d = %+v, want id, seq, actor, request id and time", i, e)
		}
		if i > 0 && e.Seq <= es[i-1].Seq {
			t.Errorf("event %d seq %d after %d", i, e.Seq, es[i-1].Seq)
		}
	}
	if es[0].Before != nil || es[0].After == nil || es[5].After != nil || es[5].Before == nil {
		t.Errorf("created/deleted before and after: %s %s / %s %s", es[0].Before, es[0].After, es[5].Before, es[5].After)
	}
	if es[2].AccountID != accountID(2) || string(es[1].After) == string(es[1].Before) {
		t.Errorf("moved: account %s, before %s after %s", es[2].AccountID, es[1].Before, es[1].After)
	}
	if got := numberEvents(t, s, "+14155550301"); len(got) != 1 {
		t.Errorf("events of a bulk-inserted number then failed writes: %v", EventTypes(got))
	}
}

func testEventsAtomic(t *testing.T, s store.Store) {
	ctx := actorCtx(t)
	mustInsert(t, s, plain("+14155550310", number.Available), plain("+14155550311", number.Available))
	boom := errors.New("boom")
	// A change whose transaction fails after it: neither stays.
	err := s.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.GetNumberForUpdate(ctx, "+14155550310")
		if err != nil {
			return err
		}
		n.State = number.Reserved
		if err := tx.UpdateNumber(ctx, n); err != nil {
			return err
		}
		if got := numberEvents(t, tx, n.Number); len(got) != 2 {
			return fmt.Errorf("inside the transaction: %d events, want 2", len(got))
		}
		// A later statement of the transaction fails.
		return tx.InsertNumber(ctx, plain("+14155550311", number.Available))
	})
	wantKind(t, "InTx ending in a failed insert", err, number.KindNumberExists)
	err = s.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.GetNumber(ctx, "+14155550310")
		if err != nil {
			return err
		}
		if err := tx.DeleteNumber(ctx, n.Number, n.Version); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	if got := mustGet(t, s, "+14155550310"); got.Version != 1 || got.State != number.Available {
		t.Errorf("after rollbacks: %s v%d", got.State, got.Version)
	}
	if got := numberEvents(t, s, "+14155550310"); len(got) != 1 {
		t.Errorf("after rollbacks: events %v, want only the creation", EventTypes(got))
	}
	// An explicit event in a transaction that fails is gone too; in one
	// that commits, it stays with its change.
	err = s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.AppendEvents(ctx, []*event.Event{event.New(ctx, event.ChargePosted, accountID(1), "+14155550311", map[string]int{"amount_minor": 5})}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	if got := numberEvents(t, s, "+14155550311"); len(got) != 1 {
		t.Errorf("an explicit event of a rolled back transaction stayed: %v", EventTypes(got))
	}
	if err := s.AppendEvents(ctx, []*event.Event{event.New(ctx, event.ChargePosted, accountID(1), "+14155550311", map[string]int{"amount_minor": 5})}); err != nil {
		t.Fatal(err)
	}
	if got := numberEvents(t, s, "+14155550311"); len(got) != 2 || string(got[1].Data) != `{"amount_minor":5}` {
		t.Errorf("explicit event: %v", EventTypes(got))
	}
}

func testEventsTree(t *testing.T, s store.Store) {
	ctx := actorCtx(t)
	root, child, other := account(1, "root"), account(2, "child", accountID(1)), account(3, "other")
	mustInsertAccounts(t, s, root, child, other)
	for i, owner := range []string{accountID(1), accountID(2), accountID(3)} {
		n := plain(fmt.Sprintf("+1415555032%d", i), number.InService)
		n.AssignedTo = owner
		if err := s.InsertNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    event.Query
		want int
	}{
		{event.Query{AccountID: accountID(1), Tree: true}, 2},
		{event.Query{AccountID: accountID(1)}, 1},
		{event.Query{AccountID: accountID(2), Tree: true}, 1},
		{event.Query{AccountID: accountID(3), Tree: true}, 1},
		{event.Query{Types: []string{event.NumberCreated}}, 3},
		{event.Query{Types: []string{event.NumberDeleted}}, 0},
		{event.Query{Limit: 2}, 2},
	} {
		es, err := s.ListEvents(ctx, tc.q)
		if err != nil || len(es) != tc.want {
			t.Errorf("ListEvents(%+v) = %d events, %v; want %d", tc.q, len(es), err, tc.want)
		}
	}
	all, _ := s.ListEvents(ctx, event.Query{})
	if es, _ := s.ListEvents(ctx, event.Query{AfterSeq: all[0].Seq}); len(es) != 2 {
		t.Errorf("after the first: %d", len(es))
	}
	if es, _ := s.ListEvents(ctx, event.Query{ID: all[1].ID}); len(es) != 1 || es[0].Seq != all[1].Seq {
		t.Errorf("by id: %v", es)
	}
}

// route sends every event to sinks a and b.
func route(*event.Event) []store.Delivery {
	return []store.Delivery{{Sink: "a"}, {Sink: "b"}}
}

func testDeliveriesOnce(t *testing.T, s store.Store) {
	TakeEvents(t, s)
	ctx := actorCtx(t)
	for i := range 10 {
		mustInsert(t, s, plain(fmt.Sprintf("+141555504%02d", i), number.Available))
	}
	_ = ctx
	// Two dispatchers at once: every event dispatched once.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range 2 {
		wg.Go(func() {
			for {
				n, err := s.DispatchEvents(ctxT(t), 3, at, route)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				counts[i] += n
			}
		})
	}
	wg.Wait()
	if counts[0]+counts[1] != 10 {
		t.Fatalf("dispatched %v, want 10 in all", counts)
	}
	// Two nodes claiming at once: each delivery leased to one.
	lease := at.Add(30 * time.Second)
	claimed := make([][]*store.Delivery, 2)
	for i := range 2 {
		wg.Go(func() {
			for {
				ds, err := s.ClaimDeliveries(ctxT(t), fmt.Sprint("node", i), at, lease, 4, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				claimed[i] = append(claimed[i], ds...)
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, ds := range claimed {
		for _, d := range ds {
			if seen[d.ID] || d.Event == nil || d.Event.ID != d.EventID {
				t.Fatalf("delivery %d claimed twice or without its event", d.ID)
			}
			seen[d.ID] = true
		}
	}
	if len(seen) != 20 {
		t.Fatalf("claimed %d deliveries, want 20", len(seen))
	}
	// A lease held is not taken; finishing by another owner conflicts.
	owner := 0
	if len(claimed[0]) == 0 {
		owner = 1
	}
	d := claimed[owner][0]
	d.Status = store.DeliveryDelivered
	d.Attempts = 1
	wantKind(t, "FinishDelivery by another node", s.FinishDelivery(ctxT(t), "node9", d, store.DeliveryAttempt{Attempt: 1, At: at}), number.KindConflict)
	if err := s.FinishDelivery(ctxT(t), fmt.Sprint("node", owner), d, store.DeliveryAttempt{Attempt: 1, At: at, StatusCode: 200, Latency: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// Leases expire: the rest is claimable again after the lease.
	if ds, _ := s.ClaimDeliveries(ctxT(t), "node2", at.Add(time.Second), lease.Add(time.Second), 100, nil); len(ds) != 0 {
		t.Errorf("claimed %d deliveries under live leases", len(ds))
	}
	if ds, _ := s.ClaimDeliveries(ctxT(t), "node2", lease, lease.Add(time.Minute), 100, nil); len(ds) != 19 {
		t.Errorf("claimed %d deliveries after the leases expired, want 19", len(ds))
	}
	as, err := s.ListAttempts(ctxT(t), d.Sink, 10)
	if err != nil || len(as) != 1 || as[0].StatusCode != 200 || as[0].Latency != time.Millisecond {
		t.Errorf("attempts = %+v, %v", as, err)
	}
}

func testDeliveriesOrder(t *testing.T, s store.Store) {
	TakeEvents(t, s)
	ctx := actorCtx(t)
	n := plain("+14155550500", number.Available)
	if err := s.InsertNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.State = number.Reserved
	if err := s.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	mustInsert(t, s, plain("+14155550501", number.Available))
	one := func(*event.Event) []store.Delivery { return []store.Delivery{{Sink: "a"}} }
	if _, err := s.DispatchEvents(ctxT(t), 10, at, one); err != nil {
		t.Fatal(err)
	}
	// The second event of +...500 waits for the first.
	ds, err := s.ClaimDeliveries(ctxT(t), "n", at, at.Add(time.Minute), 10, nil)
	if err != nil || len(ds) != 2 {
		t.Fatalf("claimed %d, %v; want 2 (the first of each number)", len(ds), err)
	}
	first, other := ds[0], ds[1]
	if first.Subject != "+14155550500" {
		first, other = other, first
	}
	other.Status, other.Attempts = store.DeliveryDelivered, 1
	if err := s.FinishDelivery(ctxT(t), "n", other, store.DeliveryAttempt{Attempt: 1, At: at, StatusCode: 204}); err != nil {
		t.Fatal(err)
	}
	if first.Event.Type != event.NumberCreated {
		t.Fatalf("first claimed of +...500 is %s", first.Event.Type)
	}
	// It fails, to be retried later: the second still waits.
	first.Attempts, first.NextAttempt = 1, at.Add(time.Hour)
	if err := s.FinishDelivery(ctxT(t), "n", first, store.DeliveryAttempt{Attempt: 1, At: at, StatusCode: 500, Error: "500"}); err != nil {
		t.Fatal(err)
	}
	if ds, _ := s.ClaimDeliveries(ctxT(t), "n", at.Add(2*time.Minute), at.Add(3*time.Minute), 10, nil); len(ds) != 0 {
		t.Fatalf("claimed %d behind a failed delivery of the same number", len(ds))
	}
	ds, _ = s.ClaimDeliveries(ctxT(t), "n", at.Add(time.Hour), at.Add(time.Hour+time.Minute), 10, nil)
	if len(ds) != 1 || ds[0].ID != first.ID {
		t.Fatalf("after its retry time: %v", ds)
	}
	ds[0].Status, ds[0].Attempts = store.DeliveryDelivered, 2
	if err := s.FinishDelivery(ctxT(t), "n", ds[0], store.DeliveryAttempt{Attempt: 2, At: at.Add(time.Hour), StatusCode: 200}); err != nil {
		t.Fatal(err)
	}
	ds, _ = s.ClaimDeliveries(ctxT(t), "n", at.Add(time.Hour), at.Add(time.Hour+time.Minute), 10, nil)
	if len(ds) != 1 || ds[0].Event.Type != event.NumberStateChanged {
		t.Fatalf("the second, after the first was delivered: %v", ds)
	}
}

func testDeliveriesReplay(t *testing.T, s store.Store) {
	TakeEvents(t, s)
	ctx := event.WithClock(actorCtx(t), func() time.Time { return at })
	for i := range 3 {
		if err := s.InsertNumber(ctx, plain(fmt.Sprintf("+141555506%02d", i), number.Available)); err != nil {
			t.Fatal(err)
		}
	}
	one := func(*event.Event) []store.Delivery { return []store.Delivery{{Sink: "a", AccountID: accountID(1)}} }
	if _, err := s.DispatchEvents(ctxT(t), 10, at, one); err != nil {
		t.Fatal(err)
	}
	ds, _ := s.ClaimDeliveries(ctxT(t), "n", at, at.Add(time.Minute), 10, nil)
	for _, d := range ds {
		d.Status, d.Attempts = store.DeliveryFailed, 10
		if err := s.FinishDelivery(ctxT(t), "n", d, store.DeliveryAttempt{Attempt: 10, At: at, Error: "dead"}); err != nil {
			t.Fatal(err)
		}
	}
	if dead, _ := s.ListDeliveries(ctxT(t), store.DeliveryQuery{Sink: "a", Status: store.DeliveryFailed}); len(dead) != 3 {
		t.Fatalf("dead letters: %d", len(dead))
	}
	all, _ := s.ListEvents(ctxT(t), event.Query{})
	// Replay one event, then a time range (and a sink that never had them).
	if n, err := s.ReplayDeliveries(ctxT(t), "a", accountID(1), event.Query{ID: all[0].ID}, at); err != nil || n != 1 {
		t.Fatalf("replay one: %d, %v", n, err)
	}
	if n, err := s.ReplayDeliveries(ctxT(t), "b", accountID(1), event.Query{Since: at, Until: at.Add(time.Second)}, at); err != nil || n != 3 {
		t.Fatalf("replay a range to a new sink: %d, %v", n, err)
	}
	ds, _ = s.ClaimDeliveries(ctxT(t), "n", at, at.Add(time.Minute), 10, nil)
	if len(ds) != 4 {
		t.Fatalf("claimed %d after replays, want 4", len(ds))
	}
	// Pruning removes events before the cutoff, with their deliveries.
	if n, err := s.PruneEvents(ctxT(t), at.Add(time.Second)); err != nil || n != 3 {
		t.Fatalf("PruneEvents = %d, %v", n, err)
	}
	if es, _ := s.ListEvents(ctxT(t), event.Query{}); len(es) != 0 {
		t.Errorf("after prune: %d events", len(es))
	}
	if ds, _ := s.ListDeliveries(ctxT(t), store.DeliveryQuery{Sink: "a"}); len(ds) != 0 {
		t.Errorf("after prune: %d deliveries", len(ds))
	}
}

// testPrunedBeforeDispatch: events pruned before any node dispatched them
// (a retention shorter than an outage of every node) do not stop the
// dispatch of the events after them.
func testPrunedBeforeDispatch(t *testing.T, s store.Store) {
	TakeEvents(t, s)
	old := event.WithClock(actorCtx(t), func() time.Time { return at })
	for i := range 3 {
		if err := s.InsertNumber(old, plain(fmt.Sprintf("+141555507%02d", i), number.Available)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PruneEvents(ctxT(t), at.Add(time.Second)); err != nil || n != 3 {
		t.Fatalf("PruneEvents = %d, %v", n, err)
	}
	later := event.WithClock(actorCtx(t), func() time.Time { return at.Add(time.Hour) })
	if err := s.InsertNumber(later, plain("+14155550799", number.Available)); err != nil {
		t.Fatal(err)
	}
	one := func(*event.Event) []store.Delivery { return []store.Delivery{{Sink: "a", AccountID: accountID(1)}} }
	total := 0
	for range 3 { // a pass may only clear what the pruning left behind
		n, err := s.DispatchEvents(ctxT(t), 2, at, one)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 1 {
		t.Fatalf("dispatched %d events, want the one after the pruned ones", total)
	}
	if ds, _ := s.ListDeliveries(ctxT(t), store.DeliveryQuery{Sink: "a"}); len(ds) != 1 || ds[0].Subject != "+14155550799" {
		t.Fatalf("deliveries %v", ds)
	}
}

// testEventsTimeRange: listing and pruning by time select exactly the
// events of the range, to the microsecond, within one millisecond too
// (the store may find them by their ids, which sort by millisecond).
func testEventsTimeRange(t *testing.T, s store.Store) {
	base := at.Truncate(time.Millisecond)
	times := []time.Duration{0, 300 * time.Microsecond, 999 * time.Microsecond, time.Millisecond, 1500 * time.Microsecond}
	for i, d := range times {
		ctx := event.WithClock(actorCtx(t), func() time.Time { return base.Add(d) })
		if err := s.InsertNumber(ctx, plain(fmt.Sprintf("+141555508%02d", i), number.Available)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		since, until time.Duration // from base; -1: none
		want         int
	}{
		{-1, -1, 5},
		{300 * time.Microsecond, -1, 4},
		{301 * time.Microsecond, -1, 3},
		{time.Millisecond, -1, 2},
		{-1, 300 * time.Microsecond, 1},
		{-1, 301 * time.Microsecond, 2},
		{-1, time.Millisecond, 3},
		{-1, 1001 * time.Microsecond, 4},
		{300 * time.Microsecond, 1500 * time.Microsecond, 3},
		{2 * time.Millisecond, -1, 0},
	} {
		var q event.Query
		if c.since >= 0 {
			q.Since = base.Add(c.since)
		}
		if c.until >= 0 {
			q.Until = base.Add(c.until)
		}
		if es, err := s.ListEvents(ctxT(t), q); err != nil || len(es) != c.want {
			t.Errorf("since %v until %v: %d events, %v; want %d", c.since, c.until, len(es), err, c.want)
		}
	}
	if n, err := s.PruneEvents(ctxT(t), base.Add(time.Millisecond)); err != nil || n != 3 {
		t.Fatalf("PruneEvents before +1ms = %d, %v; want 3", n, err)
	}
	if es, _ := s.ListEvents(ctxT(t), event.Query{}); len(es) != 2 {
		t.Errorf("after prune: %d events, want 2", len(es))
	}
	// An event whose id is not of its time (not made by event.New) would
	// not be found by time: refused.
	odd := event.New(actorCtx(t), event.ChargePosted, accountID(1), "", nil)
	odd.Time = odd.Time.Add(-time.Hour)
	if err := s.AppendEvents(ctxT(t), []*event.Event{odd}); !number.IsKind(err, number.KindInternal) {
		t.Errorf("an event whose id is not of its time: %v, want internal", err)
	}
}

// testDispatchNoRoute: with nothing to route to (a nil route), dispatch
// takes the events off the queue, all of them once, without deliveries;
// the events stay in the outbox, and the next ones dispatch as usual.
func testDispatchNoRoute(t *testing.T, s store.Store) {
	TakeEvents(t, s)
	ctx := actorCtx(t)
	for i := range 5 {
		if err := s.InsertNumber(ctx, plain(fmt.Sprintf("+141555509%02d", i), number.Available)); err != nil {
			t.Fatal(err)
		}
	}
	if total := dispatchAll(t, s, 2, nil); total != 5 {
		t.Fatalf("dispatched %d events with no route, want 5", total)
	}
	if es, _ := s.ListEvents(ctxT(t), event.Query{}); len(es) != 5 {
		t.Errorf("%d events in the outbox, want 5", len(es))
	}
	if err := s.InsertNumber(ctx, plain("+14155550999", number.Available)); err != nil {
		t.Fatal(err)
	}
	var routed []string
	route := func(e *event.Event) []store.Delivery {
		routed = append(routed, e.Number)
		return []store.Delivery{{Sink: "a"}}
	}
	if n, err := s.DispatchEvents(ctxT(t), 10, at, route); err != nil || n != 1 || len(routed) != 1 || routed[0] != "+14155550999" {
		t.Fatalf("dispatched %d (%v), routed %v; want the one event written after", n, err, routed)
	}
	if ds, _ := s.ListDeliveries(ctxT(t), store.DeliveryQuery{Sink: "a"}); len(ds) != 1 {
		t.Errorf("%d deliveries, want 1", len(ds))
	}
}

// Events are queued for dispatch only while an enabled webhook or the bus
// config exists: every event committed after one was saved is dispatched,
// none committed while there was neither.
func testQueuedWhileTaken(t *testing.T, s store.Store) {
	ctx := actorCtx(t)
	var routed []string
	route := func(e *event.Event) []store.Delivery {
		routed = append(routed, e.Number)
		return nil
	}
	dispatch := func(what string, want ...string) {
		t.Helper()
		routed = nil
		dispatchAll(t, s, 10, route)
		if fmt.Sprint(routed) != fmt.Sprint(want) {
			t.Errorf("%s: dispatched %v, want %v", what, routed, want)
		}
	}
	write := func(e164 string) {
		t.Helper()
		if err := s.InsertNumber(ctx, plain(e164, number.Available)); err != nil {
			t.Fatal(err)
		}
	}
	mustInsertAccounts(t, s, account(1, "a"))
	write("+14155550930")
	dispatch("with nothing to take events")

	h := &store.Webhook{ID: "hook-queue", AccountID: accountID(1), Enabled: false, Doc: json.RawMessage(`{}`), Created: at, Modified: at}
	if err := s.InsertWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	write("+14155550931")
	dispatch("with a disabled webhook")

	h.Enabled = true
	if err := s.UpdateWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	write("+14155550932")
	dispatch("with an enabled webhook", "+14155550932")

	if err := s.DeleteWebhook(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	write("+14155550933")
	dispatch("once the webhook was deleted")

	h = &store.Webhook{ID: "hook-queue-2", AccountID: accountID(1), Enabled: true, Doc: json.RawMessage(`{}`), Created: at, Modified: at}
	if err := s.InsertWebhook(ctx, h); err != nil {
		t.Fatal(err)
	}
	write("+14155550934")
	if err := s.DeleteWebhook(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	TakeEvents(t, s)
	write("+14155550935")
	dispatch("with a webhook saved enabled, then the bus config", "+14155550934", "+14155550935")

	if err := s.DeleteConfig(ctx, event.BusConfigID); err != nil {
		t.Fatal(err)
	}
	write("+14155550936")
	dispatch("once the bus config was deleted")
}

// dispatchAll dispatches limit events at a time until none is left, and
// returns how many it dispatched.
func dispatchAll(t *testing.T, s store.Store, limit int, route func(*event.Event) []store.Delivery) int {
	t.Helper()
	total := 0
	for {
		n, err := s.DispatchEvents(ctxT(t), limit, at, route)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}
