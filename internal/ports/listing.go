package ports

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Scope is which port requests a listing covers (reference B.4's URL
// forms).
type Scope int

const (
	// AccountScope: the account's own requests (/v2/accounts/{A}/port_requests).
	AccountScope Scope = iota
	// DescendantsScope: the requests of every account below it, not its
	// own (/v2/accounts/{A}/descendants/port_requests).
	DescendantsScope
	// AgentScope: the requests the caller handles as port authority
	// (/v2/port_requests).
	AgentScope
)

// ListQuery is a listing's query string.
type ListQuery struct {
	// Types is by_types: states and groups, comma separated ("" = active).
	Types string
	// ModifiedFrom and ModifiedTo bound the completed and canceled
	// requests listed (default: the last 31 days, Kazoo's
	// crossbar.maximum_range).
	ModifiedFrom, ModifiedTo time.Time
}

// Group is one account's requests in a listing.
type Group struct {
	AccountID    string `json:"account_id"`
	AccountName  string `json:"account_name"`
	PortRequests []View `json:"port_requests"`
}

// defaultRange is Kazoo's crossbar.maximum_range.
const defaultRange = 31 * 24 * time.Hour

// base is the store query a scope lists from; ok is false when by may
// not list it (the agent listing is for port authorities and admins).
func (s *Service) base(ctx context.Context, by By, sc Scope, accountID string) (store.PortQuery, error) {
	switch sc {
	case AccountScope:
		return store.PortQuery{AccountIDs: []string{accountID}}, nil
	case DescendantsScope:
		desc, err := s.accounts.Descendants(ctx, accountID)
		if err != nil {
			return store.PortQuery{}, err
		}
		ids := make([]string, 0, len(desc))
		for _, a := range desc {
			ids = append(ids, a.ID)
		}
		return store.PortQuery{AccountIDs: ids}, nil
	}
	if by.Account == nil {
		return store.PortQuery{}, nil
	}
	authority, err := s.agentAuthority(ctx, by.Account)
	if err != nil {
		return store.PortQuery{}, err
	}
	if authority != by.Account.ID && !by.Account.SuperduperAdmin {
		return store.PortQuery{}, forbidden("only port authorities list the port requests they handle")
	}
	return store.PortQuery{AuthorityID: authority}, nil
}

// List answers a by_types listing, grouped by account (B.8).
func (s *Service) List(ctx context.Context, by By, sc Scope, accountID string, q ListQuery) ([]Group, error) {
	states, unknown := ParseTypes(q.Types)
	if len(unknown) > 0 {
		return nil, invalid("by_types", "enum", "query string by_types contained invalid values: "+strings.Join(unknown, ", "),
			"value", q.Types, "target", []string{"all", "active", "progressing", "suspended", "completed", "last_submitted", "<state>"})
	}
	base, err := s.base(ctx, by, sc, accountID)
	if err != nil {
		return nil, err
	}
	var open, ranged []string
	for _, st := range states {
		if st.timeRanged() {
			ranged = append(ranged, string(st))
		} else {
			open = append(open, string(st))
		}
	}
	var recs []*store.PortRequest
	if len(open) > 0 {
		q1 := base
		q1.States = open
		got, err := s.st.ListPorts(ctx, q1)
		if err != nil {
			return nil, err
		}
		recs = append(recs, got...)
	}
	if len(ranged) > 0 {
		q2 := base
		q2.States = ranged
		q2.ModifiedFrom, q2.ModifiedTo = q.ModifiedFrom, q.ModifiedTo
		now := s.now().UTC()
		if q2.ModifiedTo.IsZero() {
			q2.ModifiedTo = now
		}
		if q2.ModifiedFrom.IsZero() {
			q2.ModifiedFrom = q2.ModifiedTo.Add(-defaultRange)
		}
		got, err := s.st.ListPorts(ctx, q2)
		if err != nil {
			return nil, err
		}
		recs = append(recs, got...)
	}
	return s.group(ctx, by, recs)
}

// group renders requests grouped by account, accounts by name.
func (s *Service) group(ctx context.Context, by By, recs []*store.PortRequest) ([]Group, error) {
	byAcc := map[string]*Group{}
	var order []*Group
	for _, r := range recs {
		v, p, err := s.render(ctx, by, r)
		if err != nil {
			return nil, err
		}
		g := byAcc[p.AccountID]
		if g == nil {
			g = &Group{AccountID: p.AccountID, AccountName: p.AccountName, PortRequests: []View{}}
			if g.AccountName == "" {
				g.AccountName = "unknown"
			}
			byAcc[p.AccountID] = g
			order = append(order, g)
		}
		g.PortRequests = append(g.PortRequests, v)
	}
	slices.SortStableFunc(order, func(a, b *Group) int {
		return cmp.Or(cmp.Compare(a.AccountName, b.AccountName), cmp.Compare(a.AccountID, b.AccountID))
	})
	out := make([]Group, len(order))
	for i, g := range order {
		out[i] = *g
	}
	return out, nil
}

// render is a stored request as by sees it in a listing, with its
// account_id (Kazoo adds it to listed requests).
func (s *Service) render(ctx context.Context, by By, r *store.PortRequest) (View, *Port, error) {
	p, err := fromRecord(r)
	if err != nil {
		return nil, nil, err
	}
	acc, err := s.accounts.Get(ctx, p.AccountID)
	if err != nil {
		acc = &number.Account{ID: p.AccountID}
	}
	v := p.view(scope{p: p, acc: acc}.seePrivate(by))
	v["account_id"] = p.AccountID
	return v, p, nil
}

// ByNumber finds the requests holding a number, whatever their state
// (Kazoo's by_number; completed requests are found too, and an account
// finds its own, which Kazoo's could not), within the scope.
func (s *Service) ByNumber(ctx context.Context, by By, sc Scope, accountID, raw string) ([]View, error) {
	e164, err := s.mgr.Normalize(ctx, raw)
	if err != nil {
		return nil, invalid("by_number", "type", "Number is not reconcilable", "value", raw)
	}
	base, err := s.base(ctx, by, sc, accountID)
	if err != nil {
		return nil, err
	}
	if sc == AccountScope {
		// The account's requests and its descendants'.
		desc, err := s.accounts.Descendants(ctx, accountID)
		if err != nil {
			return nil, err
		}
		for _, a := range desc {
			base.AccountIDs = append(base.AccountIDs, a.ID)
		}
	}
	base.Number = e164
	recs, err := s.st.ListPorts(ctx, base)
	if err != nil {
		return nil, err
	}
	out := []View{}
	for _, r := range recs {
		v, _, err := s.render(ctx, by, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// LastSubmitted lists the account's requests submitted and not yet sent
// to a carrier, each with its latest submission (B.8).
func (s *Service) LastSubmitted(ctx context.Context, by By, accountID string) ([]map[string]any, error) {
	recs, err := s.st.ListPorts(ctx, store.PortQuery{AccountIDs: []string{accountID}, States: []string{string(Submitted)}})
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, r := range recs {
		p, err := fromRecord(r)
		if err != nil {
			return nil, err
		}
		if p.Sent {
			continue
		}
		for _, t := range p.Transitions { // newest first
			if t.Transition.New == Submitted {
				out = append(out, map[string]any{"id": p.ID, "transition": t})
				break
			}
		}
	}
	return out, nil
}

// Timeline is a request's visible comments and its transitions, oldest
// first (B.8).
func (s *Service) Timeline(ctx context.Context, by By, accountID, id string) ([]any, error) {
	sc, err := s.load(ctx, by, accountID, id)
	if err != nil {
		return nil, err
	}
	type entry struct {
		ts int64
		v  any
	}
	var es []entry
	see := sc.seePrivate(by)
	for i := len(sc.p.Transitions) - 1; i >= 0; i-- { // stored newest first
		t := sc.p.Transitions[i]
		es = append(es, entry{t.Timestamp, t})
	}
	for _, c := range sc.p.Comments {
		if see || !c.IsPrivate {
			es = append(es, entry{c.Timestamp, c})
		}
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.ts, b.ts) })
	out := make([]any, len(es))
	for i, e := range es {
		out[i] = e.v
	}
	return out, nil
}

// Notifications lists what a request's submitter and authority were told
// (B.11), oldest first; notifications of private comments only for who
// sees them.
func (s *Service) Notifications(ctx context.Context, by By, accountID, id string) ([]Notification, error) {
	sc, err := s.load(ctx, by, accountID, id)
	if err != nil {
		return nil, err
	}
	return visibleNotifications(sc.p, sc.seePrivate(by)), nil
}

// MergeListing adds port requests to a page of an account's number
// listing, as Kazoo merged its phone_numbers_listing view: each number of
// the account's submitted, pending, scheduled or rejected requests that
// starts with prefix and falls in the page's range [from, to) ("" leaves
// an end open) shows
// port_id and port_state; a number the page lacks (a rejected request
// holds no port_in number) is added as a port_in entry.
func (s *Service) MergeListing(ctx context.Context, accountID, prefix, from, to string, entries map[string]any) error {
	recs, err := s.st.ListPorts(ctx, store.PortQuery{AccountIDs: []string{accountID},
		States: []string{string(Submitted), string(Pending), string(Scheduled), string(Rejected)}})
	if err != nil {
		return err
	}
	for _, r := range recs {
		p, err := fromRecord(r)
		if err != nil {
			return err
		}
		var nums map[string]struct {
			UsedBy string `json:"used_by"`
		}
		_ = json.Unmarshal(p.Public["numbers"], &nums)
		for _, n := range p.Numbers {
			if n < from || to != "" && n >= to || !strings.HasPrefix(n, prefix) {
				continue
			}
			if e, ok := entries[n].(map[string]any); ok {
				e["port_id"], e["port_state"] = p.ID, p.State
				continue
			}
			e := map[string]any{
				"state": number.PortIn, "features": []string{}, "assigned_to": p.AccountID,
				"created": manager.Gregorian(p.Created), "updated": manager.Gregorian(p.Modified),
				"port_id": p.ID, "port_state": p.State,
			}
			if u := nums[n].UsedBy; u != "" {
				e["used_by"] = u
			}
			entries[n] = e
		}
	}
	return nil
}
