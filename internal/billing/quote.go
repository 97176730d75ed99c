package billing

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/numan-dev/numan/number"
)

// itemKey names one billable item of a number.
type itemKey struct{ Category, Item string }

// billableStates are the states in which a number is its owner's and
// counts on its bill: reserving a number is taking it (Kazoo's services
// count every number in the account), while available, released, aging
// and discovery numbers belong to nobody.
var billableStates = []number.State{number.Reserved, number.InService, number.PortIn, number.PortOut}

// IsBillable reports whether a number in state st is billed to its owner.
func IsBillable(st number.State) bool { return slices.Contains(billableStates, st) }

// BillableStates lists the states in which numbers are billed.
func BillableStates() []number.State { return slices.Clone(billableStates) }

// items lists what a number is billed for, as Kazoo's
// kz_services_quantities does: its class (the classifier name), skipped for
// local numbers (those with the local feature); its carrier module; each of
// its active features. The carrier's is_number_billable is not consulted:
// Kazoo's billing does not use it either.
func (s *Service) items(ctx context.Context, n *number.Number) ([]itemKey, error) {
	var out []itemKey
	if _, local := n.Features[number.FeatureLocal]; !local {
		class, err := s.classify(ctx, n.Number)
		if err != nil {
			return nil, err
		}
		if class != "" {
			out = append(out, itemKey{CategoryNumbers, class})
		}
	}
	if n.ModuleName != "" {
		out = append(out, itemKey{CategoryCarriers, n.ModuleName})
	}
	for _, f := range n.Features.Keys() {
		out = append(out, itemKey{CategoryServices, f})
	}
	return out, nil
}

// added returns the account a change bills and the items the change adds
// to it: every item of a number that newly became the account's (bought,
// created, reserved, moved in), or the items a number the account already
// had gained (a feature, a carrier). Releases and losses add nothing.
func (s *Service) added(ctx context.Context, ch number.Change) (string, []itemKey, error) {
	after := ch.After
	if after == nil || after.AssignedTo == "" || !IsBillable(after.State) {
		return "", nil, nil
	}
	now, err := s.items(ctx, after)
	if err != nil {
		return "", nil, err
	}
	before := ch.Before
	if before == nil || before.AssignedTo != after.AssignedTo || !IsBillable(before.State) {
		return after.AssignedTo, now, nil
	}
	had, err := s.items(ctx, before)
	if err != nil {
		return "", nil, err
	}
	var gained []itemKey
	for _, k := range now {
		if !slices.Contains(had, k) {
			gained = append(gained, k)
		}
	}
	return after.AssignedTo, gained, nil
}

// Line is one priced item a number gains.
type Line struct {
	Category   string `json:"category"`
	Item       string `json:"item"`
	Name       string `json:"name"`
	Activation int64  `json:"activation_charge_minor"`
	Monthly    int64  `json:"rate_minor"`
}

// NumberCharge is what one number adds to its account's bill.
type NumberCharge struct {
	Number    string
	AccountID string
	Lines     []Line
}

// Today is the number's activation charge, in minor units.
func (c NumberCharge) Today() int64 {
	var t int64
	for _, l := range c.Lines {
		t += l.Activation
	}
	return t
}

// Charge is one row of an invoice (Kazoo's kz_services_item public JSON):
// quantity units of an item at rate each. The decimal fields are for Kazoo
// clients; the _minor fields are exact.
type Charge struct {
	Category   string         `json:"category"`
	Item       string         `json:"item"`
	Name       string         `json:"name"`
	Quantity   int64          `json:"quantity"`
	Billable   int64          `json:"billable"`
	Rate       json.Number    `json:"rate"`
	RateMinor  int64          `json:"rate_minor"`
	Total      json.Number    `json:"total"`
	TotalMinor int64          `json:"total_minor"`
	Currency   string         `json:"currency"`
	Discounts  map[string]any `json:"discounts"`
}

// Summary totals an invoice: what is charged today (activation charges)
// and what the monthly bill grows by.
type Summary struct {
	Today          json.Number `json:"today"`
	TodayMinor     int64       `json:"today_minor"`
	Recurring      json.Number `json:"recurring"`
	RecurringMinor int64       `json:"recurring_minor"`
	Currency       string      `json:"currency"`
}

// PlanRef names the plan an invoice was priced with and the account it is
// linked to (the account itself, or the reseller it inherits from).
type PlanRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AccountID string `json:"account_id"`
}

// BookkeeperLocal is the bookkeeper of every invoice: Numan bills from its
// own ledger and credit, as Kazoo's local bookkeeper (kz_bookkeeper_local)
// does.
const BookkeeperLocal = "local"

// Bookkeeper says who bills an invoice (Kazoo's service-plan "bookkeeper":
// Monster UI's charges dialog shows its type): the bookkeeper's type and
// the vendor, the account whose plan prices the charges.
type Bookkeeper struct {
	Type     string `json:"type"`
	VendorID string `json:"vendor_id,omitempty"`
}

// MarshalJSON writes the bookkeeper, typed local when no type is set, so
// no invoice reaches a client without the type its dialog reads.
func (b Bookkeeper) MarshalJSON() ([]byte, error) {
	if b.Type == "" {
		b.Type = BookkeeperLocal
	}
	type plain Bookkeeper
	return json.Marshal(plain(b))
}

