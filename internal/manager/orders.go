package manager

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"maps"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// detailsKey is the key of a remembered search result's carrier data under
// which its details are kept, so that a later page shows them and a number
// bought from the search keeps its locality. It never reaches a carrier.
const detailsKey = "numan_search_details"

// discovered is f as the discovery table keeps it.
func discovered(f Found) store.Discovered {
	cd := f.CarrierData
	if !f.Details.IsZero() {
		cd = cd.Clone()
		cd.Set(detailsKey, f.Details)
	}
	return store.Discovered{Number: f.Number, Carrier: f.Carrier, State: f.State, CarrierData: cd}
}

// fromDiscovered is a remembered result as the search found it: its
// details apart from the carrier data it came with.
func fromDiscovered(d store.Discovered) Found {
	f := Found{Number: d.Number, State: d.State, Carrier: d.Carrier, CarrierData: d.CarrierData}
	if raw, ok := d.CarrierData[detailsKey]; ok {
		_ = json.Unmarshal(raw, &f.Details) // unreadable details are none
		f.CarrierData = d.CarrierData.Clone()
		delete(f.CarrierData, detailsKey)
	}
	return f
}

// rememberSearch keeps a search's merged results for paging and buying.
func (m *Manager) rememberSearch(ctx context.Context, cfg number.Config, req SearchRequest, found []Found) error {
	if req.QueryID == "" {
		return nil
	}
	ttl := discoveryTTL(cfg)
	ds := make([]store.Discovered, len(found))
	for i, f := range found {
		ds[i] = discovered(f)
	}
	sum := discoveredSum(ds)
	now := m.now()
	if prev, ok := m.remembered.Load(req.QueryID); ok {
		// The same answer written recently is still there, valid for at
		// least half its life: rewriting it would only cost a write.
		if p := prev.(rememberedSearch); p.sum == sum && now.Sub(p.at) < min(ttl/2, time.Minute) {
			return nil
		}
	}
	if err := m.store.RememberSearch(ctx, req.QueryID, ds, now.Add(ttl)); err != nil {
		return err
	}
	m.remembered.Store(req.QueryID, rememberedSearch{sum: sum, at: now})
	return nil
}

// rememberedSearch is what this node last wrote for a query id.
type rememberedSearch struct {
	sum uint64
	at  time.Time
}

// discoveredSum fingerprints a search's merged results, as remembered.
func discoveredSum(found []store.Discovered) uint64 {
	h := fnv.New64a()
	for _, f := range found {
		h.Write([]byte(f.Number))
		h.Write([]byte{0})
		h.Write([]byte(f.Carrier))
		h.Write([]byte{0})
		h.Write([]byte(f.State))
		h.Write([]byte{0})
		for _, k := range f.CarrierData.Keys() {
			h.Write([]byte(k))
			h.Write(f.CarrierData[k])
		}
		h.Write([]byte{1})
	}
	return h.Sum64()
}

func discoveryTTL(cfg number.Config) time.Duration {
	if cfg.DiscoveryExpiryS <= 0 {
		return 24 * time.Hour
	}
	return time.Duration(cfg.DiscoveryExpiryS) * time.Second
}

// recallSearch serves a later page of a search from the remembered results.
func (m *Manager) recallSearch(ctx context.Context, req SearchRequest, quantity int) (*SearchResponse, bool) {
	if req.QueryID == "" || req.Offset == 0 {
		return nil, false
	}
	page, total, ok, err := m.store.RecallSearch(ctx, req.QueryID, m.now(), req.Offset, quantity)
	if err != nil || !ok {
		return nil, false
	}
	resp := &SearchResponse{Failed: map[string]string{}, Total: total}
	for _, d := range page {
		resp.Numbers = append(resp.Numbers, fromDiscovered(d))
	}
	return resp, true
}

// discoverNumber returns the discovery record of a number a carrier offered
// in a recent search.
func (m *Manager) discoverNumber(ctx context.Context, e164 string) (*number.Number, error) {
	d, err := m.store.DiscoveredNumber(ctx, e164, m.now())
	if err != nil {
		return nil, err
	}
	if d.State != number.Discovery {
		// Numbers already in Numan's inventory are stored; nothing to discover.
		return nil, number.NewError(number.KindNotFound, e164)
	}
	f := fromDiscovered(*d)
	n := number.New(e164, number.Discovery, d.Carrier, m.now().UTC())
	n.CarrierData = f.CarrierData.Clone()
	// Where the carrier said the number is becomes its locality (a
	// locality the carrier reports when it sells the number wins).
	n.Locality = f.Details.LocalityDoc()
	return n, nil
}

