package manager_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// confirmingStore records what the store was asked to confirm and answers
// err.
type confirmingStore struct {
	store.Store
	mu    sync.Mutex
	asked []string
	err   error
}

func (s *confirmingStore) ConfirmNumber(ctx context.Context, e164 string, version int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, e164)
	if version < 1 {
		return errors.New("confirm of a version never stored")
	}
	return s.err
}

func (s *confirmingStore) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// A request that changes nothing answers success only once the store
// confirms the number is durably as read; a request that writes carries
// its own check and is not confirmed again; a dry run confirms nothing.
func TestNoOpConfirmedByStore(t *testing.T) {
	newConfirmingWorld := func(t *testing.T, err error) (*world, *confirmingStore) {
		w := newWorld(t)
		cs := &confirmingStore{Store: w.st, err: err}
		w.m = manager.New(cs, w.src, manager.Options{Now: func() time.Time { return w.now }})
		return w, cs
	}
	activateOwn := func(w *world, op manager.Op) *manager.Result {
		return w.m.Move(ctx, []string{inServiceNum}, reseller, op)
	}
	noOpUpdate := func(w *world, op manager.Op) *manager.Result {
		return w.m.Update(ctx, []string{inServiceNum}, manager.Merge, number.Doc{}, op)
	}
	for name, do := range map[string]func(*world, manager.Op) *manager.Result{"activate own number": activateOwn, "no-op update": noOpUpdate} {
		t.Run(name, func(t *testing.T) {
			w, cs := newConfirmingWorld(t, nil)
			before := w.stored(t, inServiceNum)
			n := one(t, do(w, as(reseller)))
			if n.AssignedTo != reseller || n.State != number.InService {
				t.Fatalf("%+v", n)
			}
			if got := cs.calls(); len(got) != 1 || got[0] != inServiceNum {
				t.Fatalf("confirmed %v, want [%s]", got, inServiceNum)
			}
			if after := w.stored(t, inServiceNum); after.Version != before.Version || !after.Modified.Equal(before.Modified) {
				t.Fatalf("a no-op wrote: version %d -> %d", before.Version, after.Version)
			}
		})
		t.Run(name+", not confirmed", func(t *testing.T) {
			for _, k := range []number.Kind{number.KindConflict, number.KindInternal} {
				w, _ := newConfirmingWorld(t, number.NewError(k, inServiceNum))
				wantKind(t, failure(t, do(w, as(reseller)), inServiceNum), k, "")
			}
		})
		t.Run(name+", dry run", func(t *testing.T) {
			w, cs := newConfirmingWorld(t, nil)
			op := as(reseller)
			op.DryRun = true
			one(t, do(w, op))
			if got := cs.calls(); len(got) != 0 {
				t.Fatalf("a dry run confirmed %v", got)
			}
		})
	}
	t.Run("a write is not confirmed again", func(t *testing.T) {
		w, cs := newConfirmingWorld(t, nil)
		n := one(t, w.m.Move(ctx, []string{availableNum}, child, sys()))
		if n.AssignedTo != child || n.State != number.InService {
			t.Fatalf("%+v", n)
		}
		if got := cs.calls(); len(got) != 0 {
			t.Fatalf("confirmed %v after a write", got)
		}
	})
}
