package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/postgres"
	"github.com/numan-dev/numan/store/storetest"
)

func TestBillingConformance(t *testing.T) {
	storetest.RunBilling(t, func(t *testing.T) storetest.BillingStore { return openTemp(t) })
}

// The ledger is append-only in the database itself: a raw UPDATE or
// DELETE of an entry fails.
func TestLedgerIsImmutable(t *testing.T) {
	dsn := testDSN(t)
	s, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &store.LedgerEntry{AccountID: "acc", Type: store.LedgerDebit, Reason: "number_activation", AmountMinor: 100, Currency: "USD", Created: time.Now()}
	if err := s.AppendLedger(t.Context(), []*store.LedgerEntry{e}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	for _, q := range []string{"UPDATE ledger SET amount_minor = 1", "DELETE FROM ledger"} {
		if _, err := conn.Exec(t.Context(), q); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("%s: %v", q, err)
		}
	}
	es, err := s.ListLedger(t.Context(), store.LedgerQuery{AccountID: "acc"})
	if err != nil || len(es) != 1 || es[0].AmountMinor != 100 {
		t.Fatalf("ledger after tampering: %v, %v", es, err)
	}
}
