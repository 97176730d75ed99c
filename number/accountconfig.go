package number

import (
	"bytes"
	"encoding/json"
	"slices"
)

// AccountConfig is one account's own number_manager document: Kazoo's
// configs_number_manager in a reseller's account database, which Kazoo
// read with get_from_reseller. It holds only what a reseller (or the
// master, for any account) may decide for the accounts below it: which
// carriers they search, which features they may use, which providers carry
// out E911 and CNAM, and where carriers route their numbers.
type AccountConfig struct {
	// CarrierModules replaces number_manager.carrier_modules for searches
	// made by the account and its descendants.
	CarrierModules []string `json:"carrier_modules,omitempty"`
	// Features holds Kazoo's features.allow and features.deny.
	Features *FeatureLists `json:"features,omitempty"`
	// E911Provider and CNAMProvider name the feature providers that serve
	// e911 and cnam (Kazoo's keys).
	E911Provider string `json:"e911_provider,omitempty"`
	CNAMProvider string `json:"cnam_provider,omitempty"`
	// Routing says, per carrier (registry name), where the carrier sends
	// the calls and messages of the numbers it holds for these accounts: a
	// carrier-specific object the carrier's Router checks.
	Routing map[string]json.RawMessage `json:"routing,omitempty"`
	// Port is what Kazoo kept in a whitelabel document's port object:
	// who handles the port requests of the account and the accounts below
	// it.
	Port *PortSettings `json:"port,omitempty"`
	// RateLimits bound the API requests of the account's callers (and of
	// the accounts below it, unless one of them sets its own).
	RateLimits *RateLimits `json:"rate_limits,omitempty"`
}

// RateLimits are token buckets for API requests, per account (every
// caller of the account together) and per credential (one API key or one
// user's token): a bucket holds up to Burst requests and refills at
// PerMinute a minute. 0 turns a bucket off. PerKey, when set, is the
// credential's bucket; otherwise each credential has the account's.
type RateLimits struct {
	WritesPerMinute float64     `json:"writes_per_minute,omitempty"`
	WritesBurst     float64     `json:"writes_burst,omitempty"`
	ReadsPerMinute  float64     `json:"reads_per_minute,omitempty"`
	ReadsBurst      float64     `json:"reads_burst,omitempty"`
	PerKey          *RateLimits `json:"per_key,omitempty"`
}

// Validate checks the limits are not negative and a bucket that refills
// holds at least one request.
func (r *RateLimits) Validate(path string) error {
	if r == nil {
		return nil
	}
	for _, b := range [][3]any{{"writes", r.WritesPerMinute, r.WritesBurst}, {"reads", r.ReadsPerMinute, r.ReadsBurst}} {
		rate, burst := b[1].(float64), b[2].(float64)
		if rate < 0 || burst < 0 || (rate > 0 && burst < 1) {
			return Errorf(KindInvalid, "", "%s.%s: per_minute and burst must be >= 0, and burst >= 1 when per_minute is set", path, b[0])
		}
	}
	if r.PerKey != nil && r.PerKey.PerKey != nil {
		return Errorf(KindInvalid, "", "%s.per_key: has no per_key of its own", path)
	}
	return r.PerKey.Validate(path + ".per_key")
}

// PortSettings name an account's port authority (Kazoo's whitelabel
// port.authority and port.support_email).
type PortSettings struct {
	// Authority is the account that handles the port requests of this
	// account and those below it: this account itself or one of its
	// ancestors (an account the submitter's account cannot reach would
	// see requests it has no business seeing). "" = unset.
	Authority string `json:"authority,omitempty"`
	// SupportEmail is where the authority is told of new port requests.
	SupportEmail string `json:"support_email,omitempty"`
}

// FeatureLists are an account document's feature lists. A nil list is
// unset; an empty one is set (and, for deny, denies nothing).
type FeatureLists struct {
	Allow []string `json:"allow"`
	Deny  []string `json:"deny"`
}

// DecodeAccountConfig reads an account's number_manager document strictly:
// an unknown key is an invalid error naming it, so a typo is refused when
// it is written. Kazoo's flat keys "features.allow" and "features.deny"
// are accepted too.
func DecodeAccountConfig(doc []byte) (AccountConfig, error) {
	var c AccountConfig
	if len(bytes.TrimSpace(doc)) == 0 || string(bytes.TrimSpace(doc)) == "null" {
		return c, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return c, Errorf(KindInvalid, "", "number_manager: not a JSON object")
	}
	for _, flat := range []string{"allow", "deny"} {
		raw, ok := top["features."+flat]
		if !ok {
			continue
		}
		delete(top, "features."+flat)
		f := map[string]json.RawMessage{}
		if prev, ok := top["features"]; ok && json.Unmarshal(prev, &f) != nil {
			return c, Errorf(KindInvalid, "", "number_manager.features: not an object")
		}
		f[flat] = raw
		top["features"], _ = json.Marshal(f)
	}
	for _, key := range sortedKeys(top) {
		if key == "id" || key == "_read_only" {
			continue // what a client read back, not settings
		}
		one, _ := json.Marshal(map[string]json.RawMessage{key: top[key]})
		dec := json.NewDecoder(bytes.NewReader(one))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return AccountConfig{}, Errorf(KindInvalid, "", "number_manager.%s: %v", key, err)
		}
	}
	for i, m := range c.CarrierModules {
		c.CarrierModules[i] = CarrierName(m)
	}
	if c.Features != nil {
		c.Features.Allow = canonicalList(c.Features.Allow)
		c.Features.Deny = canonicalList(c.Features.Deny)
	}
	return c, nil
}

