package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/numan-dev/numan/number"
)

// identifyNumbers is how many numbers the identify benchmarks hit,
// uniformly.
const identifyNumbers = 20_000

// BenchmarkIdentifyHTTP measures identify (the switch's per-call lookup)
// over HTTP at 50 concurrent clients, numbers hit uniformly, answered from
// the route index, on SQLite. BenchmarkIdentifyMapHTTP is its baseline: a
// bare server answering from a Go map.
//
//	go test ./internal/api -run '^$' -bench Identify -benchtime 20000x
func BenchmarkIdentifyHTTP(b *testing.B) { benchIdentify(b, newEnv(b), true) }

// BenchmarkIdentifyHTTPPostgres is BenchmarkIdentifyHTTP on PostgreSQL.
func BenchmarkIdentifyHTTPPostgres(b *testing.B) { benchIdentify(b, newPostgresEnv(b), true) }

// BenchmarkIdentifyHTTPNoIndex is BenchmarkIdentifyHTTP reading the store
// (numan serve --route-index=false).
func BenchmarkIdentifyHTTPNoIndex(b *testing.B) { benchIdentify(b, newEnv(b), false) }

func benchIdentify(b *testing.B, e *env, index bool) {
	nums := seedInService(b, e, identifyNumbers)
	if index {
		ctx, cancel := context.WithCancel(context.Background())
		b.Cleanup(cancel)
		if err := e.srv.mgr.StartRouteIndex(ctx); err != nil {
			b.Fatal(err)
		}
	}
	paths := make([]string, len(nums))
	for i, n := range nums {
		paths[i] = e.numPath(e.master, n) + "/identify"
	}
	loadBench(b, e, paths)
}

// seedInService stores n numbers in service for the master account.
func seedInService(b *testing.B, e *env, n int) []string {
	b.Helper()
	var nums []string
	batch := make([]*number.Number, 0, 1000)
	for i := range n {
		x := number.New(fmt.Sprintf("+1628%07d", i), number.InService, "local", e.clock.now())
		x.AssignedTo = e.master
		batch = append(batch, x)
		nums = append(nums, x.Number)
		if len(batch) == cap(batch) || i == n-1 {
			if err := e.st.InsertNumbers(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// Uniform but not sequential.
	for i := range nums {
		j := (i * 7919) % len(nums)
		nums[i], nums[j] = nums[j], nums[i]
	}
	return nums
}

// BenchmarkIdentifyMapHTTP is identify's baseline: the same requests
// answered by a bare HTTP server from a map of number to account, the
// reply a Kazoo envelope of the same shape.
func BenchmarkIdentifyMapHTTP(b *testing.B) {
	e := newEnv(b)
	nums := seedInService(b, e, identifyNumbers)
	m := make(map[string]string, len(nums))
	for _, n := range nums {
		m[n] = e.master
	}
	var mu sync.RWMutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		n := strings.ReplaceAll(parts[len(parts)-2], "%2B", "+")
		mu.RLock()
		acc, ok := m[n]
		mu.RUnlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"account_id": acc, "number": n, "features": []string{"local"}}, "status": "success", "revision": "x", "request_id": "x", "auth_token": "x"})
	})
	paths := make([]string, len(nums))
	for i, n := range nums {
		paths[i] = e.numPath(e.master, n) + "/identify"
	}
	loadBenchHandler(b, h, e.token, paths)
}
