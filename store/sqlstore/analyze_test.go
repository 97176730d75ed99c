package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/sqlstore"
	"github.com/numan-dev/numan/store/storetest"
)

// A bulk load of 50,000 numbers refreshes the planner's statistics of the
// numbers table on PostgreSQL, so a server whose autovacuum is off does
// not plan the loaded table as an empty one (issue 13).
func TestBulkLoadAnalyzes(t *testing.T) {
	ctx := context.Background()
	s, err := sqlstore.OpenPostgres(ctx, storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	for start := 0; start < 50_000; start += 10_000 {
		ns := make([]*number.Number, 10_000)
		for i := range ns {
			ns[i] = number.New(fmt.Sprintf("+1628%07d", start+i), number.Available, "local", now)
		}
		if err := s.InsertNumbers(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	sqlstore.WaitAnalyses(s)
	var tuples float64
	if err := s.RawQueryRowForTest(ctx, "SELECT reltuples FROM pg_class WHERE oid = 'numbers'::regclass", &tuples); err != nil {
		t.Fatal(err)
	}
	if tuples < 50_000 {
		t.Fatalf("statistics say %v rows", tuples)
	}
}
