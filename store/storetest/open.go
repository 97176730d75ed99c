package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
)

// PostgresEnv names the environment variable holding the PostgreSQL DSN
// tests run against; unset, PostgreSQL tests skip.
const PostgresEnv = "NUMAN_TEST_POSTGRES_DSN"

// OpenSQLite opens a fresh SQLite store in t's temporary directory, closed
// at t's cleanup.
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatalf("open SQLite store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// OpenPostgres opens a fresh PostgreSQL store in a schema of its own
// (PostgresDSN), closed at t's cleanup; it skips t when
// NUMAN_TEST_POSTGRES_DSN is unset.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlstore.OpenPostgres(t.Context(), PostgresDSN(t))
	if err != nil {
		t.Fatalf("open PostgreSQL store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresDSN creates an empty schema in the database of
// NUMAN_TEST_POSTGRES_DSN, drops it at t's cleanup, and returns the DSN with
// that schema as its search_path: packages and tests run in parallel
// against one database. It skips t when the variable is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set; set it (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests")
	}
	schema := "numan_test_" + strings.ToLower(rand.Text())
	exec := func(sql string) error {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema in %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath adds search_path to a URL or keyword/value DSN.
func withSearchPath(t testing.TB, dsn, schema string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return fmt.Sprintf("%s search_path=%s", dsn, schema)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Opener opens a fresh, empty store for one test or benchmark, closed at
// its cleanup.
type Opener func(t testing.TB) store.Store

// EachKind runs fn as one subtest per kind of store, "SQLite" and
// "PostgreSQL", handing it the kind's Opener. The PostgreSQL subtest skips
// when NUMAN_TEST_POSTGRES_DSN is unset.
func EachKind(t *testing.T, fn func(t *testing.T, open Opener)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, OpenSQLite) })
	t.Run("PostgreSQL", func(t *testing.T) { fn(t, OpenPostgres) })
}

// EachStore runs fn as one subtest per kind of store, on a fresh store:
// storetest.EachStore(t, func(t *testing.T, st store.Store) { ... }).
func EachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	EachKind(t, func(t *testing.T, open Opener) { fn(t, open(t)) })
}
