// Package storetesting opens a real SQLite store seeded with numbers, for
// the tests of the carriers that search Numan's own store (storesearch).
package storetesting

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlite"
)

// Seed describes one stored number.
type Seed struct {
	Number     string
	State      number.State
	Module     string
	AssignedTo string
	Pool       string
	// CarrierData, when set, is stored as the number's carrier data.
	CarrierData map[string]any
	// Locality, when set, is stored as the number's locality.
	Locality map[string]any
}

// Time stamps the seeded numbers.
var Time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Open opens a fresh SQLite store in t's temporary directory, stores seeds
// in it, and closes it at cleanup.
func Open(t testing.TB, seeds ...Seed) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ns := make([]*number.Number, 0, len(seeds))
	for _, s := range seeds {
		n := number.New(s.Number, s.State, s.Module, Time)
		n.AssignedTo = s.AssignedTo
		n.Pool = s.Pool
		for k, v := range s.CarrierData {
			n.CarrierData.Set(k, v)
		}
		if s.Locality != nil {
			n.Locality = number.Doc{}
			for k, v := range s.Locality {
				n.Locality.Set(k, v)
			}
		}
		ns = append(ns, n)
	}
	if err := st.InsertNumbers(ctx, ns); err != nil {
		t.Fatalf("InsertNumbers: %v", err)
	}
	return st
}

// Deps returns carrier dependencies reading numbers from st, through the
// manager's adapter as in production.
func Deps(st store.Numbers) carrier.Deps {
	return carrier.Deps{Numbers: manager.CarrierNumbers(st), Now: func() time.Time { return Time }}
}

// Numbers returns the numbers of results, in order.
func Numbers(results []carrier.Result) []string {
	out := make([]string, 0, len(results))
	for _, r := range results {
		out = append(out, r.Number)
	}
	return out
}
