package number

import (
	"encoding/json"
	"slices"
	"strings"
)

// Feature names, as Kazoo spells them.
const (
	FeatureLocal         = "local"
	FeatureFailover      = "failover"
	FeatureForceOutbound = "force_outbound"
	FeaturePrepend       = "prepend"
	FeatureRingback      = "ringback"
	FeatureCNAM          = "cnam"
	FeatureInboundCNAM   = "inbound_cnam"
	FeatureOutboundCNAM  = "outbound_cnam"
	FeatureE911          = "e911"
	FeaturePort          = "port"
	FeatureSMS           = "sms"
	FeatureMMS           = "mms"
	FeatureCarrierName   = "carrier_name"
)

// AllFeatures is every feature a number may have enabled (Kazoo's
// ALL_KNM_FEATURES), the default allow list.
var AllFeatures = []string{
	FeatureFailover, FeatureForceOutbound, FeaturePrepend, FeatureRingback,
	FeatureCNAM, FeatureInboundCNAM, FeatureOutboundCNAM, FeatureE911,
	FeaturePort, FeatureSMS, FeatureMMS, FeatureCarrierName,
}

// ExternalFeatures are the features served by a third party; local numbers
// may not have them.
var ExternalFeatures = []string{
	FeatureCNAM, FeatureInboundCNAM, FeatureOutboundCNAM, FeatureE911,
	FeaturePort, FeatureSMS, FeatureMMS,
}

// FeatureRootKeys are the public root keys that are feature requests.
var FeatureRootKeys = []string{
	FeatureCNAM, FeatureE911, FeatureFailover, FeatureForceOutbound, FeatureLocal,
	FeaturePort, FeaturePrepend, FeatureCarrierName, FeatureRingback, FeatureSMS, FeatureMMS,
}

// CanonicalFeature folds legacy provider names into feature names:
// dash_e911 -> e911, cnam_notifier -> cnam, knm_prepend -> prepend.
func CanonicalFeature(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "knm_"), "wnm_")
	switch s {
	case "dash_e911", "telnyx_e911", "vitelity_e911":
		return FeatureE911
	case "cnam_notifier", "telnyx_cnam", "vitelity_cnam":
		return FeatureCNAM
	case "port_notifier":
		return FeaturePort
	}
	return s
}

// FeaturePolicy is what the account tree says about features: the lists
// from the reseller's (or system's) number_manager config.
type FeaturePolicy struct {
	Allow                []string // reseller-or-system features.allow; nil = all features
	Deny                 []string // reseller-or-system features.deny; nil = unset
	LocalFeatureOverride bool
}

// AllowedFeatures is Kazoo's allowed list for n.
func AllowedFeatures(n *Number, p FeaturePolicy) []string {
	src := n.FeaturesAllow
	if len(src) == 0 || n.AssignedTo == "" && len(n.FeaturesAllow) == 0 {
		src = p.Allow
	}
	if len(src) == 0 {
		src = AllFeatures
	}
	return canonicalSet(src)
}

// DeniedFeatures is Kazoo's denied list for n when r asks.
func DeniedFeatures(n *Number, p FeaturePolicy, r Requester, rel Relations) []string {
	var denied []string
	switch {
	case len(n.FeaturesDeny) > 0:
		denied = append(denied, n.FeaturesDeny...)
	case n.AssignedTo == "":
		denied = append(denied, ExternalFeatures...)
	case p.Deny != nil:
		denied = append(denied, p.Deny...)
	case n.IsLocal() && !p.LocalFeatureOverride:
		denied = append(denied, ExternalFeatures...)
	}
	if n.UsedBy != AppTrunkstore {
		denied = append(denied, FeatureFailover)
	}
	if !r.IsAdmin(rel) {
		denied = append(denied, FeatureCarrierName)
	}
	return canonicalSet(denied)
}

// AvailableFeatures is allowed minus denied: the features r may switch on for n.
func AvailableFeatures(n *Number, p FeaturePolicy, r Requester, rel Relations) []string {
	denied := DeniedFeatures(n, p, r, rel)
	var out []string
	for _, f := range AllowedFeatures(n, p) {
		if !slices.Contains(denied, f) {
			out = append(out, f)
		}
	}
	return out
}

func canonicalSet(in []string) []string {
	out := make([]string, 0, len(in))
	for _, f := range in {
		f = CanonicalFeature(f)
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// RequestedFeatures are the features a save must run: the feature root keys
// present in the public fields plus the active features, minus local.
func RequestedFeatures(n *Number) []string {
	var out []string
	for _, k := range FeatureRootKeys {
		if _, ok := n.Public[k]; ok {
			out = append(out, k)
		}
	}
	for k := range n.Features {
		out = append(out, k)
	}
	out = canonicalSet(out)
	return slices.DeleteFunc(out, func(s string) bool { return s == FeatureLocal })
}

// ResetFeatures clears every active feature (keeping local on local numbers)
// and every public field, as a release does.
func (n *Number) ResetFeatures() {
	n.Features = Doc{}
	if n.IsLocal() || IsLocalModule(n.ModuleName) {
		n.Features[FeatureLocal] = json.RawMessage(`{}`)
	}
	n.Public = Doc{}
}
