// Package featuretest is the behavioural spec every feature provider
// passes. A provider's test calls Run with a constructor; remote providers
// point it at an httptest fake of their API and tell Run how to count the
// requests the fake received, so that Run can check that validating and
// dry runs call nobody:
//
//	featuretest.Run(t, func(t *testing.T) feature.Provider {
//		return newTestProvider(t, fake.URL())
//	}, featuretest.Settings(`{"api_key":"k"}`), featuretest.Calls(fake.Calls), featuretest.Carrier("telnyx"))
package featuretest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// Option adjusts Run.
type Option func(*suite)

// Settings are valid settings for the provider (default "{}"); Run adds an
// unknown key to them and expects the factory to refuse them.
func Settings(s string) Option { return func(x *suite) { x.settings = s } }

// CarrierSettings are valid settings of the carrier whose credentials the
// provider shares, handed to the factory in Deps.CarrierSettings.
func CarrierSettings(s string) Option { return func(x *suite) { x.carrierSettings = s } }

// Calls counts the requests the provider's fake API has received. Without
// it, Run cannot check that validation and dry runs make no call, and
// checks that only for local providers (which must make none anyway).
func Calls(f func() int) Option { return func(x *suite) { x.calls = f } }

// Carrier is the carrier of the sample number (default "local" for
// providers serving any carrier, else the first of Info().Carriers).
func Carrier(c string) Option { return func(x *suite) { x.carrier = c } }

// Number is the sample number (default +14155550100).
func Number(e164 string) Option { return func(x *suite) { x.number = e164 } }

// Request replaces the sample public request of feature (Run has one for
// every feature).
func Request(feat, public string) Option {
	return func(x *suite) { x.requests[feat] = json.RawMessage(public) }
}

// Deps are handed to every factory call (Run sets CarrierSettings).
func Deps(d feature.Deps) Option { return func(x *suite) { x.deps = d } }

type suite struct {
	settings        string
	carrierSettings string
	calls           func() int
	carrier         string
	number          string
	requests        map[string]json.RawMessage
	deps            feature.Deps
	newProvider     func(t *testing.T) feature.Provider
}

// samples are valid requests for every feature.
var samples = map[string]json.RawMessage{
	number.FeatureE911: json.RawMessage(`{"caller_name":"Numan Test","street_address":"140 Geary St","extended_address":"Suite 300",` +
		`"locality":"San Francisco","region":"ca","postal_code":"94108"}`),
	number.FeatureCNAM:          json.RawMessage(`{"display_name":"Numan Test","inbound_lookup":true}`),
	number.FeatureSMS:           json.RawMessage(`{"enabled":true}`),
	number.FeatureMMS:           json.RawMessage(`{"enabled":true}`),
	number.FeatureFailover:      json.RawMessage(`{"e164":"+14155550199"}`),
	number.FeaturePrepend:       json.RawMessage(`{"enabled":true,"name":"Sales","number":"1"}`),
	number.FeatureForceOutbound: json.RawMessage(`true`),
	number.FeatureRingback:      json.RawMessage(`{"early":"media-1"}`),
	number.FeaturePort:          json.RawMessage(`{}`),
}

// Run checks that the providers built by newProvider honour the provider
// contract. newProvider is called once per sub-test, so each starts fresh.
func Run(t *testing.T, newProvider func(t *testing.T) feature.Provider, opts ...Option) {
	t.Helper()
	s := &suite{settings: "{}", number: "+14155550100", requests: map[string]json.RawMessage{}, newProvider: newProvider}
	for k, v := range samples {
		s.requests[k] = v
	}
	for _, o := range opts {
		o(s)
	}
	t.Run("Registration", s.testRegistration)
	t.Run("StrictSettings", s.testStrictSettings)
	t.Run("Validate", s.testValidate)
	t.Run("ValidateRefusesGarbage", s.testValidateGarbage)
	t.Run("ValidateCallsNobody", s.testValidateCallsNobody)
	t.Run("DryRunCallsNobody", s.testDryRun)
	t.Run("DeprovisionNeverProvisioned", s.testDeprovisionNever)
	t.Run("ProvisionThenRelease", s.testRoundTrip)
	t.Run("Cancelled", s.testCancelled)
	t.Run("ConcurrentValidate", s.testConcurrentValidate)
}

