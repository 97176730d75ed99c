package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.EachKind(t, func(t *testing.T, open storetest.Opener) { storetest.Run(t, open) })
}

// TestTwoStoresOnOneFile races two Stores (as two processes would) on one
// SQLite file: the writers wait for each other (busy_timeout, BEGIN
// IMMEDIATE) instead of failing with SQLITE_BUSY.
func TestTwoStoresOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numan.db")
	var stores []store.Store
	for range 2 {
		s, err := sqlstore.OpenSQLite(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	storetest.Race(t, stores...)
}

// TestTwoNodes races two Stores, as two Numan nodes sharing a PostgreSQL
// database, and opens them at once so both migrate the same schema
// together.
func TestTwoNodes(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	stores := make([]store.Store, 2)
	errs := make(chan error, 2)
	for i := range stores {
		go func() {
			s, err := sqlstore.OpenPostgres(t.Context(), dsn)
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

// eachDSN runs fn on a fresh database of each kind: its database/sql
// driver name and its DSN, as Open reads it.
func eachDSN(t *testing.T, fn func(t *testing.T, driver, dsn string)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, "sqlite", filepath.Join(t.TempDir(), "numan.db")) })
	t.Run("PostgreSQL", func(t *testing.T) { fn(t, "pgx", storetest.PostgresDSN(t)) })
}

func TestMigrateIsIdempotent(t *testing.T) {
	eachDSN(t, func(t *testing.T, _, dsn string) {
		applied, err := sqlstore.Migrate(t.Context(), dsn)
		if err != nil || len(applied) == 0 {
			t.Fatalf("first Migrate = %v, %v; want migrations applied", applied, err)
		}
		applied, err = sqlstore.Migrate(t.Context(), dsn)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate = %v, %v; want nothing to apply", applied, err)
		}
		s, err := sqlstore.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("Open of a migrated database: %v", err)
		}
		s.Close()
	})
}

// The ledger is append-only in the database itself, not just in the API:
// a raw UPDATE or DELETE of an entry fails.
func TestLedgerIsImmutable(t *testing.T) {
	eachDSN(t, func(t *testing.T, driver, dsn string) {
		s, err := sqlstore.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		e := &store.LedgerEntry{AccountID: "acc", Type: store.LedgerDebit, Reason: "number_activation", AmountMinor: 100, Currency: "USD", Created: time.Now()}
		if err := s.AppendLedger(t.Context(), []*store.LedgerEntry{e}); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{"UPDATE ledger SET amount_minor = 1", "DELETE FROM ledger"} {
			if _, err := db.ExecContext(t.Context(), q); err == nil || !strings.Contains(err.Error(), "immutable") {
				t.Errorf("%s: %v", q, err)
			}
		}
		es, err := s.ListLedger(t.Context(), store.LedgerQuery{AccountID: "acc"})
		if err != nil || len(es) != 1 || es[0].AmountMinor != 100 {
			t.Fatalf("ledger after tampering: %v, %v", es, err)
		}
	})
}

// BenchmarkStoreSQLite measures the store on SQLite:
// go test ./store/... -run '^$' -bench 'Store/(get|prefix)' -benchtime 20000x,
// and for one bulk of 100,000 numbers:
// go test ./store/... -run '^$' -bench 'Store/bulk' -benchtime 100000x.
func BenchmarkStoreSQLite(b *testing.B) { storetest.Benchmark(b, storetest.OpenSQLite) }

// BenchmarkStorePostgres is BenchmarkStoreSQLite on PostgreSQL; it needs
// NUMAN_TEST_POSTGRES_DSN, like the tests.
func BenchmarkStorePostgres(b *testing.B) { storetest.Benchmark(b, storetest.OpenPostgres) }

func TestIsPostgres(t *testing.T) {
	tests := []struct {
		dsn  string
		want bool
	}{
		{"postgres://u@db/numan", true},
		{"postgresql://u@db1:5432,db2:5432/numan?target_session_attrs=read-write", true},
		{"host=db1,db2 dbname=numan target_session_attrs=read-write", true},
		{"host=/var/run/postgresql", true},
		{"numan.db", false},
		{"/var/lib/numan/numan.db", false},
		{"dbname=numan", false}, // no host: not taken for a DSN
		{"my host=x.db", false},
	}
	for _, tc := range tests {
		if got := sqlstore.IsPostgres(tc.dsn); got != tc.want {
			t.Errorf("IsPostgres(%q) = %v, want %v", tc.dsn, got, tc.want)
		}
	}
}

