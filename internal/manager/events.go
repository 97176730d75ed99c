package manager

import (
	"context"
	"slices"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// The store appends a number's own events (created, moved, released, ...)
// with every write; the manager appends, in the same transaction, what the
// store cannot see: purchases and feature provisioning.

// purchaseEvent returns a purchase event of type typ about claim.
func purchaseEvent(ctx context.Context, typ string, claim *number.Number) *event.Event {
	p, _ := purchaseOf(claim)
	data := map[string]any{"carrier": claim.ModuleName, "account_id": p.Account, "purchase_request_id": p.RequestID}
	if p.Charge != nil {
		data["amount_minor"], data["currency"] = p.Charge.AmountMinor, p.Charge.Currency
	}
	return event.New(ctx, typ, p.Account, claim.Number, data)
}

// featureEvents returns the feature events of a write from before to
// after: a feature whose provider record changed to active is
// provisioned; one that changed to an error or invalid status, or was
// left unsettled, failed.
func featureEvents(ctx context.Context, before, after *number.Number) []*event.Event {
	if after == nil {
		return nil
	}
	recs := feature.Records(after)
	var out []*event.Event
	for _, f := range slicesSorted(recs) {
		rec := recs[f]
		prev := feature.RecordOf(orEmpty(before), f)
		if recordsEqual(prev, rec) {
			continue
		}
		typ := ""
		switch {
		case rec.Status == feature.StatusProvisioned && !rec.Unsettled:
			typ = event.FeatureProvisioned
		case rec.Status == feature.StatusError || rec.Status == feature.StatusInvalid || rec.Unsettled && !prev.Unsettled:
			typ = event.FeatureFailed
		}
		if typ == "" {
			continue
		}
		out = append(out, event.New(ctx, typ, after.AssignedTo, after.Number, map[string]any{
			"feature": f, "provider": rec.Provider, "status": rec.Status, "message": rec.Message, "unsettled": rec.Unsettled}))
	}
	return out
}

func slicesSorted(m map[string]feature.Record) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// updateWithEvents writes n (conditional on its version) and the feature
// events of the change from before, in one transaction.
func (m *Manager) updateWithEvents(ctx context.Context, before, n *number.Number) error {
	return m.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.UpdateNumber(ctx, n); err != nil {
			return err
		}
		return tx.AppendEvents(ctx, featureEvents(ctx, before, n))
	})
}

// Now is the manager's clock (injected in tests).
func (m *Manager) Now() time.Time { return m.now() }

// PruneEvents removes the events older than number_manager's
// event_retention_days (0 keeps them all), with their deliveries, and
// returns how many events it removed.
func (m *Manager) PruneEvents(ctx context.Context) (int64, error) {
	cfg, _, err := m.cfg.NumberManager(ctx)
	if err != nil || cfg.EventRetentionDays <= 0 {
		return 0, err
	}
	return m.store.PruneEvents(ctx, m.now().AddDate(0, 0, -cfg.EventRetentionDays))
}

// History returns the events of number raw (normalised) after the position after
// (0: from the first), at most limit (0: all), if by may see the number:
// its owner and the owner's ancestors, and admins; others get
// KindForbidden, as for reading a number they may not see. An unowned
// number has a history for admins only, and one no longer stored is
// KindNotFound for everyone else.
func (m *Manager) History(ctx context.Context, by number.Requester, raw string, after int64, limit int) ([]*event.Event, error) {
	e164, err := m.Normalize(ctx, raw)
	if err != nil {
		return nil, err
	}
	n, err := m.store.GetNumber(ctx, e164)
	switch {
	case number.IsKind(err, number.KindNotFound):
		n = nil
	case err != nil:
		return nil, err
	}
	if !by.System {
		ids := []string{by.AccountID}
		if n != nil && n.AssignedTo != "" {
			ids = append(ids, n.AssignedTo)
		}
		rel, err := m.Relations(ctx, ids...)
		if err != nil {
			return nil, err
		}
		switch {
		case by.IsAdmin(rel):
		case n == nil:
			return nil, number.NewError(number.KindNotFound, e164)
		case n.AssignedTo == "" || !number.IsAuthorized(n, "", by, rel):
			return nil, number.NewError(number.KindForbidden, e164)
		}
	}
	return m.store.ListEvents(ctx, event.Query{Number: e164, AfterSeq: after, Limit: limit})
}
