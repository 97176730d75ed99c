// Package local is the feature providers that call no third party: they
// check a feature's request and record it on the number, where call
// routing reads it. They are Kazoo's knm_failover, knm_prepend,
// knm_force_outbound and knm_port_notifier, and a ringback provider Kazoo
// lacked (its ringback had no provider and was never recorded).
package local

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// The registry names.
const (
	Failover      = "failover"
	Prepend       = "prepend"
	ForceOutbound = "force_outbound"
	Ringback      = "ringback"
	PortNotifier  = "port_notifier"
)

func init() {
	register(Failover, number.FeatureFailover, validateFailover)
	register(Prepend, number.FeaturePrepend, validatePrepend)
	register(ForceOutbound, number.FeatureForceOutbound, validateForceOutbound)
	register(Ringback, number.FeatureRingback, validateRingback)
	register(PortNotifier, number.FeaturePort, validatePort)
}

// Settings is the settings document of every local provider: it has no
// keys, and a key in it is a mistake worth reporting.
type Settings struct{}

func register(name, feat string, validate func(num string, raw json.RawMessage) (feature.Spec, error)) {
	info := feature.Info{Name: name, Features: []string{feat}}
	feature.Register(info, func(settings json.RawMessage, deps feature.Deps) (feature.Provider, error) {
		var s Settings
		if err := feature.DecodeSettings(settings, &s); err != nil {
			return nil, err
		}
		return &provider{info: info, validate: validate}, nil
	})
}

// provider records a feature: Provision keeps what Validate derived.
type provider struct {
	info     feature.Info
	validate func(num string, raw json.RawMessage) (feature.Spec, error)
}

func (p *provider) Info() feature.Info { return p.info }

func (p *provider) Validate(req feature.Request) (feature.Spec, error) {
	raw, ok := req.Number.Public[req.Feature]
	if !ok || feature.IsNull(raw) {
		return feature.Spec{}, nil
	}
	return p.validate(req.Number.Number, raw)
}

// Provision records the request: nothing to call, so it cannot fail.
func (p *provider) Provision(_ context.Context, req feature.Request) (feature.Result, error) {
	return feature.Result{Status: feature.StatusProvisioned, Features: req.Spec.Features}, nil
}

// Deprovision removes the record.
func (p *provider) Deprovision(context.Context, feature.Request) (feature.Result, error) {
	return feature.Result{Status: feature.StatusRemoved}, nil
}

// fields checks that raw is an object whose listed keys, when present,
// are strings, and returns them trimmed.
func fields(num, feat string, raw json.RawMessage, keys ...string) (map[string]string, map[string]json.RawMessage, error) {
	var v feature.FieldErrors
	obj, ok := feature.Object(raw)
	if !ok {
		v = append(v, feature.FieldError{Path: feat, Rule: "type", Message: "Value did not match type(s): object", Target: "object", Value: raw})
		return nil, nil, v.Err(num)
	}
	out := map[string]string{}
	for _, k := range keys {
		r, ok := obj[k]
		if !ok || feature.IsNull(r) {
			continue
		}
		var s string
		if json.Unmarshal(r, &s) != nil {
			v = append(v, feature.FieldError{Path: feat + "." + k, Rule: "type", Message: "Value did not match type(s): string", Target: "string", Value: r})
			continue
		}
		out[k] = trim(s)
	}
	return out, obj, v.Err(num)
}

// validateFailover: {"e164": ..., "sip": ...}; on when either is set.
// Kazoo copied the object unchecked; Numan checks the two are strings.
func validateFailover(num string, raw json.RawMessage) (feature.Spec, error) {
	f, _, err := fields(num, number.FeatureFailover, raw, "e164", "sip")
	if err != nil || (f["e164"] == "" && f["sip"] == "") {
		return feature.Spec{}, err
	}
	value := map[string]string{}
	for k, s := range f {
		if s != "" {
			value[k] = s
		}
	}
	return feature.Spec{Value: feature.JSON(value), Features: number.Doc{number.FeatureFailover: feature.Compact(raw)}}, nil
}

// validatePrepend: {"enabled": true, "name": ..., "number": ...}; on only
// when enabled is true, as in Kazoo.
func validatePrepend(num string, raw json.RawMessage) (feature.Spec, error) {
	f, obj, err := fields(num, number.FeaturePrepend, raw, "name", "number")
	if err != nil {
		return feature.Spec{}, err
	}
	var enabled bool
	if r, ok := obj["enabled"]; ok && !feature.IsNull(r) && json.Unmarshal(r, &enabled) != nil {
		v := feature.FieldErrors{{Path: "prepend.enabled", Rule: "type", Message: "Value did not match type(s): boolean", Target: "boolean", Value: r}}
		return feature.Spec{}, v.Err(num)
	}
	if !enabled {
		return feature.Spec{}, nil
	}
	value := map[string]any{"enabled": true, "name": f["name"], "number": f["number"]}
	return feature.Spec{Value: feature.JSON(value), Features: number.Doc{number.FeaturePrepend: feature.Compact(raw)}}, nil
}

// validateForceOutbound: a boolean, or the strings "true" and "false", kept
// as a boolean. Kazoo silently dropped any other value; Numan refuses it.
func validateForceOutbound(num string, raw json.RawMessage) (feature.Spec, error) {
	var b bool
	switch trim(string(raw)) {
	case "true", `"true"`:
		b = true
	case "false", `"false"`:
	default:
		v := feature.FieldErrors{{Path: number.FeatureForceOutbound, Rule: "type", Message: "Value did not match type(s): boolean", Target: "boolean", Value: raw}}
		return feature.Spec{}, v.Err(num)
	}
	value := feature.JSON(b)
	return feature.Spec{Value: value, Features: number.Doc{number.FeatureForceOutbound: value}}, nil
}

// validateRingback: {"early": media id, "transfer": media id}; on when
// either is set.
func validateRingback(num string, raw json.RawMessage) (feature.Spec, error) {
	f, _, err := fields(num, number.FeatureRingback, raw, "early", "transfer")
	if err != nil || (f["early"] == "" && f["transfer"] == "") {
		return feature.Spec{}, err
	}
	return feature.Spec{Value: feature.JSON(f), Features: number.Doc{number.FeatureRingback: feature.Compact(raw)}}, nil
}

// validatePort: Kazoo's free-form port object. Its provider never records
// it on save (Kazoo's port notifier never fired); release clears it.
func validatePort(num string, raw json.RawMessage) (feature.Spec, error) {
	if _, ok := feature.Object(raw); !ok {
		v := feature.FieldErrors{{Path: number.FeaturePort, Rule: "type", Message: "Value did not match type(s): object", Target: "object", Value: raw}}
		return feature.Spec{}, v.Err(num)
	}
	return feature.Spec{}, nil
}

func trim(s string) string { return strings.TrimSpace(s) }
