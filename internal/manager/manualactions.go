package manager

import (
	"context"
	"slices"
	"strings"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// ManualActions lists the manual feature actions (Kazoo's cnam_request and
// number_feature_manual_action notices: a caller name to list, SMS to
// activate by hand) that wait for an operator on the numbers of account
// and the accounts below it, oldest first. Each was also logged when it
// was asked for; the event stream will carry them when it exists.
//
// The actions are kept on their numbers (ManualActionsKey), so listing
// them reads the accounts' numbers page by page.
func (m *Manager) ManualActions(ctx context.Context, by number.Requester, account string) ([]feature.ManualAction, error) {
	rel, err := m.Relations(ctx, by.AccountID, account)
	if err != nil {
		return nil, err
	}
	if rel[account] == nil {
		return nil, number.NewError(number.KindNotFound, account)
	}
	if !mayReadAccountConfig(by, rel, account) {
		return nil, number.NewError(number.KindForbidden, "")
	}
	accounts := []string{account}
	desc, err := m.accounts.Descendants(ctx, account)
	if err != nil {
		return nil, err
	}
	for _, a := range desc {
		accounts = append(accounts, a.ID)
	}
	out := []feature.ManualAction{}
	for _, acc := range accounts {
		q := store.ListQuery{AssignedTo: acc, Limit: 500}
		for {
			page, err := m.store.ListNumbers(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, n := range page.Numbers {
				out = append(out, manualActionsOf(n)...)
			}
			if page.NextStartKey == "" {
				break
			}
			q.StartKey = page.NextStartKey
		}
	}
	slices.SortFunc(out, func(a, b feature.ManualAction) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func manualActionsOf(n *number.Number) []feature.ManualAction {
	var all map[string]feature.ManualAction
	if !n.CarrierData.Get(ManualActionsKey, &all) {
		return nil
	}
	out := make([]feature.ManualAction, 0, len(all))
	for _, a := range all {
		out = append(out, a)
	}
	return out
}

// CompleteManualAction marks an action on a number done (admins only: the
// operators who carry them out): it leaves the list.
func (m *Manager) CompleteManualAction(ctx context.Context, by number.Requester, e164, id string) error {
	rel, err := m.Relations(ctx, by.AccountID)
	if err != nil {
		return err
	}
	if !by.System && !by.IsAdmin(rel) {
		return number.NewError(number.KindForbidden, "")
	}
	e164, err = m.Normalize(ctx, e164)
	if err != nil {
		return err
	}
	for range 3 { // a concurrent write of the number: read it again
		n, err := m.store.GetNumber(ctx, e164)
		if err != nil {
			return err
		}
		var all map[string]feature.ManualAction
		if !n.CarrierData.Get(ManualActionsKey, &all) || all[id].ID == "" {
			return number.NewError(number.KindNotFound, id)
		}
		delete(all, id)
		next := n.Clone()
		if len(all) == 0 {
			delete(next.CarrierData, ManualActionsKey)
		} else {
			next.CarrierData.Set(ManualActionsKey, all)
		}
		next.Modified = m.now().UTC()
		err = m.store.UpdateNumber(ctx, next)
		m.numbers.forget(e164)
		if !number.IsKind(err, number.KindConflict) {
			return err
		}
	}
	return number.NewError(number.KindConflict, e164)
}
