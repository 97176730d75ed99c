package manager

import (
	"context"
	"maps"

	"github.com/numan-dev/numan/number"
)

// PurchaseKey is the carrier-data key under which a purchase in progress is
// recorded. A number stored in discovery with this key was claimed by a
// buyer whose carrier call has not been settled: reconciliation asks the
// carrier whether it holds the number.
const PurchaseKey = "numan_purchase"

// acquire buys an item's number at its carrier. Before the carrier is asked,
// the purchase intent is written (a conditional insert or update of the
// number in discovery state), so of two concurrent buyers exactly one
// reaches the carrier, and a crash between the carrier's "bought" and the
// final write leaves a record reconciliation settles. If the carrier fails,
// the claim is removed and nothing is left half done.
func (m *Manager) acquire(ctx context.Context, b *batch, it *item, op Op) error {
	c, err := m.carriers.Get(ctx, it.n.ModuleName)
	if err != nil {
		return err
	}
	if c.Info().Local {
		// Nothing is bought from a carrier with no remote API.
		_, err := c.Acquire(ctx, it.n)
		return err
	}

	claim := it.n.Clone()
	if it.before != nil {
		if _, pending := it.before.CarrierData[PurchaseKey]; pending {
			// Another request is buying it right now (or crashed doing so:
			// reconciliation settles that).
			return &number.Error{Kind: number.KindConflict, Number: it.key, Cause: "purchase in progress"}
		}
		claim = it.before.Clone()
	}
	claim.State = number.Discovery
	claim.CarrierData = claim.CarrierData.Clone()
	claim.CarrierData.Set(PurchaseKey, map[string]any{
		"account":    op.AssignTo,
		"auth_by":    op.AuthBy.String(),
		"request_id": op.RequestID,
		"at":         m.now().UTC().Unix(),
	})
	claim.Modified = m.now().UTC()
	defer m.numbers.forget(claim.Number)
	if claim.Created.IsZero() {
		claim.Created = claim.Modified
	}
	if it.before == nil {
		err = m.store.InsertNumber(ctx, claim)
	} else {
		claim.Version = it.before.Version
		err = m.store.UpdateNumber(ctx, claim)
	}
	if err != nil {
		return err
	}
	it.before = claim

	cctx, cancel := context.WithTimeout(ctx, carrierDeadline)
	defer cancel()
	got, err := c.Acquire(cctx, it.n)
	if err != nil {
		// The carrier did not sell it: take the claim back so the number is
		// as it was (and not left assigned).
		if derr := m.store.DeleteNumber(context.WithoutCancel(ctx), claim.Number, claim.Version); derr != nil {
			m.log.ErrorContext(ctx, "removing a failed purchase claim", "number", claim.Number, "err", derr)
		}
		it.before = nil
		return err
	}
	cd := it.n.CarrierData.Clone()
	delete(cd, PurchaseKey)
	maps.Copy(cd, got.CarrierData)
	it.n.CarrierData = cd
	if len(got.Locality) > 0 {
		it.n.Locality = got.Locality
	}
	it.n.Created = claim.Created
	return nil
}

// disconnect releases a number at its carrier. An unknown carrier module is
// skipped, as Kazoo does; a failure is queued for a retry when a queue is
// configured, else it fails the release.
func (m *Manager) disconnect(ctx context.Context, n *number.Number) error {
	c, err := m.carriers.Get(ctx, n.ModuleName)
	if err != nil {
		m.log.WarnContext(ctx, "not releasing at an unknown carrier", "number", n.Number, "carrier", n.ModuleName)
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, carrierDeadline)
	defer cancel()
	if err := c.Disconnect(cctx, n); err != nil {
		return m.queueDisconnect(ctx, n, err)
	}
	return nil
}
