// Package cnamnotifier is Kazoo's default CNAM provider, knm_cnam_notifier:
// it calls no carrier. It records cnam.display_name as outbound_cnam and
// cnam.inbound_lookup as inbound_cnam, and when the outbound name changes
// it asks an operator to update the caller-name listing, through the
// notifier Numan injects (Kazoo published a cnam_request notification).
package cnamnotifier

import (
	"context"
	"encoding/json"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// Name is the registry name (Kazoo's knm_cnam_notifier).
const Name = "cnam_notifier"

var info = feature.Info{Name: Name, Features: []string{number.FeatureCNAM}}

func init() {
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		var s Settings
		if err := feature.DecodeSettings(settings, &s); err != nil {
			return nil, err
		}
		return &Provider{settings: s, deps: deps}, nil
	})
}

// Settings is number_manager.cnam_notifier.
type Settings struct {
	// NotifyTo are the addresses the manual action names; empty means the
	// account's administrators, as Kazoo's cnam_request template did.
	NotifyTo []string `json:"notify_to"`
}

// Provider is the CNAM notifier.
type Provider struct {
	settings Settings
	deps     feature.Deps
}

// Info describes the provider.
func (p *Provider) Info() feature.Info { return info }

// Validate checks the cnam object against Kazoo's schema.
func (p *Provider) Validate(req feature.Request) (feature.Spec, error) {
	spec, _, err := feature.CNAMSpec(req)
	return spec, err
}

// Provision records the request and, when the outbound name differs from
// the one the number holds, notifies an operator. The status is PENDING
// until the operator has listed the name, which Numan cannot know.
func (p *Provider) Provision(ctx context.Context, req feature.Request) (feature.Result, error) {
	var want feature.CNAM
	_ = json.Unmarshal(req.Spec.Value, &want)
	var have struct {
		DisplayName string `json:"display_name"`
	}
	req.Number.Features.Get(number.FeatureOutboundCNAM, &have)
	status := feature.StatusProvisioned
	if want.DisplayName != "" && want.DisplayName != have.DisplayName {
		if err := p.notify(ctx, req, "update", map[string]any{"display_name": want.DisplayName}); err != nil {
			return feature.Result{}, err
		}
		status = feature.StatusPending
	}
	return feature.Result{Status: status, Features: req.Spec.Features}, nil
}

// Deprovision removes the features and, when the number had an outbound
// name, asks an operator to remove the listing (Kazoo told nobody).
func (p *Provider) Deprovision(ctx context.Context, req feature.Request) (feature.Result, error) {
	if _, ok := req.Number.Features[number.FeatureOutboundCNAM]; ok {
		if err := p.notify(ctx, req, "deactivate", nil); err != nil {
			return feature.Result{}, err
		}
	}
	return feature.Result{Status: feature.StatusRemoved}, nil
}

func (p *Provider) notify(ctx context.Context, req feature.Request, action string, details map[string]any) error {
	a := feature.NewManualAction(feature.ManualAction{
		Provider:  Name,
		Number:    req.Number.Number,
		Feature:   number.FeatureCNAM,
		Action:    action,
		AccountID: req.Number.AssignedTo,
		AuthBy:    req.AuthBy,
		Carrier:   req.Number.ModuleName,
		Details:   details,
		To:        p.settings.NotifyTo,
		Created:   p.deps.Clock()().UTC(),
	})
	return p.deps.NotifyAction(ctx, a)
}

var _ feature.Provider = (*Provider)(nil)
