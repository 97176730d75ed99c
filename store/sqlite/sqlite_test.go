package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlite"
	"github.com/numan-dev/numan/store/storetest"
)

func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestTwoStoresOnOneFile races two Stores (as two processes would) on one
// file: the writers wait for each other (busy_timeout, BEGIN IMMEDIATE)
// instead of failing with SQLITE_BUSY.
func TestTwoStoresOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numan.db")
	var stores []store.Store
	for range 2 {
		s, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	storetest.Race(t, stores...)
}

func TestMigrateIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numan.db")
	applied, err := sqlite.Migrate(t.Context(), path)
	if err != nil || len(applied) == 0 {
		t.Fatalf("first Migrate = %v, %v; want migrations applied", applied, err)
	}
	applied, err = sqlite.Migrate(t.Context(), path)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing to apply", applied, err)
	}
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open of a migrated file: %v", err)
	}
	s.Close()
}

// BenchmarkStore: go test ./store/sqlite -run '^$' -bench . -benchtime 20000x,
// and for one bulk of 100,000 numbers:
// go test ./store/sqlite -run '^$' -bench 'Store/bulk' -benchtime 100000x.
func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store { return openTemp(b) })
}
