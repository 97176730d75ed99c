package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// The store's billing records, as the service hands them out.
type (
	// ServicePlan is a stored service-plan document.
	ServicePlan = store.ServicePlan
	// LedgerEntry is one immutable ledger entry.
	LedgerEntry = store.LedgerEntry
	// LedgerQuery selects ledger entries.
	LedgerQuery = store.LedgerQuery
	// Credit is an account's prepaid balance.
	Credit = store.Credit
)

// Who may do what with plans and credit. by is the account asking, on
// whose behalf the service acts; a nil by may do nothing.

func forbidden(cause string) error { return &number.Error{Kind: number.KindForbidden, Cause: cause} }

// MayManagePlans refuses callers that may not own service plans: only the
// master and resellers may.
func MayManagePlans(by *number.Account) error {
	if by == nil || !(by.SuperduperAdmin || by.Reseller) {
		return forbidden("only the master and resellers manage service plans")
	}
	return nil
}

// MayPrice refuses callers that may not set the plans of account acc: the
// master may for any account, a reseller for itself (its plans price its
// descendants that have none) and its descendants. Other accounts cannot
// choose their own prices.
func MayPrice(by, acc *number.Account) error {
	if by != nil && (by.SuperduperAdmin || by.Reseller && (by.ID == acc.ID || slices.Contains(acc.Tree, by.ID))) {
		return nil
	}
	return forbidden("only the master and the account's resellers set its service plans")
}

// MayAddCredit refuses callers that may not add credit to account acc: the
// master and the account's ancestor resellers may; an account cannot
// credit itself.
func MayAddCredit(by, acc *number.Account) error {
	if by != nil && (by.SuperduperAdmin || by.Reseller && slices.Contains(acc.Tree, by.ID)) {
		return nil
	}
	return forbidden("only the master and the account's ancestor resellers add credit")
}

// mayUsePlan refuses a plan the caller may not see (write false) or change
// (write true): the master sees and changes every plan, an owner its own;
// others see the plans their ancestors own (those that may price them).
func mayUsePlan(by *number.Account, sp *ServicePlan, write bool) error {
	switch {
	case by == nil:
	case by.SuperduperAdmin, sp.OwnerID == by.ID:
		return nil
	case !write && slices.Contains(by.Tree, sp.OwnerID):
		return nil
	}
	return forbidden("the service plan belongs to another account")
}

// Plans lists the plans by manages: the master every plan, others their own.
func (s *Service) Plans(ctx context.Context, by *number.Account) ([]*ServicePlan, error) {
	owner := by.ID
	if by.SuperduperAdmin {
		owner = ""
	}
	return s.st.ListServicePlans(ctx, owner)
}

