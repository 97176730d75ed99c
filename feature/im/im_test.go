package im

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/feature/featuretest"
	"github.com/numan-dev/numan/number"
)

func TestConformance(t *testing.T) {
	featuretest.Run(t, func(t *testing.T) feature.Provider {
		p, err := feature.New(Name, nil, feature.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}, featuretest.Settings(`{"activation":"manual","carriers":{"vitelity":{"sms":{"activation":"auto"}}}}`))
}

func TestSettings(t *testing.T) {
	for _, s := range []string{`{"activation":"sometimes"}`, `{"carriers":{"x":{"fax":{}}}}`, `{"carriers":{"x":{"sms":{"activation":"no"}}}}`} {
		if _, err := feature.New(Name, json.RawMessage(s), feature.Deps{}); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestManualActivation(t *testing.T) {
	var got []feature.ManualAction
	notify := func(_ context.Context, a feature.ManualAction) error { got = append(got, a); return nil }
	p, err := feature.New(Name, json.RawMessage(`{"carriers":{"vitelity":{"sms":{"activation":"manual","activation_notify_to":["noc@example.net"]}}}}`),
		feature.Deps{Notify: notify})
	if err != nil {
		t.Fatal(err)
	}
	n := number.New("+14155550100", number.InService, "vitelity", time.Time{})
	n.Public[number.FeatureSMS] = json.RawMessage(`{"enabled":true}`)
	n.Public[number.FeatureMMS] = json.RawMessage(`{"enabled":true}`)
	out, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{})
	if err != nil || out.Status != feature.StatusPending {
		t.Fatalf("sms: %+v %v", out, err)
	}
	// mms on vitelity stays automatic: no notice.
	out, err = feature.Save(t.Context(), p, n, number.FeatureMMS, feature.Options{})
	if err != nil || out.Status != feature.StatusProvisioned {
		t.Fatalf("mms: %+v %v", out, err)
	}
	if len(got) != 1 || got[0].Action != "activate" || got[0].Feature != "sms" || got[0].To[0] != "noc@example.net" || got[0].Carrier != "vitelity" {
		t.Fatalf("actions %+v", got)
	}
	// Saving again: already on, no second notice.
	if _, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{}); err != nil || len(got) != 1 {
		t.Fatalf("second save: %v, %d actions", err, len(got))
	}
	n.Public[number.FeatureSMS] = json.RawMessage(`{"enabled":false}`)
	if _, err := feature.Save(t.Context(), p, n, number.FeatureSMS, feature.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Action != "deactivate" {
		t.Fatalf("actions %+v", got)
	}
	if _, ok := n.Features[number.FeatureSMS]; ok {
		t.Error("sms still on")
	}
}
