package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// benchWrites measures one number write of each kind (the outbox's cost
// is this figure against the same benchmark on a commit before it):
// an update (conditional on the version), and an insert.
func benchWrites(b *testing.B, open storetest.Opener) {
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.Run("update", func(b *testing.B) {
		s := open(b)
		ns := make([]*number.Number, 1000)
		for i := range ns {
			ns[i] = number.New(fmt.Sprintf("+1415%07d", i), number.InService, "local", at)
		}
		if err := s.InsertNumbers(ctx, ns); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			n := ns[i%len(ns)]
			n.UsedBy = fmt.Sprint("app", i)
			if err := s.UpdateNumber(ctx, n); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("update in a transaction", func(b *testing.B) {
		s := open(b)
		n := number.New("+14150000001", number.InService, "local", at)
		if err := s.InsertNumber(ctx, n); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			err := s.InTx(ctx, func(tx store.Tx) error {
				cur, err := tx.GetNumberForUpdate(ctx, n.Number)
				if err != nil {
					return err
				}
				cur.UsedBy = fmt.Sprint("app", i)
				return tx.UpdateNumber(ctx, cur)
			})
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("insert", func(b *testing.B) {
		s := open(b)
		i := 0
		for b.Loop() {
			if err := s.InsertNumber(ctx, number.New(fmt.Sprintf("+1416%07d", i), number.Available, "local", at)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkNumberWriteSQLite(b *testing.B)   { benchWrites(b, storetest.OpenSQLite) }
func BenchmarkNumberWritePostgres(b *testing.B) { benchWrites(b, storetest.OpenPostgres) }
