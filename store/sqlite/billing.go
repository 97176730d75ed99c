package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/internal/sqlrow"
)

var _ store.Billing = (*Store)(nil)

const planColumns = "id, owner_id, name, currency, doc, created, modified, version"

func planNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "service plan " + id + " not found"}
}

func scanPlan(row scanner) (*store.ServicePlan, error) {
	var (
		p                 store.ServicePlan
		doc               string
		created, modified int64
	)
	if err := row.Scan(&p.ID, &p.OwnerID, &p.Name, &p.Currency, &doc, &created, &modified, &p.Version); err != nil {
		return nil, err
	}
	p.Doc = json.RawMessage(doc)
	p.Created, p.Modified = fromMicro(created), fromMicro(modified)
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
	_, err := s.writer.ExecContext(ctx, "INSERT INTO service_plans ("+planColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
		p.ID, p.OwnerID, p.Name, p.Currency, string(p.Doc), p.Created.UnixMicro(), p.Modified.UnixMicro())
	if ok, _ := isUnique(err); ok {
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
	res, err := s.writer.ExecContext(ctx, "UPDATE service_plans SET owner_id = $1, name = $2, currency = $3, doc = $4, modified = $5,"+
		" version = version + 1 WHERE id = $6 AND version = $7",
		p.OwnerID, p.Name, p.Currency, string(p.Doc), p.Modified.UnixMicro(), p.ID, p.Version)
	if err != nil {
		return internal("update service plan", p.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
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
	p, err := scanPlan(s.db.QueryRowContext(ctx, "SELECT "+planColumns+" FROM service_plans WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY name, id", args...)
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var used int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM account_service_plans WHERE plan_id = $1", id).Scan(&used); err != nil {
			return internal("delete service plan", id, err)
		}
		if used > 0 {
			return &number.Error{Kind: number.KindConflict, Number: id, Message: "service plan " + id + " is used by accounts"}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM service_plans WHERE id = $1", id)
		if err != nil {
			return internal("delete service plan", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return planNotFound(id)
		}
		return nil
	})
}

// LinkServicePlan implements store.Billing.
func (s *Store) LinkServicePlan(ctx context.Context, accountID, planID string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM service_plans WHERE id = $1", planID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return planNotFound(planID)
		}
		if err != nil {
			return internal("link service plan", planID, err)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO account_service_plans (account_id, plan_id, linked, seq)"+
			" SELECT $1, $2, $3, coalesce(max(seq), 0) + 1 FROM account_service_plans WHERE account_id = $1"+
			" ON CONFLICT (account_id, plan_id) DO NOTHING", accountID, planID, sqlrow.Time(at).UnixMicro())
		if err != nil {
			return internal("link service plan", planID, err)
		}
		return nil
	})
}

// UnlinkServicePlan implements store.Billing.
func (s *Store) UnlinkServicePlan(ctx context.Context, accountID, planID string) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM account_service_plans WHERE account_id = $1 AND plan_id = $2", accountID, planID)
	if err != nil {
		return internal("unlink service plan", planID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &number.Error{Kind: number.KindNotFound, Number: planID, Message: "service plan " + planID + " does not apply to account " + accountID}
	}
	return nil
}

// LinkedServicePlans implements store.Billing.
func (s *Store) LinkedServicePlans(ctx context.Context, accountIDs []string) (map[string][]*store.ServicePlan, error) {
	out := map[string][]*store.ServicePlan{}
	for chunk := range chunks(accountIDs, 500) {
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i] = "$" + strconv.Itoa(i+1)
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, "SELECT l.account_id, p.id, p.owner_id, p.name, p.currency, p.doc, p.created, p.modified, p.version"+
			" FROM account_service_plans l JOIN service_plans p ON p.id = l.plan_id"+
			" WHERE l.account_id IN ("+strings.Join(marks, ", ")+") ORDER BY l.account_id, l.seq", args...)
		if err != nil {
			return nil, internal("linked service plans", "", err)
		}
		for rows.Next() {
			var account string
			p, err := scanPlan(prefixed{rows, &account})
			if err != nil {
				rows.Close()
				return nil, internal("linked service plans", "", err)
			}
			out[account] = append(out[account], p)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, internal("linked service plans", "", err)
		}
	}
	return out, nil
}