// Invoice is what an operation costs one account, in the shape of Kazoo's
// kz_services_invoice public JSON (what Monster's charges dialog reads):
// activation_charges are billed today, items are the monthly charges the
// operation adds. Unlike Kazoo, whose items restate the account's whole
// bill, items count only what the operation adds; GET
// /v2/accounts/{ID}/service_plans/current shows the whole monthly bill.
type Invoice struct {
	AccountID         string         `json:"account_id"`
	Plan              PlanRef        `json:"plan"`
	ActivationCharges []Charge       `json:"activation_charges"`
	Items             []Charge       `json:"items"`
	Taxes             []any          `json:"taxes"`
	Summary           Summary        `json:"summary"`
	Bookkeeper        Bookkeeper     `json:"bookkeeper"`
	Currency          string         `json:"currency"`
	Numbers           []NumberCharge `json:"-"`
}

// Quote is the invoices of one operation, one per account it charges, by
// account id: the "data" of the 402 "accept charges" reply.
type Quote []*Invoice

// Quote prices changes: what each account gains, at its plan's prices.
// Accounts without a plan, and items their plan does not price, cost
// nothing. The quote is empty when nothing costs anything.
func (s *Service) Quote(ctx context.Context, changes []number.Change) (Quote, error) {
	type acc struct {
		plan    *Plan
		from    string
		numbers []NumberCharge
	}
	byAccount := map[string]*acc{}
	for _, ch := range changes {
		account, keys, err := s.added(ctx, ch)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			continue
		}
		a, ok := byAccount[account]
		if !ok {
			plan, from, err := s.PlanFor(ctx, account)
			if err != nil {
				return nil, err
			}
			a = &acc{plan: plan, from: from}
			byAccount[account] = a
		}
		if a.plan == nil {
			continue
		}
		nc := NumberCharge{Number: ch.After.Number, AccountID: account}
		for _, k := range keys {
			r, ok := a.plan.rate(k.Category, k.Item)
			if !ok || (r.Activation == 0 && r.Monthly == 0) {
				continue
			}
			name := r.Name
			if name == "" {
				name = k.Item
			}
			nc.Lines = append(nc.Lines, Line{Category: k.Category, Item: k.Item, Name: name, Activation: r.Activation, Monthly: r.Monthly})
		}
		if len(nc.Lines) > 0 {
			a.numbers = append(a.numbers, nc)
		}
	}
	var q Quote
	for account, a := range byAccount {
		if len(a.numbers) == 0 {
			continue
		}
		inv, err := invoice(account, a.plan, a.from, a.numbers)
		if err != nil {
			return nil, err
		}
		q = append(q, inv)
	}
	slices.SortFunc(q, func(x, y *Invoice) int { return cmp.Compare(x.AccountID, y.AccountID) })
	return q, nil
}

// invoice totals the numbers' lines per item.
func invoice(account string, plan *Plan, from string, numbers []NumberCharge) (*Invoice, error) {
	cur := plan.Currency
	inv := &Invoice{
		AccountID: account, Plan: PlanRef{ID: plan.ID, Name: plan.Name, AccountID: from},
		ActivationCharges: []Charge{}, Items: []Charge{}, Taxes: []any{}, Currency: cur,
		Bookkeeper: Bookkeeper{Type: BookkeeperLocal, VendorID: from},
		Numbers:    numbers,
	}
	slices.SortFunc(inv.Numbers, func(x, y NumberCharge) int { return cmp.Compare(x.Number, y.Number) })
	type agg struct {
		line Line
		qty  int64
	}
	var order []itemKey
	counts := map[itemKey]*agg{}
	for _, nc := range numbers {
		for _, l := range nc.Lines {
			k := itemKey{l.Category, l.Item}
			if counts[k] == nil {
				counts[k] = &agg{line: l}
				order = append(order, k)
			}
			counts[k].qty++
		}
	}
	slices.SortFunc(order, func(x, y itemKey) int {
		return cmp.Or(cmp.Compare(slices.Index(Categories, x.Category), slices.Index(Categories, y.Category)), cmp.Compare(x.Item, y.Item))
	})
	var today, recurring int64
	charge := func(l Line, qty, rate int64) (Charge, error) {
		total, err := mulMinor(rate, qty)
		if err != nil {
			return Charge{}, err
		}
		return Charge{Category: l.Category, Item: l.Item, Name: l.Name, Quantity: qty, Billable: qty,
			Rate: Amount(rate, cur), RateMinor: rate, Total: Amount(total, cur), TotalMinor: total, Currency: cur,
			Discounts: map[string]any{}}, nil
	}
	for _, k := range order {
		a := counts[k]
		if a.line.Activation > 0 {
			c, err := charge(a.line, a.qty, a.line.Activation)
			if err != nil {
				return nil, err
			}
			inv.ActivationCharges = append(inv.ActivationCharges, c)
			today += c.TotalMinor
		}
		c, err := charge(a.line, a.qty, a.line.Monthly)
		if err != nil {
			return nil, err
		}
		inv.Items = append(inv.Items, c)
		recurring += c.TotalMinor
	}
	inv.Summary = Summary{Today: Amount(today, cur), TodayMinor: today, Recurring: Amount(recurring, cur), RecurringMinor: recurring, Currency: cur}
	return inv, nil
}