// TestReadyRefusesAReadOnlySQLiteFile: a file made read-only under a
// running store, and a database that refuses writes, are not ready; reads
// alone do not make a store ready.
func TestReadyRefusesAReadOnlySQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "numan.db")
	s, err := sqlstore.OpenSQLite(t.Context(), path)
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
	ro, err := sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := sqlstore.RefuseWritesForTest(ro); err != nil {
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

// TestReadyRefusesAReadOnlyPostgres: a node whose sessions refuse writes
// (default_transaction_read_only, as a database switched to read-only) is
// not ready, although every read works.
func TestReadyRefusesAReadOnlyPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	s, err := sqlstore.OpenPostgres(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Skip("the read-only variant needs a URL DSN")
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	ro, err := sqlstore.OpenPostgres(t.Context(), u.String())
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

// TestMultiHostDSN opens PostgreSQL through a DSN naming the server twice
// and asking for the writable one, as a primary and its standby would be
// named: pgx parses such DSNs, and the store must keep passing them to it.
func TestMultiHostDSN(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skipf("%s is not a URL with a host", storetest.PostgresEnv)
	}
	host := u.Host
	if u.Port() == "" {
		host += ":5432"
	}
	u.Host = host + "," + host
	q := u.Query()
	q.Set("target_session_attrs", "read-write")
	u.RawQuery = q.Encode()
	s, err := sqlstore.Open(t.Context(), u.String())
	if err != nil {
		t.Fatalf("Open(%s): %v", u.Redacted(), err)
	}
	defer s.Close()
	if err := s.PutConfig(t.Context(), "number_manager", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetConfig(t.Context(), "number_manager"); err != nil {
		t.Fatal(err)
	}
}

// TestConfirmNumber: the store confirms a number at the version stored
// (store.Numbers.ConfirmNumber), and refuses another version
// or a number that is gone.
func TestConfirmNumber(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		c := st
		n := number.New("+14155550300", number.InService, "local", time.Now())
		if err := st.InsertNumber(t.Context(), n); err != nil {
			t.Fatal(err)
		}
		if err := c.ConfirmNumber(t.Context(), n.Number, 1); err != nil {
			t.Errorf("ConfirmNumber at the stored version: %v", err)
		}
		if got, err := st.GetNumber(t.Context(), n.Number); err != nil || got.Version != 1 {
			t.Errorf("after ConfirmNumber: %+v, %v; want version 1 unchanged", got, err)
		}
		if err := c.ConfirmNumber(t.Context(), n.Number, 2); !number.IsKind(err, number.KindConflict) {
			t.Errorf("ConfirmNumber at another version: %v, want KindConflict", err)
		}
		if err := c.ConfirmNumber(t.Context(), "+14155550399", 1); !number.IsKind(err, number.KindNotFound) {
			t.Errorf("ConfirmNumber of a missing number: %v, want KindNotFound", err)
		}
	})
}

// TestLostConnections kills every PostgreSQL connection of a store between
// its calls, as a database restart or a failover does: reads are retried
// on a fresh connection and succeed; a write either succeeds or answers
// unavailable (retryable), never an internal error; and a conditional
// write that was applied before its reply was lost answers conflict when
// retried, so nothing is written twice.
func TestLostConnections(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Skipf("%s is not a URL", storetest.PostgresEnv)
	}
	app := "numan_lost_" + strings.ToLower(rand.Text()[:8])
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s, err := sqlstore.OpenPostgres(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	admin, err := pgx.Connect(t.Context(), os.Getenv(storetest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	kill := func() {
		t.Helper()
		if _, err := admin.Exec(t.Context(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app); err != nil {
			t.Fatal(err)
		}
	}
	ctx := t.Context()
	n := number.New("+14155550400", number.Available, "local", time.Now())
	if err := s.InsertNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
	retryable := func(what string, err error) bool {
		t.Helper()
		switch {
		case err == nil:
			return false
		case number.IsKind(err, number.KindUnavailable):
			return true
		}
		t.Fatalf("%s after the connections were killed: %v", what, err)
		return false
	}
	for i := range 20 {
		kill()
		got, err := s.GetNumber(ctx, n.Number)
		if err != nil {
			t.Fatalf("round %d: read: %v", i, err)
		}
		if _, err := s.ListNumbers(ctx, store.ListQuery{Limit: 10}); err != nil {
			t.Fatalf("round %d: listing: %v", i, err)
		}
		kill()
		next := got.Clone()
		next.UsedBy = fmt.Sprintf("app%d", i)
		if retryable("update", s.UpdateNumber(ctx, next)) {
			// Retried as a client would: applied before, it is a conflict.
			err := s.UpdateNumber(ctx, next)
			if err != nil && !number.IsKind(err, number.KindConflict) {
				t.Fatalf("round %d: retry: %v", i, err)
			}
		}
		kill()
		err = s.InTx(ctx, func(tx store.Tx) error {
			cur, err := tx.GetNumberForUpdate(ctx, n.Number)
			if err != nil {
				return err
			}
			cur.PrevAssignedTo = fmt.Sprintf("%032d", i)
			return tx.UpdateNumber(ctx, cur)
		})
		retryable("transaction", err)
	}
}
