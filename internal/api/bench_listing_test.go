package api

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/numan-dev/numan/store/sqlstore"
)

// listingNumbers is the size of the account the listing benchmarks page
// through (issue 13: 100,000 numbers per account).
const listingNumbers = 100_000

// BenchmarkListingHTTP measures a page of 50 of an account's listing at
// 100,000 numbers, pages spread over the account, at 50 concurrent
// clients, on SQLite. BenchmarkListingBareHTTP is its baseline: a bare
// server running the keyset query on the same database and writing the
// rows as JSON.
//
//	go test ./internal/api -run '^$' -bench Listing -benchtime 5000x
func BenchmarkListingHTTP(b *testing.B) { benchListing(b, newEnv(b)) }

// BenchmarkListingHTTPPostgres is BenchmarkListingHTTP on PostgreSQL.
func BenchmarkListingHTTPPostgres(b *testing.B) { benchListing(b, newPostgresEnv(b)) }

func listingPaths(b *testing.B, e *env) []string {
	nums := seedInService(b, e, listingNumbers)
	var paths []string
	for i := 0; i < 500; i++ {
		paths = append(paths, "/v2/accounts/"+e.master+"/phone_numbers?page_size=50&start_key="+enc(nums[i]))
	}
	return paths
}

func benchListing(b *testing.B, e *env) {
	loadBench(b, e, listingPaths(b, e))
}

// BenchmarkListingBareHTTP is the listing's baseline on SQLite.
func BenchmarkListingBareHTTP(b *testing.B) { benchListingBare(b, newEnv(b)) }

// BenchmarkListingBareHTTPPostgres is the listing's baseline on
// PostgreSQL.
func BenchmarkListingBareHTTPPostgres(b *testing.B) { benchListingBare(b, newPostgresEnv(b)) }

func benchListingBare(b *testing.B, e *env) {
	paths := listingPaths(b, e)
	db := e.st.(*sqlstore.Store).ReadDB()
	loadBenchHandler(b, BareListing(db, e.master), e.token, paths)
}

// BareListing is a bare server of an account's listing: the keyset query
// on the numbers table and its rows as JSON, nothing else.
func BareListing(db *sql.DB, account string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := r.URL.Query().Get("start_key")
		rows, err := db.QueryContext(r.Context(), "SELECT number, state, assigned_to, module_name, created, modified, doc FROM numbers WHERE assigned_to = $1 AND assigned_to <> '' AND number >= $2 ORDER BY number LIMIT 51", account, start)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		out := map[string]any{}
		for rows.Next() {
			var num, st, acc, mod string
			var created, modified any
			var doc []byte
			if err := rows.Scan(&num, &st, &acc, &mod, &created, &modified, &doc); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			out[num] = map[string]any{"state": st, "assigned_to": acc, "carrier_module": mod, "created": fmt.Sprint(created), "updated": fmt.Sprint(modified), "doc": json.RawMessage(doc)}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"numbers": out}})
	})
}
