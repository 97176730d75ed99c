package manager_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// BenchmarkAudit audits a carrier holding 20,000 numbers (pages of 1,000)
// of which Numan records half, plus 1,000 it no longer holds, on SQLite:
// the cost of comparing pages with batched lookups and walking Numan's
// numbers. It reports the numbers audited per second.
func BenchmarkAudit(b *testing.B) {
	const heldCount, recorded, gone = 20_000, 10_000, 1_000
	w := newWorld(b)
	f := carriertest.NewFake(b)
	carriertest.RegisterFake()
	hs := make([]carrier.Held, heldCount)
	var ns []*number.Number
	for i := range hs {
		e164 := fmt.Sprintf("+1415%07d", i)
		hs[i] = carrier.Held{Number: e164, CarrierData: number.Doc{}}
		if i < recorded {
			ns = append(ns, number.New(e164, number.InService, "fake", epoch.Add(-time.Hour)))
		}
	}
	for i := range gone {
		ns = append(ns, number.New(fmt.Sprintf("+1628%07d", i), number.InService, "fake", epoch.Add(-time.Hour)))
	}
	if err := w.st.InsertNumbers(ctx, ns); err != nil {
		b.Fatal(err)
	}
	f.SetHeld(hs...)
	sec, _ := json.Marshal(map[string]json.RawMessage{"default": f.Settings()})
	if err := w.st.PutConfig(ctx, "number_manager.fake", sec); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := w.m.Audit(ctx, "fake", manager.AuditOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Unknown.Count != heldCount-recorded || rep.Vanished.Count != gone {
			b.Fatalf("report %+v", rep)
		}
	}
	b.ReportMetric(float64(heldCount)*float64(b.N)/b.Elapsed().Seconds(), "numbers/s")
}
