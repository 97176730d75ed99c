package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// RecurringAccounts implements store.Recurring.
func (x *executor) RecurringAccounts(ctx context.Context, states []number.State, since string) ([]string, error) {
	keys := make([]string, len(states))
	for i, s := range states {
		keys[i] = string(s)
	}
	cond, args := x.d.keysIn("state", keys)
	args = append(args, since)
	q := "SELECT DISTINCT assigned_to FROM numbers WHERE " + cond + " AND assigned_to <> ''" +
		" UNION SELECT DISTINCT account_id FROM recurring_days WHERE day >= $" + strconv.Itoa(len(args)) + " ORDER BY 1"
	out, err := nonNil(collect(x.query(ctx, q, args...), func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}))
	if err != nil {
		return nil, x.d.internal("list billed accounts", "", err)
	}
	return out, nil
}

// PutRecurringDays implements store.Recurring.
func (x *executor) PutRecurringDays(ctx context.Context, days []*store.RecurringDay) (int, error) {
	stored := 0
	err := x.atomic(ctx, func(x *executor) error {
		stored = 0
		for _, d := range days {
			detail := string(d.Detail)
			if detail == "" {
				detail = "[]"
			}
			ok, err := x.execOne(ctx, "INSERT INTO recurring_days (account_id, day, currency, amount_minor, detail)"+
				" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, day) DO NOTHING",
				d.AccountID, d.Day, d.Currency, d.AmountMinor, detail)
			if err != nil {
				return x.d.internal("record recurring day", d.AccountID, err)
			}
			if ok {
				stored++
			}
		}
		return nil
	})
	return stored, err
}

const dayColumns = "account_id, day, currency, amount_minor, detail"

func scanDay(r scanner) (*store.RecurringDay, error) {
	var (
		d      store.RecurringDay
		detail string
	)
	err := r.Scan(&d.AccountID, &d.Day, &d.Currency, &d.AmountMinor, &detail)
	d.Detail = []byte(detail)
	return &d, err
}

// LastRecurringDay implements store.Recurring.
func (x *executor) LastRecurringDay(ctx context.Context, accountID, day string) (*store.RecurringDay, error) {
	d, err := scanDay(x.queryRow(ctx, "SELECT "+dayColumns+" FROM recurring_days WHERE account_id = $1 AND day <= $2"+
		" ORDER BY day DESC LIMIT 1", accountID, day))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &number.Error{Kind: number.KindNotFound, Message: "no recurring day of " + accountID}
	}
	if err != nil {
		return nil, x.d.internal("read recurring day", accountID, err)
	}
	return d, nil
}

// ListRecurringDays implements store.Recurring.
func (x *executor) ListRecurringDays(ctx context.Context, accountID, from, to string) ([]*store.RecurringDay, error) {
	out, err := nonNil(collect(x.query(ctx, "SELECT "+dayColumns+" FROM recurring_days WHERE account_id = $1"+
		" AND day >= $2 AND day <= $3 ORDER BY day", accountID, from, to), scanDay))
	if err != nil {
		return nil, x.d.internal("list recurring days", accountID, err)
	}
	return out, nil
}

// InsertRecurringPosting implements store.Recurring.
func (x *executor) InsertRecurringPosting(ctx context.Context, p *store.RecurringPosting) error {
	p.Created, p.Modified = storedTime(p.Created), storedTime(p.Modified)
	detail := string(p.Detail)
	if detail == "" {
		detail = "[]"
	}
	_, err := x.exec(ctx, "INSERT INTO recurring_postings (account_id, period, currency, amount_minor, days, status, ledger_id,"+
		" detail, created, modified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		p.AccountID, p.Period, p.Currency, p.AmountMinor, p.Days, p.Status, p.LedgerID, detail, x.d.time(p.Created), x.d.time(p.Modified))
	if x.d.is(err, uniqueViolation) {
		return &number.Error{Kind: number.KindConflict, Message: "the charges of " + p.AccountID + " for " + p.Period + " are posted already", Err: err}
	}
	if err != nil {
		return x.d.internal("post recurring charges", p.AccountID, err)
	}
	return nil
}

// SettleRecurringPosting implements store.Recurring.
func (x *executor) SettleRecurringPosting(ctx context.Context, accountID, period string, ledgerID int64, at time.Time) error {
	ok, err := x.execOne(ctx, "UPDATE recurring_postings SET status = $1, ledger_id = $2, modified = $3"+
		" WHERE account_id = $4 AND period = $5 AND status = $6",
		store.PostingPosted, ledgerID, x.d.time(storedTime(at)), accountID, period, store.PostingOwed)
	if err != nil {
		return x.d.internal("settle recurring charges", accountID, err)
	}
	if !ok {
		return &number.Error{Kind: number.KindConflict, Message: "the charges of " + accountID + " for " + period + " are not owed"}
	}
	return nil
}

// ListRecurringPostings implements store.Recurring.
func (x *executor) ListRecurringPostings(ctx context.Context, accountID, status string) ([]*store.RecurringPosting, error) {
	out, err := nonNil(collect(x.query(ctx, "SELECT account_id, period, currency, amount_minor, days, status, ledger_id, detail,"+
		" created, modified FROM recurring_postings WHERE ($1 = '' OR account_id = $1) AND ($2 = '' OR status = $2)"+
		" ORDER BY period, account_id", accountID, status), func(r scanner) (*store.RecurringPosting, error) {
		var (
			p      store.RecurringPosting
			detail string
		)
		err := r.Scan(&p.AccountID, &p.Period, &p.Currency, &p.AmountMinor, &p.Days, &p.Status, &p.LedgerID, &detail,
			scanTime(&p.Created), scanTime(&p.Modified))
		p.Detail = []byte(detail)
		return &p, err
	}))
	if err != nil {
		return nil, x.d.internal("list recurring postings", accountID, err)
	}
	return out, nil
}
