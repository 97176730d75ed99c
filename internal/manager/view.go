package manager

import (
	"context"
	"encoding/json"
	"time"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// gregorianOffset is the number of seconds from year 0 to the Unix epoch:
// Kazoo's timestamps are Gregorian seconds.
const gregorianOffset = 62167219200

// Gregorian returns t in Gregorian seconds, Kazoo's timestamp unit.
func Gregorian(t time.Time) int64 { return t.Unix() + gregorianOffset }

// FromGregorian turns Gregorian seconds into a time.
func FromGregorian(s int64) time.Time { return time.Unix(s-gregorianOffset, 0).UTC() }

// FeaturesAvailable is the features r may switch on for n.
func (m *Manager) FeaturesAvailable(ctx context.Context, n *number.Number, by number.Requester) []string {
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil
	}
	rel, err := m.Relations(ctx, by.AccountID, n.AssignedTo)
	if err != nil {
		return nil
	}
	settings, err := m.AccountSettings(ctx, cfg, n.AssignedTo)
	if err != nil {
		return nil
	}
	return nonNil(number.AvailableFeatures(n, settings.Policy(cfg.LocalFeatureOverride), by, rel))
}

// View is Kazoo's public JSON of a number (to_public_json): the public
// fields, id, state, used_by, features, and _read_only; for admins
// _read_only also holds the carrier data (not in Kazoo).
func (m *Manager) View(ctx context.Context, n *number.Number, by number.Requester) map[string]any {
	out := make(map[string]any, len(n.Public)+6)
	for k, v := range n.Public {
		if !number.IsReservedField(k) { // stored by an older numan: never shadow Numan's own fields
			out[k] = v
		}
	}
	out["id"] = n.Number
	if n.State != "" {
		out["state"] = n.State
	}
	if n.UsedBy != "" {
		out["used_by"] = n.UsedBy
	}
	if f := n.FeatureNames(); len(f) > 0 {
		out["features"] = f
	}
	ro := map[string]any{
		"created":        Gregorian(n.Created),
		"modified":       Gregorian(n.Modified),
		"carrier_module": n.ModuleName,
		"features": map[string]any{
			"available": m.FeaturesAvailable(ctx, n, by),
			"settings":  map[string]any{},
		},
	}
	if n.State == number.Deleted {
		ro["is_deleted"] = true
	}
	if recs := feature.Records(n); len(recs) > 0 {
		// Not in Kazoo: where each feature stands at its provider (e911's
		// status is also in the e911 object, as Kazoo shows it), so a
		// failed or pending provisioning is visible to the account.
		prov := make(map[string]any, len(recs))
		for f, rec := range recs {
			p := map[string]any{"provider": rec.Provider, "status": rec.Status}
			if rec.Message != "" {
				p["message"] = rec.Message
			}
			prov[f] = p
		}
		ro["features"].(map[string]any)["provisioning"] = prov
	}
	if len(n.CarrierData) > 0 && m.isAdmin(ctx, by) {
		// Not in Kazoo: what the carrier gave for the number (its order
		// and number ids: order_id, sid, phone_number_id, ...) and a
		// purchase in progress, so support needs no database access.
		ro["carrier_data"] = n.CarrierData
	}
	out["_read_only"] = ro
	return out
}

// isAdmin reports whether by is the system or a superduper admin; an
// account that cannot be read is not.
func (m *Manager) isAdmin(ctx context.Context, by number.Requester) bool {
	if by.System {
		return true
	}
	if by.AccountID == "" {
		return false
	}
	rel, err := m.Relations(ctx, by.AccountID)
	return err == nil && by.IsAdmin(rel)
}

// ListingEntry is the value of one number in an account's listing
// (Kazoo's crossbar_listing view plus features_available).
func (m *Manager) ListingEntry(ctx context.Context, n *number.Number, by number.Requester) map[string]any {
	return listingEntry(n, m.FeaturesAvailable(ctx, n, by))
}

