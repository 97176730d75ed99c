package manager

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
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
	if b.needsRehearsal {
		b.res.needsRehearsal = true
		return
	}
	if op.DryRun {
		for _, it := range ready {
			if changed(it.before, it.n) {
				b.res.Succeeded = append(b.res.Succeeded, it.n)
			}
		}
		if m.billing != nil && len(changes) > 0 {
			q, err := m.billing.Quote(billing.WithPlans(ctx, op.plans), changes)
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

	// Price what the real run writes, once, before anything is written:
	// each number's charges are written in its own write's transaction.
	// When a carrier or provider already acted for a number, the buyer
	// going away must not stop its write, nor the pricing it needs.
	pctx := ctx
	for _, it := range ready {
		if it.purchased || it.providerActed {
			pctx = context.WithoutCancel(ctx)
		}
	}
	var entries map[string]*store.LedgerEntry
	if m.billing != nil && len(changes) > 0 {
		q, err := m.billing.Quote(billing.WithPlans(pctx, op.plans), changes)
		if op.unrehearsed && (err != nil || (len(q) > 0 && len(items) > 1 && m.billing.CheckCredit(pctx, q) != nil)) {
			// Unrehearsed, nothing written yet: a pricing failure, or
			// several numbers the account cannot pay for all at once. The
			// rehearsal refuses them as it always has.
			b.res.needsRehearsal = true
			return
		}
		if err == nil {
			entries, err = q.Entries(op.RequestID, m.now().UTC())
		}
		if err != nil {
			for _, it := range ready {
				if changed(it.before, it.n) {
					b.res.fail(it.key, err)
				} else {
					b.res.Succeeded = append(b.res.Succeeded, it.n)
				}
			}
			sortNumbers(b.res.Succeeded)
			return
		}
	}
	ready = m.writeNewInBatches(ctx, b, ready, entries, op.assumeNew)
	for _, it := range ready {
		wctx := ctx
		if it.purchased || it.providerActed {
			// The carrier sold it, or a provider carried something out for
			// it: record it even if the buyer went away.
			wctx = context.WithoutCancel(ctx)
		}
		if !changed(it.before, it.n) {
			// Nothing to write, as in Kazoo, but the reply still says the
			// number is so: confirm it is durably stored as read.
			if err := m.confirm(wctx, it); err != nil {
				b.res.fail(it.key, err)
				continue
			}
			b.res.Succeeded = append(b.res.Succeeded, it.n)
			continue
		}
		if err := m.write(wctx, it, entries[it.key]); err != nil {
			if it.purchased {
				m.log.ErrorContext(ctx, "recording a purchase failed; left for reconciliation",
					"number", it.key, "err", err, "request_id", op.RequestID)
				err = pendingError(it.key, err)
			}
			b.res.fail(it.key, err)
			continue
		}
		b.res.Succeeded = append(b.res.Succeeded, it.n)
	}
	reportFeatureErrors(b, ready)
	sortNumbers(b.res.Succeeded)
}

// confirm makes sure a number a request leaves unchanged is durably stored
// as the request read it (store.Numbers.ConfirmNumber says why).
func (m *Manager) confirm(ctx context.Context, it *item) error {
	if it.before == nil {
		return nil
	}
	return m.store.ConfirmNumber(ctx, it.before.Number, it.before.Version)
}

// write persists one item in one transaction: the number (inserted when
// new, deleted when deleted, else updated conditionally on the version
// read), its ledger entry (which debits the account's credit, or fails the
// write with not_enough_credit), the release of the credit held for its
// purchase, and the disconnect it owes a carrier. All of it commits, or
// none of it: a charge is never lost, and never made for a write that did
// not happen.
func (m *Manager) write(ctx context.Context, it *item, entry *store.LedgerEntry) error {
	n := it.n
	defer m.numbers.forget(n.Number)
	if n.State == number.Deleted && it.before == nil {
		return nil
	}
	features := featureEvents(ctx, it.before, n)
	if u, ok := m.store.(store.NumberUpdater); ok && len(features) == 0 && plainUpdate(it, entry) {
		owner := ""
		if n.AssignedTo != "" && it.before.AssignedTo != n.AssignedTo {
			owner = n.AssignedTo
		}
		n.Version = it.before.Version
		err := u.UpdateNumberFrom(ctx, it.before, n, owner)
		if errors.Is(err, store.ErrOwnerNotFound) {
			return noSuchOwner(n)
		}
		return err
	}
	return m.store.InTx(ctx, func(tx store.Tx) error {
		if n.State != number.Deleted && n.AssignedTo != "" && (it.before == nil || it.before.AssignedTo != n.AssignedTo) {
			// The new owner must exist, and stays until this commits:
			// nothing is ever owned by a missing account.
			if err := tx.LockAccount(ctx, n.AssignedTo); err != nil {
				if number.IsKind(err, number.KindNotFound) {
					return noSuchOwner(n)
				}
				return err
			}
		}
		var err error
		switch {
		case n.State == number.Deleted:
			err = tx.DeleteNumber(ctx, n.Number, it.before.Version)
		case it.before == nil:
			err = tx.InsertNumber(ctx, n)
		default:
			n.Version = it.before.Version
			err = tx.UpdateNumber(ctx, n)
		}
		if err != nil {
			return err
		}
		es := features
		if n.State == number.Deleted {
			es = nil
		}
		if it.purchased && it.before != nil {
			es = append(es, purchaseEvent(ctx, event.PurchaseCompleted, it.before))
		}
		if err := tx.AppendEvents(ctx, es); err != nil {
			return err
		}
		if it.before != nil {
			if err := releaseHoldOf(ctx, tx, it.before); err != nil {
				return err
			}
		}
		if entry != nil {
			if err := tx.AppendLedger(ctx, []*store.LedgerEntry{entry}); err != nil {
				return err
			}
		}
		if it.disconnect {
			return tx.QueueDisconnect(ctx, m.pendingDisconnect(it.before))
		}
		return nil
	})
}

// plainUpdate says an item's write is an update of the number with its
// event and nothing else (no charge, no purchase event, no credit hold to
// release, no disconnect owed; the caller checks it has no feature
// event): what a store.NumberUpdater writes at once.
func plainUpdate(it *item, entry *store.LedgerEntry) bool {
	if it.before == nil || it.n.State == number.Deleted || entry != nil || it.disconnect || it.purchased {
		return false
	}
	p, ok := purchaseOf(it.before)
	return !ok || p.HoldID == ""
}

// noSuchOwner is the failure of a write giving n to an account that does
// not exist.
func noSuchOwner(n *number.Number) error {
	return &number.Error{Kind: number.KindAssignFailure, Number: n.Number, Cause: "account " + n.AssignedTo + " does not exist"}
}

func sortNumbers(ns []*number.Number) {
	slices.SortFunc(ns, func(a, b *number.Number) int { return strings.Compare(a.Number, b.Number) })
}

// insertBatch is how many new numbers one transaction of
// writeNewInBatches inserts.
const insertBatch = 1000

// writeNewInBatches writes the new numbers among items that need nothing
// but their insert (no purchase, no provider call, no disconnect: a bulk
// creation, numan numbers import) insertBatch at a time, each batch in one
// transaction with its events and ledger entries: the store's bulk insert
// (COPY on PostgreSQL) instead of a transaction per number (issue 13). A
// batch that fails is left to the caller's write per number, which names
// each number's own error. It returns the items still to write.
func (m *Manager) writeNewInBatches(ctx context.Context, b *batch, items []*item, entries map[string]*store.LedgerEntry, assumedNew bool) []*item {
	var fresh, rest []*item
	for _, it := range items {
		if it.before == nil && it.n.State != number.Deleted && !it.purchased && !it.providerActed && !it.disconnect {
			fresh = append(fresh, it)
		} else {
			rest = append(rest, it)
		}
	}
	if len(fresh) < 2 {
		return items
	}
	for start := 0; start < len(fresh); start += insertBatch {
		chunk := fresh[start:min(start+insertBatch, len(fresh))]
		if err := m.writeBatch(ctx, chunk, entries); err != nil {
			if assumedNew && number.IsKind(err, number.KindNumberExists) {
				// Nothing of the batch was written: its numbers are
				// created again by a Create that reads them.
				for _, it := range chunk {
					b.res.retry = append(b.res.retry, it.key)
				}
				continue
			}
			rest = append(rest, chunk...)
			continue
		}
		for _, it := range chunk {
			b.res.Succeeded = append(b.res.Succeeded, it.n)
		}
	}
	return rest
}

// writeBatch inserts new numbers in one transaction, as write does each.
func (m *Manager) writeBatch(ctx context.Context, items []*item, entries map[string]*store.LedgerEntry) error {
	ns := make([]*number.Number, len(items))
	for i, it := range items {
		ns[i] = it.n
		m.numbers.forget(it.n.Number)
	}
	// Encoded before the transaction where the store can: on SQLite the
	// transaction holds the only writer, which other batches wait for.
	insert := func(ctx context.Context, tx store.Tx) error { return tx.InsertNumbers(ctx, ns) }
	if p, ok := m.store.(store.NumberPreparer); ok {
		prepared, err := p.PrepareNumbers(ctx, ns)
		if err != nil {
			return err
		}
		insert = prepared.Insert
	}
	err := m.store.InTx(ctx, func(tx store.Tx) error {
		locked := map[string]bool{}
		for _, n := range ns {
			if n.AssignedTo == "" || locked[n.AssignedTo] {
				continue
			}
			if err := tx.LockAccount(ctx, n.AssignedTo); err != nil {
				return err
			}
			locked[n.AssignedTo] = true
		}
		if err := insert(ctx, tx); err != nil {
			return err
		}
		var es []*event.Event
		var ledger []*store.LedgerEntry
		for _, n := range ns {
			es = append(es, featureEvents(ctx, nil, n)...)
			if e := entries[n.Number]; e != nil {
				ledger = append(ledger, e)
			}
		}
		if err := tx.AppendEvents(ctx, es); err != nil {
			return err
		}
		if len(ledger) > 0 {
			return tx.AppendLedger(ctx, ledger)
		}
		return nil
	})
	if err != nil {
		for _, n := range ns {
			n.Version = 0
		}
	}
	return err
}