// Retry delays of failed carrier releases: doubling from a minute, capped at
// six hours; a release is retried until it succeeds.
const (
	firstDisconnectRetry = time.Minute
	maxDisconnectRetry   = 6 * time.Hour
)

func disconnectDelay(attempts int) time.Duration {
	d := firstDisconnectRetry
	for i := 1; i < attempts && d < maxDisconnectRetry; i++ {
		d *= 2
	}
	return min(d, maxDisconnectRetry)
}

// pendingDisconnect is the retry record of giving n back to its carrier,
// written with the release (or deletion) that owes it. Its first attempt is
// made right after the write; the retry job takes over if that fails.
func (m *Manager) pendingDisconnect(n *number.Number) store.PendingDisconnect {
	return store.PendingDisconnect{
		Number: n.Number, Carrier: n.ModuleName, CarrierData: n.CarrierData.Clone(),
		NextAttempt: m.now().Add(disconnectDelay(1)),
	}
}

// callDisconnect asks a carrier to take a number back, on its own deadline.
// A carrier that says it does not have the number (not found) has it back
// already: that is a success.
func (m *Manager) callDisconnect(ctx context.Context, d store.PendingDisconnect) error {
	c, err := m.carriers.Get(ctx, d.Carrier)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), carrierDeadline)
	defer cancel()
	n := number.New(d.Number, number.Released, d.Carrier, m.now().UTC())
	n.CarrierData = d.CarrierData
	err = c.Disconnect(cctx, n)
	if err != nil && carrier.ClassOf(err) == carrier.NotFound {
		return nil
	}
	return err
}

// finishDisconnect makes the disconnect a write queued for number n (in
// state released, or deleted) and settles it: confirmed, the queued record
// goes and so does the released number's record (conditional on its
// version: gone reports that); failed, the retry is rescheduled.
func (m *Manager) finishDisconnect(ctx context.Context, n *number.Number) (gone bool, err error) {
	ctx = context.WithoutCancel(ctx)
	d := m.pendingDisconnect(n)
	err = m.callDisconnect(ctx, d)
	if errors.Is(err, carrier.ErrKept) {
		return false, m.keptAtCarrier(ctx, d, n)
	}
	if err != nil {
		d.Attempts = 1
		d.LastError = number.AsError(err).Error()
		if qerr := m.store.QueueDisconnect(ctx, d); qerr != nil {
			return false, errors.Join(err, qerr)
		}
		return false, err
	}
	return m.disconnected(ctx, d.Number, n)
}

// keptAtCarrier records that the carrier keeps a number Numan meant to give
// back (carrier.ErrKept): the retry record goes, and a released number goes
// back to the pool (released_state), since the operator still holds it. A
// deleted number's record is gone: the carrier audit finds it.
func (m *Manager) keptAtCarrier(ctx context.Context, d store.PendingDisconnect, released *number.Number) error {
	m.log.WarnContext(ctx, "provisioning is off: the number stays at its carrier", "number", d.Number, "carrier", d.Carrier)
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return err
	}
	defer m.numbers.forget(d.Number)
	return m.store.InTx(ctx, func(tx store.Tx) error {
		n := released
		if n == nil {
			cur, err := tx.GetNumber(ctx, d.Number)
			if err != nil && !number.IsKind(err, number.KindNotFound) {
				return err
			}
			n = cur
		}
		if n != nil && n.State == number.Released {
			back := n.Clone()
			back.State = cfg.ReleasedState
			if back.State == "" || back.State == number.Released {
				back.State = number.Available
			}
			back.Modified = m.now().UTC()
			if err := tx.UpdateNumber(ctx, back); err != nil {
				return err
			}
			*n = *back
		}
		if err := tx.DeleteDisconnect(ctx, d.Number); err != nil && !number.IsKind(err, number.KindNotFound) {
			return err
		}
		return nil
	})
}

// disconnected records that the carrier took number e164 back: the retry
// record goes and, when the number is still stored as released (released
// is as given, or nil to read it), its record goes too, in one transaction.
func (m *Manager) disconnected(ctx context.Context, e164 string, released *number.Number) (gone bool, err error) {
	defer m.numbers.forget(e164)
	err = m.store.InTx(ctx, func(tx store.Tx) error {
		n := released
		if n == nil {
			cur, err := tx.GetNumber(ctx, e164)
			if err != nil && !number.IsKind(err, number.KindNotFound) {
				return err
			}
			n = cur
		}
		if n != nil && n.State == number.Released && !unsettledFeatures(n) {
			if err := tx.DeleteNumber(ctx, e164, n.Version); err != nil {
				return err
			}
			gone = true
		}
		if err := tx.DeleteDisconnect(ctx, e164); err != nil && !number.IsKind(err, number.KindNotFound) {
			return err
		}
		return nil
	})
	if number.IsKind(err, number.KindConflict) {
		// The number changed meanwhile (an admin deleted it): the retry
		// record is settled on the next run.
		return false, nil
	}
	return gone, err
}

