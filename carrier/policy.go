package carrier

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/numan-dev/numan/number"
)

// ReleasePolicy says what a release does with a number of a remote carrier
// that nobody holds any more.
type ReleasePolicy string

const (
	// ReleaseDisconnect gives the number back to the carrier and takes it
	// out of the sellable pool: at once, or when aging ends if the number
	// ages (should_age). The number's record goes once the carrier
	// confirms; until then it waits in state released, which nobody can
	// buy, while the disconnect is retried. Selling it again means buying
	// it again from the carrier. The default: Numan never sells a number no
	// carrier holds, and never keeps paying for one by surprise.
	ReleaseDisconnect ReleasePolicy = "disconnect"
	// ReleaseKeep keeps the number at the carrier (the operator goes on
	// paying for it) and in the pool: it goes to released_state (or aging)
	// and is sold again without a purchase. The disconnect happens only
	// when an admin deletes the number.
	ReleaseKeep ReleasePolicy = "keep"
)

// Policy is what Numan does with any carrier's numbers, set in the
// carrier's own document number_manager.<carrier> beside its settings:
//
//	{"release_policy": "keep", "purchase_timeout_s": 300, ...carrier settings}
//
// New takes these keys out before the carrier decodes the rest strictly.
type Policy struct {
	// Release is the release policy; "" means ReleaseDisconnect.
	Release ReleasePolicy `json:"release_policy,omitempty"`
	// PurchaseTimeoutS bounds one purchase at the carrier, in seconds,
	// whatever the buyer's request allows; 0 means two minutes.
	PurchaseTimeoutS int `json:"purchase_timeout_s,omitempty"`
}

// policyKeys are the keys of Policy in a settings document.
var policyKeys = []string{"release_policy", "purchase_timeout_s"}

// ReleasePolicy is the effective release policy.
func (p Policy) ReleasePolicy() ReleasePolicy {
	if p.Release == "" {
		return ReleaseDisconnect
	}
	return p.Release
}

// PurchaseTimeout is the effective purchase deadline.
func (p Policy) PurchaseTimeout() time.Duration {
	if p.PurchaseTimeoutS <= 0 {
		return 2 * time.Minute
	}
	return time.Duration(p.PurchaseTimeoutS) * time.Second
}

// SplitPolicy takes the Policy keys out of a carrier's settings document
// and returns the policy and the rest, which the carrier decodes. A bad
// policy value is an invalid error.
func SplitPolicy(settings json.RawMessage) (Policy, json.RawMessage, error) {
	var p Policy
	if len(bytes.TrimSpace(settings)) == 0 || string(bytes.TrimSpace(settings)) == "null" {
		return p, settings, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(settings, &doc); err != nil {
		return p, settings, nil //nolint:nilerr // not an object: the carrier's strict decoding reports it
	}
	found := false
	for _, k := range policyKeys {
		if _, ok := doc[k]; ok {
			found = true
		}
	}
	if !found {
		return p, settings, nil
	}
	sub := map[string]json.RawMessage{}
	for _, k := range policyKeys {
		if v, ok := doc[k]; ok {
			sub[k] = v
			delete(doc, k)
		}
	}
	raw, err := json.Marshal(sub)
	if err != nil {
		return p, nil, err
	}
	if err := DecodeSettings(raw, &p); err != nil {
		return p, nil, err
	}
	switch p.Release {
	case "", ReleaseDisconnect, ReleaseKeep:
	default:
		return p, nil, number.Errorf(number.KindInvalid, "", "settings: release_policy must be %q or %q, not %q",
			ReleaseDisconnect, ReleaseKeep, p.Release)
	}
	if p.PurchaseTimeoutS < 0 || p.PurchaseTimeoutS > 3600 {
		return p, nil, number.Errorf(number.KindInvalid, "", "settings: purchase_timeout_s must be between 0 and 3600")
	}
	rest, err := json.Marshal(doc)
	if err != nil {
		return p, nil, err
	}
	return p, rest, nil
}
