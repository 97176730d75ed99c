package manager

import (
	"context"
	"crypto/rand"
	"maps"
	"strings"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// PurchaseKey is the carrier-data key under which a purchase in progress is
// recorded. A number stored in discovery with this key was claimed by a
// buyer whose carrier call has not been settled: reconciliation asks the
// carrier whether it holds the number.
const PurchaseKey = "numan_purchase"

// acquired is what a carrier answered to a purchase.
type acquired struct {
	got carrier.Acquired
	err error
}

// acquire buys an item's number at its carrier. Before the carrier is asked,
// the purchase intent is written (a conditional insert or update of the
// number in discovery state), so of two concurrent buyers exactly one
// reaches the carrier, and a crash between the carrier's "bought" and the
// final write leaves a record reconciliation settles.
//
// The carrier call runs on the purchase's own deadline, detached from ctx:
// a carrier that sold the number must be recorded even if the client went
// away. When ctx ends first, the buyer is told the purchase is pending and
// the call goes on in the background, where its outcome is settled as
// reconciliation would settle it. Only a definite refusal from the carrier
// removes the intent; any other failure (timeout, transport error, a 5xx
// after the request was sent, a reply that cannot be read) leaves it for
// reconciliation and answers purchase_pending.
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

	claim, err := m.claimPurchase(ctx, it, op)
	if err != nil {
		return err
	}
	it.before = claim

	timeout := m.carriers.Policy(ctx, it.n.ModuleName).PurchaseTimeout()
	done := make(chan acquired, 1)
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	buying := it.n.Clone()
	m.purchases.Add(1)
	go func() {
		defer m.purchases.Done()
		defer cancel()
		got, err := c.Acquire(bctx, buying)
		done <- acquired{got, err}
	}()

	var res acquired
	select {
	case res = <-done:
	case <-ctx.Done():
		// The buyer went away (or its deadline passed) while the carrier
		// is still deciding: finish in the background.
		m.purchases.Add(1)
		go func() {
			defer m.purchases.Done()
			m.settleDetached(claim, <-done)
		}()
		it.before = nil
		return pendingError(it.key, context.Cause(ctx))
	}
	if res.err != nil {
		if !carrier.IsDefiniteRefusal(res.err) {
			// The carrier may have sold it: keep the intent.
			m.log.WarnContext(ctx, "purchase outcome unknown; left for reconciliation",
				"number", claim.Number, "carrier", claim.ModuleName, "err", res.err)
			it.before = nil
			return pendingError(it.key, res.err)
		}
		// The carrier did not sell it: take the claim back so the number is
		// as it was (and not left assigned).
		m.dropClaim(context.WithoutCancel(ctx), claim)
		it.before = nil
		return res.err
	}
	cd := it.n.CarrierData.Clone()
	delete(cd, PurchaseKey)
	maps.Copy(cd, res.got.CarrierData)
	it.n.CarrierData = cd
	if len(res.got.Locality) > 0 {
		it.n.Locality = res.got.Locality
	}
	it.n.Created = claim.Created
	it.purchased = true
	return nil
}

// claimPurchase writes the purchase intent: the number in discovery state
// with PurchaseKey, inserted or updated on the version read, so only one
// buyer reaches the carrier.
func (m *Manager) claimPurchase(ctx context.Context, it *item, op Op) (*number.Number, error) {
	claim := it.n.Clone()
	if it.before != nil {
		if _, pending := it.before.CarrierData[PurchaseKey]; pending {
			// Another request is buying it right now (or crashed doing so:
			// reconciliation settles that).
			return nil, &number.Error{Kind: number.KindConflict, Number: it.key, Cause: "purchase in progress"}
		}
		claim = it.before.Clone()
	}
	claim.State = number.Discovery
	claim.CarrierData = claim.CarrierData.Clone()
	p := purchase{
		Account:   op.AssignTo,
		AuthBy:    op.AuthBy.String(),
		RequestID: op.RequestID,
		At:        m.now().UTC().Unix(),
	}
	var hold *store.Hold
	if op.quote != nil {
		entries, err := op.quote.Entries(op.RequestID, m.now().UTC())
		if err != nil {
			return nil, err
		}
		if e := entries[it.key]; e != nil {
			p.Charge = e
			hold = &store.Hold{ID: newHoldID(), AccountID: e.AccountID, AmountMinor: e.AmountMinor,
				Currency: e.Currency, Number: it.key, RequestID: op.RequestID, Created: m.now().UTC()}
		}
	}
	claim.Modified = m.now().UTC()
	defer m.numbers.forget(claim.Number)
	if claim.Created.IsZero() {
		claim.Created = claim.Modified
	}
	if it.before != nil {
		claim.Version = it.before.Version
	}
	// The intent and the credit it holds are written together: a purchase
	// never reaches the carrier without its money set aside, and money is
	// never held for a purchase nobody will settle.
	err := m.store.InTx(ctx, func(tx store.Tx) error {
		if hold != nil {
			held, err := tx.PlaceHold(ctx, hold)
			if err != nil {
				return err
			}
			if held {
				p.HoldID = hold.ID
			}
		}
		claim.CarrierData.Set(PurchaseKey, p)
		write := tx.UpdateNumber
		if it.before == nil {
			write = tx.InsertNumber
		}
		if err := write(ctx, claim); err != nil {
			return err
		}
		return tx.AppendEvents(ctx, []*event.Event{purchaseEvent(ctx, event.PurchasePending, claim)})
	})
	if err != nil {
		return nil, number.WithNumber(err, it.key)
	}
	return claim, nil
}

// newHoldID returns a random id for a credit hold.
func newHoldID() string { return "hold_" + strings.ToLower(rand.Text()) }

// dropClaim removes a purchase intent the carrier definitely refused.
func (m *Manager) dropClaim(ctx context.Context, claim *number.Number) {
	if err := m.abandonPurchase(ctx, claim); err != nil {
		m.log.ErrorContext(ctx, "removing a refused purchase claim", "number", claim.Number, "err", err)
	}
}

// settleDetached settles a purchase whose buyer stopped waiting: bought,
// it is recorded for the buyer as reconciliation would record it; refused,
// the intent goes; otherwise the intent stays for reconciliation.
func (m *Manager) settleDetached(claim *number.Number, res acquired) {
	ctx := context.Background()
	switch {
	case res.err == nil:
		if _, err := m.completePurchase(ctx, claim, res.got, event.PurchaseCompleted); err != nil {
			m.log.ErrorContext(ctx, "recording a purchase completed after its buyer left; left for reconciliation",
				"number", claim.Number, "err", err)
		}
	case carrier.IsDefiniteRefusal(res.err):
		m.dropClaim(ctx, claim)
	default:
		m.log.WarnContext(ctx, "purchase outcome unknown; left for reconciliation",
			"number", claim.Number, "carrier", claim.ModuleName, "err", res.err)
	}
}

// pendingError is the purchase_pending error of a purchase whose outcome is
// not known yet.
func pendingError(num string, cause error) error {
	return &number.Error{Kind: number.KindPurchasePending, Number: num,
		Cause: "the carrier has not confirmed the purchase; it will be settled", Err: cause}
}

// Drain waits until the purchases still running in the background are
// settled, or ctx ends. A server calls it when shutting down; tests call it
// to observe what a detached purchase recorded.
func (m *Manager) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { m.purchases.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
