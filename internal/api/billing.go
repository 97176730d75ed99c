package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// Billing endpoints (Numan's take on Kazoo's service_plans, transactions
// and braintree credits):
//
//	GET    /v2/service_plans                          plans the caller manages (the master: all)
//	PUT    /v2/service_plans                          create a plan (master and resellers)
//	GET    /v2/service_plans/{PLAN_ID}                read a plan
//	POST   /v2/service_plans/{PLAN_ID}                replace a plan
//	DELETE /v2/service_plans/{PLAN_ID}                delete a plan no account uses
//	GET    /v2/accounts/{A}/service_plans             the plans linked to the account, and the one in effect
//	GET    /v2/accounts/{A}/service_plans/current     the account's whole monthly bill
//	GET    /v2/accounts/{A}/service_plans/{PLAN_ID}   one linked plan
//	POST   /v2/accounts/{A}/service_plans/{PLAN_ID}   link a plan (also PUT)
//	DELETE /v2/accounts/{A}/service_plans/{PLAN_ID}   unlink a plan
//	GET    /v2/accounts/{A}/transactions              the ledger
//	GET    /v2/accounts/{A}/credits                   the prepaid balance
//	PUT    /v2/accounts/{A}/credits                   add credit (the master and ancestor resellers)
//	POST   /v2/accounts/{A}/quotes                    what buying numbers would cost (a dry run)
//
// Who may see and change which plan, price which account and add credit is
// internal/billing's to decide; these handlers translate.

// bill returns the billing service, or fails the call when the server has
// none (Options.Billing).
func (c *call) bill() *billing.Service {
	if c.s.billing == nil {
		c.fail(errPathNotFound())
	}
	return c.s.billing
}

func planJSON(sp *billing.ServicePlan) (map[string]any, error) {
	p, err := billing.FromStored(sp)
	if err != nil {
		return nil, err
	}
	out := p.JSON()
	out["created"], out["modified"] = gregorian(sp.Created), gregorian(sp.Modified)
	return out, nil
}

// handlePlansList is GET /v2/service_plans.
func handlePlansList(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	list, err := b.Plans(c.ctx, c.auth)
	if err != nil {
		c.fail(err)
		return
	}
	out := make([]map[string]any, 0, len(list))
	for _, sp := range list {
		j, err := planJSON(sp)
		if err != nil {
			c.fail(err)
			return
		}
		out = append(out, j)
	}
	c.ok(out)
}

// planBody decodes and validates a plan from the request's data.
func (c *call) planBody() (*billing.Plan, string, bool) {
	env, err := c.body()
	if err != nil {
		c.fail(err)
		return nil, "", false
	}
	if number.JSONType(env.Data) != "object" {
		var v validationErrors
		v.add("data", "type", "Value did not match type(s): object", "target", "object")
		c.fail(v.err())
		return nil, "", false
	}
	var head struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(env.Data, &head)
	var data map[string]json.RawMessage
	_ = json.Unmarshal(env.Data, &data)
	for _, k := range []string{"id", "owner_id", "created", "modified", "ui_metadata"} {
		delete(data, k)
	}
	raw, _ := json.Marshal(data)
	p, err := billing.DecodePlan(raw)
	if err != nil {
		var v validationErrors
		v.add("plan", "invalid", number.AsError(err).Cause)
		c.fail(v.err())
		return nil, "", false
	}
	return p, head.ID, true
}

// handlePlanCreate is PUT /v2/service_plans: the caller owns the new plan.
func handlePlanCreate(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	if err := billing.MayManagePlans(c.auth); err != nil {
		c.fail(err)
		return
	}
	p, id, ok := c.planBody()
	if !ok {
		return
	}
	sp, err := b.CreatePlan(c.ctx, c.auth, id, p)
	if err != nil {
		c.fail(err)
		return
	}
	j, err := planJSON(sp)
	if err != nil {
		c.fail(err)
		return
	}
	c.created(j)
}

// handlePlanGet is GET /v2/service_plans/{PLAN_ID}.
func handlePlanGet(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	sp, err := b.Plan(c.ctx, c.auth, c.param("PLAN_ID"), false)
	if err != nil {
		c.fail(err)
		return
	}
	j, err := planJSON(sp)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(j)
}

