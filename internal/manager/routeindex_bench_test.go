package manager

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
)

// BenchmarkRouteIndexMemory measures the route index's memory per million
// routable numbers (runtime.MemStats before and after building it, sized
// for them as a rebuild is): 1,000
// accounts, every number local and in service with the local feature, one
// in ten used by callflow, one in a hundred with a failover of its own.
//
//	go test ./internal/manager -run '^$' -bench RouteIndexMemory -benchtime 1x
func BenchmarkRouteIndexMemory(b *testing.B) {
	const n = 1_000_000
	now := time.Now()
	nums := make([]*number.Number, n)
	for i := range n {
		x := number.New(fmt.Sprintf("+1%010d", 2000000000+i), number.InService, "local", now)
		x.AssignedTo = fmt.Sprintf("%032x", i%1000)
		x.Version = 1
		if i%10 == 0 {
			x.UsedBy = "callflow"
		}
		if i%100 == 0 {
			x.Features[number.FeatureFailover] = json.RawMessage(fmt.Sprintf(`{"e164":"+1415555%04d"}`, i%10000))
		}
		nums[i] = x
	}
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		d := newRouteDataSized(n)
		for _, x := range nums {
			d.set(x, true)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if d.len() != n {
			b.Fatalf("%d indexed", d.len())
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB/1M-numbers")
		runtime.KeepAlive(d)
	}
}

// BenchmarkRouteIndexGC measures a garbage collection with a route index
// of a million numbers live and nothing else (routes hold no pointer, so
// the collector does not scan them):
//
//	go test ./internal/manager -run '^$' -bench RouteIndexGC -benchtime 5x
func BenchmarkRouteIndexGC(b *testing.B) {
	const n = 1_000_000
	now := time.Now()
	d := newRouteDataSized(n)
	for i := range n {
		x := number.New(fmt.Sprintf("+1%010d", 2000000000+i), number.InService, "local", now)
		x.AssignedTo = fmt.Sprintf("%032x", i%1000)
		x.Version = 1
		d.set(x, true)
	}
	runtime.GC()
	for b.Loop() {
		runtime.GC()
	}
	runtime.KeepAlive(d)
}
