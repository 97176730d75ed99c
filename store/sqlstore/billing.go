package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

const planColumns = "id, owner_id, name, currency, doc, created, modified, version"

func planNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "service plan " + id + " not found"}
}

// scanPlan scans a plan's columns after the lead ones.
func scanPlan(row scanner, lead ...any) (*store.ServicePlan, error) {
	var (
		p   store.ServicePlan
		doc []byte
	)
	dest := append(lead, &p.ID, &p.OwnerID, &p.Name, &p.Currency, &doc, scanTime(&p.Created), scanTime(&p.Modified), &p.Version)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	p.Doc = json.RawMessage(doc)
	return &p, nil
}

func checkPlan(p *store.ServicePlan) error {
	if p.ID == "" {
		return number.Errorf(number.KindInvalid, "", "service plan without an id")
	}
	if err := checkObject(p.Doc); err != nil {
		return number.Wrap(number.KindInvalid, p.ID, err)
	}
	p.Created, p.Modified = storedTime(p.Created), storedTime(p.Modified)
	return nil
}

// InsertServicePlan implements store.Billing.
func (x *executor) InsertServicePlan(ctx context.Context, p *store.ServicePlan) error {
	if err := checkPlan(p); err != nil {
		return err
	}
	_, err := x.exec(ctx, "INSERT INTO service_plans ("+planColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
		p.ID, p.OwnerID, p.Name, p.Currency, string(p.Doc), x.d.time(p.Created), x.d.time(p.Modified))
	if x.d.is(err, uniqueViolation) {
		return &number.Error{Kind: number.KindConflict, Number: p.ID, Message: "service plan " + p.ID + " already exists", Err: err}
	}
	if err != nil {
		return x.d.internal("insert service plan", p.ID, err)
	}
	p.Version = 1
	return nil
}

// UpdateServicePlan implements store.Billing.
func (x *executor) UpdateServicePlan(ctx context.Context, p *store.ServicePlan) error {
	if err := checkPlan(p); err != nil {
		return err
	}
	changed, err := x.execOne(ctx, "UPDATE service_plans SET owner_id = $1, name = $2, currency = $3, doc = $4, modified = $5,"+
		" version = version + 1 WHERE id = $6 AND version = $7",
		p.OwnerID, p.Name, p.Currency, string(p.Doc), x.d.time(p.Modified), p.ID, p.Version)
	if err != nil {
		return x.d.internal("update service plan", p.ID, err)
	}
	if !changed {
		if _, err := x.GetServicePlan(ctx, p.ID); err != nil {
			return err
		}
		return &number.Error{Kind: number.KindConflict, Number: p.ID, Message: "service plan " + p.ID + " was changed by another request"}
	}
	p.Version++
	return nil
}

