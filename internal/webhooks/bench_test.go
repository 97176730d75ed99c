package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/storetest"
)

// benchDeliver measures deliveries per second to a local receiver: each
// iteration delivers 1,000 events (of 1,000 numbers) to one webhook,
// signed, through the whole path (dispatch, lease, POST, record).
func benchDeliver(b *testing.B, open storetest.Opener) {
	st := open(b)
	kr, _ := secrets.NewKeyring(secrets.GenerateKey())
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer rcv.Close()
	ctx := context.Background()
	acct := &number.Account{ID: reseller, Name: "r", Tree: []string{}, Enabled: true, Public: number.Doc{}, Created: t0, Modified: t0}
	if err := st.InsertAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	svc := webhooks.New(st, kr, webhooks.Options{})
	if _, err := svc.Create(ctx, reseller, []byte(`{"name":"bench","uri":"`+rcv.URL+`","hook":"all"}`)); err != nil {
		b.Fatal(err)
	}
	d := webhooks.NewDeliverer(st, kr, webhooks.DelivererOptions{Batch: 256, Workers: 16, AllowPrivate: true})
	const perOp = 1000
	round := 0
	events := 0
	var spent time.Duration
	for b.Loop() {
		b.StopTimer()
		ns := make([]*number.Number, perOp)
		for i := range ns {
			ns[i] = number.New(fmt.Sprintf("+1415%03d%04d", round, i), number.InService, "local", t0)
			ns[i].AssignedTo = reseller
		}
		if err := st.InsertNumbers(event.WithActor(ctx, event.Actor{Via: "job"}, ""), ns); err != nil {
			b.Fatal(err)
		}
		round++
		b.StartTimer()
		start := time.Now()
		n, err := d.RunOnce(ctx)
		if err != nil || n != perOp {
			b.Fatalf("delivered %d, %v", n, err)
		}
		spent += time.Since(start)
		events += n
	}
	b.ReportMetric(float64(events)/spent.Seconds(), "events/s")
}

func BenchmarkDeliverSQLite(b *testing.B)   { benchDeliver(b, storetest.OpenSQLite) }
func BenchmarkDeliverPostgres(b *testing.B) { benchDeliver(b, storetest.OpenPostgres) }
