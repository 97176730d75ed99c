package number

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// featureNumber builds one of the scenario numbers of §1.3 with the
// per-number lists of §1.5.
func featureNumber(module string, st State, owner, usedBy string, allow, deny []string) *Number {
	n := New("+15551233322", st, module, time.Time{})
	n.AssignedTo, n.UsedBy = owner, usedBy
	n.FeaturesAllow, n.FeaturesDeny = allow, deny
	return n
}

func list(s string) []string {
	if s == "" {
		return []string{}
	}
	out := strings.Split(s, " ")
	slices.Sort(out)
	return out
}

func TestFeatureLists(t *testing.T) {
	rel := fixtureAccounts()
	system := FeaturePolicy{}
	tests := []struct {
		name      string
		n         *Number
		policy    FeaturePolicy
		by        Requester
		allowed   string
		denied    string
		available string
	}{
		{
			name: "TEST_IN_SERVICE_NUM (local) as admin", by: By(master),
			n:         featureNumber("local", InService, reseller, "callflow", nil, nil),
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "cnam inbound_cnam outbound_cnam e911 port sms mms failover",
			available: "force_outbound prepend ringback carrier_name",
		},
		{
			name: "TEST_IN_SERVICE_NUM (local) as RESELLER", by: By(reseller),
			n:         featureNumber("local", InService, reseller, "callflow", nil, nil),
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "cnam inbound_cnam outbound_cnam e911 port sms mms failover carrier_name",
			available: "force_outbound prepend ringback",
		},
		{
			name: "TEST_IN_SERVICE_MDN counts as local", by: SystemRequester,
			n:         featureNumber("mdn", InService, reseller, "", nil, nil),
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "cnam inbound_cnam outbound_cnam e911 port sms mms failover",
			available: "force_outbound prepend ringback carrier_name",
		},
		{
			name: "BW_EXISTING_DID: number deny list", by: By(reseller),
			n:         featureNumber("bandwidth2", Discovery, reseller, "", nil, []string{"e911"}),
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "e911 failover carrier_name",
			available: "force_outbound prepend ringback cnam inbound_cnam outbound_cnam port sms mms",
		},
		{
			name: "TEST_OLD5_1_NUM: both number lists, admin", by: SystemRequester,
			n:         featureNumber("bandwidth2", InService, reseller, "", []string{"cnam", "e911", "force_outbound", "carrier_name"}, []string{"failover"}),
			allowed:   "cnam e911 force_outbound carrier_name",
			denied:    "failover",
			available: "cnam e911 force_outbound carrier_name",
		},
		{
			name: "TEST_OLD5_1_NUM as RESELLER", by: By(reseller),
			n:         featureNumber("bandwidth2", InService, reseller, "", []string{"cnam", "e911", "force_outbound", "carrier_name"}, []string{"failover"}),
			allowed:   "cnam e911 force_outbound carrier_name",
			denied:    "failover carrier_name",
			available: "cnam e911 force_outbound",
		},
		{
			name: "TEST_VITELITY_NUM: allow list, reseller/local deny rules", by: By(master),
			n:         featureNumber("vitelity", InService, reseller, "", []string{"cnam", "e911", "force_outbound", "prepend", "carrier_name"}, nil),
			allowed:   "cnam e911 force_outbound prepend carrier_name",
			denied:    "failover",
			available: "cnam e911 force_outbound prepend carrier_name",
		},
		{
			name: "TEST_TELNYX_NUM: deny beats allow", by: By(master),
			n:         featureNumber("telnyx", Available, reseller, "", []string{"cnam", "e911", "failover", "force_outbound", "prepend", "ringback", "carrier_name"}, []string{"port", "failover"}),
			allowed:   "cnam e911 failover force_outbound prepend ringback carrier_name",
			denied:    "port failover",
			available: "cnam e911 force_outbound prepend ringback carrier_name",
		},
		{
			name: "unassigned number: system list, external features denied", by: SystemRequester,
			n:         featureNumber("telnyx", Available, "", "", nil, nil),
			policy:    FeaturePolicy{Allow: []string{"prepend", "cnam"}, Deny: []string{"prepend"}},
			allowed:   "prepend cnam",
			denied:    "cnam inbound_cnam outbound_cnam e911 port sms mms failover",
			available: "prepend",
		},
		{
			name: "trunkstore may fail over", by: SystemRequester,
			n:         featureNumber("telnyx", InService, reseller, "trunkstore", nil, nil),
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "",
			available: "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
		},
		{
			name: "reseller deny list replaces the local rule", by: By(child),
			n:         featureNumber("local", InService, child, "", nil, nil),
			policy:    FeaturePolicy{Deny: []string{"prepend"}},
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "prepend failover carrier_name",
			available: "force_outbound ringback cnam inbound_cnam outbound_cnam e911 port sms mms",
		},
		{
			name: "local_feature_override", by: SystemRequester,
			n:         featureNumber("local", InService, child, "", nil, nil),
			policy:    FeaturePolicy{LocalFeatureOverride: true},
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "failover",
			available: "force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
		},
		{
			name: "legacy provider names fold", by: SystemRequester,
			n:         featureNumber("telnyx", InService, child, "", nil, []string{"wnm_port_notifier"}),
			policy:    FeaturePolicy{Allow: []string{"knm_dash_e911", "cnam_notifier", "wnm_prepend", "port_notifier"}},
			allowed:   "e911 cnam prepend port",
			denied:    "port failover",
			available: "e911 cnam prepend",
		},
		{
			name: "non-local module with the local feature is local", by: SystemRequester,
			n: func() *Number {
				n := featureNumber("telnyx", InService, child, "", nil, nil)
				n.Features[FeatureLocal] = []byte(`{}`)
				return n
			}(),
			allowed:   "failover force_outbound prepend ringback cnam inbound_cnam outbound_cnam e911 port sms mms carrier_name",
			denied:    "cnam inbound_cnam outbound_cnam e911 port sms mms failover",
			available: "force_outbound prepend ringback carrier_name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if p.Allow == nil && p.Deny == nil && !p.LocalFeatureOverride {
				p = system
			}
			if got := AllowedFeatures(tt.n, p); !slices.Equal(got, list(tt.allowed)) {
				t.Errorf("allowed = %v, want %v", got, list(tt.allowed))
			}
			if got := DeniedFeatures(tt.n, p, tt.by, rel); !slices.Equal(got, list(tt.denied)) {
				t.Errorf("denied = %v, want %v", got, list(tt.denied))
			}
			got := AvailableFeatures(tt.n, p, tt.by, rel)
			slices.Sort(got)
			if !slices.Equal(got, list(tt.available)) {
				t.Errorf("available = %v, want %v", got, list(tt.available))
			}
		})
	}
}

