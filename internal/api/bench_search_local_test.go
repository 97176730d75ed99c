package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/numan-dev/numan/number"
)

// BenchmarkSearchLocalHTTP measures a search of 20 numbers by prefix over
// Numan's own stock (carrier local) at 50 concurrent clients, with 100,000
// available numbers stored: the search should cost its indexed query
// (issue 13), not a fetch of maximum_search_quantity rows and a write of
// discovery records.
//
//	go test ./internal/api -run '^$' -bench SearchLocalHTTP -benchtime 5000x
func BenchmarkSearchLocalHTTP(b *testing.B) { benchSearchLocal(b, newEnv(b)) }

// BenchmarkSearchLocalHTTPPostgres is BenchmarkSearchLocalHTTP on
// PostgreSQL.
func BenchmarkSearchLocalHTTPPostgres(b *testing.B) { benchSearchLocal(b, newPostgresEnv(b)) }

func benchSearchLocal(b *testing.B, e *env) {
	e.must(200, "PATCH", "/v2/system_configs/number_manager", e.token, map[string]any{"data": map[string]any{"carrier_modules": []string{"local"}}})
	seedAvailable(b, e, 100_000)
	loadBench(b, e, []string{"/v2/accounts/" + e.master + "/phone_numbers?prefix=415&quantity=20"})
}

// seedAvailable stores n available local numbers under +1415, in batches.
func seedAvailable(b *testing.B, e *env, n int) {
	b.Helper()
	batch := make([]*number.Number, 0, 1000)
	for i := range n {
		batch = append(batch, number.New(fmt.Sprintf("+1415%07d", i), number.Available, "local", e.clock.now()))
		if len(batch) == cap(batch) || i == n-1 {
			if err := e.st.InsertNumbers(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
