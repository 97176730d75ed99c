package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// ReasonMonthly is the reason of a month's recurring charges in the
// ledger.
const ReasonMonthly = "monthly_charges"

// BooksStore is what the bookkeeping job needs from the store: its
// records, and transactions to post them together with the ledger.
type BooksStore interface {
	store.Recurring
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}

// Books posts the monthly recurring charges that quotes show (the
// rates of a plan's phone_numbers, number_carriers and number_services
// items) to the ledger. It runs as a background job on every node; what
// one node has done, another does not do again:
//
//   - Every day it records each account's monthly bill as it is that day
//     (Service.Current), once per account and day (store.RecurringDay).
//     Days on which no node ran are recorded with the last bill recorded
//     before them: numbers only change through Numan, so while no node
//     runs, the bill is what it was.
//   - Once a month is over, it posts the month for each account, once (the
//     store keeps one posting per account and month): the sum over the
//     month's days of that day's bill, divided by the number of days in
//     the month, rounded once to the minor unit (half up). A number in
//     service for 10 days of a 30-day month costs 10/30 of its rate; a day
//     counts when the number was held at the day's record.
//   - A posting is first stored owed, then debited from the account's
//     credit in the transaction that marks it posted. An account whose
//     credit cannot cover it stays owed (never an overdraft) and is
//     retried on every pass until credit is added; a crash between the
//     two steps leaves it owed, never lost and never charged twice.
//
// Each posting's ledger entry comes with its charge.posted event (the
// store writes one with every debit), in the same transaction.
type Books struct {
	st   BooksStore
	bill *Service
}

// NewBooks returns the bookkeeping job over st, pricing with bill.
func NewBooks(st BooksStore, bill *Service) *Books {
	return &Books{st: st, bill: bill}
}

// BooksReport says what one pass did.
type BooksReport struct {
	Recorded int // account-days recorded
	Posted   int // months posted and debited
	Owed     int // months the accounts' credit could not cover yet
	Errors   []error
}

// maxFill bounds how many missed days one pass records for an account:
// a longer outage than two months is recorded from its last two months.
const maxFill = 62

// Run records today's bills, posts the months that ended, and settles
// what is owed, as of now.
func (b *Books) Run(ctx context.Context, now time.Time) (BooksReport, error) {
	var rep BooksReport
	now = now.UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	since := month.AddDate(0, -2, 0).Format(time.DateOnly)
	accounts, err := b.st.RecurringAccounts(ctx, billableStates, since)
	if err != nil {
		return rep, err
	}
	for _, acc := range accounts {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		n, err := b.record(ctx, acc, now)
		rep.Recorded += n
		if err != nil {
			rep.Errors = append(rep.Errors, fmt.Errorf("account %s: %w", acc, err))
			continue
		}
		for m := month.AddDate(0, -2, 0); m.Before(month); m = m.AddDate(0, 1, 0) {
			if err := b.post(ctx, acc, m, now); err != nil {
				rep.Errors = append(rep.Errors, fmt.Errorf("account %s, %s: %w", acc, m.Format("2006-01"), err))
			}
		}
	}
	owed, err := b.st.ListRecurringPostings(ctx, "", store.PostingOwed)
	if err != nil {
		return rep, err
	}
	for _, p := range owed {
		switch err := b.settle(ctx, p, now); {
		case err == nil:
			rep.Posted++
		case number.IsKind(err, number.KindNotEnoughCredit):
			rep.Owed++
		case number.IsKind(err, number.KindConflict):
			// Another node settled it.
		default:
			rep.Errors = append(rep.Errors, fmt.Errorf("account %s, %s: %w", p.AccountID, p.Period, err))
		}
	}
	return rep, nil
}

// dayLine is one item of a day's bill.
type dayLine struct {
	Category  string `json:"category"`
	Item      string `json:"item"`
	Name      string `json:"name,omitempty"`
	Quantity  int64  `json:"quantity"`
	RateMinor int64  `json:"rate_minor"`
	// TotalMinor is what the item costs a whole month at this day's
	// quantity (after the plan's discounts).
	TotalMinor int64 `json:"total_minor"`
}