// §3.8-3 and §3.9-6: force_outbound is always available; carrier_name only to admins.
func TestFeatureAvailabilityByRequester(t *testing.T) {
	rel := fixtureAccounts()
	numbers := map[string]*Number{
		"TEST_IN_SERVICE_NUM": featureNumber("local", InService, reseller, "callflow", nil, nil),
		"BW_EXISTING_DID":     featureNumber("bandwidth2", Discovery, reseller, "", nil, []string{"e911"}),
		"TEST_OLD5_1_NUM":     featureNumber("bandwidth2", InService, reseller, "", []string{"cnam", "e911", "force_outbound", "carrier_name"}, []string{"failover"}),
		"TEST_VITELITY_NUM":   featureNumber("vitelity", InService, reseller, "", []string{"cnam", "e911", "force_outbound", "prepend", "carrier_name"}, nil),
		"TEST_IN_SERVICE_MDN": featureNumber("mdn", InService, reseller, "", nil, nil),
	}
	for name, n := range numbers {
		for _, by := range []Requester{SystemRequester, By(master), By(reseller)} {
			got := AvailableFeatures(n, FeaturePolicy{}, by, rel)
			if !slices.Contains(got, FeatureForceOutbound) {
				t.Errorf("%s by %s: force_outbound not available: %v", name, by, got)
			}
			if name == "TEST_IN_SERVICE_MDN" {
				continue // §3.9-6 does not cover the MDN
			}
			if slices.Contains(got, FeatureCarrierName) != wantIsAdmin(by) {
				t.Errorf("%s by %s: carrier_name availability wrong: %v", name, by, got)
			}
		}
	}
}

func TestRequestedFeatures(t *testing.T) {
	n := featureNumber("local", InService, reseller, "", nil, nil)
	n.Public = Doc{"cnam": []byte(`{}`), "my_own_field": []byte(`1`), "local": []byte(`{}`), "force_outbound": []byte(`true`)}
	n.Features["dash_e911"] = []byte(`{}`)
	want := []string{"cnam", "e911", "force_outbound"}
	if got := RequestedFeatures(n); !slices.Equal(got, want) {
		t.Errorf("RequestedFeatures = %v, want %v", got, want)
	}
}