// GetServicePlan implements store.Billing.
func (x *executor) GetServicePlan(ctx context.Context, id string) (*store.ServicePlan, error) {
	p, err := scanPlan(x.queryRow(ctx, "SELECT "+planColumns+" FROM service_plans WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, planNotFound(id)
	}
	if err != nil {
		return nil, x.d.internal("get service plan", id, err)
	}
	return p, nil
}

// ListServicePlans implements store.Billing.
func (x *executor) ListServicePlans(ctx context.Context, ownerID string) ([]*store.ServicePlan, error) {
	q := "SELECT " + planColumns + " FROM service_plans"
	var args []any
	if ownerID != "" {
		q += " WHERE owner_id = $1"
		args = append(args, ownerID)
	}
	out, err := nonNil(collect(x.query(ctx, q+" ORDER BY name, id", args...), func(r scanner) (*store.ServicePlan, error) { return scanPlan(r) }))
	if err != nil {
		return nil, x.d.internal("list service plans", ownerID, err)
	}
	return out, nil
}

// DeleteServicePlan implements store.Billing: the foreign key of the
// accounts' links refuses to delete a plan in use.
func (x *executor) DeleteServicePlan(ctx context.Context, id string) error {
	changed, err := x.execOne(ctx, "DELETE FROM service_plans WHERE id = $1", id)
	if x.d.is(err, foreignKeyViolation) {
		return &number.Error{Kind: number.KindConflict, Number: id, Message: "service plan " + id + " is used by accounts", Err: err}
	}
	if err != nil {
		return x.d.internal("delete service plan", id, err)
	}
	if !changed {
		return planNotFound(id)
	}
	return nil
}

// LinkServicePlan implements store.Billing: one statement, numbering the
// account's links in order; the foreign key refuses a missing plan.
func (x *executor) LinkServicePlan(ctx context.Context, accountID, planID string, at time.Time) error {
	_, err := x.exec(ctx, "INSERT INTO account_service_plans (account_id, plan_id, linked, seq)"+
		" VALUES ($1, $2, $3, (SELECT coalesce(max(seq), 0) + 1 FROM account_service_plans WHERE account_id = $1))"+
		" ON CONFLICT (account_id, plan_id) DO NOTHING", accountID, planID, x.d.time(storedTime(at)))
	if x.d.is(err, foreignKeyViolation) {
		return planNotFound(planID)
	}
	if err != nil {
		return x.d.internal("link service plan", planID, err)
	}
	return nil
}

// UnlinkServicePlan implements store.Billing.
func (x *executor) UnlinkServicePlan(ctx context.Context, accountID, planID string) error {
	changed, err := x.execOne(ctx, "DELETE FROM account_service_plans WHERE account_id = $1 AND plan_id = $2", accountID, planID)
	if err != nil {
		return x.d.internal("unlink service plan", planID, err)
	}
	if !changed {
		return &number.Error{Kind: number.KindNotFound, Number: planID, Message: "service plan " + planID + " does not apply to account " + accountID}
	}
	return nil
}

// LinkedServicePlans implements store.Billing.
func (x *executor) LinkedServicePlans(ctx context.Context, accountIDs []string) (map[string][]*store.ServicePlan, error) {
	type linked struct {
		account string
		plan    *store.ServicePlan
	}
	out := map[string][]*store.ServicePlan{}
	for chunk := range chunks(accountIDs, x.d.maxKeys) {
		cond, args := x.d.keysIn("l.account_id", chunk)
		links, err := collect(x.query(ctx, "SELECT l.account_id, p.id, p.owner_id, p.name, p.currency, p.doc, p.created, p.modified, p.version"+
			" FROM account_service_plans l JOIN service_plans p ON p.id = l.plan_id"+
			" WHERE "+cond+" ORDER BY l.account_id, l.seq", args...), func(r scanner) (l linked, err error) {
			l.plan, err = scanPlan(r, &l.account)
			return l, err
		})
		if err != nil {
			return nil, x.d.internal("linked service plans", "", err)
		}
		for _, l := range links {
			out[l.account] = append(out[l.account], l.plan)
		}
	}
	return out, nil
}

// AppendLedger implements store.Billing. Balances are read for update, so
// transactions appending to one account at once (PostgreSQL nodes)
// serialise on it.
func (x *executor) AppendLedger(ctx context.Context, entries []*store.LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if err := checkEntry(e); err != nil {
			return err
		}
	}
	return x.atomic(ctx, func(x *executor) error {
		for _, e := range entries {
			var detail any
			if len(e.Detail) > 0 {
				detail = string(e.Detail)
			}
			if err := x.write.QueryRowContext(ctx, "INSERT INTO ledger (account_id, type, reason, number, category, item, description,"+
				" amount_minor, currency, request_id, detail, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
				e.AccountID, e.Type, e.Reason, e.Number, e.Category, e.Item, e.Description,
				e.AmountMinor, e.Currency, e.RequestID, detail, x.d.time(e.Created)).Scan(&e.ID); err != nil {
				return x.d.internal("append ledger", e.AccountID, err)
			}
			if err := x.moveCredit(ctx, e); err != nil {
				return err
			}
			if e.Type == store.LedgerDebit {
				if err := x.AppendEvents(ctx, []*event.Event{chargeEvent(ctx, e)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// chargeEvent is the charge.posted event of a debit: written with the
// entry, as a number write's event is with the number, so no path that
// charges can forget it.
func chargeEvent(ctx context.Context, e *store.LedgerEntry) *event.Event {
	return event.New(ctx, event.ChargePosted, e.AccountID, e.Number, map[string]any{
		"ledger_id": e.ID, "reason": e.Reason, "category": e.Category, "item": e.Item, "description": e.Description,
		"amount_minor": e.AmountMinor, "currency": e.Currency, "request_id": e.RequestID})
}

func checkEntry(e *store.LedgerEntry) error {
	switch {
	case e.AccountID == "":
		return number.Errorf(number.KindInvalid, "", "ledger entry without an account")
	case e.Type != store.LedgerDebit && e.Type != store.LedgerCredit:
		return number.Errorf(number.KindInvalid, e.AccountID, "ledger entry type %q", e.Type)
	case e.AmountMinor < 0:
		return number.Errorf(number.KindInvalid, e.AccountID, "negative ledger amount %d", e.AmountMinor)
	case e.Currency == "":
		return number.Errorf(number.KindInvalid, e.AccountID, "ledger entry without a currency")
	}
	if len(e.Detail) > 0 && !json.Valid(e.Detail) {
		return number.Errorf(number.KindInvalid, e.AccountID, "ledger detail is not JSON")
	}
	e.Created = storedTime(e.Created)
	return nil
}

// moveCredit applies one entry to its account's balance, inside the
// ledger's transaction: debits move only existing balances, and only as
// far as the account can cover them; a credit opens one (or adds to the one
// a concurrent transaction just opened).
func (x *executor) moveCredit(ctx context.Context, e *store.LedgerEntry) error {
	c, err := x.lockCredit(ctx, e.AccountID)
	switch {
	case number.IsKind(err, number.KindNotFound):
		if e.Type == store.LedgerDebit {
			return nil
		}
		_, err = x.exec(ctx, "INSERT INTO credits (account_id, balance_minor, currency, modified) VALUES ($1, $2, $3, $4)"+
			" ON CONFLICT (account_id) DO UPDATE SET balance_minor = credits.balance_minor + excluded.balance_minor, modified = excluded.modified",
			e.AccountID, e.AmountMinor, e.Currency, x.d.time(e.Created))
		if err != nil {
			return x.d.internal("credit", e.AccountID, err)
		}
		return nil
	case err != nil:
		return err
	case c.Currency != e.Currency:
		return number.Errorf(number.KindInvalid, e.AccountID, "account credit is in %s, not %s", c.Currency, e.Currency)
	}
	delta := e.AmountMinor
	if e.Type == store.LedgerDebit {
		if c.Available() < e.AmountMinor {
			return notEnoughCredit(c, e.AmountMinor)
		}
		delta = -delta
	}
	if _, err := x.exec(ctx, "UPDATE credits SET balance_minor = balance_minor + $1, modified = $2 WHERE account_id = $3",
		delta, x.d.time(e.Created), e.AccountID); err != nil {
		return x.d.internal("credit", e.AccountID, err)
	}
	return nil
}

// lockCredit reads an account's balance and locks it until the
// transaction ends (PostgreSQL; SQLite's single writer already
// serialises), so a decision taken on it holds when the write lands.
func (x *executor) lockCredit(ctx context.Context, accountID string) (*store.Credit, error) {
	c := store.Credit{AccountID: accountID}
	err := x.queryRow(ctx, "SELECT balance_minor, held_minor, limit_minor, currency, modified FROM credits WHERE account_id = $1"+x.d.forUpdate,
		accountID).Scan(&c.BalanceMinor, &c.HeldMinor, &c.LimitMinor, &c.Currency, scanTime(&c.Modified))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &number.Error{Kind: number.KindNotFound, Number: accountID, Message: "account " + accountID + " has no credit"}
	}
	if err != nil {
		return nil, x.d.internal("credit", accountID, err)
	}
	return &c, nil
}

// notEnoughCredit is the refusal of a debit or hold of amount that c
// cannot cover.
func notEnoughCredit(c *store.Credit, amount int64) error {
	return &number.Error{Kind: number.KindNotEnoughCredit, Number: c.AccountID,
		Cause: fmt.Sprintf("available %d, needed %d (%s minor units)", c.Available(), amount, c.Currency)}
}

// PlaceHold implements store.Billing.
func (x *executor) PlaceHold(ctx context.Context, h *store.Hold) (bool, error) {
	switch {
	case h.ID == "" || h.AccountID == "":
		return false, number.Errorf(number.KindInvalid, h.AccountID, "hold without an id or account")
	case h.AmountMinor <= 0:
		return false, number.Errorf(number.KindInvalid, h.AccountID, "hold of %d", h.AmountMinor)
	}
	h.Created = storedTime(h.Created)
	held := false
	err := x.atomic(ctx, func(x *executor) error {
		c, err := x.lockCredit(ctx, h.AccountID)
		if number.IsKind(err, number.KindNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Currency != h.Currency {
			return number.Errorf(number.KindInvalid, h.AccountID, "account credit is in %s, not %s", c.Currency, h.Currency)
		}
		if c.Available() < h.AmountMinor {
			return notEnoughCredit(c, h.AmountMinor)
		}
		if _, err := x.exec(ctx, "UPDATE credits SET held_minor = held_minor + $1, modified = $2 WHERE account_id = $3",
			h.AmountMinor, x.d.time(h.Created), h.AccountID); err != nil {
			return x.d.internal("hold credit", h.AccountID, err)
		}
		if _, err := x.exec(ctx, "INSERT INTO credit_holds (id, account_id, amount_minor, currency, number, request_id, created)"+
			" VALUES ($1, $2, $3, $4, $5, $6, $7)",
			h.ID, h.AccountID, h.AmountMinor, h.Currency, h.Number, h.RequestID, x.d.time(h.Created)); err != nil {
			if x.d.is(err, uniqueViolation) {
				return &number.Error{Kind: number.KindConflict, Number: h.AccountID, Message: "hold " + h.ID + " already exists"}
			}
			return x.d.internal("hold credit", h.AccountID, err)
		}
		held = true
		return nil
	})
	return held, err
}

// ReleaseHold implements store.Billing.
func (x *executor) ReleaseHold(ctx context.Context, id string) error {
	return x.atomic(ctx, func(x *executor) error {
		var (
			account string
			amount  int64
		)
		err := x.queryRow(ctx, "DELETE FROM credit_holds WHERE id = $1 RETURNING account_id, amount_minor", id).Scan(&account, &amount)
		if errors.Is(err, sql.ErrNoRows) {
			return &number.Error{Kind: number.KindNotFound, Message: "hold " + id + " not found"}
		}
		if err != nil {
			return x.d.internal("release hold", id, err)
		}
		if _, err := x.exec(ctx, "UPDATE credits SET held_minor = held_minor - $1 WHERE account_id = $2", amount, account); err != nil {
			return x.d.internal("release hold", id, err)
		}
		return nil
	})
}

// ListHolds implements store.Billing.
func (x *executor) ListHolds(ctx context.Context, accountID string) ([]*store.Hold, error) {
	out, err := nonNil(collect(x.query(ctx, "SELECT id, account_id, amount_minor, currency, number, request_id, created"+
		" FROM credit_holds WHERE account_id = $1 ORDER BY created, id", accountID), func(r scanner) (*store.Hold, error) {
		var h store.Hold
		err := r.Scan(&h.ID, &h.AccountID, &h.AmountMinor, &h.Currency, &h.Number, &h.RequestID, scanTime(&h.Created))
		return &h, err
	}))
	if err != nil {
		return nil, x.d.internal("list holds", accountID, err)
	}
	return out, nil
}

// SetCreditLimit implements store.Billing.
func (x *executor) SetCreditLimit(ctx context.Context, accountID string, limitMinor int64, at time.Time) error {
	if limitMinor < 0 {
		return number.Errorf(number.KindInvalid, accountID, "credit limit %d is negative", limitMinor)
	}
	ok, err := x.execOne(ctx, "UPDATE credits SET limit_minor = $1, modified = $2 WHERE account_id = $3",
		limitMinor, x.d.time(storedTime(at)), accountID)
	if err != nil {
		return x.d.internal("set credit limit", accountID, err)
	}
	if !ok {
		return &number.Error{Kind: number.KindNotFound, Number: accountID, Message: "account " + accountID + " has no credit"}
	}
	return nil
}

// ListLedger implements store.Billing.
func (x *executor) ListLedger(ctx context.Context, q store.LedgerQuery) ([]*store.LedgerEntry, error) {
	query := "SELECT id, account_id, type, reason, number, category, item, description, amount_minor, currency, request_id, detail, created" +
		" FROM ledger WHERE account_id = $1"
	args := []any{q.AccountID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !q.Since.IsZero() {
		query += " AND created >= " + arg(x.d.time(storedTime(q.Since)))
	}
	if !q.Until.IsZero() {
		query += " AND created < " + arg(x.d.time(storedTime(q.Until)))
	}
	if q.AfterID > 0 {
		query += " AND id > " + arg(q.AfterID)
	}
	if q.RequestID != "" {
		query += " AND request_id = " + arg(q.RequestID)
	}
	query += " ORDER BY id"
	if q.Limit > 0 {
		query += " LIMIT " + arg(q.Limit)
	}
	out, err := nonNil(collect(x.query(ctx, query, args...), func(r scanner) (*store.LedgerEntry, error) {
		var (
			e      store.LedgerEntry
			detail []byte
		)
		err := r.Scan(&e.ID, &e.AccountID, &e.Type, &e.Reason, &e.Number, &e.Category, &e.Item, &e.Description,
			&e.AmountMinor, &e.Currency, &e.RequestID, &detail, scanTime(&e.Created))
		if detail != nil {
			e.Detail = json.RawMessage(detail)
		}
		return &e, err
	}))
	if err != nil {
		return nil, x.d.internal("list ledger", q.AccountID, err)
	}
	return out, nil
}

// GetCredit implements store.Billing.
func (x *executor) GetCredit(ctx context.Context, accountID string) (*store.Credit, error) {
	c := store.Credit{AccountID: accountID}
	err := x.queryRow(ctx, "SELECT balance_minor, held_minor, limit_minor, currency, modified FROM credits WHERE account_id = $1", accountID).
		Scan(&c.BalanceMinor, &c.HeldMinor, &c.LimitMinor, &c.Currency, scanTime(&c.Modified))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &number.Error{Kind: number.KindNotFound, Number: accountID, Message: "account " + accountID + " has no credit"}
	}
	if err != nil {
		return nil, x.d.internal("get credit", accountID, err)
	}
	return &c, nil
}
