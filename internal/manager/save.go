package manager

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// featureProvider maps a feature to the provider that serves it; the three
// CNAM features share one provider, as in Kazoo.
func featureProvider(f string) string {
	switch f {
	case number.FeatureInboundCNAM, number.FeatureOutboundCNAM:
		return number.FeatureCNAM
	}
	return f
}

func (b *batch) policy() number.FeaturePolicy {
	return number.FeaturePolicy{Allow: b.cfg.FeaturesAllow, Deny: b.cfg.FeaturesDeny, LocalFeatureOverride: b.cfg.LocalFeatureOverride}
}

// applyFeatures is Kazoo's provider step (knm_providers:save), run on
// every save: a denied feature requested in the public fields fails the
// number; active features no longer available are dropped; the public
// requests become active features according to the number's state.
func applyFeatures(n *number.Number, op Op, b *batch) error {
	if raw, ok := n.Public[number.FeatureCarrierName]; ok {
		if !op.AuthBy.IsAdmin(b.rel) {
			return number.NewError(number.KindForbidden, n.Number)
		}
		var name string
		if json.Unmarshal(raw, &name) != nil || !carrier.Registered(name) {
			return &number.Error{Kind: number.KindInvalid, Number: n.Number, Cause: "'" + strings.Trim(string(raw), `"`) + "' is not known by the system"}
		}
		n.SetModuleName(name)
		delete(n.Public, number.FeatureCarrierName)
	}

	available := number.AvailableFeatures(n, b.policy(), op.AuthBy, b.rel)
	providers := map[string]bool{}
	for _, f := range available {
		providers[featureProvider(f)] = true
	}
	for _, k := range number.FeatureRootKeys {
		if _, ok := n.Public[k]; !ok || k == number.FeatureLocal || k == number.FeatureSMS || k == number.FeatureMMS {
			continue
		}
		if !providers[featureProvider(k)] {
			return number.NewError(number.KindForbidden, n.Number)
		}
	}
	for f := range n.Features {
		if f != number.FeatureLocal && !slices.Contains(available, f) && !providers[featureProvider(f)] {
			delete(n.Features, f)
		}
	}

	active := n.State == number.InService
	held := n.State == number.InService || n.State == number.Reserved || n.State == number.PortIn
	copyIf := func(name string, on bool, value json.RawMessage) {
		if on {
			n.Features[name] = value
		} else {
			delete(n.Features, name)
		}
	}
	obj := func(key string) (map[string]json.RawMessage, bool) {
		var m map[string]json.RawMessage
		ok := n.Public.Get(key, &m) && len(m) > 0
		return m, ok
	}

	_, ok := obj(number.FeatureFailover)
	copyIf(number.FeatureFailover, active && ok && providers[number.FeatureFailover], n.Public[number.FeatureFailover])

	var prepend struct {
		Enabled bool `json:"enabled"`
	}
	ok = n.Public.Get(number.FeaturePrepend, &prepend)
	copyIf(number.FeaturePrepend, active && ok && prepend.Enabled && providers[number.FeaturePrepend], n.Public[number.FeaturePrepend])

	var ringback map[string]json.RawMessage
	ok = n.Public.Get(number.FeatureRingback, &ringback) && len(ringback) > 0
	copyIf(number.FeatureRingback, active && ok && providers[number.FeatureRingback], n.Public[number.FeatureRingback])

	forceOut, ok := boolish(n.Public[number.FeatureForceOutbound])
	if active && ok && providers[number.FeatureForceOutbound] {
		n.Features.Set(number.FeatureForceOutbound, forceOut)
	} else {
		delete(n.Features, number.FeatureForceOutbound)
	}

	for _, f := range []string{number.FeatureSMS, number.FeatureMMS} {
		var im struct {
			Enabled bool `json:"enabled"`
		}
		ok := n.Public.Get(f, &im)
		copyIf(f, active && ok && im.Enabled && providers[f], n.Public[f])
	}

	if held {
		var cnam struct {
			DisplayName   string `json:"display_name"`
			InboundLookup bool   `json:"inbound_lookup"`
		}
		n.Public.Get(number.FeatureCNAM, &cnam)
		delete(n.Features, number.FeatureCNAM)
		if cnam.DisplayName != "" && providers[number.FeatureCNAM] {
			n.Features.Set(number.FeatureOutboundCNAM, map[string]string{"display_name": cnam.DisplayName})
		} else {
			delete(n.Features, number.FeatureOutboundCNAM)
		}
		if cnam.InboundLookup && providers[number.FeatureCNAM] {
			n.Features.Set(number.FeatureInboundCNAM, map[string]bool{"inbound_lookup": true})
		} else {
			delete(n.Features, number.FeatureInboundCNAM)
		}
	}
	_, ok = obj(number.FeatureE911)
	copyIf(number.FeatureE911, held && ok && providers[number.FeatureE911], n.Public[number.FeatureE911])
	return nil
}

// boolish reads a boolean the way Kazoo's force_outbound does: true, false,
// "true" or "false".
func boolish(raw json.RawMessage) (bool, bool) {
	switch strings.TrimSpace(string(raw)) {
	case "true", `"true"`:
		return true, true
	case "false", `"false"`:
		return false, true
	}
	return false, false
}

// changed reports whether a number differs from how it was stored (ignoring
// its timestamps and version).
func changed(before, after *number.Number) bool {
	if before == nil {
		return true
	}
	a, b := canon(before), canon(after)
	return !reflect.DeepEqual(a, b)
}

