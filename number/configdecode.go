package number

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// configKeys are the JSON keys Config interprets, read from its tags so
// the list cannot drift from the struct.
var configKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[Config]()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}()

// DecodeConfig reads a stored number_manager document over DefaultConfig:
// keys present replace the defaults, keys absent keep them. A Kazoo system
// config document keeps its settings under "default"; such a document is
// read from there. Carrier module names may be spelt the Kazoo way
// (knm_local, wnm_bandwidth) and become registry names. The legacy
// "providers" list stands in for "features.allow" when that is absent, as
// in Kazoo. Keys Numan does not interpret are kept in Extra. A value of the
// wrong type is an invalid error naming its key; the result is not
// validated (call Validate).
func DecodeConfig(doc []byte) (Config, error) {
	cfg := DefaultConfig()
	if len(bytes.TrimSpace(doc)) == 0 {
		return cfg, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return Config{}, Wrap(KindInvalid, "", err).withCause("number_manager: not a JSON object")
	}
	if def, ok := top["default"]; ok && bytes.HasPrefix(bytes.TrimSpace(def), []byte("{")) {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(def, &inner); err != nil {
			return Config{}, Wrap(KindInvalid, "", err).withCause("number_manager.default: not a JSON object")
		}
		top = inner
	}
	for _, key := range sortedKeys(top) {
		raw := top[key]
		if !configKeys[key] {
			if strings.HasPrefix(key, "_") || strings.HasPrefix(key, "pvt_") {
				continue // document bookkeeping, not settings
			}
			var v any
			if err := json.Unmarshal(raw, &v); err == nil {
				if cfg.Extra == nil {
					cfg.Extra = map[string]any{}
				}
				cfg.Extra[key] = v
			}
			continue
		}
		// One key at a time over the defaults, so a bad value names its key
		// and lists replace rather than merge.
		one, _ := json.Marshal(map[string]json.RawMessage{key: raw})
		if err := json.Unmarshal(one, &cfg); err != nil {
			return Config{}, Errorf(KindInvalid, "", "number_manager.%s: %v", key, err)
		}
	}
	if _, ok := top["features.allow"]; !ok {
		if raw, ok := top["providers"]; ok {
			var providers []string
			if err := json.Unmarshal(raw, &providers); err != nil {
				return Config{}, Errorf(KindInvalid, "", "number_manager.providers: %v", err)
			}
			cfg.FeaturesAllow = providers
		}
	}
	cfg.AvailableModuleName = CarrierName(cfg.AvailableModuleName)
	cfg.PortInModuleName = CarrierName(cfg.PortInModuleName)
	if cfg.PortCarrier != "" {
		cfg.PortCarrier = CarrierName(cfg.PortCarrier)
	}
	if _, ok := top["carrier_modules"]; !ok {
		// Kazoo's default is [available_module_name].
		cfg.CarrierModules = []string{cfg.AvailableModuleName}
	}
	modules := make([]string, 0, len(cfg.CarrierModules))
	for _, m := range cfg.CarrierModules {
		if name := CarrierName(m); !slices.Contains(modules, name) {
			modules = append(modules, name)
		}
	}
	cfg.CarrierModules = modules
	return cfg, nil
}

func (e *Error) withCause(cause string) *Error {
	e.Cause = cause
	return e
}

func sortedKeys(m map[string]json.RawMessage) []string {
	return Doc(m).Keys()
}

// Validate checks what Numan cannot run without: every regex compiles, the
// released state is a state, the search limits are positive, and module
// and feature names are there. The error is an invalid error whose cause
// names the offending key.
func (c Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return Errorf(KindInvalid, "", "number_manager."+key+": "+format, args...)
	}
	if err := c.RateLimits.Validate("number_manager.rate_limits"); err != nil {
		return err
	}
	for i, conv := range c.E164Converters {
		if conv.Regex == "" {
			return bad("e164_converters", "entry %d has no regex", i)
		}
		if _, err := regexp.Compile(conv.Regex); err != nil {
			return bad("e164_converters", "bad regex %q: %v", conv.Regex, err)
		}
	}
	if c.ReconcileRegex != "" {
		if _, err := regexp.Compile(c.ReconcileRegex); err != nil {
			return bad("reconcile_regex", "bad regex %q: %v", c.ReconcileRegex, err)
		}
	}
	names := map[string]bool{}
	for i, cl := range c.Classifiers {
		if cl.Name == "" {
			return bad("classifiers", "entry %d has no name", i)
		}
		if names[cl.Name] {
			return bad("classifiers", "%q appears twice", cl.Name)
		}
		names[cl.Name] = true
		if _, err := regexp.Compile(cl.Regex); err != nil {
			return bad("classifiers", "%s: bad regex %q: %v", cl.Name, cl.Regex, err)
		}
	}
	if !c.ReleasedState.Valid() {
		return bad("released_state", "%q is not a state", c.ReleasedState)
	}
	if c.MaximumSearchQuantity < 1 {
		return bad("maximum_search_quantity", "must be at least 1, got %d", c.MaximumSearchQuantity)
	}
	if c.NumberSearchTimeoutMS < 1 {
		return bad("number_search_timeout_ms", "must be at least 1, got %d", c.NumberSearchTimeoutMS)
	}
	if c.DiscoveryExpiryS < 0 {
		return bad("discovery_expiry_s", "must not be negative, got %d", c.DiscoveryExpiryS)
	}
	if c.AgingExpiryD < 0 {
		return bad("aging_expiry_d", "must not be negative, got %d", c.AgingExpiryD)
	}
	if c.EventRetentionDays < 0 {
		return bad("event_retention_days", "must not be negative, got %d", c.EventRetentionDays)
	}
	if c.PortCheckIntervalS < 1 {
		return bad("port_check_interval_s", "must be at least 1, got %d", c.PortCheckIntervalS)
	}
	if strings.TrimSpace(c.AvailableModuleName) == "" {
		return bad("available_module_name", "is empty")
	}
	if strings.TrimSpace(c.PortInModuleName) == "" {
		return bad("port_in_module_name", "is empty")
	}
	for _, m := range c.CarrierModules {
		if strings.TrimSpace(m) == "" {
			return bad("carrier_modules", "holds an empty name")
		}
	}
	for _, fl := range []struct {
		key  string
		list []string
	}{{"features.allow", c.FeaturesAllow}, {"features.deny", c.FeaturesDeny}} {
		for _, f := range fl.list {
			if !slices.Contains(AllFeatures, CanonicalFeature(f)) {
				return bad(fl.key, "unknown feature %q", f)
			}
		}
	}
	return nil
}
