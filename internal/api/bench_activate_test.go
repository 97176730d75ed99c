package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

// activateClients is how many clients the activation benchmarks run at
// once (the 100 concurrent activations of distinct numbers).
const activateClients = 100

// BenchmarkActivateHTTP measures activations of distinct available
// numbers into one account by 100 concurrent HTTP clients, in
// activations/s, with the route index running as numan serve runs it, on
// SQLite. It fails on any activation refused or any number not stored as
// the account's afterwards (a sale lost or made twice).
//
//	go test ./internal/api -run '^$' -bench Activate -benchtime 5000x
func BenchmarkActivateHTTP(b *testing.B) { benchActivate(b, newEnv(b)) }

// BenchmarkActivateHTTPPostgres is BenchmarkActivateHTTP on PostgreSQL.
func BenchmarkActivateHTTPPostgres(b *testing.B) { benchActivate(b, newPostgresEnv(b)) }

func benchActivate(b *testing.B, e *env) {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	e.withBilling() // as numan serve runs: every write priced (nothing to charge here)
	n := b.N
	nums := make([]string, n)
	batch := make([]*number.Number, 0, 1000)
	for i := range n {
		x := number.New(fmt.Sprintf("+1629%07d", i), number.Available, "local", e.clock.now())
		batch = append(batch, x)
		nums[i] = x.Number
		if len(batch) == cap(batch) || i == n-1 {
			if err := e.st.InsertNumbers(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := e.srv.mgr.StartRouteIndex(ctx); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(e.srv)
	defer hs.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: activateClients, MaxIdleConns: activateClients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	body := []byte(`{"data":{},"accept_charges":true}`)
	work := make(chan string)
	var refused atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range activateClients {
		wg.Go(func() {
			for num := range work {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPut, hs.URL+"/v2/accounts/"+e.master+"/phone_numbers/"+url.PathEscape(num)+"/activate", bytes.NewReader(body))
				req.Header.Set("X-Auth-Token", e.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					refused.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					refused.Add(1)
				}
			}
		})
	}
	for _, num := range nums {
		work <- num
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "activations/s")
	if r := refused.Load(); r > 0 {
		b.Fatalf("%d of %d activations refused", r, n)
	}
	got, err := e.st.GetNumbers(ctx, nums)
	if err != nil {
		b.Fatal(err)
	}
	for _, num := range nums {
		if s := got[num]; s == nil || s.AssignedTo != e.master || s.State != number.InService {
			b.Fatalf("%s: acknowledged but not the account's in service: %+v", num, s)
		}
	}
}
