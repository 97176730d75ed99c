package manager

import (
	"context"
	"fmt"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Relations loads the accounts named (and the requester's) so the
// authorization rules can be checked; unknown ids are simply absent. They
// come from the account service's cache, which every account write on this
// node clears.
func (m *Manager) Relations(ctx context.Context, ids ...string) (number.Accounts, error) {
	return m.accounts.Relations(ctx, ids...)
}

// DeleteAccount deletes acc on behalf of by (nil: the system), under the
// account rules (internal/accounts). An account that holds numbers is not
// deleted (account_has_numbers, naming how many) unless releaseNumbers is
// set: then its numbers are released first, as by would release them
// (Kazoo released them with the account), and the account goes only when
// every one is released; otherwise the failures are returned and the
// account stays. The store refuses the deletion too while any number is
// assigned to it, so a number given to the account meanwhile is never
// orphaned.
func (m *Manager) DeleteAccount(ctx context.Context, by, acc *number.Account, releaseNumbers bool, requestID string) (*Result, error) {
	res := &Result{}
	// A port request holding numbers for the account would outlive it
	// and keep its numbers from anyone else (Kazoo refused too: "Account
	// has active port request").
	ports, err := m.store.ListPorts(ctx, store.PortQuery{AccountIDs: []string{acc.ID}})
	if err != nil {
		return res, err
	}
	open := 0
	for _, p := range ports {
		if p.Active {
			open++
		}
	}
	if open > 0 {
		return res, &number.Error{Kind: number.KindAccountHasNumbers, Number: acc.ID,
			Message: fmt.Sprintf("account %s has %d active port requests; cancel or delete them first", acc.ID, open),
			Cause:   fmt.Sprintf("%d active port requests", open)}
	}
	if releaseNumbers {
		op := Op{AuthBy: number.SystemRequester, RequestID: requestID}
		if by != nil {
			op.AuthBy = number.By(by.ID)
		}
		q := ListQuery{AssignedTo: acc.ID, Limit: 500}
		for {
			page, err := m.store.ListNumbers(ctx, q)
			if err != nil {
				return res, err
			}
			nums := make([]string, len(page.Numbers))
			for i, n := range page.Numbers {
				nums[i] = n.Number
			}
			if len(nums) > 0 {
				r := m.Release(ctx, nums, op)
				res.Succeeded = append(res.Succeeded, r.Succeeded...)
				for k, err := range r.Failed {
					res.fail(k, err)
				}
			}
			if page.NextStartKey == "" {
				break
			}
			q.StartKey = page.NextStartKey
		}
		if len(res.Failed) > 0 {
			return res, &number.Error{Kind: number.KindAccountHasNumbers, Number: acc.ID,
				Message: fmt.Sprintf("account %s: %d of its numbers could not be released", acc.ID, len(res.Failed)),
				Cause:   fmt.Sprintf("%d numbers not released", len(res.Failed))}
		}
	}
	return res, m.accounts.Delete(ctx, by, acc)
}
