package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Store is what billing needs from the store: its own tables, the account
// tree (plans are inherited from resellers) and the numbers (the monthly
// bill).
type Store interface {
	store.Billing
	GetAccount(ctx context.Context, id string) (*number.Account, error)
	GetAccounts(ctx context.Context, ids []string) (number.Accounts, error)
	ListNumbers(ctx context.Context, q store.ListQuery) (store.Page, error)
}

// Classify returns the class (classifier name) of an E.164 number, "" when
// no classifier matches.
type Classify func(ctx context.Context, e164 string) (string, error)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock of ledger entries; tests inject one.
	Now func() time.Time
	// Accounts, when set, is where PlanFor reads an account and its
	// ancestors: the accounts cache authorization reads them from
	// (internal/accounts; at most --account-cache-ttl old after another
	// node changed one, this node's changes at once), which spares every
	// priced write a read. Plans and their links are always read from the
	// store. Without it, accounts are read from the store too.
	Accounts AccountReader
	// PlanCacheTTL, when positive, is how long the plans linked along an
	// account's chain are kept between reads (numan serve: its
	// --account-cache-ttl). This node's plan and link writes show at
	// once; another node's within the TTL. Zero reads them every time.
	PlanCacheTTL time.Duration
}

// AccountReader reads accounts (internal/accounts.Service.Relations):
// unknown ids are absent; the accounts must not be changed.
type AccountReader interface {
	Relations(ctx context.Context, ids ...string) (number.Accounts, error)
}

