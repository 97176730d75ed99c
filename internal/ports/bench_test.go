package ports_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/store/storetest"
)

// BenchmarkPortLifecycle measures a port request of one number from
// creation to completion (create, submit: the number claimed, pending,
// completed: the number in service), on SQLite.
func BenchmarkPortLifecycle(b *testing.B) {
	w := newWorld(b, storetest.OpenSQLite(b), false)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		id := w.create(fmt.Sprintf("+1312%07d", i))
		for _, to := range []ports.State{ports.Submitted, ports.Pending, ports.Completed} {
			by := w.master
			if to == ports.Submitted {
				by = w.child
			}
			if _, err := w.svc.Transition(ctx, ports.Caller(by), "", id, to, nil, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPortListing measures an account's listing of 200 requests.
func BenchmarkPortListing(b *testing.B) {
	w := newWorld(b, storetest.OpenSQLite(b), false)
	for i := range 200 {
		w.create(fmt.Sprintf("+1646%07d", i))
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		groups, err := w.svc.List(ctx, ports.Caller(w.child), ports.AccountScope, childID, ports.ListQuery{})
		if err != nil || len(groups[0].PortRequests) != 200 {
			b.Fatal(err)
		}
	}
}
