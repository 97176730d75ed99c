package manager

import (
	"context"
	"reflect"
	"slices"
	"strings"

	"github.com/numan-dev/numan/number"
)

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
			if keep, err := m.applyFeatures(ctx, b, it, op); err != nil {
				if !keep {
					b.res.fail(it.key, err)
					continue
				}
				it.featureErr = err
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
		wctx := ctx
		if it.providerActed {
			// A provider carried something out for this number: its
			// record must be written even if the client hung up.
			wctx = context.WithoutCancel(ctx)
		}
		if err := m.write(wctx, it); err != nil {
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
	reportFeatureErrors(b, ready)
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
