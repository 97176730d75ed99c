package manager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// slowCarrier answers every search after a fixed delay, like a remote
// carrier's API.
type slowCarrier struct {
	name  string
	delay time.Duration
}

func (c slowCarrier) Info() carrier.Info {
	return carrier.Info{Module: number.Module{Name: c.name}, Billable: true, MaxPrefixLength: 10}
}
func (c slowCarrier) FindNumbers(ctx context.Context, prefix string, quantity int, _ carrier.SearchOptions) ([]carrier.Result, error) {
	select {
	case <-time.After(c.delay):
	case <-ctx.Done():
		return nil, number.Wrap(number.KindByCarrier, "", ctx.Err())
	}
	out := make([]carrier.Result, 0, quantity)
	for i := range quantity {
		out = append(out, carrier.Result{Number: fmt.Sprintf("%s%07d", prefix, i), Carrier: c.name, State: number.Discovery})
	}
	return out, nil
}
func (slowCarrier) Acquire(context.Context, *number.Number) (carrier.Acquired, error) {
	return carrier.Acquired{}, nil
}
func (slowCarrier) Disconnect(context.Context, *number.Number) error { return nil }

const slowCarriers = 5

func init() {
	for i := range slowCarriers {
		name := fmt.Sprintf("slow%d", i)
		c := slowCarrier{name: name, delay: 200 * time.Millisecond}
		carrier.Register(c.Info(), func(json.RawMessage, carrier.Deps) (carrier.Carrier, error) { return c, nil })
	}
}

// BenchmarkSearchFiveSlowCarriers measures a search over five carriers that
// each answer after 200 ms: asked in parallel, it takes about 200 ms, not 1 s.
//
//	go test ./internal/manager -run '^$' -bench SearchFiveSlowCarriers -benchtime 10x
func BenchmarkSearchFiveSlowCarriers(b *testing.B) {
	w := newWorld(b)
	modules := []string{}
	for i := range slowCarriers {
		modules = append(modules, fmt.Sprintf("slow%d", i))
	}
	doc, _ := json.Marshal(map[string]any{"default": map[string]any{"carrier_modules": modules}})
	if err := w.st.PutConfig(ctx, "number_manager", doc); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		resp, err := w.m.Search(ctx, manager.SearchRequest{Prefix: fmt.Sprintf("%03d", 200+i%700), Quantity: 20})
		if err != nil || len(resp.Numbers) != 20 || len(resp.Failed) != 0 {
			b.Fatalf("%+v %v", resp, err)
		}
	}
}
