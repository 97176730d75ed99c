package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

// sources records how a watch heard each number: as the store's own
// write (with the number written), or as a number to read again (the
// follower's reports, and a failed commit's numbers at once).
type sources struct {
	mu      sync.Mutex
	own     map[string]int
	reread  map[string]int
	resyncs int
}

func newSources() *sources {
	return &sources{own: map[string]int{}, reread: map[string]int{}}
}

func (s *sources) watch() store.NumberWatch {
	return store.NumberWatch{
		Changed: func(cs []store.NumberChange) {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, c := range cs {
				if c.Written != nil {
					s.own[c.Number]++
				} else {
					s.reread[c.Number]++
				}
			}
		},
		Resync: func() { s.mu.Lock(); s.resyncs++; s.mu.Unlock() },
	}
}

func (s *sources) rereads(num string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.reread[num] }

// onBothStores runs test on SQLite and on PostgreSQL.
func onBothStores(t *testing.T, test func(t *testing.T, pg bool)) {
	t.Run("SQLite", func(t *testing.T) { test(t, false) })
	t.Run("PostgreSQL", func(t *testing.T) { test(t, true) })
}

// watchedPair opens two stores on one database (two nodes, or two
// processes on one SQLite file) and watches the first.
func watchedPair(t *testing.T, postgres bool) (a, b *sqlstore.Store, h *sources) {
	t.Helper()
	a, b = openTwo(t, postgres)
	h = newSources()
	if err := a.WatchNumbers(t.Context(), h.watch()); err != nil {
		t.Fatal(err)
	}
	return a, b, h
}

// openTwo opens two stores on one database: two nodes, or two processes
// on one SQLite file.
func openTwo(t *testing.T, postgres bool) (a, b *sqlstore.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "numan.db")
	openStore := func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, path) }
	if postgres {
		dsn := storetest.PostgresDSN(t)
		openStore = func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, dsn) }
	}
	open := func() *sqlstore.Store {
		st, err := openStore(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return open(), open()
}

// TestFollowerSkipsItsOwnStoresWrites: a store's watch hears the store's
// own writes once, as they commit, and its follower reads the outbox for
// the other stores' writes only. A bulk load of more numbers than the
// follower hands on one by one does not make the loading node read every
// number again (it did when the follower read its own events back).
func TestFollowerSkipsItsOwnStoresWrites(t *testing.T) {
	onBothStores(t, func(t *testing.T, pg bool) {
		ctx := t.Context()
		a, b, h := watchedPair(t, pg)
		now := time.Now()
		bulk := make([]*number.Number, 10_001)
		for i := range bulk {
			bulk[i] = number.New(fmt.Sprintf("+1415600%04d", i), number.Available, "local", now)
		}
		if err := a.InsertNumbers(ctx, bulk); err != nil {
			t.Fatal(err)
		}
		n, err := a.GetNumber(ctx, bulk[0].Number)
		if err != nil {
			t.Fatal(err)
		}
		n.State = number.Reserved
		if err := a.UpdateNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
		// The other store's write is heard through the follower; by
		// then its read covered the writes above.
		other := "+14155550901"
		if err := b.InsertNumber(ctx, number.New(other, number.Available, "local", now)); err != nil {
			t.Fatal(err)
		}
		pollUntil(t, a, "the other store's write", func() bool { return h.rereads(other) == 1 })

		h.mu.Lock()
		defer h.mu.Unlock()
		if h.resyncs != 0 {
			t.Errorf("%d resyncs after the store's own bulk load, want 0", h.resyncs)
		}
		if len(h.reread) != 1 {
			t.Errorf("the follower reported %d numbers, want only the other store's", len(h.reread))
		}
		if h.own[bulk[0].Number] != 2 || h.own[bulk[len(bulk)-1].Number] != 1 || len(h.own) != len(bulk) {
			t.Errorf("own writes heard: %d numbers, the first %d times, want %d numbers, the first twice",
				len(h.own), h.own[bulk[0].Number], len(bulk))
		}
	})
}

// TestFollowerReadsAgainAWriteOfUnknownOutcome: when a commit fails, the
// write may still land after the watch read its numbers again, and the
// follower skips its events (they are the store's own); so the follower
// reports those numbers again on a later read.
func TestFollowerReadsAgainAWriteOfUnknownOutcome(t *testing.T) {
	onBothStores(t, func(t *testing.T, pg bool) {
		ctx := t.Context()
		a, _, h := watchedPair(t, pg)
		now := time.Now()
		num := "+14155550902"
		if err := a.InsertNumber(ctx, number.New(num, number.Available, "local", now)); err != nil {
			t.Fatal(err)
		}
		// The transaction's context ends before its commit: the
		// commit fails.
		tctx, cancel := context.WithCancel(ctx)
		err := a.InTx(tctx, func(tx store.Tx) error {
			n, err := tx.GetNumber(tctx, num)
			if err != nil {
				return err
			}
			n.State = number.Reserved
			if err := tx.UpdateNumber(tctx, n); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if err == nil {
			t.Fatal("the commit succeeded after its context ended")
		}
		// Read again at once, and by the follower later.
		pollUntil(t, a, "the number of the failed commit again", func() bool { return h.rereads(num) == 2 })

		if !pg {
			return
		}
		// PostgreSQL's one-statement update (UpdateNumberFrom outside a
		// transaction) is its own commit.
		before, err := a.GetNumber(ctx, num)
		if err != nil {
			t.Fatal(err)
		}
		n := before.Clone()
		n.State = number.Reserved
		done, cancelDone := context.WithCancel(ctx)
		cancelDone()
		if err := a.UpdateNumberFrom(done, before, n, ""); err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("update on an ended context: %v", err)
		}
		pollUntil(t, a, "the number of the failed update again", func() bool { return h.rereads(num) == 3 })
	})
}
