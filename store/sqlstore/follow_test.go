package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

// heard records what a store's watch reports.
type heard struct {
	mu      sync.Mutex
	changes map[string]int64 // number -> version reported
	resyncs int
}

func (h *heard) watch() store.NumberWatch {
	return store.NumberWatch{
		Changed: func(cs []store.NumberChange) {
			h.mu.Lock()
			defer h.mu.Unlock()
			for _, c := range cs {
				h.changes[c.Number] = c.Version
			}
		},
		Resync: func() { h.mu.Lock(); h.resyncs++; h.mu.Unlock() },
	}
}

func (h *heard) has(num string) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.changes[num]
	return v, ok
}

func (h *heard) resynced() int { h.mu.Lock(); defer h.mu.Unlock(); return h.resyncs }

// insertHeld inserts n in a transaction of st that stays open (its event
// has taken its seq) until commit is called; commit returns the
// transaction's error.
func insertHeld(ctx context.Context, st *sqlstore.Store, n *number.Number) (commit func() error) {
	inserted, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- st.InTx(ctx, func(tx store.Tx) error {
			if err := tx.InsertNumber(ctx, n); err != nil {
				close(inserted)
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	<-inserted
	return func() error {
		close(release)
		return <-done
	}
}

// pollUntil makes st's watch read until cond holds. Other tests' write
// transactions on the same server hold the follower back while they run
// (the snapshot's xmin is the server's), so one read may not be enough;
// the deadline only guards against a hang.
func pollUntil(t *testing.T, st *sqlstore.Store, what string, cond func() bool) {
	t.Helper()
	guard := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(guard) {
			t.Fatalf("never heard: %s", what)
		}
		st.PollExternal(t.Context())
	}
}

// TestFollowerMissesNoWrite runs two stores on one PostgreSQL schema and
// checks that the follower of B hears every number A writes, with its
// version: a transaction that wrote first but commits after a later one,
// none of a transaction rolled back, and a bulk load of more than it
// hands on one by one as "read everything".
func TestFollowerMissesNoWrite(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	testFollower(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, dsn) }, true)
}

// TestFollowerMissesNoWriteOnSQLite is TestFollowerMissesNoWrite with two
// processes' stores on one SQLite file (SQLite has one writer at a time:
// the transaction that writes first commits first).
func TestFollowerMissesNoWriteOnSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numan.db")
	testFollower(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, path) }, false)
}

func testFollower(t *testing.T, openStore func(context.Context) (*sqlstore.Store, error), interleaved bool) {
	ctx := t.Context()
	open := func() *sqlstore.Store {
		st, err := openStore(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := open(), open()
	h := &heard{changes: map[string]int64{}}
	if err := b.WatchNumbers(ctx, h.watch()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()

	if interleaved {
		// X is written first, in a transaction that stays open while Y is
		// written and committed: Y's event has the later seq but X
		// commits last.
		commit := insertHeld(ctx, a, number.New("+14155550801", number.Available, "local", now))
		if err := a.InsertNumber(ctx, number.New("+14155550802", number.Available, "local", now)); err != nil {
			t.Fatal(err)
		}
		b.PollExternal(ctx)
		if _, ok := h.has("+14155550801"); ok {
			t.Fatal("heard of a number whose transaction has not committed")
		}
		if err := commit(); err != nil {
			t.Fatal(err)
		}
		pollUntil(t, b, "both numbers", func() bool {
			_, x := h.has("+14155550801")
			_, y := h.has("+14155550802")
			return x && y
		})
	} else {
		for _, x := range []string{"+14155550801", "+14155550802"} {
			if err := a.InsertNumber(ctx, number.New(x, number.Available, "local", now)); err != nil {
				t.Fatal(err)
			}
		}
	}
	pollUntil(t, b, "both numbers", func() bool {
		_, x := h.has("+14155550801")
		_, y := h.has("+14155550802")
		return x && y
	})
	if v, _ := h.has("+14155550801"); v != 1 {
		t.Errorf("version heard %d, want 1", v)
	}

	// An update is heard with its new version; a deletion with version 0.
	n, err := a.GetNumber(ctx, "+14155550802")
	if err != nil {
		t.Fatal(err)
	}
	n.State = number.Reserved
	n.AssignedTo = ""
	if err := a.UpdateNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, b, "the update", func() bool { v, _ := h.has(n.Number); return v == 2 })
	if err := a.DeleteNumber(ctx, "+14155550801", 1); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, b, "the deletion", func() bool { v, ok := h.has("+14155550801"); return ok && v == 0 })

	// A rolled-back write is never heard; the write after it is.
	errRollback := errors.New("roll back")
	if err := a.InTx(ctx, func(tx store.Tx) error {
		if err := tx.InsertNumber(ctx, number.New("+14155550803", number.Available, "local", now)); err != nil {
			return err
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if err := a.InsertNumber(ctx, number.New("+14155550804", number.Available, "local", now)); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, b, "the write after a rollback", func() bool { _, ok := h.has("+14155550804"); return ok })
	if _, ok := h.has("+14155550803"); ok {
		t.Error("heard of a rolled-back write")
	}

	// A bulk load of more than the follower hands on one by one: read
	// everything instead.
	before := h.resynced()
	bulk := make([]*number.Number, 10_001)
	for i := range bulk {
		bulk[i] = number.New(fmt.Sprintf("+1415600%04d", i), number.Available, "local", now)
	}
	if err := a.InsertNumbers(ctx, bulk); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, b, "a resync after the bulk load", func() bool { return h.resynced() > before })
	h.mu.Lock()
	defer h.mu.Unlock()
	if slices.ContainsFunc(bulk, func(x *number.Number) bool { _, ok := h.changes[x.Number]; return ok }) {
		t.Error("a bulk load's numbers were handed on one by one as well as by a resync")
	}
}

// A follower's read on another server than its mark's (a failover; the
// same server restarted) fails, so the watch reads every number again:
// the old server may have shown commits its standby never got, and the
// pool may reach the new one without an error.
func TestFollowerNoticesAnotherServer(t *testing.T) {
	s, err := sqlstore.OpenPostgres(t.Context(), storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mark, err := sqlstore.FollowMarkForTest(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if _, next, err := sqlstore.FollowReadForTest(t.Context(), s, mark); err != nil || next == "" {
		t.Fatalf("a read on the same server: %q, %v", next, err)
	}
	xmin, _, _ := strings.Cut(mark, "@")
	if _, _, err := sqlstore.FollowReadForTest(t.Context(), s, xmin+"@2000-01-01 00:00:00+00"); err == nil {
		t.Fatal("a read on a server started at another time than the mark's succeeded")
	}
}