func (s *suite) sample(t *testing.T, p feature.Provider, feat string) *number.Number {
	t.Helper()
	carrier := s.carrier
	if carrier == "" {
		carrier = "local"
		if c := p.Info().Carriers; len(c) > 0 {
			carrier = c[0]
		}
	}
	n := number.New(s.number, number.InService, carrier, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	n.AssignedTo = "featuretest-account"
	n.UsedBy = "trunkstore"
	n.Public[feat] = s.requests[feat]
	return n
}

func (s *suite) callCount() int {
	if s.calls == nil {
		return 0
	}
	return s.calls()
}

func (s *suite) testRegistration(t *testing.T) {
	p := s.newProvider(t)
	info := p.Info()
	reg, ok := feature.Lookup(info.Name)
	if !ok {
		t.Fatalf("provider %q is not registered; registered: %v", info.Name, feature.Names())
	}
	if feature.Canonical(info.Name) != info.Name {
		t.Errorf("Name %q is not a registry name", info.Name)
	}
	if !slices.Equal(reg.Features, info.Features) || !slices.Equal(reg.Carriers, info.Carriers) ||
		reg.Remote != info.Remote || reg.CarrierSettings != info.CarrierSettings {
		t.Errorf("Info() = %+v, registered %+v", info, reg)
	}
	for _, f := range info.Features {
		if !feature.Known(f) {
			t.Errorf("serves unknown feature %q", f)
		}
	}
	built, err := feature.New("knm_"+info.Name, json.RawMessage(s.settings), s.factoryDeps())
	if err != nil {
		t.Fatalf("New with valid settings: %v", err)
	}
	if built.Info().Name != info.Name {
		t.Errorf("New built %q", built.Info().Name)
	}
}

func (s *suite) factoryDeps() feature.Deps {
	d := s.deps
	if s.carrierSettings != "" {
		d.CarrierSettings = json.RawMessage(s.carrierSettings)
	}
	return d
}

func (s *suite) testStrictSettings(t *testing.T) {
	p := s.newProvider(t)
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s.settings), &m); err != nil {
		t.Fatalf("Settings option is not a JSON object: %v", err)
	}
	m["featuretest_unknown_key"] = json.RawMessage(`true`)
	bad, _ := json.Marshal(m)
	_, err := feature.New(p.Info().Name, bad, s.factoryDeps())
	if !number.IsKind(err, number.KindInvalid) {
		t.Errorf("settings with an unknown key: err = %v, want kind invalid", err)
	}
	_, err = feature.New(p.Info().Name, json.RawMessage(`[1,2]`), s.factoryDeps())
	if !number.IsKind(err, number.KindInvalid) {
		t.Errorf("settings that are no object: err = %v, want kind invalid", err)
	}
}

func (s *suite) testValidate(t *testing.T) {
	p := s.newProvider(t)
	for _, feat := range p.Info().Features {
		n := s.sample(t, p, feat)
		req := feature.Request{Number: n, Feature: feat}
		spec, err := p.Validate(req)
		if err != nil {
			t.Fatalf("%s: Validate(%s): %v", feat, s.requests[feat], err)
		}
		if feat != number.FeaturePort && spec.Value == nil {
			t.Errorf("%s: Validate(%s) says the feature is off", feat, s.requests[feat])
		}
		for k := range spec.Features {
			if !slices.Contains(feature.PrivateKeys(feat), k) {
				t.Errorf("%s: Spec.Features has key %q, not one of %v", feat, k, feature.PrivateKeys(feat))
			}
		}
		again, err := p.Validate(req)
		if err != nil || string(again.Value) != string(spec.Value) {
			t.Errorf("%s: Validate is not deterministic: %s then %s (%v)", feat, spec.Value, again.Value, err)
		}
		delete(n.Public, feat)
		off, err := p.Validate(req)
		if err != nil || off.Value != nil || len(off.Features) != 0 {
			t.Errorf("%s: Validate without a request = %+v, %v; want off", feat, off, err)
		}
		n.Public[feat] = json.RawMessage(`null`)
		if off, err := p.Validate(req); err != nil || off.Value != nil {
			t.Errorf("%s: Validate of null = %+v, %v; want off", feat, off, err)
		}
	}
}