// record records the account's bill of today, and of the days since its
// last record that no node recorded.
func (b *Books) record(ctx context.Context, acc string, now time.Time) (int, error) {
	today := now.Format(time.DateOnly)
	last, err := b.st.LastRecurringDay(ctx, acc, today)
	switch {
	case err == nil && last.Day == today:
		return 0, nil
	case err != nil && !number.IsKind(err, number.KindNotFound):
		return 0, err
	}
	inv, err := b.bill.Current(ctx, acc)
	if err != nil {
		return 0, err
	}
	day := &store.RecurringDay{AccountID: acc, Day: today, Currency: inv.Currency}
	lines := []dayLine{}
	for _, it := range inv.Items {
		if it.TotalMinor <= 0 {
			continue
		}
		day.AmountMinor += it.TotalMinor
		lines = append(lines, dayLine{Category: it.Category, Item: it.Item, Name: it.Name, Quantity: it.Quantity,
			RateMinor: it.RateMinor, TotalMinor: it.TotalMinor})
	}
	if day.Detail, err = json.Marshal(lines); err != nil {
		return 0, err
	}
	days := []*store.RecurringDay{}
	if last != nil {
		from, _ := time.Parse(time.DateOnly, last.Day)
		start := now.AddDate(0, 0, -maxFill)
		for d := from.AddDate(0, 0, 1); d.Format(time.DateOnly) < today; d = d.AddDate(0, 0, 1) {
			if d.Before(start) {
				continue
			}
			missed := *last
			missed.Day = d.Format(time.DateOnly)
			days = append(days, &missed)
		}
	}
	days = append(days, day)
	return b.st.PutRecurringDays(ctx, days)
}

// post stores the posting of the month starting at m for acc, owed, once;
// settle then debits it.
func (b *Books) post(ctx context.Context, acc string, m, now time.Time) error {
	end := m.AddDate(0, 1, -1)
	days, err := b.st.ListRecurringDays(ctx, acc, m.Format(time.DateOnly), end.Format(time.DateOnly))
	if err != nil || len(days) == 0 {
		return err
	}
	p := Prorate(m, days)
	p.Created, p.Modified = now, now
	p.Status = store.PostingOwed
	if err := b.st.InsertRecurringPosting(ctx, p); err != nil {
		if number.IsKind(err, number.KindConflict) {
			return nil // posted already, by this node or another
		}
		return err
	}
	return nil
}

// Prorate is the posting of the month starting at m from its recorded
// days (of one account): the sum of the days' bills divided by the days
// of the month, rounded half up once; Detail has each item's share,
// rounded the same way (the total is not the sum of rounded shares).
func Prorate(m time.Time, days []*store.RecurringDay) *store.RecurringPosting {
	inMonth := int64(m.AddDate(0, 1, -1).Day())
	p := &store.RecurringPosting{AccountID: days[0].AccountID, Period: m.Format("2006-01"), Currency: days[0].Currency}
	var sum int64
	type share struct {
		line    dayLine
		sum     int64
		qtyDays int64
	}
	var order []string
	shares := map[string]*share{}
	for _, d := range days {
		if d.AmountMinor <= 0 {
			continue
		}
		p.Days++
		sum += d.AmountMinor
		var lines []dayLine
		_ = json.Unmarshal(d.Detail, &lines)
		for _, l := range lines {
			k := l.Category + "/" + l.Item
			s := shares[k]
			if s == nil {
				s = &share{line: l}
				shares[k] = s
				order = append(order, k)
			}
			s.sum += l.TotalMinor
			s.qtyDays += l.Quantity
		}
	}
	p.AmountMinor = divRound(sum, inMonth)
	type detailLine struct {
		Category     string `json:"category"`
		Item         string `json:"item"`
		Name         string `json:"name,omitempty"`
		RateMinor    int64  `json:"rate_minor"`
		QuantityDays int64  `json:"quantity_days"`
		AmountMinor  int64  `json:"amount_minor"`
	}
	slices.Sort(order)
	detail := []detailLine{}
	for _, k := range order {
		s := shares[k]
		detail = append(detail, detailLine{Category: s.line.Category, Item: s.line.Item, Name: s.line.Name,
			RateMinor: s.line.RateMinor, QuantityDays: s.qtyDays, AmountMinor: divRound(s.sum, inMonth)})
	}
	p.Detail, _ = json.Marshal(map[string]any{"days_in_month": inMonth, "days_billed": p.Days, "items": detail})
	return p
}

// divRound is a/b rounded half up (a >= 0, b > 0).
func divRound(a, b int64) int64 { return (2*a + b) / (2 * b) }

// settle debits an owed posting, marking it posted in the same
// transaction; KindNotEnoughCredit leaves it owed.
func (b *Books) settle(ctx context.Context, p *store.RecurringPosting, now time.Time) error {
	return b.st.InTx(ctx, func(tx store.Tx) error {
		var e *store.LedgerEntry
		if p.AmountMinor > 0 {
			e = &store.LedgerEntry{AccountID: p.AccountID, Type: store.LedgerDebit, Reason: ReasonMonthly,
				Description: fmt.Sprintf("Monthly charges for %s (%d of its days)", p.Period, p.Days),
				AmountMinor: p.AmountMinor, Currency: p.Currency, RequestID: "monthly-" + p.Period, Detail: p.Detail, Created: now}
			if err := tx.AppendLedger(ctx, []*store.LedgerEntry{e}); err != nil {
				return err
			}
		}
		var id int64
		if e != nil {
			id = e.ID
		}
		return tx.SettleRecurringPosting(ctx, p.AccountID, p.Period, id, now)
	})
}
