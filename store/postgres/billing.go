package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/internal/sqlrow"
)

var _ store.Billing = (*Store)(nil)

const planColumns = "id, owner_id, name, currency, doc::text, created, modified, version"

func planNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "service plan " + id + " not found"}
}

func scanPlan(row pgx.Row, lead ...any) (*store.ServicePlan, error) {
	var (
		p                 store.ServicePlan
		doc               string
		created, modified time.Time
	)
	dest := append(lead, &p.ID, &p.OwnerID, &p.Name, &p.Currency, &doc, &created, &modified, &p.Version)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	p.Doc = json.RawMessage(doc)
	p.Created, p.Modified = created.UTC(), modified.UTC()
	return &p, nil
}

func checkPlan(p *store.ServicePlan) error {
	if p.ID == "" {
		return number.Errorf(number.KindInvalid, "", "service plan without an id")
	}
	if err := sqlrow.CheckObject(p.Doc); err != nil {
		return number.Wrap(number.KindInvalid, p.ID, err)
	}
	p.Created, p.Modified = sqlrow.Time(p.Created), sqlrow.Time(p.Modified)
	return nil
}

// InsertServicePlan implements store.Billing.
func (s *Store) InsertServicePlan(ctx context.Context, p *store.ServicePlan) error {
	if err := checkPlan(p); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, "INSERT INTO service_plans (id, owner_id, name, currency, doc, created, modified, version)"+
		" VALUES ($1, $2, $3, $4, $5, $6, $7, 1)", p.ID, p.OwnerID, p.Name, p.Currency, string(p.Doc), p.Created, p.Modified)
	if uniqueViolation(err) != "" {
		return &number.Error{Kind: number.KindConflict, Number: p.ID, Message: "service plan " + p.ID + " already exists", Err: err}
	}
	if err != nil {
		return internal("insert service plan", p.ID, err)
	}
	p.Version = 1
	return nil
}

