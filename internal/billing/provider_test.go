package billing_test

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// recordedE911 is the E911 provider the billing tests run with: it
// accepts every address Kazoo's schema accepts and calls nobody, so what
// is billed is what a provider that succeeded leaves on the number.
const recordedE911 = "recorded_e911"

var registerOnce sync.Once

func registerRecordedE911() {
	registerOnce.Do(func() {
		info := feature.Info{Name: recordedE911, Features: []string{number.FeatureE911}}
		feature.Register(info, func(json.RawMessage, feature.Deps) (feature.Provider, error) { return recorded{info}, nil })
	})
}

type recorded struct{ info feature.Info }

func (p recorded) Info() feature.Info { return p.info }

func (p recorded) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.E911Spec(req)
	return spec, err
}

func (p recorded) Provision(_ context.Context, req feature.Request) (feature.Result, error) {
	return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
}

func (p recorded) Deprovision(context.Context, feature.Request) (feature.Result, error) {
	return feature.Result{Status: feature.StatusRemoved}, nil
}
