package feature_test

import (
	"encoding/json"
	"testing"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// BenchmarkSaveUnchanged is the cost the pipeline adds to every save of a
// number whose E911 is already provisioned: validate, compare, no call.
func BenchmarkSaveUnchanged(b *testing.B) {
	p := &fakeRemote{name: "fake_e911"}
	n := newNumber()
	if _, err := feature.Save(b.Context(), p, n, number.FeatureE911, opts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if out, err := feature.Save(b.Context(), p, n, number.FeatureE911, opts); err != nil || out.Called {
			b.Fatal(out, err)
		}
	}
}

// BenchmarkParseAddress is the e911 schema check alone.
func BenchmarkParseAddress(b *testing.B) {
	raw := json.RawMessage(addr)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := feature.ParseAddress("+14155550100", raw); err != nil {
			b.Fatal(err)
		}
	}
}
