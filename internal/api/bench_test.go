package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

// benchClients is the number of concurrent HTTP clients of the load
// benchmarks (issue 3: 50).
const benchClients = 50

// BenchmarkGetNumberHTTP measures GET of one number over HTTP (loopback)
// at 50 concurrent clients, on SQLite; it reports requests/s and p99.
//
//	go test ./internal/api -run '^$' -bench HTTP -benchtime 20000x
//
// `numan bench` measures the same against any server (or PostgreSQL).
func BenchmarkGetNumberHTTP(b *testing.B) { benchGetNumber(b, newEnv(b)) }

// BenchmarkGetNumberHTTPPostgres is BenchmarkGetNumberHTTP on PostgreSQL
// (NUMAN_TEST_POSTGRES_DSN).
func BenchmarkGetNumberHTTPPostgres(b *testing.B) { benchGetNumber(b, newPostgresEnv(b)) }

func benchGetNumber(b *testing.B, e *env) {
	var nums []string
	for i := range 500 {
		nums = append(nums, fmt.Sprintf("+1415556%04d", i))
	}
	e.seed(e.master, number.InService, nums...)
	paths := make([]string, len(nums))
	for i, n := range nums {
		paths[i] = e.numPath(e.master, n)
	}
	loadBench(b, e, paths)
}

// BenchmarkSearchHTTP measures a carrier search (the fake carrier) over
// HTTP at 50 concurrent clients.
func BenchmarkSearchHTTP(b *testing.B) { benchSearch(b, newEnv(b)) }

// BenchmarkSearchHTTPPostgres is BenchmarkSearchHTTP on PostgreSQL.
func BenchmarkSearchHTTPPostgres(b *testing.B) { benchSearch(b, newPostgresEnv(b)) }

func benchSearch(b *testing.B, e *env) {
	for i := range 100 {
		e.fake.Offer(fmt.Sprintf("+1415557%04d", i))
	}
	loadBench(b, e, []string{"/v2/accounts/" + e.master + "/phone_numbers?prefix=415&quantity=10"})
}

// loadBench drives the server like wrk does: benchClients keep-alive
// connections, each sending its next request when the previous reply has
// been read. The client is a bare HTTP/1.1 writer and parser, so the
// benchmark's CPU goes to the server, not to net/http's client transport.
func loadBench(b *testing.B, e *env, paths []string) { loadBenchHandler(b, e.srv, e.token, paths) }

// loadBenchHandler is loadBench on any handler.
func loadBenchHandler(b *testing.B, h http.Handler, token string, paths []string) {
	hs := httptest.NewServer(h)
	defer hs.Close()
	addr := strings.TrimPrefix(hs.URL, "http://")
	reqs := make([][]byte, len(paths))
	for i, p := range paths {
		reqs[i] = []byte("GET " + p + " HTTP/1.1\r\nHost: " + addr + "\r\nX-Auth-Token: " + token + "\r\n\r\n")
	}
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	start := time.Now()
	var worker int
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		i := worker
		worker++
		mu.Unlock()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		br := bufio.NewReaderSize(conn, 64<<10)
		mine := make([]time.Duration, 0, 1024)
		for pb.Next() {
			t0 := time.Now()
			if _, err := conn.Write(reqs[i%len(reqs)]); err != nil {
				b.Error(err)
				return
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			i++
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