// Plan returns plan id if by may see it (write false) or change it (write
// true).
func (s *Service) Plan(ctx context.Context, by *number.Account, id string, write bool) (*ServicePlan, error) {
	sp, err := s.st.GetServicePlan(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayUsePlan(by, sp, write); err != nil {
		return nil, err
	}
	return sp, nil
}

// IsPlanID accepts the ids clients choose (Kazoo's plan ids are names such
// as "retail_us"): 1 to 64 letters, digits, '_', '-' or '.'.
func IsPlanID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func newPlanID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreatePlan stores p as a new plan owned by by, under id (a random one
// when id is empty).
func (s *Service) CreatePlan(ctx context.Context, by *number.Account, id string, p *Plan) (*ServicePlan, error) {
	if err := MayManagePlans(by); err != nil {
		return nil, err
	}
	if id == "" {
		id = newPlanID()
	}
	if !IsPlanID(id) {
		return nil, &number.FieldError{Field: "id", Rule: "pattern", Message: "letters, digits, '_', '-' and '.', at most 64", Value: id}
	}
	p.ID, p.OwnerID = id, by.ID
	sp := p.Stored()
	sp.Created, sp.Modified = s.now().UTC(), s.now().UTC()
	defer s.plans.changed()
	if err := s.st.InsertServicePlan(ctx, sp); err != nil {
		return nil, err
	}
	return sp, nil
}

// UpdatePlan replaces the prices of plan current (as read by Plan) with
// p's, if it is still the version read; accounts using it are priced by
// the new ones from now on (charges already made stay in the ledger as they
// were). A plan's currency cannot change.
func (s *Service) UpdatePlan(ctx context.Context, by *number.Account, current *ServicePlan, p *Plan) (*ServicePlan, error) {
	if err := mayUsePlan(by, current, true); err != nil {
		return nil, err
	}
	if p.Currency != current.Currency {
		return nil, &number.FieldError{Field: "currency", Rule: "enum", Message: "a plan's currency cannot change", Value: p.Currency}
	}
	p.ID, p.OwnerID = current.ID, current.OwnerID
	next := p.Stored()
	next.Created, next.Modified, next.Version = current.Created, s.now().UTC(), current.Version
	defer s.plans.changed()
	if err := s.st.UpdateServicePlan(ctx, next); err != nil {
		return nil, err
	}
	return next, nil
}

// DeletePlan deletes plan id if by may change it; a plan still linked to an
// account is a conflict.
func (s *Service) DeletePlan(ctx context.Context, by *number.Account, id string) (*ServicePlan, error) {
	sp, err := s.Plan(ctx, by, id, true)
	if err != nil {
		return nil, err
	}
	defer s.plans.changed()
	if err := s.st.DeleteServicePlan(ctx, sp.ID); err != nil {
		return nil, err
	}
	return sp, nil
}

// LinkedPlans returns the plans linked to an account, in link order.
func (s *Service) LinkedPlans(ctx context.Context, accountID string) ([]*ServicePlan, error) {
	linked, err := s.st.LinkedServicePlans(ctx, []string{accountID})
	if err != nil {
		return nil, err
	}
	return linked[accountID], nil
}

// LinkedPlan returns plan planID if it is linked to the account, else
// not_found.
func (s *Service) LinkedPlan(ctx context.Context, accountID, planID string) (*ServicePlan, error) {
	linked, err := s.LinkedPlans(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, sp := range linked {
		if sp.ID == planID {
			return sp, nil
		}
	}
	return nil, number.NewError(number.KindNotFound, planID)
}

// LinkPlan makes plan planID apply to account acc, on behalf of by, who
// must be allowed to price the account and to change the plan. An
// account's plans share one currency.
func (s *Service) LinkPlan(ctx context.Context, by, acc *number.Account, planID string) error {
	if err := MayPrice(by, acc); err != nil {
		return err
	}
	sp, err := s.Plan(ctx, by, planID, true)
	if err != nil {
		return err
	}
	linked, err := s.LinkedPlans(ctx, acc.ID)
	if err != nil {
		return err
	}
	for _, other := range linked {
		if other.Currency != sp.Currency {
			return &number.FieldError{Field: "currency", Rule: "enum", Message: "the account's plans are in " + other.Currency, Value: sp.Currency}
		}
	}
	defer s.plans.changed()
	return s.st.LinkServicePlan(ctx, acc.ID, sp.ID, s.now())
}

// UnlinkPlan stops plan planID applying to account acc, on behalf of by;
// not_found when it was not linked.
func (s *Service) UnlinkPlan(ctx context.Context, by, acc *number.Account, planID string) error {
	if err := MayPrice(by, acc); err != nil {
		return err
	}
	defer s.plans.changed()
	return s.st.UnlinkServicePlan(ctx, acc.ID, planID)
}

// Ledger returns the ledger entries q selects, oldest first.
func (s *Service) Ledger(ctx context.Context, q LedgerQuery) ([]*LedgerEntry, error) {
	return s.st.ListLedger(ctx, q)
}

// Credit returns an account's prepaid balance; not_found when the account
// never had credit (it is billed afterwards).
func (s *Service) Credit(ctx context.Context, accountID string) (*Credit, error) {
	return s.st.GetCredit(ctx, accountID)
}

// CreditCurrency is the currency credit is added in when none is named:
// the account's credit's, else DefaultCurrency.
func (s *Service) CreditCurrency(ctx context.Context, accountID string) string {
	if cr, err := s.st.GetCredit(ctx, accountID); err == nil {
		return cr.Currency
	}
	return DefaultCurrency
}

// CreditAccount adds credit to account acc on behalf of by (AddCredit, if
// MayAddCredit allows it).
func (s *Service) CreditAccount(ctx context.Context, by, acc *number.Account, amount int64, currency, description, requestID string) (*LedgerEntry, *Credit, error) {
	if err := MayAddCredit(by, acc); err != nil {
		return nil, nil, err
	}
	return s.AddCredit(ctx, acc.ID, amount, currency, description, requestID)
}

// SetCreditLimit sets how far below zero acc's balance may go (limit in
// minor units of its credit's currency, >= 0) on behalf of by: those who may
// add credit may lend it. not_found when the account has no credit yet.
func (s *Service) SetCreditLimit(ctx context.Context, by, acc *number.Account, limit int64) (*Credit, error) {
	if err := MayAddCredit(by, acc); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, invalid("the credit limit may not be negative")
	}
	if err := s.st.SetCreditLimit(ctx, acc.ID, limit, s.now().UTC()); err != nil {
		return nil, err
	}
	return s.st.GetCredit(ctx, acc.ID)
}