// handlePlanUpdate is POST /v2/service_plans/{PLAN_ID}: the plan's prices
// are replaced; accounts using it are priced by the new ones from now on
// (charges already made stay in the ledger as they were).
func handlePlanUpdate(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	sp, err := b.Plan(c.ctx, c.auth, c.param("PLAN_ID"), true)
	if err != nil {
		c.fail(err)
		return
	}
	p, _, ok := c.planBody()
	if !ok {
		return
	}
	next, err := b.UpdatePlan(c.ctx, c.auth, sp, p)
	if err != nil {
		c.fail(err)
		return
	}
	j, err := planJSON(next)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(j)
}

// handlePlanDelete is DELETE /v2/service_plans/{PLAN_ID}; a plan still
// linked to an account is a 409.
func handlePlanDelete(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	sp, err := b.DeletePlan(c.ctx, c.auth, c.param("PLAN_ID"))
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(map[string]any{"id": sp.ID, "_read_only": map[string]any{"deleted": true}})
}

// handleAccountPlans is GET /v2/accounts/{A}/service_plans: the plans
// linked to the account, and the plan in effect (its own, or inherited
// from its reseller).
func handleAccountPlans(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	linked, err := b.LinkedPlans(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	plans := make([]map[string]any, 0, len(linked))
	for _, sp := range linked {
		j, err := planJSON(sp)
		if err != nil {
			c.fail(err)
			return
		}
		plans = append(plans, j)
	}
	out := map[string]any{"plans": plans}
	p, from, err := b.PlanFor(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	if p != nil {
		eff := p.JSON()
		eff["account_id"] = from
		eff["inherited"] = from != c.account.ID
		out["effective"] = eff
	}
	c.ok(out)
}

// handleAccountPlanCurrent is GET /v2/accounts/{A}/service_plans/current:
// the monthly bill of the account's numbers in a billable state.
func handleAccountPlanCurrent(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	inv, err := b.Current(c.ctx, c.account.ID)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(inv)
}

// handleAccountPlanGet is GET /v2/accounts/{A}/service_plans/{PLAN_ID}.
func handleAccountPlanGet(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	sp, err := b.LinkedPlan(c.ctx, c.account.ID, c.param("PLAN_ID"))
	if number.IsKind(err, number.KindNotFound) {
		err = errBadIdentifier(c.param("PLAN_ID"))
	}
	if err != nil {
		c.fail(err)
		return
	}
	j, err := planJSON(sp)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(j)
}

// handleAccountPlanAdd is POST (or PUT) /v2/accounts/{A}/service_plans/{PLAN_ID}.
func handleAccountPlanAdd(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	if err := b.LinkPlan(c.ctx, c.auth, c.account, c.param("PLAN_ID")); err != nil {
		c.fail(err)
		return
	}
	handleAccountPlans(c)
}

// handleAccountPlanRemove is DELETE /v2/accounts/{A}/service_plans/{PLAN_ID}.
func handleAccountPlanRemove(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	if err := b.UnlinkPlan(c.ctx, c.auth, c.account, c.param("PLAN_ID")); err != nil {
		if number.IsKind(err, number.KindNotFound) {
			err = errBadIdentifier(c.param("PLAN_ID"))
		}
		c.fail(err)
		return
	}
	handleAccountPlans(c)
}

// entryJSON renders a ledger entry in the spirit of Kazoo's transactions:
// amount as a decimal for display, amount_minor exact, created in Gregorian
// seconds.
func entryJSON(e *billing.LedgerEntry) map[string]any {
	out := map[string]any{
		"id": strconv.FormatInt(e.ID, 10), "account_id": e.AccountID, "type": e.Type, "reason": e.Reason,
		"description": e.Description, "amount": billing.Amount(e.AmountMinor, e.Currency), "amount_minor": e.AmountMinor,
		"currency": e.Currency, "request_id": e.RequestID, "created": gregorian(e.Created),
	}
	if e.Number != "" {
		out["number"] = e.Number
	}
	if e.Item != "" {
		out["category"], out["item"] = e.Category, e.Item
	}
	if len(e.Detail) > 0 {
		out["detail"] = e.Detail
	}
	return out
}

// handleTransactions is GET /v2/accounts/{A}/transactions: the ledger,
// oldest first. created_from and created_to are Gregorian seconds, as in
// Kazoo; page_size and start_key (an entry id) page through it.
func handleTransactions(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	q := c.r.URL.Query()
	lq := billing.LedgerQuery{AccountID: c.account.ID, Limit: defaultPageSize, RequestID: q.Get("request_id")}
	var v validationErrors
	intParam := func(name string) int64 {
		s := q.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			v.add(name, "type", "Value did not match type(s): non-negative integer", "value", s)
		}
		return n
	}
	if g := intParam("created_from"); g > 0 {
		lq.Since = time.Unix(g-gregorianOffset, 0)
	}
	if g := intParam("created_to"); g > 0 {
		lq.Until = time.Unix(g-gregorianOffset+1, 0) // inclusive, as Kazoo's range
	}
	if n := intParam("page_size"); n > 0 {
		lq.Limit = int(min(n, maxPageSize))
	}
	if s := q.Get("paginate"); s != "" && !truthy(s) {
		lq.Limit = 0
	}
	lq.AfterID = intParam("start_key") - 1
	if err := v.err(); err != nil {
		c.fail(err)
		return
	}
	if lq.Limit > 0 {
		lq.Limit++ // one more tells whether there is a next page
	}
	es, err := b.Ledger(c.ctx, lq)
	if err != nil {
		c.fail(err)
		return
	}
	rp := reply{status: http.StatusOK}
	if lq.Limit > 0 && len(es) == lq.Limit {
		rp.page = append(rp.page, pageKey{"next_start_key", strconv.FormatInt(es[len(es)-1].ID, 10)})
		es = es[:len(es)-1]
	}
	out := make([]map[string]any, len(es))
	for i, e := range es {
		out[i] = entryJSON(e)
	}
	rp.data = out
	rp.page = append([]pageKey{{"page_size", len(out)}}, rp.page...)
	c.write(rp)
}

// handleCreditGet is GET /v2/accounts/{A}/credits.
func handleCreditGet(c *call) {
	b := c.bill()
	if b == nil {
		return
	}
	cr, err := b.Credit(c.ctx, c.account.ID)
	if number.IsKind(err, number.KindNotFound) {
		c.ok(map[string]any{"enabled": false, "amount": json.Number("0"), "amount_minor": 0})
		return
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(creditJSON(cr))
}

// creditJSON is an account's credit: the balance (Kazoo's "amount"), what
// unsettled purchases hold of it, how far below zero it may go, and what is
// left to spend.
func creditJSON(cr *billing.Credit) map[string]any {
	return map[string]any{"enabled": true, "amount": billing.Amount(cr.BalanceMinor, cr.Currency), "amount_minor": cr.BalanceMinor,
		"held": billing.Amount(cr.HeldMinor, cr.Currency), "held_minor": cr.HeldMinor,
		"limit": billing.Amount(cr.LimitMinor, cr.Currency), "limit_minor": cr.LimitMinor,
		"available": billing.Amount(cr.Available(), cr.Currency), "available_minor": cr.Available(),
		"currency": cr.Currency, "modified": gregorian(cr.Modified)}
}

// handleCreditLimit is PATCH /v2/accounts/{A}/credits with {"data":
// {"limit": "10.00"} (or "limit_minor": 1000)}: how far below zero the
// account's balance may go. Who may set it is who may add credit.
func handleCreditLimit(c *call) {
	b, data, ok := c.creditBody()
	if !ok {
		return
	}
	var v validationErrors
	limit, given := v.money(data, "limit", b.CreditCurrency(c.ctx, c.account.ID))
	if given && limit < 0 && v.err() == nil {
		v.add("limit", "minimum", "the limit may not be negative")
	}
	if err := v.err(); err != nil {
		c.fail(err)
		return
	}
	cr, err := b.SetCreditLimit(c.ctx, c.auth, c.account, limit)
	if err != nil {
		c.fail(err)
		return
	}
	c.ok(creditJSON(cr))
}

// creditBody checks the caller may change the path account's credit
// (billing.MayAddCredit, asked before the body is read) and reads the
// body's data; ok is false once a reply was sent.
func (c *call) creditBody() (*billing.Service, number.Doc, bool) {
	b := c.bill()
	if b == nil {
		return nil, nil, false
	}
	if err := billing.MayAddCredit(c.auth, c.account); err != nil {
		c.fail(err)
		return nil, nil, false
	}
	env, err := c.body()
	if err != nil {
		c.fail(err)
		return nil, nil, false
	}
	data, err := env.data()
	if err != nil {
		c.fail(err)
		return nil, nil, false
	}
	return b, data, true
}

// money reads the amount field (a decimal in currency) or field_minor (an
// integer of minor units) of data, adding a validation error when it is
// missing or malformed; given says one was sent.
func (v *validationErrors) money(data number.Doc, field, currency string) (amount int64, given bool) {
	var err error
	switch {
	case data[field+"_minor"] != nil:
		if json.Unmarshal(data[field+"_minor"], &amount) != nil {
			v.add(field+"_minor", "type", "Value did not match type(s): integer")
		}
	case data[field] != nil:
		if amount, err = billing.ParseJSONAmount(data[field], currency); err != nil {
			v.add(field, "type", err.Error())
		}
	default:
		v.add(field, "required", "Field is required but missing")
		return 0, false
	}
	return amount, true
}

// handleCreditAdd is PUT /v2/accounts/{A}/credits with {"data": {"amount":
// "25.00" (or "amount_minor": 2500), "currency": "USD", "description"}}.
// Who may add credit is billing.MayAddCredit's to say; it is asked before
// the body is read.
func handleCreditAdd(c *call) {
	b, data, ok := c.creditBody()
	if !ok {
		return
	}
	var v validationErrors
	currency := b.CreditCurrency(c.ctx, c.account.ID)
	if raw, ok := data["currency"]; ok {
		if json.Unmarshal(raw, &currency) != nil || billing.CheckCurrency(currency) != nil {
			v.add("currency", "pattern", "an ISO 4217 code such as USD", "value", string(raw))
		}
	}
	amount, given := v.money(data, "amount", currency)
	if given && amount <= 0 && v.err() == nil {
		v.add("amount", "minimum", "the amount must be positive")
	}
	var desc string
	data.Get("description", &desc)
	if err := v.err(); err != nil {
		c.fail(err)
		return
	}
	e, cr, err := b.CreditAccount(c.ctx, c.auth, c.account, amount, currency, desc, c.requestID)
	if err != nil {
		c.fail(err)
		return
	}
	out := creditJSON(cr)
	out["transaction"] = entryJSON(e)
	c.created(out)
}

// handleQuote is POST /v2/accounts/{A}/quotes with {"data": {"numbers":
// [...], "action": "activate" | "create" | "reserve", <public fields>}}:
// the operation run dry, for the account. It answers the quote (a list of
// invoices, empty when it costs nothing) and which numbers would succeed
// and fail; nothing is bought or written. `numan quote` calls it.
func handleQuote(c *call) {
	if c.bill() == nil {
		return
	}
	nums, rest, _, err := c.collectionBody()
	if err != nil {
		c.fail(err)
		return
	}
	action := "activate"
	if raw, ok := rest["action"]; ok {
		var v validationErrors
		v.enumRule("action", raw, []string{"activate", "create", "reserve"})
		if err := v.err(); err != nil {
			c.fail(err)
			return
		}
		_ = json.Unmarshal(raw, &action)
	}
	op := c.op()
	op.DryRun = true
	public := without(rest, "action", "create_with_state")
	var res *manager.Result
	switch action {
	case "create":
		op.State = createState(rest)
		op.PublicFields = public
		res = c.s.mgr.Create(c.ctx, nums, op)
	case "reserve":
		res = c.s.mgr.Reserve(c.ctx, nums, op)
	default:
		if len(public) > 0 {
			op.PublicFields = public
		}
		res = c.s.mgr.Move(c.ctx, nums, c.account.ID, op)
	}
	quote := res.Charges
	if quote == nil {
		quote = billing.Quote{}
	}
	success := make([]string, 0, len(res.Succeeded))
	for _, n := range res.Succeeded {
		success = append(success, n.Number)
	}
	failed := map[string]any{}
	for k, err := range res.Failed {
		failed[k] = numberFailure(err)
	}
	c.ok(map[string]any{"quote": quote, "success": success, "error": failed})
}
