package manager

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"time"

	"github.com/numan-dev/numan/carrier"
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

// queueDisconnect records a failed carrier release for a later retry.
func (m *Manager) queueDisconnect(ctx context.Context, n *number.Number, cause error) error {
	m.log.WarnContext(ctx, "carrier release failed; will retry", "number", n.Number, "carrier", n.ModuleName, "err", cause)
	return m.store.QueueDisconnect(ctx, store.PendingDisconnect{
		Number: n.Number, Carrier: n.ModuleName, CarrierData: n.CarrierData.Clone(),
		Attempts: 1, NextAttempt: m.now().Add(disconnectDelay(1)), LastError: number.AsError(cause).Error(),
	})
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
		if n, err := m.store.GetNumber(ctx, d.Number); err == nil && n.AssignedTo != "" && n.ModuleName == d.Carrier {
			_ = m.store.DeleteDisconnect(ctx, d.Number)
			continue
		}
		c, err := m.carriers.Get(ctx, d.Carrier)
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, carrierDeadline)
			n := number.New(d.Number, number.Available, d.Carrier, m.now())
			n.CarrierData = d.CarrierData
			err = c.Disconnect(cctx, n)
			cancel()
		}
		if err == nil {
			done++
			if err := m.store.DeleteDisconnect(ctx, d.Number); err != nil {
				return done, err
			}
			continue
		}
		d.Attempts++
		d.NextAttempt = m.now().Add(disconnectDelay(d.Attempts))
		d.LastError = number.AsError(err).Error()
		if err := m.store.QueueDisconnect(ctx, d); err != nil {
			return done, err
		}
	}
	return done, nil
}

// purchase is the intent recorded before a carrier is asked to buy.
type purchase struct {
	Account   string `json:"account"`
	AuthBy    string `json:"auth_by"`
	RequestID string `json:"request_id"`
	At        int64  `json:"at"`
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
// service for the buyer, exactly once (conditional write); one it does not
// hold is forgotten. A carrier that cannot say whether it holds a number is
// assumed to have sold it, so a number Numan may pay for is never lost.
func (m *Manager) Reconcile(ctx context.Context, olderThan time.Duration) (ReconcileReport, error) {
	var rep ReconcileReport
	claims, err := m.store.SearchNumbers(ctx, store.SearchQuery{States: []number.State{number.Discovery}})
	if err != nil {
		return rep, err
	}
	cutoff := m.now().Add(-olderThan).Unix()
	for _, n := range claims {
		raw, ok := n.CarrierData[PurchaseKey]
		if !ok {
			continue
		}
		var p purchase
		if json.Unmarshal(raw, &p) != nil || p.At > cutoff {
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
		m.numbers.forget(n.Number)
		if !held {
			if err := m.store.DeleteNumber(ctx, n.Number, n.Version); err == nil {
				rep.Dropped = append(rep.Dropped, n.Number)
			}
			continue
		}
		done := n.Clone()
		delete(done.CarrierData, PurchaseKey)
		done.State = number.InService
		done.SetAssignedTo(p.Account)
		done.Modified = m.now().UTC()
		if err := m.store.UpdateNumber(ctx, done); err != nil {
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
		next := n.Clone()
		next.State = number.Available
		next.Modified = m.now().UTC()
		m.numbers.forget(n.Number)
		if err := m.store.UpdateNumber(ctx, next); err == nil {
			moved++
		}
	}
	return moved, nil
}

// PurgeDiscovery drops expired search results.
func (m *Manager) PurgeDiscovery(ctx context.Context) (int, error) {
	return m.store.PurgeDiscovery(ctx, m.now())
}
