package local

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/feature/featuretest"
	"github.com/numan-dev/numan/number"
)

func build(t *testing.T, name string) feature.Provider {
	t.Helper()
	p, err := feature.New(name, nil, feature.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	for _, name := range []string{Failover, Prepend, ForceOutbound, Ringback, PortNotifier} {
		t.Run(name, func(t *testing.T) {
			featuretest.Run(t, func(t *testing.T) feature.Provider { return build(t, name) })
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		provider, feature, public string
		wantValue                 string // "" = off
		wantErr                   bool
	}{
		{Failover, number.FeatureFailover, `{"e164":" +14155550199 "}`, `{"e164":"+14155550199"}`, false},
		{Failover, number.FeatureFailover, `{"sip":"sip:u@example.net","e164":""}`, `{"sip":"sip:u@example.net"}`, false},
		{Failover, number.FeatureFailover, `{}`, "", false},
		{Failover, number.FeatureFailover, `{"e164":5}`, "", true},
		{Prepend, number.FeaturePrepend, `{"enabled":true,"name":"Sales"}`, `{"enabled":true,"name":"Sales","number":""}`, false},
		{Prepend, number.FeaturePrepend, `{"enabled":false,"name":"Sales"}`, "", false},
		{Prepend, number.FeaturePrepend, `{"enabled":"yes"}`, "", true},
		{ForceOutbound, number.FeatureForceOutbound, `true`, `true`, false},
		{ForceOutbound, number.FeatureForceOutbound, `"false"`, `false`, false},
		{ForceOutbound, number.FeatureForceOutbound, `"blabla"`, "", true},
		{Ringback, number.FeatureRingback, `{"early":"m1"}`, `{"early":"m1"}`, false},
		{Ringback, number.FeatureRingback, `{"early":""}`, "", false},
		{PortNotifier, number.FeaturePort, `{"port_id":"x"}`, "", false},
		{PortNotifier, number.FeaturePort, `"x"`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.provider+" "+tt.public, func(t *testing.T) {
			p := build(t, tt.provider)
			n := number.New("+14155550100", number.InService, "local", time.Time{})
			n.Public[tt.feature] = json.RawMessage(tt.public)
			spec, err := p.Validate(feature.Request{Number: n, Feature: tt.feature})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if !number.IsKind(err, number.KindInvalid) {
					t.Errorf("kind %s", number.KindOf(err))
				}
				return
			}
			if string(spec.Value) != tt.wantValue {
				t.Errorf("Value = %s, want %s", spec.Value, tt.wantValue)
			}
		})
	}
}

// Kazoo's rules: failover and friends act in service only; anywhere else
// a save removes them.
func TestSaveOutsideServiceRemoves(t *testing.T) {
	p := build(t, Failover)
	n := number.New("+14155550100", number.InService, "local", time.Time{})
	n.Public[number.FeatureFailover] = json.RawMessage(`{"e164":"+14155550199"}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureFailover, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := n.Features[number.FeatureFailover]; !ok {
		t.Fatal("in service: failover not recorded")
	}
	n.State = number.Reserved
	out, err := feature.Save(t.Context(), p, n, number.FeatureFailover, feature.Options{})
	if err != nil || out.Step != feature.StepDeprovision {
		t.Fatalf("reserved: %+v %v", out, err)
	}
	if _, ok := n.Features[number.FeatureFailover]; ok {
		t.Error("reserved: failover still recorded")
	}
}

// The port notifier never records a port on save, and release clears one.
func TestPortNotifier(t *testing.T) {
	p := build(t, PortNotifier)
	n := number.New("+14155550100", number.InService, "local", time.Time{})
	n.Public[number.FeaturePort] = json.RawMessage(`{"port_id":"p1"}`)
	n.Features[number.FeaturePort] = json.RawMessage(`{"port_id":"p0"}`)
	out, err := feature.Save(t.Context(), p, n, number.FeaturePort, feature.Options{})
	if err != nil || out.Called {
		t.Fatalf("Save = %+v, %v", out, err)
	}
	if string(n.Features[number.FeaturePort]) != `{"port_id":"p0"}` {
		t.Errorf("save changed pvt port: %s", n.Features[number.FeaturePort])
	}
	if _, err := feature.Release(t.Context(), p, n, number.FeaturePort, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := n.Features[number.FeaturePort]; ok {
		t.Error("release kept pvt port")
	}
}