// Service prices operations and records their charges, and keeps the
// rules of plans and credit (access.go). The manager prices every number
// write with it (manager.Billing): a dry run returns the Quote (the 402
// "accept charges"), a real run is refused before anything is bought when
// CheckCredit refuses its quote, and what was written is priced again and
// recorded. Pricing (Quote) and recording (Record) are separate steps, so a
// quote can be passed around and checked (later held) before it is
// recorded.
type Service struct {
	st       Store
	accounts AccountReader // nil: the store
	plans    *planCache
	classify Classify
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Service over st.
func New(st Store, classify Classify, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{st: st, accounts: opts.Accounts, plans: &planCache{ttl: opts.PlanCacheTTL, now: opts.Now},
		classify: classify, log: opts.Logger, now: opts.Now}
}

// Classifier classifies numbers with the current number_manager
// classifiers (the manager is one).
type Classifier interface {
	Classify(ctx context.Context, raw string) (number.Classifier, string, bool, error)
}

// ClassifyWith classifies with c's classifiers.
func ClassifyWith(c Classifier) Classify {
	return func(ctx context.Context, e164 string) (string, error) {
		cl, _, ok, err := c.Classify(ctx, e164)
		if err != nil || !ok {
			return "", err
		}
		return cl.Name, nil
	}
}

// CheckCredit refuses a quote an account with credit cannot pay today
// (what it has available: its balance, less what unsettled purchases hold,
// plus its limit). Accounts that never had credit are billed afterwards and
// always pass. It is the early refusal that spares a carrier call; what
// keeps a balance within its limit under any concurrency is that each
// charge is held or debited conditionally in its write's transaction.
func (s *Service) CheckCredit(ctx context.Context, q Quote) error {
	for _, inv := range q {
		need := inv.Summary.TodayMinor
		if need == 0 {
			continue
		}
		c, err := s.st.GetCredit(ctx, inv.AccountID)
		if number.IsKind(err, number.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if c.Currency != inv.Currency {
			return &number.Error{Kind: number.KindNotEnoughCredit, Number: inv.AccountID,
				Cause: fmt.Sprintf("the account's credit is in %s and the charges in %s", c.Currency, inv.Currency)}
		}
		if c.Available() < need {
			return &number.Error{Kind: number.KindNotEnoughCredit, Number: inv.AccountID,
				Cause: fmt.Sprintf("available %s %s, charges %s %s", FormatAmount(c.Available(), c.Currency), c.Currency,
					FormatAmount(need, inv.Currency), inv.Currency)}
		}
	}
	return nil
}

// Entries are the ledger entries of a quote whose changes are written, by
// number: one immutable debit per number with an activation charge (a
// number that costs nothing today has none). The caller writes each with
// its number, in the number write's transaction.
func (q Quote) Entries(requestID string, at time.Time) (map[string]*store.LedgerEntry, error) {
	out := map[string]*store.LedgerEntry{}
	for _, inv := range q {
		for _, nc := range inv.Numbers {
			e, err := ledgerEntry(nc, inv.Currency, requestID, at)
			if err != nil {
				return nil, err
			}
			if e != nil {
				out[nc.Number] = e
			}
		}
	}
	return out, nil
}

// ledgerEntry is the one entry of a number's activation, nil when it costs
// nothing today. Its item is the first priced item (the class, else the
// carrier, else a feature); Detail lists every line.
func ledgerEntry(nc NumberCharge, currency, requestID string, at time.Time) (*store.LedgerEntry, error) {
	var today int64
	var charged []Line
	var names []string
	for _, l := range nc.Lines {
		if l.Activation > 0 {
			today += l.Activation
			charged = append(charged, l)
			names = append(names, l.Item)
		}
	}
	if today == 0 {
		return nil, nil
	}
	detail, err := json.Marshal(charged)
	if err != nil {
		return nil, err
	}
	return &store.LedgerEntry{
		AccountID: nc.AccountID, Type: store.LedgerDebit, Reason: ReasonActivation, Number: nc.Number,
		Category: charged[0].Category, Item: charged[0].Item,
		Description: fmt.Sprintf("activation of %s (%s)", nc.Number, strings.Join(names, ", ")),
		AmountMinor: today, Currency: currency, RequestID: requestID, Detail: detail, Created: at,
	}, nil
}

// Ledger reasons.
const (
	ReasonActivation = "number_activation" // a number (or a feature of it) activated
	ReasonCredit     = "manual_addition"   // credit added by a reseller or the master
)

// Plans remembers the plans PlanFor resolved during one operation, so
// that its rehearsal and its real run (see internal/manager's preflight)
// price with the same plans, read once: what a caller accepted in the
// quote is what it is charged, even if a plan changes in between. The
// zero value is ready; it is safe for concurrent use.
type Plans struct {
	mu    sync.Mutex
	found map[string]resolvedPlan
}

type resolvedPlan struct {
	plan *Plan
	from string
}

type plansKey struct{}

// WithPlans returns ctx with p: PlanFor called with it resolves each
// account once and reuses the answer. A nil p returns ctx.
func WithPlans(ctx context.Context, p *Plans) context.Context {
	if p == nil {
		return ctx
	}
	return context.WithValue(ctx, plansKey{}, p)
}

// PlanFor resolves the plan that prices an account: its own plans (merged
// in link order), else those of its nearest ancestor that is a reseller
// (or the master), which apply to every descendant without plans of its
// own. from is the account the plans are linked to; plan is nil when none
// applies (nothing is charged). With Plans in ctx (WithPlans), an account
// resolved before is answered from there.
func (s *Service) PlanFor(ctx context.Context, accountID string) (plan *Plan, from string, err error) {
	p, _ := ctx.Value(plansKey{}).(*Plans)
	if p == nil {
		return s.resolvePlan(ctx, accountID)
	}
	p.mu.Lock()
	r, ok := p.found[accountID]
	p.mu.Unlock()
	if ok {
		return r.plan, r.from, nil
	}
	plan, from, err = s.resolvePlan(ctx, accountID)
	if err != nil {
		return nil, "", err
	}
	p.mu.Lock()
	if p.found == nil {
		p.found = map[string]resolvedPlan{}
	}
	p.found[accountID] = resolvedPlan{plan, from}
	p.mu.Unlock()
	return plan, from, nil
}

// account reads an account from Options.Accounts, else the store;
// KindNotFound when it does not exist.
func (s *Service) account(ctx context.Context, id string) (*number.Account, error) {
	if s.accounts == nil {
		return s.st.GetAccount(ctx, id)
	}
	got, err := s.accounts.Relations(ctx, id)
	if err != nil {
		return nil, err
	}
	if a := got[id]; a != nil {
		return a, nil
	}
	return nil, number.NewError(number.KindNotFound, id)
}

// ancestors reads the accounts of a tree, as account does.
func (s *Service) ancestors(ctx context.Context, tree []string) (map[string]*number.Account, error) {
	if s.accounts == nil {
		return s.st.GetAccounts(ctx, tree)
	}
	return s.accounts.Relations(ctx, tree...)
}

// resolvePlan is PlanFor read from the store.
func (s *Service) resolvePlan(ctx context.Context, accountID string) (plan *Plan, from string, err error) {
	acc, err := s.account(ctx, accountID)
	if number.IsKind(err, number.KindNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	chain := append([]string{acc.ID}, acc.Tree...)
	linked, err := s.plans.linked(ctx, s.st, chain)
	if err != nil {
		return nil, "", err
	}
	from = ""
	if len(linked[acc.ID]) > 0 {
		from = acc.ID
	} else if len(acc.Tree) > 0 {
		ancestors, err := s.ancestors(ctx, acc.Tree)
		if err != nil {
			return nil, "", err
		}
		for _, id := range slices.Backward(acc.Tree) {
			if a := ancestors[id]; a != nil && (a.Reseller || a.SuperduperAdmin) {
				from = id
				break
			}
		}
	}
	if from == "" || len(linked[from]) == 0 {
		return nil, "", nil
	}
	plans := make([]*Plan, 0, len(linked[from]))
	for _, sp := range linked[from] {
		p, err := FromStored(sp)
		if err != nil {
			return nil, "", err
		}
		plans = append(plans, p)
	}
	plan, err = merge(plans)
	return plan, from, err
}

// Current is an account's whole monthly bill: every number it holds in a
// billable state, with its features, at its plan's monthly rates. Its
// activation charges are empty and summary.today is zero.
func (s *Service) Current(ctx context.Context, accountID string) (*Invoice, error) {
	plan, from, err := s.PlanFor(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if plan == nil {
		return &Invoice{AccountID: accountID, ActivationCharges: []Charge{}, Items: []Charge{}, Taxes: []any{},
			Currency: DefaultCurrency, Summary: Summary{Today: "0", Recurring: "0", Currency: DefaultCurrency}}, nil
	}
	page, err := s.st.ListNumbers(ctx, store.ListQuery{AssignedTo: accountID, States: billableStates})
	if err != nil {
		return nil, err
	}
	var numbers []NumberCharge
	for _, n := range page.Numbers {
		keys, err := s.items(ctx, n)
		if err != nil {
			return nil, err
		}
		nc := NumberCharge{Number: n.Number, AccountID: accountID}
		for _, k := range keys {
			if r, ok := plan.rate(k.Category, k.Item); ok && r.Monthly > 0 {
				name := cmpOr(r.Name, k.Item)
				nc.Lines = append(nc.Lines, Line{Category: k.Category, Item: k.Item, Name: name, Monthly: r.Monthly})
			}
		}
		if len(nc.Lines) > 0 {
			numbers = append(numbers, nc)
		}
	}
	return invoice(accountID, plan, from, numbers)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// AddCredit adds amount (minor units of currency) to an account's credit,
// as one credit entry of the ledger; the first credit turns credit checks
// on for the account.
func (s *Service) AddCredit(ctx context.Context, accountID string, amount int64, currency, description, requestID string) (*store.LedgerEntry, *store.Credit, error) {
	if amount <= 0 {
		return nil, nil, invalid("credit amount must be positive")
	}
	if err := CheckCurrency(currency); err != nil {
		return nil, nil, err
	}
	if description == "" {
		description = "credit added"
	}
	e := &store.LedgerEntry{AccountID: accountID, Type: store.LedgerCredit, Reason: ReasonCredit, Description: description,
		AmountMinor: amount, Currency: currency, RequestID: requestID, Created: s.now().UTC()}
	if err := s.st.AppendLedger(ctx, []*store.LedgerEntry{e}); err != nil {
		return nil, nil, err
	}
	c, err := s.st.GetCredit(ctx, accountID)
	return e, c, err
}
