package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/postgres"
	"github.com/numan-dev/numan/store/storetest"
)

// testDSN returns the DSN of a freshly created schema, dropped at cleanup:
// packages and subtests run in parallel against one database.
func testDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("NUMAN_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("NUMAN_TEST_POSTGRES_DSN is not set; set it (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL store tests")
	}
	schema := "numan_test_" + strings.ToLower(rand.Text())
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to NUMAN_TEST_POSTGRES_DSN: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath adds search_path to a URL or keyword/value DSN.
func withSearchPath(t testing.TB, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse NUMAN_TEST_POSTGRES_DSN: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}

func openTemp(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), testDSN(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestTwoNodes races two Stores, as two Numan nodes sharing a database, and
// opens them at once so both migrate the same schema together.
func TestTwoNodes(t *testing.T) {
	dsn := testDSN(t)
	stores := make([]store.Store, 2)
	errs := make(chan error, 2)
	for i := range stores {
		go func() {
			s, err := postgres.Open(t.Context(), dsn)
			if err == nil {
				stores[i] = s
				t.Cleanup(func() { s.Close() })
			}
			errs <- err
		}()
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Fatalf("Open: %v", err)
		}
	}
	storetest.Race(t, stores...)
}

func TestMigrateIsIdempotent(t *testing.T) {
	dsn := testDSN(t)
	applied, err := postgres.Migrate(t.Context(), dsn)
	if err != nil || len(applied) == 0 {
		t.Fatalf("first Migrate = %v, %v; want migrations applied", applied, err)
	}
	applied, err = postgres.Migrate(t.Context(), dsn)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing to apply", applied, err)
	}
}

// BenchmarkStore needs NUMAN_TEST_POSTGRES_DSN, like the tests.
func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store { return openTemp(b) })
}

// TestReadyRefusesAReadOnlyDatabase: a node whose sessions refuse writes
// (default_transaction_read_only, as a database switched to read-only) is
// not ready, although every read works.
func TestReadyRefusesAReadOnlyDatabase(t *testing.T) {
	dsn := testDSN(t)
	s := openDSN(t, dsn)
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Skip("the read-only variant needs a URL DSN")
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	ro, err := postgres.Open(t.Context(), u.String())
	if err != nil {
		t.Fatalf("Open read-only: %v", err)
	}
	defer ro.Close()
	if _, err := ro.ListConfigs(t.Context()); err != nil {
		t.Fatalf("a read on the read-only node: %v", err)
	}
	if err := ro.Ready(t.Context()); err == nil {
		t.Error("Ready on a read-only database: nil")
	}
	s.Close()
	if err := s.Ready(t.Context()); err == nil {
		t.Error("Ready on a closed store: nil")
	}
}

func openDSN(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
