package manager_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

func TestNumberCacheSeesThisNodesWritesAtOnce(t *testing.T) {
	w := newWorld(t)
	m := manager.New(w.st, w.src, manager.Options{Now: func() time.Time { return w.now }, NumberCacheTTL: time.Hour, AccountCacheTTL: time.Hour})
	if n := one(t, m.Get(ctx, []string{inServiceNum}, sys())); n.UsedBy != "callflow" {
		t.Fatalf("%+v", n)
	}
	one(t, m.AssignToApp(ctx, []string{inServiceNum}, "trunkstore", sys()))
	if n := one(t, m.Get(ctx, []string{inServiceNum}, sys())); n.UsedBy != "trunkstore" {
		t.Fatalf("stale after this node's write: %+v", n)
	}
	one(t, m.Update(ctx, []string{inServiceNum}, manager.Merge, number.Doc{"x": json.RawMessage(`1`)}, sys()))
	if n := one(t, m.Get(ctx, []string{inServiceNum}, sys())); string(n.Public["x"]) != "1" {
		t.Fatalf("stale after update: %+v", n)
	}
	one(t, m.Release(ctx, []string{inServiceNum}, sys()))
	r := m.Get(ctx, []string{inServiceNum}, sys())
	wantKind(t, failure(t, r, inServiceNum), number.KindNotFound, "")
	// A write on another node (straight to the store) shows once the entry
	// expires; a write through this manager reads the store, never the cache.
	one(t, m.Get(ctx, []string{availableNum}, sys()))
	other := w.stored(t, availableNum)
	other.UsedBy = "elsewhere"
	if err := w.st.UpdateNumber(ctx, other); err != nil {
		t.Fatal(err)
	}
	n := one(t, m.Move(ctx, []string{availableNum}, reseller, sys()))
	if n.Version != other.Version+1 {
		t.Fatalf("write did not start from the stored version: %d vs %d", n.Version, other.Version)
	}
}