// unsettledFeatures reports whether a feature provider may still hold
// something for n (a deprovision that failed): its record must stay until
// the feature job settles it (SettleFeatures then drops a released number).
func unsettledFeatures(n *number.Number) bool {
	for _, rec := range feature.Records(n) {
		if rec.Unsettled {
			return true
		}
	}
	return false
}

// RetryDisconnects retries the carrier releases that are due and returns
// how many succeeded. A release whose number was bought again meanwhile is
// dropped: the number is ours again.
func (m *Manager) RetryDisconnects(ctx context.Context) (int, error) {
	due, err := m.store.DueDisconnects(ctx, m.now(), 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, d := range due {
		if n, err := m.store.GetNumber(ctx, d.Number); err == nil && n.State != number.Released && n.ModuleName == d.Carrier {
			// Bought (or put back in the pool) again since: ours again.
			if err := m.store.DeleteDisconnect(ctx, d.Number); err != nil && !number.IsKind(err, number.KindNotFound) {
				return done, err
			}
			continue
		}
		err := m.callDisconnect(ctx, d)
		if errors.Is(err, carrier.ErrKept) {
			if err := m.keptAtCarrier(ctx, d, nil); err != nil {
				return done, err
			}
			continue
		}
		if err != nil {
			d.Attempts++
			d.NextAttempt = m.now().Add(disconnectDelay(d.Attempts))
			d.LastError = number.AsError(err).Error()
			if err := m.store.QueueDisconnect(ctx, d); err != nil {
				return done, err
			}
			continue
		}
		if _, err := m.disconnected(ctx, d.Number, nil); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// purchase is the intent recorded before a carrier is asked to buy: who
// buys, and what the purchase will be charged, so that whoever settles it
// (the buyer's request, a background completion, reconciliation on any
// node) records the same number and the same charge, once.
type purchase struct {
	Account   string `json:"account"`
	AuthBy    string `json:"auth_by"`
	RequestID string `json:"request_id"`
	At        int64  `json:"at"`
	// Charge is the ledger entry the purchase makes when recorded (nil when
	// it costs nothing today).
	Charge *store.LedgerEntry `json:"charge,omitempty"`
	// HoldID is the credit held for Charge until the purchase is settled
	// ("" when the account has no prepaid credit to hold).
	HoldID string `json:"hold_id,omitempty"`
}

// purchaseOf reads the purchase intent of a claimed number.
func purchaseOf(n *number.Number) (purchase, bool) {
	var p purchase
	raw, ok := n.CarrierData[PurchaseKey]
	if !ok || json.Unmarshal(raw, &p) != nil {
		return p, false
	}
	return p, true
}

// ReconcileReport says what reconciliation settled.
type ReconcileReport struct {
	Recorded []string // bought at the carrier: now recorded in service for the buyer
	Dropped  []string // not held at the carrier: the intent was removed
	Pending  []string // could not be settled now (carrier unreachable); tried again next time
}

// Reconcile settles purchases interrupted between the carrier's answer and
// Numan's write (a crash, a timeout). Each purchase intent older than
// olderThan is checked with the carrier: a number it holds is recorded in
// service for the buyer, with the charge the purchase would have made,
// exactly once (conditional write); one it does not hold is forgotten. A
// carrier that cannot say whether it holds a number is assumed to have sold
// it, so a number Numan may pay for is never lost.
func (m *Manager) Reconcile(ctx context.Context, olderThan time.Duration) (ReconcileReport, error) {
	var rep ReconcileReport
	claims, err := m.store.SearchNumbers(ctx, store.SearchQuery{States: []number.State{number.Discovery}})
	if err != nil {
		return rep, err
	}
	cutoff := m.now().Add(-olderThan).Unix()
	for _, n := range claims {
		p, ok := purchaseOf(n)
		if !ok || p.At > cutoff {
			continue
		}
		held := true
		if c, err := m.carriers.Get(ctx, n.ModuleName); err == nil {
			if h, ok := c.(carrier.Holder); ok {
				cctx, cancel := context.WithTimeout(ctx, carrierDeadline)
				held, err = h.Holds(cctx, n.Number)
				cancel()
				if err != nil {
					rep.Pending = append(rep.Pending, n.Number)
					continue
				}
			}
		}
		if !held {
			if err := m.abandonPurchase(ctx, n); err == nil {
				rep.Dropped = append(rep.Dropped, n.Number)
			}
			continue
		}
		if _, err := m.completePurchase(ctx, n, carrier.Acquired{}, event.PurchaseSettled); err != nil {
			if number.IsKind(err, number.KindConflict) || number.IsKind(err, number.KindNotFound) {
				continue // another node settled it
			}
			return rep, err
		}
		m.log.InfoContext(ctx, "reconciled an interrupted purchase", "number", n.Number, "account", p.Account)
		rep.Recorded = append(rep.Recorded, n.Number)
	}
	return rep, nil
}

// completePurchase records a purchase the carrier made: the claimed number
// in service for its buyer, with what the carrier reported, and the charge
// the purchase carried, in one transaction conditional on the claim's
// version, so a purchase is recorded and charged once however many settle
// it.
func (m *Manager) completePurchase(ctx context.Context, claim *number.Number, got carrier.Acquired, typ string) (*number.Number, error) {
	p, ok := purchaseOf(claim)
	if !ok {
		return nil, &number.Error{Kind: number.KindConflict, Number: claim.Number, Cause: "no purchase to complete"}
	}
	done := claim.Clone()
	delete(done.CarrierData, PurchaseKey)
	maps.Copy(done.CarrierData, got.CarrierData)
	if len(got.Locality) > 0 {
		done.Locality = got.Locality
	}
	done.State = number.InService
	done.SetAssignedTo(p.Account)
	done.Modified = m.now().UTC()
	defer m.numbers.forget(claim.Number)
	err := m.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.UpdateNumber(ctx, done); err != nil {
			return err
		}
		if err := tx.AppendEvents(ctx, []*event.Event{purchaseEvent(ctx, typ, claim)}); err != nil {
			return err
		}
		if err := releaseHoldOf(ctx, tx, claim); err != nil {
			return err
		}
		if p.Charge != nil {
			entry := *p.Charge
			entry.ID = 0
			entry.Created = m.now().UTC()
			return tx.AppendLedger(ctx, []*store.LedgerEntry{&entry})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// abandonPurchase removes the intent of a purchase the carrier did not
// make, and the credit it held, conditional on the claim's version.
func (m *Manager) abandonPurchase(ctx context.Context, claim *number.Number) error {
	defer m.numbers.forget(claim.Number)
	return m.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteNumber(ctx, claim.Number, claim.Version); err != nil {
			return err
		}
		if err := tx.AppendEvents(ctx, []*event.Event{purchaseEvent(ctx, event.PurchaseFailed, claim)}); err != nil {
			return err
		}
		return releaseHoldOf(ctx, tx, claim)
	})
}

// releaseHoldOf releases the credit held by the purchase intent n carries,
// if any, inside tx: the purchase is being settled, and its charge (if it
// was made) is debited in the same transaction.
func releaseHoldOf(ctx context.Context, tx store.Tx, n *number.Number) error {
	p, ok := purchaseOf(n)
	if !ok || p.HoldID == "" {
		return nil
	}
	return tx.ReleaseHold(ctx, p.HoldID)
}

// AgeNumbers moves aging numbers older than aging_expiry_d back to
// available, as Kazoo's crawler does, and returns how many.
func (m *Manager) AgeNumbers(ctx context.Context) (int, error) {
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil {
		return 0, err
	}
	aging, err := m.store.SearchNumbers(ctx, store.SearchQuery{States: []number.State{number.Aging}})
	if err != nil {
		return 0, err
	}
	cutoff := m.now().Add(-time.Duration(cfg.AgingExpiryD) * 24 * time.Hour)
	moved := 0
	for _, n := range aging {
		if n.Modified.After(cutoff) {
			continue
		}
		it := &item{key: n.Number, n: n.Clone(), before: n}
		it.n.State = number.Available
		// A carrier whose policy disconnects released numbers takes this
		// one back now that aging is over.
		m.planDisconnect(ctx, it)
		it.n.Modified = m.now().UTC()
		if err := m.write(ctx, it, nil); err != nil {
			continue
		}
		moved++
		if it.disconnect {
			if _, err := m.finishDisconnect(ctx, it.n); err != nil {
				m.log.WarnContext(ctx, "carrier release after aging failed; will retry", "number", n.Number, "err", err)
			}
		}
	}
	return moved, nil
}

// PurgeDiscovery drops expired search results.
func (m *Manager) PurgeDiscovery(ctx context.Context) (int, error) {
	return m.store.PurgeDiscovery(ctx, m.now())
}
