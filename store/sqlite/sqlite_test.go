package sqlite_test

import (
	"os"
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

// TestReadyRefusesAReadOnlyDatabase: a file made read-only under a running
// store, and a database that refuses writes, are not ready; reads alone do
// not make a store ready.
func TestReadyRefusesAReadOnlyDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numan.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(t.Context()); err == nil {
		t.Error("Ready on a file made read-only: nil")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after the file is writable again: %v", err)
	}
	// Two processes on one file: the other one refuses writes.
	ro, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := sqlite.RefuseWritesForTest(ro); err != nil {
		t.Fatal(err)
	}
	if err := ro.Ready(t.Context()); err == nil {
		t.Error("Ready on a store whose database refuses writes: nil")
	}
	s.Close()
	if err := s.Ready(t.Context()); err == nil {
		t.Error("Ready on a closed store: nil")
	}
}