// prefixed scans one leading column into first, then the rest as the
// wrapped scanner's caller expects.
type prefixed struct {
	rows  *sql.Rows
	first *string
}

func (p prefixed) Scan(dest ...any) error { return p.rows.Scan(append([]any{p.first}, dest...)...) }

// AppendLedger implements store.Billing.
func (s *Store) AppendLedger(ctx context.Context, entries []*store.LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if err := checkEntry(e); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, "INSERT INTO ledger (account_id, type, reason, number, category, item, description,"+
			" amount_minor, currency, request_id, detail, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id")
		if err != nil {
			return internal("append ledger", "", err)
		}
		defer ins.Close()
		for _, e := range entries {
			var detail any
			if len(e.Detail) > 0 {
				detail = string(e.Detail)
			}
			if err := ins.QueryRowContext(ctx, e.AccountID, e.Type, e.Reason, e.Number, e.Category, e.Item, e.Description,
				e.AmountMinor, e.Currency, e.RequestID, detail, e.Created.UnixMicro()).Scan(&e.ID); err != nil {
				return internal("append ledger", e.AccountID, err)
			}
			if err := moveCredit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
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

// moveCredit applies one entry to its account's balance, inside the
// ledger's transaction: debits move only existing balances, a credit
// opens one.
func moveCredit(ctx context.Context, tx *sql.Tx, e *store.LedgerEntry) error {
	var currency string
	err := tx.QueryRowContext(ctx, "SELECT currency FROM credits WHERE account_id = $1", e.AccountID).Scan(&currency)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if e.Type == store.LedgerDebit {
			return nil
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO credits (account_id, balance_minor, currency, modified) VALUES ($1, $2, $3, $4)",
			e.AccountID, e.AmountMinor, e.Currency, e.Created.UnixMicro())
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
	if _, err := tx.ExecContext(ctx, "UPDATE credits SET balance_minor = balance_minor + $1, modified = $2 WHERE account_id = $3",
		delta, e.Created.UnixMicro(), e.AccountID); err != nil {
		return internal("credit", e.AccountID, err)
	}
	return nil
}

// ListLedger implements store.Billing.
func (s *Store) ListLedger(ctx context.Context, q store.LedgerQuery) ([]*store.LedgerEntry, error) {
	query := "SELECT id, account_id, type, reason, number, category, item, description, amount_minor, currency, request_id, detail, created" +
		" FROM ledger WHERE account_id = $1"
	args := []any{q.AccountID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !q.Since.IsZero() {
		query += " AND created >= " + arg(sqlrow.Time(q.Since).UnixMicro())
	}
	if !q.Until.IsZero() {
		query += " AND created < " + arg(sqlrow.Time(q.Until).UnixMicro())
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
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal("list ledger", q.AccountID, err)
	}
	defer rows.Close()
	out := []*store.LedgerEntry{}
	for rows.Next() {
		var (
			e       store.LedgerEntry
			detail  sql.NullString
			created int64
		)
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Type, &e.Reason, &e.Number, &e.Category, &e.Item, &e.Description,
			&e.AmountMinor, &e.Currency, &e.RequestID, &detail, &created); err != nil {
			return nil, internal("list ledger", q.AccountID, err)
		}
		if detail.Valid {
			e.Detail = json.RawMessage(detail.String)
		}
		e.Created = fromMicro(created)
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list ledger", q.AccountID, err)
	}
	return out, nil
}

// GetCredit implements store.Billing.
func (s *Store) GetCredit(ctx context.Context, accountID string) (*store.Credit, error) {
	var (
		c        = store.Credit{AccountID: accountID}
		modified int64
	)
	err := s.db.QueryRowContext(ctx, "SELECT balance_minor, currency, modified FROM credits WHERE account_id = $1", accountID).
		Scan(&c.BalanceMinor, &c.Currency, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &number.Error{Kind: number.KindNotFound, Number: accountID, Message: "account " + accountID + " has no credit"}
	}
	if err != nil {
		return nil, internal("get credit", accountID, err)
	}
	c.Modified = fromMicro(modified)
	return &c, nil
}
