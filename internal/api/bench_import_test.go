package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

// importTotal is how many numbers the import benchmarks load, in batches
// of importBatch (numan numbers import's default).
const (
	importTotal = 20_000
	importBatch = 1000
)

// BenchmarkImportHTTP measures a bulk load through the collection import
// endpoint (what numan numbers import sends), in numbers/s, on SQLite;
// BenchmarkImportBare is its baseline, the store's own bulk insert.
//
//	go test ./internal/api -run '^$' -bench Import -benchtime 1x
func BenchmarkImportHTTP(b *testing.B) { benchImport(b, newEnv(b)) }

// BenchmarkImportHTTPPostgres is BenchmarkImportHTTP on PostgreSQL.
func BenchmarkImportHTTPPostgres(b *testing.B) { benchImport(b, newPostgresEnv(b)) }

func benchImport(b *testing.B, e *env) {
	e.withBilling() // as numan serve runs: every write priced (nothing to charge here)
	base := 0
	for b.Loop() {
		t0 := time.Now()
		for start := 0; start < importTotal; start += importBatch {
			nums := make([]string, importBatch)
			for i := range nums {
				nums[i] = fmt.Sprintf("+1628%07d", base+start+i)
			}
			e.must(200, "PUT", "/v2/accounts/"+e.master+"/phone_numbers/collection/import", e.token, map[string]any{"data": map[string]any{"numbers": nums}})
		}
		base += importTotal
		b.ReportMetric(importTotal/time.Since(t0).Seconds(), "numbers/s")
	}
}

// BenchmarkImportBare is the import's baseline: the store's bulk insert
// (one transaction per batch; COPY on PostgreSQL).
func BenchmarkImportBare(b *testing.B) { benchImportBare(b, newEnv(b)) }

// BenchmarkImportBarePostgres is BenchmarkImportBare on PostgreSQL.
func BenchmarkImportBarePostgres(b *testing.B) { benchImportBare(b, newPostgresEnv(b)) }

func benchImportBare(b *testing.B, e *env) {
	base := 0
	for b.Loop() {
		t0 := time.Now()
		for start := 0; start < importTotal; start += importBatch {
			ns := make([]*number.Number, importBatch)
			for i := range ns {
				ns[i] = number.New(fmt.Sprintf("+1628%07d", base+start+i), number.InService, "local", e.clock.now())
				ns[i].AssignedTo = e.master
			}
			if err := e.st.InsertNumbers(context.Background(), ns); err != nil {
				b.Fatal(err)
			}
		}
		base += importTotal
		b.ReportMetric(importTotal/time.Since(t0).Seconds(), "numbers/s")
	}
}