func canon(n *number.Number) *number.Number {
	c := n.Clone()
	c.Modified, c.Version = c.Created, 0
	for _, d := range []*number.Doc{&c.CarrierData, &c.Features, &c.Public, &c.Locality} {
		if len(*d) == 0 {
			*d = nil
		}
	}
	for _, s := range []*[]string{&c.ReserveHistory, &c.FeaturesAllow, &c.FeaturesDeny} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	return c
}

// saveOpts tune the save step.
type saveOpts struct {
	skipFeatures bool // assign_to_app does not run feature providers
}

// save runs the feature providers and the MDN guard on every item, then
// writes what changed, each write conditional on the version read, and
// records the charges of what was written. On a dry run nothing is written
// and the changes are quoted instead.
func (m *Manager) save(ctx context.Context, b *batch, items []*item, op Op, so saveOpts) {
	var changes []number.Change
	var ready []*item
	for _, it := range items {
		n := it.n
		if !so.skipFeatures && n.State != number.Deleted {
			if err := applyFeatures(n, op, b); err != nil {
				b.res.fail(it.key, err)
				continue
			}
		}
		dirty := changed(it.before, n)
		if dirty && !op.AuthBy.System && op.MDNRun != n.IsMDN() {
			b.res.fail(it.key, number.NewError(number.KindForbidden, it.key))
			continue
		}
		if dirty && n.State != number.Deleted {
			n.Modified = m.now().UTC()
			if it.before == nil && n.Created.IsZero() {
				n.Created = n.Modified
			}
		}
		if dirty {
			ch := number.Change{Before: it.before, After: n}
			if n.State == number.Deleted {
				ch.After = nil
			}
			changes = append(changes, ch)
		}
		ready = append(ready, it)
		if !dirty && op.DryRun {
			b.res.Succeeded = append(b.res.Succeeded, n)
		}
	}
	if op.DryRun {
		for _, it := range ready {
			if changed(it.before, it.n) {
				b.res.Succeeded = append(b.res.Succeeded, it.n)
			}
		}
		if m.billing != nil && len(changes) > 0 {
			q, err := m.billing.Quote(ctx, changes)
			if err != nil {
				for _, it := range ready {
					b.res.fail(it.key, err)
				}
				b.res.Succeeded = nil
				b.res.pricingErr = err
				return
			}
			if len(q) > 0 {
				b.res.Charges = q
			}
		}
		sortNumbers(b.res.Succeeded)
		return
	}

	var written []number.Change
	for _, it := range ready {
		if !changed(it.before, it.n) {
			// Nothing to write, as in Kazoo, but the reply still says the
			// number is so: confirm it is durably stored as read.
			if err := m.confirm(ctx, it); err != nil {
				b.res.fail(it.key, err)
				continue
			}
			b.res.Succeeded = append(b.res.Succeeded, it.n)
			continue
		}
		if err := m.write(ctx, it); err != nil {
			b.res.fail(it.key, err)
			continue
		}
		b.res.Succeeded = append(b.res.Succeeded, it.n)
		ch := number.Change{Before: it.before, After: it.n}
		if it.n.State == number.Deleted {
			ch.After = nil
		}
		written = append(written, ch)
	}
	if m.billing != nil && len(written) > 0 {
		m.recordCharges(ctx, op, written)
	}
	sortNumbers(b.res.Succeeded)
}

// NumberConfirmer is an optional store capability: ConfirmNumber succeeds
// only once the number is durably stored at the given version — on
// PostgreSQL, a conditional update that changes nothing, in a transaction
// whose commit waits for the synchronous standbys like any write. It fails
// KindConflict when the number is at another version (KindNotFound when
// gone).
//
// Why: a request that changes nothing (activating a number the account
// already has, an update with the values already stored) answers success
// from what it read. After a crash of the primary, what it read may be a
// commit that reached the primary's disk but no standby — visible once the
// crashed server restarts, until the failover rewinds it. An activation
// retried after a lost reply would then be acknowledged from the
// doomed commit, and the number sold again on the promoted standby (the
// failover test in scripts/ha found exactly this). A write carries its
// own check (conditional on the version, committed durably); a no-op needs
// this one. Stores without replicas (SQLite) need not implement it.
type NumberConfirmer interface {
	ConfirmNumber(ctx context.Context, e164 string, version int64) error
}

// confirm makes sure a number a request leaves unchanged is durably stored
// as the request read it, when the store can tell.
func (m *Manager) confirm(ctx context.Context, it *item) error {
	c, ok := m.store.(NumberConfirmer)
	if !ok || it.before == nil {
		return nil
	}
	return c.ConfirmNumber(ctx, it.before.Number, it.before.Version)
}

// write persists one item: insert when new, delete when deleted, else a
// conditional update on the version read.
func (m *Manager) write(ctx context.Context, it *item) error {
	n := it.n
	defer m.numbers.forget(n.Number)
	switch {
	case n.State == number.Deleted && it.before == nil:
		return nil
	case n.State == number.Deleted:
		return m.store.DeleteNumber(ctx, n.Number, it.before.Version)
	case it.before == nil:
		return m.store.InsertNumber(ctx, n)
	default:
		n.Version = it.before.Version
		return m.store.UpdateNumber(ctx, n)
	}
}

func sortNumbers(ns []*number.Number) {
	slices.SortFunc(ns, func(a, b *number.Number) int { return strings.Compare(a.Number, b.Number) })
}
