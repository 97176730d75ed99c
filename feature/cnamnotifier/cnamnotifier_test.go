package cnamnotifier

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/feature/featuretest"
	"github.com/numan-dev/numan/number"
)

type sink struct {
	mu      sync.Mutex
	actions []feature.ManualAction
	err     error
}

func (s *sink) notify(_ context.Context, a feature.ManualAction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.actions = append(s.actions, a)
	return nil
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newProvider(t *testing.T, s *sink) feature.Provider {
	t.Helper()
	p, err := feature.New(Name, json.RawMessage(`{"notify_to":["ops@example.net"]}`),
		feature.Deps{Notify: s.notify, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	featuretest.Run(t, func(t *testing.T) feature.Provider { return newProvider(t, &sink{}) },
		featuretest.Settings(`{"notify_to":[]}`))
}

func TestNotifiesOnlyWhenTheNameChanges(t *testing.T) {
	s := &sink{}
	p := newProvider(t, s)
	n := number.New("+14155550100", number.InService, "bandwidth2", testNow)
	n.AssignedTo = "acct1"
	n.Public[number.FeatureCNAM] = json.RawMessage(`{"display_name":"Rose Bud","inbound_lookup":true}`)

	out, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{AuthBy: "reseller"})
	if err != nil || out.Status != feature.StatusPending {
		t.Fatalf("first save = %+v, %v", out, err)
	}
	if got := string(n.Features[number.FeatureOutboundCNAM]); got != `{"display_name":"Rose Bud"}` {
		t.Errorf("outbound_cnam = %s", got)
	}
	if got := string(n.Features[number.FeatureInboundCNAM]); got != `{"inbound_lookup":true}` {
		t.Errorf("inbound_cnam = %s", got)
	}
	if len(s.actions) != 1 {
		t.Fatalf("actions = %+v", s.actions)
	}
	a := s.actions[0]
	if a.Action != "update" || a.Details["display_name"] != "Rose Bud" || a.AccountID != "acct1" || a.AuthBy != "reseller" ||
		a.Carrier != "bandwidth2" || a.To[0] != "ops@example.net" || a.ID == "" || !a.Created.Equal(testNow) {
		t.Errorf("action = %+v", a)
	}

	// The same name again, or only the inbound half changed: no notice.
	n.Public[number.FeatureCNAM] = json.RawMessage(`{"display_name":"Rose Bud"}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(s.actions) != 1 {
		t.Errorf("unchanged name notified again: %+v", s.actions)
	}
	if _, ok := n.Features[number.FeatureInboundCNAM]; ok {
		t.Error("inbound_cnam kept after inbound_lookup was dropped")
	}

	// A dry run notifies nobody.
	n.Public[number.FeatureCNAM] = json.RawMessage(`{"display_name":"Other"}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if len(s.actions) != 1 {
		t.Errorf("dry run notified: %+v", s.actions)
	}

	// Release asks for the listing to be removed.
	if _, err := feature.Release(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(s.actions) != 2 || s.actions[1].Action != "deactivate" {
		t.Errorf("release actions = %+v", s.actions)
	}
}

// CNAM is left alone outside reserved, in_service and port_in (Kazoo).
func TestOtherStatesUntouched(t *testing.T) {
	s := &sink{}
	p := newProvider(t, s)
	n := number.New("+14155550100", number.Available, "local", testNow)
	n.Features[number.FeatureOutboundCNAM] = json.RawMessage(`{"display_name":"Old"}`)
	out, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{})
	if err != nil || out.Step != feature.StepNone {
		t.Fatalf("%+v %v", out, err)
	}
	if _, ok := n.Features[number.FeatureOutboundCNAM]; !ok {
		t.Error("outbound_cnam removed outside the acting states")
	}
}

func TestNotifierFailureFailsTheSave(t *testing.T) {
	s := &sink{err: errors.New("queue full")}
	p := newProvider(t, s)
	n := number.New("+14155550100", number.InService, "local", testNow)
	n.Public[number.FeatureCNAM] = json.RawMessage(`{"display_name":"Rose Bud"}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureCNAM, feature.Options{}); err == nil {
		t.Fatal("no error")
	}
	if _, ok := n.Features[number.FeatureOutboundCNAM]; ok {
		t.Error("feature recorded although the operator was never told")
	}
}

func TestValidate(t *testing.T) {
	p := newProvider(t, &sink{})
	for _, tt := range []struct {
		public  string
		want    string
		wantErr bool
	}{
		{`{"display_name":" Rose "}`, `{"display_name":"Rose"}`, false},
		{`{"inbound_lookup":false}`, ``, false},
		{`{"display_name":""}`, ``, true},
		{`{"display_name":"1234567890123456"}`, ``, true},
		{`{"display_name":"a\u0007b"}`, ``, true},
		{`{"inbound_lookup":"yes"}`, ``, true},
	} {
		n := number.New("+14155550100", number.InService, "local", testNow)
		n.Public[number.FeatureCNAM] = json.RawMessage(tt.public)
		spec, err := p.Validate(feature.Request{Number: n, Feature: number.FeatureCNAM})
		if (err != nil) != tt.wantErr || string(spec.Value) != tt.want {
			t.Errorf("%s: %s, %v", tt.public, spec.Value, err)
		}
	}
}