func (s *suite) testValidateGarbage(t *testing.T) {
	p := s.newProvider(t)
	for _, feat := range p.Info().Features {
		for _, garbage := range []string{`"garbage"`, `[1,2]`, `42`} {
			if feat == number.FeatureForceOutbound && garbage == `"garbage"` {
				continue
			}
			n := s.sample(t, p, feat)
			n.Public[feat] = json.RawMessage(garbage)
			_, err := p.Validate(feature.Request{Number: n, Feature: feat})
			if !number.IsKind(err, number.KindInvalid) {
				t.Errorf("%s: Validate(%s): err = %v, want kind invalid", feat, garbage, err)
				continue
			}
			var fe feature.FieldErrors
			if !errors.As(err, &fe) && !errors.As(err, new(*feature.Failure)) {
				t.Errorf("%s: Validate(%s): %v carries no FieldErrors", feat, garbage, err)
			}
		}
	}
}

func (s *suite) testValidateCallsNobody(t *testing.T) {
	p := s.newProvider(t)
	before := s.callCount()
	for _, feat := range p.Info().Features {
		n := s.sample(t, p, feat)
		if _, err := p.Validate(feature.Request{Number: n, Feature: feat}); err != nil {
			t.Fatalf("%s: %v", feat, err)
		}
	}
	if after := s.callCount(); after != before {
		t.Errorf("Validate made %d remote calls", after-before)
	}
}

func (s *suite) testDryRun(t *testing.T) {
	p := s.newProvider(t)
	before := s.callCount()
	for _, feat := range p.Info().Features {
		n := s.sample(t, p, feat)
		out, err := feature.Save(t.Context(), p, n, feat, feature.Options{DryRun: true})
		if err != nil {
			t.Fatalf("%s: dry-run Save: %v", feat, err)
		}
		if out.Called {
			t.Errorf("%s: dry-run Save called the provider", feat)
		}
		if rec := feature.RecordOf(n, feat); rec.Provider != "" {
			t.Errorf("%s: dry-run Save wrote a record %+v", feat, rec)
		}
		// Releasing on a dry run calls nobody either.
		if _, err := feature.Release(t.Context(), p, n, feat, feature.Options{DryRun: true}); err != nil {
			t.Errorf("%s: dry-run Release: %v", feat, err)
		}
	}
	if after := s.callCount(); after != before {
		t.Errorf("dry runs made %d remote calls", after-before)
	}
}

func (s *suite) testDeprovisionNever(t *testing.T) {
	p := s.newProvider(t)
	for _, feat := range p.Info().Features {
		n := s.sample(t, p, feat)
		delete(n.Public, feat)
		res, err := p.Deprovision(t.Context(), feature.Request{Number: n, Feature: feat})
		if err != nil {
			t.Errorf("%s: Deprovision of what was never provisioned: %v", feat, err)
			continue
		}
		if len(res.Features) != 0 {
			t.Errorf("%s: Deprovision returned features %v", feat, res.Features)
		}
		// Through the pipeline nothing held means nothing called.
		before := s.callCount()
		out, err := feature.Release(t.Context(), p, n, feat, feature.Options{})
		if err != nil || out.Called {
			t.Errorf("%s: Release of a number holding nothing = %+v, %v; want no call", feat, out, err)
		}
		if after := s.callCount(); after != before {
			t.Errorf("%s: Release of a number holding nothing made %d calls", feat, after-before)
		}
	}
}

