package api

import (
	"testing"

	"github.com/numan-dev/numan/carrier/carriertest"
)

// BenchmarkFeatureSave measures one number update through the API
// (in-process) with the feature step, on SQLite, under a reseller with a
// number_manager document: "user_data" changes a free-form field (the
// feature step runs, calls nobody), "cnam" changes the caller name (the
// cnam_notifier records a manual action), "e911" changes the address
// (DASH's validateLocation and addLocation at the fake, over loopback).
//
//	go test ./internal/api -run '^$' -bench FeatureSave -benchtime 2000x
func BenchmarkFeatureSave(b *testing.B) {
	for _, tc := range []struct {
		name string
		data func(i int) map[string]any
	}{
		{"user_data", func(i int) map[string]any { return map[string]any{"my_field": i} }},
		{"cnam", func(i int) map[string]any {
			return map[string]any{"cnam": map[string]any{"display_name": []string{"Numan A", "Numan B"}[i%2]}}
		}},
		{"e911", func(i int) map[string]any {
			return map[string]any{"e911": address([]string{"500 Harrison St", "501 Harrison St"}[i%2])}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b)
			w := &featureWorld{env: e, ts: newTenants(e), dash: newFakeProviderAPI(b)}
			e.must(200, "PUT", "/v2/system_configs/number_manager.dash_e911", e.token, map[string]any{"data": map[string]any{
				"auth_username": "numan", "auth_password": "dash-secret", "emergency_provisioning_url": w.dash.srv.URL}})
			e.must(200, "PUT", "/v2/accounts/"+w.ts.reseller+"/configs/number_manager", e.token,
				map[string]any{"data": map[string]any{"features": map[string]any{"deny": []string{"sms"}}}})
			const n = "+14155550961"
			e.seedAt(w.ts.a, carriertest.FakeName, n)
			path := e.numPath(w.ts.a, n)
			b.ResetTimer()
			for i := range b.N {
				if r := e.do("PATCH", path, w.ts.tA, accepted(tc.data(i))); r.code != 200 {
					b.Fatalf("%d %s", r.code, r.raw)
				}
			}
		})
	}
}