// ListingEntries are the listing entries of a page of numbers, keyed by
// number: ListingEntry of each, with the configuration, the accounts and
// their settings read once per page rather than once per number.
func (m *Manager) ListingEntries(ctx context.Context, ns []*number.Number, by number.Requester) map[string]any {
	out := make(map[string]any, len(ns))
	cfg, _, cfgErr := m.cfg.NumberManager(ctx)
	type owner struct {
		rel    number.Accounts
		policy number.FeaturePolicy
		ok     bool
	}
	owners := map[string]owner{}
	for _, n := range ns {
		o, seen := owners[n.AssignedTo]
		if !seen && cfgErr == nil {
			rel, err := m.Relations(ctx, by.AccountID, n.AssignedTo)
			if err == nil {
				settings, err := m.AccountSettings(ctx, cfg, n.AssignedTo)
				if err == nil {
					o = owner{rel: rel, policy: settings.Policy(cfg.LocalFeatureOverride), ok: true}
				}
			}
			owners[n.AssignedTo] = o
		}
		var avail []string
		if o.ok {
			avail = nonNil(number.AvailableFeatures(n, o.policy, by, o.rel))
		}
		out[n.Number] = listingEntry(n, avail)
	}
	return out
}

// listingEntry is ListingEntry with the features available given.
func listingEntry(n *number.Number, available []string) map[string]any {
	e := map[string]any{
		"state":              n.State,
		"features":           nonNil(n.FeatureNames()),
		"features_allowed":   nonNil(n.FeaturesAllow),
		"features_denied":    nonNil(n.FeaturesDeny),
		"features_available": available,
		"assigned_to":        n.AssignedTo,
		"created":            Gregorian(n.Created),
		"updated":            Gregorian(n.Modified),
		"carrier_module":     n.ModuleName,
	}
	if n.UsedBy != "" {
		e["used_by"] = n.UsedBy
	}
	if len(n.Locality) > 0 {
		e["locality"] = n.Locality
	}
	return e
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Lookup is what call routing needs to know about a number at call time:
// Kazoo's lookup_account properties, plus the app that routes it and its
// active features (with failover's destination, which a switch needs to
// fail over). It is the reply of GET .../identify.
type Lookup struct {
	AccountID     string `json:"account_id"`
	Number        string `json:"number"`
	UsedBy        string `json:"used_by"` // "" when no app routes it (a spare number)
	PendingPort   bool   `json:"pending_port"`
	Local         bool   `json:"local"`
	Prepend       string `json:"prepend,omitempty"`
	InboundCNAM   bool   `json:"inbound_cnam"`
	RingbackMedia string `json:"ringback_media,omitempty"`
	TransferMedia string `json:"transfer_media,omitempty"`
	ForceOutbound bool   `json:"force_outbound"`
	// Features are the number's active features, sorted.
	Features []string `json:"features"`
	// Failover is where calls go when the number's destination fails
	// ({"e164": ...} or {"sip": ...}), when failover is active.
	Failover json.RawMessage `json:"failover,omitempty"`
}

// Identify finds the account a number routes to. A number nobody holds is
// an error whose cause says why (unassigned, not_in_service,
// account_disabled), as Kazoo's lookup_account.
//
// Only by's who may route the number learn its owner: the system, admins
// (the platform's own credentials, such as a switch's), and the owner's
// tree (the owner and its ancestors). Anyone else gets what Get answers:
// not_found for a number not stored, forbidden for a number they may not
// see, and forbidden too for one they may see but that is held by an
// account outside their tree (a number reserved for them by a reseller).
func (m *Manager) Identify(ctx context.Context, raw string, by number.Requester) (*Lookup, error) {
	cfg, norm, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return nil, err
	}
	e164, err := norm.Normalize(raw)
	if err != nil {
		return nil, err
	}
	if l, ok, err := m.identifyFromIndex(ctx, cfg, e164, by); ok {
		return l, err
	}
	return m.identifyFromStore(ctx, cfg, e164, by)
}