func (s *suite) testRoundTrip(t *testing.T) {
	p := s.newProvider(t)
	for _, feat := range p.Info().Features {
		if feat == number.FeaturePort {
			continue // never recorded on save
		}
		n := s.sample(t, p, feat)
		out, err := feature.Save(t.Context(), p, n, feat, feature.Options{AccountName: "Numan Test Account"})
		if err != nil {
			t.Fatalf("%s: Save: %v", feat, err)
		}
		if !out.Called || !out.Status.Active() {
			t.Fatalf("%s: Save = %+v, want a provisioning call with an active status", feat, out)
		}
		if !hasAny(n, feat) {
			t.Errorf("%s: after Save the number holds none of %v: %v", feat, feature.PrivateKeys(feat), n.FeatureNames())
		}
		if p.Info().Remote {
			if rec := feature.RecordOf(n, feat); rec.Provider != p.Info().Name || !rec.Status.Active() || rec.Applied == nil {
				t.Errorf("%s: record after Save = %+v", feat, rec)
			}
			// Saving the number again as it now is asks for nothing new.
			before := s.callCount()
			again, err := feature.Save(t.Context(), p, n, feat, feature.Options{AccountName: "Numan Test Account"})
			if err != nil || again.Called {
				t.Errorf("%s: saving again = %+v, %v; want no call", feat, again, err)
			}
			if s.calls != nil && s.callCount() != before {
				t.Errorf("%s: saving again made %d calls", feat, s.callCount()-before)
			}
		}
		out, err = feature.Release(t.Context(), p, n, feat, feature.Options{})
		if err != nil {
			t.Fatalf("%s: Release: %v", feat, err)
		}
		if out.Step != feature.StepDeprovision || hasAny(n, feat) {
			t.Errorf("%s: Release = %+v, features left %v", feat, out, n.FeatureNames())
		}
		if p.Info().Remote {
			if rec := feature.RecordOf(n, feat); rec.Status != feature.StatusRemoved || rec.Holds() {
				t.Errorf("%s: record after Release = %+v", feat, rec)
			}
		}
	}
}

func hasAny(n *number.Number, feat string) bool {
	for _, k := range feature.PrivateKeys(feat) {
		if _, ok := n.Features[k]; ok {
			return true
		}
	}
	return false
}

func (s *suite) testCancelled(t *testing.T) {
	p := s.newProvider(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, feat := range p.Info().Features {
		n := s.sample(t, p, feat)
		spec, err := p.Validate(feature.Request{Number: n, Feature: feat})
		if err != nil {
			t.Fatal(err)
		}
		req := feature.Request{Number: n, Feature: feat, Spec: spec}
		// A provider that ignored the context would hang on a slow server;
		// the test binary's timeout catches that, so no timing is asserted.
		if _, err := p.Provision(ctx, req); err != nil {
			requireKind(t, feat+": Provision", err)
			if p.Info().Remote && !feature.Unavailable(err) {
				t.Errorf("%s: Provision with a cancelled context: %v is not classified unavailable", feat, err)
			}
		}
		if _, err := p.Deprovision(ctx, req); err != nil {
			requireKind(t, feat+": Deprovision", err)
		}
	}
}

func (s *suite) testConcurrentValidate(t *testing.T) {
	p := s.newProvider(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, feat := range p.Info().Features {
				n := s.sample(t, p, feat)
				if _, err := p.Validate(feature.Request{Number: n, Feature: feat}); err != nil {
					t.Errorf("%s: %v", feat, err)
				}
			}
		}()
	}
	wg.Wait()
}

// requireKind fails the test unless err carries a number.Kind.
func requireKind(t *testing.T, call string, err error) {
	t.Helper()
	var e *number.Error
	if !errors.As(err, &e) {
		t.Errorf("%s error %q carries no number.Kind", call, err)
	}
}
