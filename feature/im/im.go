// Package im is Kazoo's knm_im (knm_sms and knm_mms): the SMS and MMS
// provider for carriers Numan cannot enable messaging at through an API.
// It records the request and, where activation at the carrier is manual,
// asks an operator to activate or deactivate messaging on the number
// (Kazoo's number_feature_manual_action notification).
package im

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name.
const Name = "im"

var info = feature.Info{Name: Name, Features: []string{number.FeatureSMS, number.FeatureMMS}}

func init() {
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		s := Settings{Activation: Auto}
		if err := feature.DecodeSettings(settings, &s); err != nil {
			return nil, err
		}
		if err := s.validate(); err != nil {
			return nil, err
		}
		return &Provider{settings: s, deps: deps}, nil
	})
}

// Activation is how messaging is switched on at a carrier.
type Activation string

// The activations, Kazoo's values.
const (
	Auto   Activation = "auto"
	Manual Activation = "manual"
)

// Settings is number_manager.im. Kazoo kept these per carrier in each
// carrier's document (features.sms.activation, ...); Numan keeps them in
// the provider's own document, with per-carrier overrides.
type Settings struct {
	// Activation applies to carriers not listed in Carriers.
	Activation Activation `json:"activation"`
	// ActivationNotifyTo are the addresses of manual-action notices.
	ActivationNotifyTo []string `json:"activation_notify_to"`
	// Carriers override the above for one carrier and one of sms/mms:
	// {"vitelity": {"sms": {"activation": "manual"}}}.
	Carriers map[string]map[string]CarrierSettings `json:"carriers"`
}

// CarrierSettings is one carrier's messaging settings for sms or mms.
type CarrierSettings struct {
	Activation         Activation `json:"activation"`
	ActivationNotifyTo []string   `json:"activation_notify_to"`
}

func (s Settings) validate() error {
	ok := func(a Activation) bool { return a == Auto || a == Manual || a == "" }
	if !ok(s.Activation) {
		return number.Errorf(number.KindInvalid, "", "im: activation must be auto or manual, not %q", s.Activation)
	}
	for c, byFeature := range s.Carriers {
		for f, cs := range byFeature {
			if f != number.FeatureSMS && f != number.FeatureMMS {
				return number.Errorf(number.KindInvalid, "", "im: carriers.%s.%s: only sms and mms can be set", c, f)
			}
			if !ok(cs.Activation) {
				return number.Errorf(number.KindInvalid, "", "im: carriers.%s.%s.activation must be auto or manual", c, f)
			}
		}
	}
	return nil
}

// settingsFor returns the activation for feature on carrier's numbers.
func (s Settings) settingsFor(carrier, feat string) CarrierSettings {
	out := CarrierSettings{Activation: s.Activation, ActivationNotifyTo: s.ActivationNotifyTo}
	if cs, ok := s.Carriers[number.CarrierName(carrier)][feat]; ok {
		if cs.Activation != "" {
			out.Activation = cs.Activation
		}
		if len(cs.ActivationNotifyTo) > 0 {
			out.ActivationNotifyTo = slices.Clone(cs.ActivationNotifyTo)
		}
	}
	if out.Activation == "" {
		out.Activation = Auto
	}
	return out
}

// Provider is the generic messaging provider.
type Provider struct {
	settings Settings
	deps     feature.Deps
}

// Info describes the provider.
func (p *Provider) Info() feature.Info { return info }

// Validate checks the sms or mms object: {"enabled": true, ...}.
func (p *Provider) Validate(req feature.Request) (feature.Spec, error) {
	return feature.MessagingSpec(req)
}

// Provision records the request; where activation is manual and messaging
// was off, it asks an operator to activate it and reports PENDING.
func (p *Provider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	cs := p.settings.settingsFor(req.Number.ModuleName, req.Feature)
	if cs.Activation != Manual {
		return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
	}
	if _, on := req.Number.Features[req.Feature]; !on {
		if err := p.notify(ctx, req, cs, "activate"); err != nil {
			return feature.Result{}, err
		}
	}
	return feature.Result{Status: feature.StatusPending, Features: req.Spec.Features}, nil
}

// Deprovision removes the record; where activation is manual and
// messaging was on, it asks an operator to deactivate it.
func (p *Provider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	cs := p.settings.settingsFor(req.Number.ModuleName, req.Feature)
	if _, on := req.Number.Features[req.Feature]; on && cs.Activation == Manual {
		if err := p.notify(ctx, req, cs, "deactivate"); err != nil {
			return feature.Result{}, err
		}
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

func (p *Provider) notify(ctx context.Context, req feature.Request, cs CarrierSettings, action string) error {
	return p.deps.NotifyAction(ctx, feature.NewManualAction(feature.ManualAction{
		Provider:  Name,
		Number:    req.Number.Number,
		Feature:   req.Feature,
		Action:    action,
		AccountID: req.Number.AssignedTo,
		AuthBy:    req.AuthBy,
		Carrier:   req.Number.ModuleName,
		To:        cs.ActivationNotifyTo,
		Created:   p.deps.Clock()().UTC(),
	}))
}

var _ feature.Provider = (*Provider)(nil)
