package feature

import (
	"slices"

	"github.com/numan-dev/numan/number"
)

// rule is what Kazoo's providers agree on for one feature, whatever the
// provider: in which states it is carried out, what happens to it in the
// other states, and which private keys it writes.
type rule struct {
	states []number.State
	// keepElsewhere: in other states the feature is left as it is (Kazoo's
	// CNAM providers); otherwise it is deprovisioned and removed.
	keepElsewhere bool
	keys          []string
	// defaultProvider serves the feature when configuration names none.
	defaultProvider string
}

var (
	inService = []number.State{number.InService}
	held      = []number.State{number.Reserved, number.InService, number.PortIn}
)

// rules are keyed by public feature name.
var rules = map[string]rule{
	number.FeatureE911: {states: held, keys: []string{number.FeatureE911}, defaultProvider: "dash_e911"},
	number.FeatureCNAM: {states: held, keepElsewhere: true,
		keys:            []string{number.FeatureOutboundCNAM, number.FeatureInboundCNAM, number.FeatureCNAM},
		defaultProvider: "cnam_notifier"},
	number.FeatureSMS:           {states: inService, keys: []string{number.FeatureSMS}, defaultProvider: "im"},
	number.FeatureMMS:           {states: inService, keys: []string{number.FeatureMMS}, defaultProvider: "im"},
	number.FeatureFailover:      {states: inService, keys: []string{number.FeatureFailover}, defaultProvider: "failover"},
	number.FeaturePrepend:       {states: inService, keys: []string{number.FeaturePrepend}, defaultProvider: "prepend"},
	number.FeatureForceOutbound: {states: inService, keys: []string{number.FeatureForceOutbound}, defaultProvider: "force_outbound"},
	number.FeatureRingback:      {states: inService, keys: []string{number.FeatureRingback}, defaultProvider: "ringback"},
	// Kazoo's port notifier never fires on save; it only clears pvt port.
	number.FeaturePort: {states: nil, keepElsewhere: true, keys: []string{number.FeaturePort}, defaultProvider: "port_notifier"},
}

// Features returns the public features a provider may serve, sorted.
func Features() []string {
	out := make([]string, 0, len(rules))
	for f := range rules {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// Known reports whether feature is a public feature providers serve.
func Known(feature string) bool {
	_, ok := rules[feature]
	return ok
}

// PrivateKeys returns the private feature keys (number.Features) that
// feature's providers write: cnam writes outbound_cnam and inbound_cnam and
// always removes Kazoo's legacy cnam key.
func PrivateKeys(feature string) []string { return slices.Clone(rules[feature].keys) }

// ActsIn reports whether feature is carried out when the number is in st:
// reserved, in_service and port_in for e911 and cnam, in_service for the
// others, as in Kazoo.
func ActsIn(feature string, st number.State) bool { return slices.Contains(rules[feature].states, st) }

// DefaultProvider is the provider that serves feature when system config
// and the reseller name none: Kazoo's dash_e911 for e911 and cnam_notifier
// for cnam, the generic "im" provider for sms and mms, and the local
// provider of the same name for the rest. For sms and mms, a provider
// registered for the number's carrier (telnyx_messaging, ...) is
// preferred; pass carrier "" to ignore that.
func DefaultProvider(feature, carrier string) string {
	if (feature == number.FeatureSMS || feature == number.FeatureMMS) && carrier != "" {
		for _, name := range Serving(feature, carrier) {
			if info, _ := Lookup(name); len(info.Carriers) > 0 {
				return name
			}
		}
	}
	return rules[feature].defaultProvider
}

// FeatureOf returns the public feature a private key belongs to:
// inbound_cnam and outbound_cnam are cnam's, the others their own.
func FeatureOf(key string) string {
	switch key {
	case number.FeatureInboundCNAM, number.FeatureOutboundCNAM:
		return number.FeatureCNAM
	}
	return number.CanonicalFeature(key)
}
