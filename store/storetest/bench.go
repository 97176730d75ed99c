package storetest

import (
	"fmt"
	"testing"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// fixtureSize is the number of numbers the read benchmarks run among.
const fixtureSize = 1_000_000

// bulkSize is the size of one bulk insert in the bulk create benchmark.
const bulkSize = 100_000

// Benchmark measures a store: reading one number and a prefix search among
// 1,000,000 numbers, and bulk creating numbers (100,000 per InsertNumbers).
// open returns a new, empty store. The 1,000,000-number fixture is built
// once, outside the timers, with InsertNumbers, and only when a read
// benchmark runs.
func Benchmark(b *testing.B, open Opener) {
	parent := b
	var s store.Store
	var keys []string
	fixture := func(b *testing.B) {
		if s != nil {
			return
		}
		s = open(parent) // closed when the whole benchmark ends, not after the first sub-benchmark
		keys = make([]string, 0, fixtureSize)
		for start := 0; start < fixtureSize; start += bulkSize {
			batch := benchNumbers(start, bulkSize, "+1%03d555%04d")
			if err := s.InsertNumbers(b.Context(), batch); err != nil {
				b.Fatalf("fixture: %v", err)
			}
			for _, n := range batch {
				keys = append(keys, n.Number)
			}
		}
	}

	b.Run("get one among 1M", func(b *testing.B) {
		fixture(b)
		b.ResetTimer()
		i := 0
		for b.Loop() {
			// A stride through the keys, so reads do not hit one page.
			i = (i + 7919) % len(keys)
			if _, err := s.GetNumber(b.Context(), keys[i]); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("prefix search 20 available among 1M", func(b *testing.B) {
		fixture(b)
		b.ResetTimer()
		i := 0
		for b.Loop() {
			npa := 200 + i%100 // each NPA holds 10,000 numbers, a quarter available local
			i++
			found, err := s.SearchNumbers(b.Context(), store.SearchQuery{
				Prefix:  fmt.Sprintf("+1%03d555", npa),
				States:  []number.State{number.Available},
				Modules: []string{"local"},
				Limit:   20,
			})
			if err != nil {
				b.Fatal(err)
			}
			if len(found) != 20 {
				b.Fatalf("found %d numbers, want 20", len(found))
			}
		}
	})

	// One op is one number, created in bulks of up to 100,000: -benchtime
	// 100000x times one bulk of 100,000, and -bench . -benchtime 20000x
	// stays short.
	b.Run("bulk create", func(b *testing.B) {
		fresh := open(b)
		batch := benchNumbers(0, b.N, "+44%04d%06d")
		b.ResetTimer()
		for start := 0; start < len(batch); start += bulkSize {
			if err := fresh.InsertNumbers(b.Context(), batch[start:min(start+bulkSize, len(batch))]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "numbers/s")
	})
}

// benchNumbers returns count numbers from index start, formatted with
// format from (i/10000, i%10000): states and modules cycle so a quarter of
// them are available local numbers.
func benchNumbers(start, count int, format string) []*number.Number {
	ns := make([]*number.Number, count)
	for k := range ns {
		i := start + k
		e164 := fmt.Sprintf(format, 200+i/10000, i%10000)
		module := "local"
		if i%2 == 1 {
			module = "bandwidth2"
		}
		var n *number.Number
		switch i % 4 {
		case 0, 1:
			n = number.New(e164, number.Available, module, at)
		case 2:
			n = number.New(e164, number.InService, module, at)
			n.AssignedTo = accountID(i % 1000)
			n.UsedBy = "callflow"
		default:
			n = number.New(e164, number.Reserved, module, at)
			n.AssignedTo = accountID(i % 1000)
			n.ReserveHistory = []string{n.AssignedTo}
		}
		ns[k] = n
	}
	return ns
}
