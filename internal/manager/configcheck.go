package manager

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
)

// ValidateConfig checks every section of a system-config document as it
// would be used, so a typo is refused when it is written rather than
// breaking searches later: number_manager by the number manager (naming
// only registered carriers), number_manager.<carrier> by the registered
// carrier's strict decoder. A node's section is checked merged over the
// default section.
func (m *Manager) ValidateConfig(id string, doc map[string]map[string]json.RawMessage) error {
	for sec := range doc {
		eff := config.Merge(config.Section(doc, config.DefaultSection), config.Section(doc, sec))
		raw, err := json.Marshal(eff)
		if err != nil {
			return err
		}
		if err := m.validateConfigDoc(id, raw); err != nil {
			var ne *number.Error
			if !errors.As(err, &ne) {
				ne = number.Wrap(number.KindInvalid, "", err)
				ne.Cause = err.Error()
			}
			if sec != config.DefaultSection {
				ne.Cause = "section " + sec + ": " + ne.Cause
			}
			return ne
		}
	}
	return nil
}

// nonCarrierDocs are the number_manager.<name> documents that configure
// something other than a carrier: number_manager.locality (the locality
// service's url).
var nonCarrierDocs = map[string]bool{"locality": true}

func (m *Manager) validateConfigDoc(id string, raw json.RawMessage) error {
	if id == config.NumberManagerID {
		cfg, err := number.DecodeConfig(raw)
		if err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		// A carrier nobody registered would be skipped silently by every
		// search: refuse it when it is configured.
		for key, names := range map[string][]string{
			"carrier_modules":       cfg.CarrierModules,
			"available_module_name": {cfg.AvailableModuleName},
			"port_in_module_name":   {cfg.PortInModuleName},
		} {
			for _, n := range names {
				if !carrier.Registered(n) {
					return number.Errorf(number.KindInvalid, "", "number_manager.%s: unknown carrier %q (known: %s)", key, n, strings.Join(carrier.Names(), ", "))
				}
			}
		}
		if err := checkProviderKey("e911_provider", cfg.E911Provider, number.FeatureE911); err != nil {
			return err
		}
		return checkProviderKey("cnam_provider", cfg.CNAMProvider, number.FeatureCNAM)
	}
	name, ok := strings.CutPrefix(id, config.NumberManagerID+".")
	if !ok || nonCarrierDocs[name] {
		return nil
	}
	if info, provider := feature.Lookup(name); provider && !carrier.Registered(name) {
		// A feature provider's settings (number_manager.dash_e911), built
		// as the manager will build it, with the carrier credentials it
		// shares as stored now.
		deps := m.providers.deps
		if info.CarrierSettings != "" {
			// ValidateConfig runs inside a request that has already read
			// the stored documents; this read is of the same cache.
			deps.CarrierSettings, _ = m.cfg.Carrier(context.Background(), info.CarrierSettings)
		}
		if _, err := feature.New(name, emptyAsNil(raw), deps); err != nil {
			if number.KindOf(err) == number.KindInternal {
				return number.Errorf(number.KindInvalid, "", "%v", err)
			}
			return err
		}
		return nil
	}
	if !carrier.Registered(name) {
		// Nothing would ever read it: a typo (bandwith2) stored silently.
		return number.Errorf(number.KindInvalid, "", "%s: no carrier or feature provider %q is registered (carriers: %s)", id, name, strings.Join(carrier.Names(), ", "))
	}
	_, err := carrier.New(name, raw, m.carriers.deps)
	if err != nil && number.KindOf(err) == number.KindInternal {
		return number.Errorf(number.KindInvalid, "", "%v", err)
	}
	return err
}