func canonicalList(in []string) []string {
	if in == nil {
		return nil
	}
	return canonicalSet(in)
}

// Validate checks the feature names (Kazoo's twelve) and that routing
// objects are objects; carriers and providers are checked by the manager,
// which knows what is registered.
func (c AccountConfig) Validate() error {
	if c.Features != nil {
		for _, list := range [][]string{c.Features.Allow, c.Features.Deny} {
			for _, f := range list {
				if !slices.Contains(AllFeatures, f) {
					return Errorf(KindInvalid, "", "number_manager.features: unknown feature %q", f)
				}
			}
		}
	}
	for carrier, raw := range c.Routing {
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			return Errorf(KindInvalid, "", "number_manager.routing.%s: must be an object", carrier)
		}
	}
	if err := c.RateLimits.Validate("number_manager.rate_limits"); err != nil {
		return err
	}
	if p := c.Port; p != nil && p.Authority != "" && !IsAccountID(p.Authority) {
		return Errorf(KindInvalid, "", "number_manager.port.authority: %q is not an account id", p.Authority)
	}
	return nil
}

// AccountSettings are the number_manager settings in force for one
// account's numbers: system config overlaid with the account documents of
// its ancestors and its own (ResolveAccountConfig).
type AccountSettings struct {
	CarrierModules []string
	FeaturesAllow  []string // nil = every feature
	FeaturesDeny   []string // nil = unset
	E911Provider   string   // "" = the default provider
	CNAMProvider   string
	// Routing is the route of each carrier, the nearest account's.
	Routing map[string]json.RawMessage
	// RoutingFrom is the account whose document set each carrier's route.
	RoutingFrom map[string]string
	// RateLimits are the nearest document's, else system config's (nil:
	// no limits).
	RateLimits *RateLimits
}

// ResolveAccountConfig computes the settings for an account from system
// config and the account documents along its tree, root first, ending with
// the account's own (ids[i] owns docs[i]). Kazoo read only the reseller's
// document, with a reseller's own numbers on system values; Numan reads
// every document on the way down, so a reseller's settings reach every
// account below it (and its own numbers) and never a sibling's:
//
//   - features.allow: the first document that sets it replaces system
//     config's list (as Kazoo's reseller list did); a document further
//     down can only narrow it (intersection);
//   - features.deny: the first document that sets it replaces system
//     config's; further down, lists add up (union);
//   - carrier_modules, e911_provider, cnam_provider and each carrier's
//     route: the nearest document that sets one wins.
func ResolveAccountConfig(sys Config, ids []string, docs []AccountConfig) AccountSettings {
	s := AccountSettings{
		CarrierModules: slices.Clone(sys.CarrierModules),
		FeaturesAllow:  slices.Clone(sys.FeaturesAllow),
		FeaturesDeny:   slices.Clone(sys.FeaturesDeny),
		E911Provider:   sys.E911Provider,
		CNAMProvider:   sys.CNAMProvider,
		RateLimits:     sys.RateLimits,
	}
	allowSet, denySet := false, false
	for i, d := range docs {
		if len(d.CarrierModules) > 0 {
			s.CarrierModules = slices.Clone(d.CarrierModules)
		}
		if d.E911Provider != "" {
			s.E911Provider = d.E911Provider
		}
		if d.CNAMProvider != "" {
			s.CNAMProvider = d.CNAMProvider
		}
		if d.RateLimits != nil {
			s.RateLimits = d.RateLimits
		}
		if f := d.Features; f != nil {
			if f.Allow != nil {
				if !allowSet {
					s.FeaturesAllow = slices.Clone(f.Allow)
				} else {
					s.FeaturesAllow = slices.DeleteFunc(s.FeaturesAllow, func(x string) bool { return !slices.Contains(f.Allow, x) })
				}
				allowSet = true
			}
			if f.Deny != nil {
				if !denySet {
					s.FeaturesDeny = slices.Clone(f.Deny)
				} else {
					s.FeaturesDeny = canonicalSet(append(s.FeaturesDeny, f.Deny...))
				}
				denySet = true
			}
		}
		for carrier, route := range d.Routing {
			if s.Routing == nil {
				s.Routing, s.RoutingFrom = map[string]json.RawMessage{}, map[string]string{}
			}
			s.Routing[carrier] = route
			if i < len(ids) {
				s.RoutingFrom[carrier] = ids[i]
			}
		}
	}
	if allowSet && len(s.FeaturesAllow) == 0 {
		// Nothing is left allowed, but an empty allow list means every
		// feature: deny them all instead.
		s.FeaturesAllow = nil
		s.FeaturesDeny = slices.Clone(AllFeatures)
	}
	return s
}

// Policy is the feature policy of these settings.
func (s AccountSettings) Policy(localOverride bool) FeaturePolicy {
	return FeaturePolicy{Allow: s.FeaturesAllow, Deny: s.FeaturesDeny, LocalFeatureOverride: localOverride}
}