// identifyFromStore is Identify reading the number and its account from
// the store.
func (m *Manager) identifyFromStore(ctx context.Context, cfg number.Config, e164 string, by number.Requester) (*Lookup, error) {
	n, err := m.store.GetNumber(ctx, e164)
	if err != nil {
		return nil, err
	}
	if !by.System {
		rel, err := m.Relations(ctx, by.AccountID, n.AssignedTo)
		if err != nil {
			return nil, err
		}
		owners := n.AssignedTo != "" && rel.InHierarchy(by.AccountID, n.AssignedTo)
		if !by.IsAdmin(rel) && !owners && (n.AssignedTo != "" || !number.CanRead(n, by, rel)) {
			return nil, number.NewError(number.KindForbidden, e164)
		}
	}
	if n.AssignedTo == "" {
		return nil, &number.Error{Kind: number.KindInvalid, Number: e164, Message: "unassigned", Cause: "unassigned"}
	}
	switch n.State {
	case number.PortIn, number.InService, number.PortOut, number.Reserved:
	default:
		return nil, &number.Error{Kind: number.KindInvalid, Number: e164, Message: "not_in_service", Cause: "not_in_service", Details: map[string]any{"account_id": n.AssignedTo, "number": e164, "cause": "not_in_service"}}
	}
	acc, err := m.store.GetAccount(ctx, n.AssignedTo)
	if err == nil && !acc.Enabled {
		return nil, &number.Error{Kind: number.KindInvalid, Number: e164, Message: "account_disabled", Cause: "account_disabled", Details: map[string]any{"account_id": n.AssignedTo, "number": e164, "cause": "account_disabled"}}
	}
	l := &Lookup{
		AccountID:   n.AssignedTo,
		Number:      e164,
		PendingPort: n.State == number.PortIn,
		Local:       n.ModuleName == number.DefaultModule(),
		UsedBy:      n.UsedBy,
		Features:    nonNil(n.FeatureNames()),
		Failover:    n.Features[number.FeatureFailover],
	}
	var prepend struct {
		Enabled bool   `json:"enabled"`
		Name    string `json:"name"`
	}
	if n.Features.Get(number.FeaturePrepend, &prepend) && prepend.Enabled {
		l.Prepend = prepend.Name
	}
	var ringback struct {
		Early    string `json:"early"`
		Transfer string `json:"transfer"`
	}
	if n.Features.Get(number.FeatureRingback, &ringback) {
		l.RingbackMedia, l.TransferMedia = ringback.Early, ringback.Transfer
	}
	if _, ok := n.Features[number.FeatureInboundCNAM]; ok {
		l.InboundCNAM = true
		if c, err := m.carriers.Get(ctx, n.ModuleName); err == nil {
			l.InboundCNAM = c.Info().LookupCNAM
		}
	}
	l.ForceOutbound = forceOutbound(n, cfg)
	return l, nil
}

// forceOutbound is Kazoo's is_force_outbound.
func forceOutbound(n *number.Number, cfg number.Config) bool {
	localish := number.IsLocalModule(n.ModuleName) && cfg.ForceLocalOutbound
	switch {
	case n.State == number.PortIn:
		return cfg.ForcePortInOutbound || localish
	case n.State == number.PortOut:
		return cfg.ForcePortOutOutbound || localish
	case number.IsLocalModule(n.ModuleName):
		return cfg.ForceLocalOutbound
	}
	var v bool
	if raw, ok := n.Features[number.FeatureForceOutbound]; ok && json.Unmarshal(raw, &v) == nil {
		return v
	}
	return cfg.DefaultForceOutbound
}

// List pages through an account's numbers.
func (m *Manager) List(ctx context.Context, accountID string, q ListQuery) (Page, error) {
	q.AssignedTo = accountID
	return m.store.ListNumbers(ctx, q)
}

// ListAll pages through every number Numan holds, whoever holds it and
// whether anyone does (the pool, as an admin exports it): admins only.
func (m *Manager) ListAll(ctx context.Context, by number.Requester, q ListQuery) (Page, error) {
	rel, err := m.Relations(ctx, by.AccountID)
	if err != nil {
		return Page{}, err
	}
	if !by.IsAdmin(rel) {
		return Page{}, &number.Error{Kind: number.KindForbidden, Cause: "only admins list the numbers of every account"}
	}
	q.AssignedTo = ""
	return m.store.ListNumbers(ctx, q)
}