// UpdateServicePlan implements store.Billing.
func (s *Store) UpdateServicePlan(ctx context.Context, p *store.ServicePlan) error {
	if err := checkPlan(p); err != nil {
		return err
	}
	tag, err := s.db.Exec(ctx, "UPDATE service_plans SET owner_id = $1, name = $2, currency = $3, doc = $4, modified = $5,"+
		" version = version + 1 WHERE id = $6 AND version = $7",
		p.OwnerID, p.Name, p.Currency, string(p.Doc), p.Modified, p.ID, p.Version)
	if err != nil {
		return internal("update service plan", p.ID, err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := s.GetServicePlan(ctx, p.ID); err != nil {
			return err
		}
		return &number.Error{Kind: number.KindConflict, Number: p.ID, Message: "service plan " + p.ID + " was changed by another request"}
	}
	p.Version++
	return nil
}

// GetServicePlan implements store.Billing.
func (s *Store) GetServicePlan(ctx context.Context, id string) (*store.ServicePlan, error) {
	p, err := scanPlan(s.db.QueryRow(ctx, "SELECT "+planColumns+" FROM service_plans WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, planNotFound(id)
	}
	if err != nil {
		return nil, internal("get service plan", id, err)
	}
	return p, nil
}

// ListServicePlans implements store.Billing.
func (s *Store) ListServicePlans(ctx context.Context, ownerID string) ([]*store.ServicePlan, error) {
	q := "SELECT " + planColumns + " FROM service_plans"
	var args []any
	if ownerID != "" {
		q += " WHERE owner_id = $1"
		args = append(args, ownerID)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY name, id", args...)
	if err != nil {
		return nil, internal("list service plans", ownerID, err)
	}
	defer rows.Close()
	out := []*store.ServicePlan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, internal("list service plans", ownerID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list service plans", ownerID, err)
	}
	return out, nil
}

// DeleteServicePlan implements store.Billing.
func (s *Store) DeleteServicePlan(ctx context.Context, id string) error {
	tag, err := s.db.Exec(ctx, "DELETE FROM service_plans WHERE id = $1", id)
	var fk interface{ SQLState() string }
	if errors.As(err, &fk) && fk.SQLState() == "23503" { // foreign_key_violation: still linked
		return &number.Error{Kind: number.KindConflict, Number: id, Message: "service plan " + id + " is used by accounts", Err: err}
	}
	if err != nil {
		return internal("delete service plan", id, err)
	}
	if tag.RowsAffected() == 0 {
		return planNotFound(id)
	}
	return nil
}

// LinkServicePlan implements store.Billing.
func (s *Store) LinkServicePlan(ctx context.Context, accountID, planID string, at time.Time) error {
	_, err := s.db.Exec(ctx, "INSERT INTO account_service_plans (account_id, plan_id, linked) VALUES ($1, $2, $3)"+
		" ON CONFLICT (account_id, plan_id) DO NOTHING", accountID, planID, sqlrow.Time(at))
	var fk interface{ SQLState() string }
	if errors.As(err, &fk) && fk.SQLState() == "23503" {
		return planNotFound(planID)
	}
	if err != nil {
		return internal("link service plan", planID, err)
	}
	return nil
}

// UnlinkServicePlan implements store.Billing.
func (s *Store) UnlinkServicePlan(ctx context.Context, accountID, planID string) error {
	tag, err := s.db.Exec(ctx, "DELETE FROM account_service_plans WHERE account_id = $1 AND plan_id = $2", accountID, planID)
	if err != nil {
		return internal("unlink service plan", planID, err)
	}
	if tag.RowsAffected() == 0 {
		return &number.Error{Kind: number.KindNotFound, Number: planID, Message: "service plan " + planID + " does not apply to account " + accountID}
	}
	return nil
}

// LinkedServicePlans implements store.Billing.
func (s *Store) LinkedServicePlans(ctx context.Context, accountIDs []string) (map[string][]*store.ServicePlan, error) {
	out := map[string][]*store.ServicePlan{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, "SELECT l.account_id, p.id, p.owner_id, p.name, p.currency, p.doc::text, p.created, p.modified, p.version"+
		" FROM account_service_plans l JOIN service_plans p ON p.id = l.plan_id"+
		" WHERE l.account_id = ANY($1) ORDER BY l.account_id, l.seq", accountIDs)
	if err != nil {
		return nil, internal("linked service plans", "", err)
	}
	defer rows.Close()
	for rows.Next() {
		var account string
		p, err := scanPlan(rows, &account)
		if err != nil {
			return nil, internal("linked service plans", "", err)
		}
		out[account] = append(out[account], p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("linked service plans", "", err)
	}
	return out, nil
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
	e.Created = sqlrow.Time(e.Created)
	return nil
}

// AppendLedger implements store.Billing. Balances are locked (FOR UPDATE)
// for the transaction, so nodes appending at once serialise per account.
func (s *Store) AppendLedger(ctx context.Context, entries []*store.LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if err := checkEntry(e); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, e := range entries {
			var detail any
			if len(e.Detail) > 0 {
				detail = string(e.Detail)
			}
			if err := tx.QueryRow(ctx, "INSERT INTO ledger (account_id, type, reason, number, category, item, description,"+
				" amount_minor, currency, request_id, detail, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
				e.AccountID, e.Type, e.Reason, e.Number, e.Category, e.Item, e.Description,
				e.AmountMinor, e.Currency, e.RequestID, detail, e.Created).Scan(&e.ID); err != nil {
				return internal("append ledger", e.AccountID, err)
			}
			if err := moveCredit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// moveCredit applies one entry to its account's balance: debits move only
// existing balances, a credit opens one.
func moveCredit(ctx context.Context, tx pgx.Tx, e *store.LedgerEntry) error {
	var currency string
	err := tx.QueryRow(ctx, "SELECT currency FROM credits WHERE account_id = $1 FOR UPDATE", e.AccountID).Scan(&currency)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if e.Type == store.LedgerDebit {
			return nil
		}
		_, err = tx.Exec(ctx, "INSERT INTO credits (account_id, balance_minor, currency, modified) VALUES ($1, $2, $3, $4)"+
			" ON CONFLICT (account_id) DO UPDATE SET balance_minor = credits.balance_minor + excluded.balance_minor, modified = excluded.modified",
			e.AccountID, e.AmountMinor, e.Currency, e.Created)
		if err != nil {
			return internal("credit", e.AccountID, err)
		}
		return nil
	case err != nil:
		return internal("credit", e.AccountID, err)
	case currency != e.Currency:
		return number.Errorf(number.KindInvalid, e.AccountID, "account credit is in %s, not %s", currency, e.Currency)
	}
	delta := e.AmountMinor
	if e.Type == store.LedgerDebit {
		delta = -delta
	}
	if _, err := tx.Exec(ctx, "UPDATE credits SET balance_minor = balance_minor + $1, modified = $2 WHERE account_id = $3",
		delta, e.Created, e.AccountID); err != nil {
		return internal("credit", e.AccountID, err)
	}
	return nil
}

// ListLedger implements store.Billing.
func (s *Store) ListLedger(ctx context.Context, q store.LedgerQuery) ([]*store.LedgerEntry, error) {
	query := "SELECT id, account_id, type, reason, number, category, item, description, amount_minor, currency, request_id, detail::text, created" +
		" FROM ledger WHERE account_id = $1"
	args := []any{q.AccountID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !q.Since.IsZero() {
		query += " AND created >= " + arg(sqlrow.Time(q.Since))
	}
	if !q.Until.IsZero() {
		query += " AND created < " + arg(sqlrow.Time(q.Until))
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
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, internal("list ledger", q.AccountID, err)
	}
	defer rows.Close()
	out := []*store.LedgerEntry{}
	for rows.Next() {
		var (
			e       store.LedgerEntry
			detail  *string
			created time.Time
		)
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Type, &e.Reason, &e.Number, &e.Category, &e.Item, &e.Description,
			&e.AmountMinor, &e.Currency, &e.RequestID, &detail, &created); err != nil {
			return nil, internal("list ledger", q.AccountID, err)
		}
		if detail != nil {
			e.Detail = json.RawMessage(*detail)
		}
		e.Created = created.UTC()
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list ledger", q.AccountID, err)
	}
	return out, nil
}

// GetCredit implements store.Billing.
func (s *Store) GetCredit(ctx context.Context, accountID string) (*store.Credit, error) {
	c := store.Credit{AccountID: accountID}
	var modified time.Time
	err := s.db.QueryRow(ctx, "SELECT balance_minor, currency, modified FROM credits WHERE account_id = $1", accountID).
		Scan(&c.BalanceMinor, &c.Currency, &modified)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &number.Error{Kind: number.KindNotFound, Number: accountID, Message: "account " + accountID + " has no credit"}
	}
	if err != nil {
		return nil, internal("get credit", accountID, err)
	}
	c.Modified = modified.UTC()
	return &c, nil
}
