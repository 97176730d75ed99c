package manager

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
)

// featureDeadline bounds one feature provider call. Provider calls run on
// their own deadline, not the HTTP request's: a client that hangs up
// mid-call must not leave a provisioning half recorded.
const featureDeadline = 60 * time.Second

// ProviderSet builds feature providers from their settings in system
// config (number_manager.<provider>, plus number_manager.<carrier> for the
// credentials a provider shares with a carrier) and keeps each until
// either document changes, as CarrierSet does for carriers.
type ProviderSet struct {
	src  *config.Source
	deps feature.Deps

	mu    sync.Mutex
	built map[string]builtProvider
}

type builtProvider struct {
	settings string
	p        feature.Provider
}

func newProviderSet(src *config.Source, log *slog.Logger, hc *http.Client, now func() time.Time, notify feature.Notifier) *ProviderSet {
	return &ProviderSet{
		src:   src,
		deps:  feature.Deps{Logger: log, HTTPClient: hc, Now: now, Notify: notify},
		built: map[string]builtProvider{},
	}
}

// Get returns the provider registered as name, built from its current
// settings. A provider that cannot be built (not configured, a bad
// document) fails with unspecified_fault naming it: the client asked for
// nothing wrong.
func (s *ProviderSet) Get(ctx context.Context, name string) (feature.Provider, error) {
	name = feature.Canonical(name)
	info, ok := feature.Lookup(name)
	if !ok {
		return nil, &number.Error{Kind: number.KindUnspecified, Message: "feature provider unknown", Cause: "unknown feature provider " + name}
	}
	settings, err := s.src.Effective(ctx, config.NumberManagerID+"."+name)
	if err != nil {
		return nil, err
	}
	var shared json.RawMessage
	if info.CarrierSettings != "" {
		if shared, err = s.src.Carrier(ctx, info.CarrierSettings); err != nil {
			return nil, err
		}
	}
	key := string(settings) + "\x00" + string(shared)
	s.mu.Lock()
	b, ok := s.built[name]
	s.mu.Unlock()
	if ok && b.settings == key {
		return b.p, nil
	}
	deps := s.deps
	deps.CarrierSettings = shared
	if deps.Logger != nil {
		deps.Logger = deps.Logger.With("feature_provider", name)
	}
	p, err := feature.New(name, emptyAsNil(settings), deps)
	if err != nil {
		return nil, &number.Error{Kind: number.KindUnspecified, Message: "feature provider not configured",
			Cause: err.Error(), Details: map[string]any{"provider": name}, Err: err}
	}
	s.mu.Lock()
	s.built[name] = builtProvider{settings: key, p: p}
	s.mu.Unlock()
	return p, nil
}

// emptyAsNil turns the empty document config.Source returns for a missing
// one into nil, which providers read as "no settings".
func emptyAsNil(raw json.RawMessage) json.RawMessage {
	if s := string(raw); s == "{}" || s == "" || s == "null" {
		return nil
	}
	return raw
}

// Provider returns the feature provider registered as name, built from its
// settings.
func (m *Manager) Provider(ctx context.Context, name string) (feature.Provider, error) {
	return m.providers.Get(ctx, name)
}

// chooseProvider names the provider that serves feature f for n under the
// settings of n's account: e911 and cnam from e911_provider/cnam_provider
// (the reseller's, else system config's, else Kazoo's defaults), sms and
// mms by the number's carrier, the rest by their own local provider.
func chooseProvider(f string, n *number.Number, s number.AccountSettings) string {
	switch f {
	case number.FeatureE911:
		if s.E911Provider != "" {
			return feature.Canonical(s.E911Provider)
		}
	case number.FeatureCNAM:
		if s.CNAMProvider != "" {
			return feature.Canonical(s.CNAMProvider)
		}
	case number.FeatureSMS, number.FeatureMMS:
		return feature.DefaultProvider(f, n.ModuleName)
	}
	return feature.DefaultProvider(f, "")
}

// manualActions collects the manual actions providers ask for while one
// number is saved, so that they are kept on the number in the same write.
type manualActions struct {
	mu   sync.Mutex
	list []feature.ManualAction
}

type manualActionsKey struct{}

// notify is the providers' manual-action sink: a log line now (the event
// stream, when it exists, will carry it), and the action is kept on the
// number being saved (ManualActionsKey) until an operator marks it done.
func (m *Manager) notify(ctx context.Context, a feature.ManualAction) error {
	m.log.WarnContext(ctx, "manual feature action required", "id", a.ID, "provider", a.Provider, "number", a.Number,
		"feature", a.Feature, "action", a.Action, "account_id", a.AccountID, "carrier", a.Carrier, "to", a.To)
	if c, ok := ctx.Value(manualActionsKey{}).(*manualActions); ok {
		c.mu.Lock()
		c.list = append(c.list, a)
		c.mu.Unlock()
	}
	return nil
}
