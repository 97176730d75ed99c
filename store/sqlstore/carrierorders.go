package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

func docJSON(d number.Doc) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func parseDoc(s []byte) number.Doc {
	d := number.Doc{}
	_ = json.Unmarshal(s, &d) // written by docJSON: always an object
	return d
}

var discoveryColumns = []string{"query_id", "position", "number", "carrier", "state", "carrier_data", "expires"}

// RememberSearch implements store.CarrierOrders.
func (x *executor) RememberSearch(ctx context.Context, queryID string, found []store.Discovered, expires time.Time) error {
	rows := make([][]any, len(found))
	for i, f := range found {
		cd, err := docJSON(f.CarrierData)
		if err != nil {
			return x.d.internal("remember search", f.Number, err)
		}
		rows[i] = []any{queryID, i, f.Number, f.Carrier, string(f.State), cd, x.d.time(expires)}
	}
	return x.atomic(ctx, func(x *executor) error {
		if _, err := x.exec(ctx, "DELETE FROM discovery WHERE query_id = $1", queryID); err != nil {
			return x.d.internal("remember search", queryID, err)
		}
		if err := x.insertRows(ctx, "discovery", discoveryColumns, rows); err != nil {
			return x.d.internal("remember search", queryID, err)
		}
		return nil
	})
}

func scanDiscovered(row scanner) (store.Discovered, error) {
	var (
		d     store.Discovered
		state string
		cd    []byte
	)
	err := row.Scan(&d.Number, &d.Carrier, &state, &cd)
	d.State, d.CarrierData = number.State(state), parseDoc(cd)
	return d, err
}

// RecallSearch implements store.CarrierOrders.
func (x *executor) RecallSearch(ctx context.Context, queryID string, now time.Time, offset, limit int) ([]store.Discovered, int, bool, error) {
	var total int
	if err := x.queryRow(ctx, "SELECT count(*) FROM discovery WHERE query_id = $1 AND expires > $2", queryID, x.d.time(now)).Scan(&total); err != nil {
		return nil, 0, false, x.d.internal("recall search", queryID, err)
	}
	if total == 0 {
		return nil, 0, false, nil
	}
	out, err := collect(x.query(ctx, "SELECT number, carrier, state, carrier_data FROM discovery"+
		" WHERE query_id = $1 AND expires > $2 ORDER BY position LIMIT $3 OFFSET $4", queryID, x.d.time(now), limit, offset), scanDiscovered)
	if err != nil {
		return nil, 0, false, x.d.internal("recall search", queryID, err)
	}
	return out, total, true, nil
}

// DiscoveredNumber implements store.CarrierOrders.
func (x *executor) DiscoveredNumber(ctx context.Context, e164 string, now time.Time) (*store.Discovered, error) {
	d, err := scanDiscovered(x.queryRow(ctx, "SELECT number, carrier, state, carrier_data FROM discovery"+
		" WHERE number = $1 AND expires > $2 ORDER BY expires DESC LIMIT 1", e164, x.d.time(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, number.NewError(number.KindNotFound, e164)
	}
	if err != nil {
		return nil, x.d.internal("discovered number", e164, err)
	}
	return &d, nil
}

// PurgeDiscovery implements store.CarrierOrders.
func (x *executor) PurgeDiscovery(ctx context.Context, now time.Time) (int, error) {
	res, err := x.exec(ctx, "DELETE FROM discovery WHERE expires <= $1", x.d.time(now))
	if err != nil {
		return 0, x.d.internal("purge discovery", "", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// QueueDisconnect implements store.CarrierOrders.
func (x *executor) QueueDisconnect(ctx context.Context, d store.PendingDisconnect) error {
	cd, err := docJSON(d.CarrierData)
	if err != nil {
		return x.d.internal("queue disconnect", d.Number, err)
	}
	_, err = x.exec(ctx, `INSERT INTO pending_disconnects (number, carrier, carrier_data, attempts, next_attempt, last_error)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (number) DO UPDATE SET carrier = excluded.carrier, carrier_data = excluded.carrier_data,
			attempts = excluded.attempts, next_attempt = excluded.next_attempt, last_error = excluded.last_error`,
		d.Number, d.Carrier, cd, d.Attempts, x.d.time(d.NextAttempt), d.LastError)
	if err != nil {
		return x.d.internal("queue disconnect", d.Number, err)
	}
	return nil
}

// DueDisconnects implements store.CarrierOrders.
func (x *executor) DueDisconnects(ctx context.Context, now time.Time, limit int) ([]store.PendingDisconnect, error) {
	out, err := collect(x.query(ctx, "SELECT number, carrier, carrier_data, attempts, next_attempt, last_error FROM pending_disconnects"+
		" WHERE next_attempt <= $1 ORDER BY next_attempt LIMIT $2", x.d.time(now), limit), func(row scanner) (store.PendingDisconnect, error) {
		var (
			d  store.PendingDisconnect
			cd []byte
		)
		err := row.Scan(&d.Number, &d.Carrier, &cd, &d.Attempts, scanTime(&d.NextAttempt), &d.LastError)
		d.CarrierData = parseDoc(cd)
		return d, err
	})
	if err != nil {
		return nil, x.d.internal("due disconnects", "", err)
	}
	return out, nil
}

// PendingDisconnect implements store.CarrierOrders.
func (x *executor) PendingDisconnect(ctx context.Context, e164 string) (*store.PendingDisconnect, error) {
	var (
		d  store.PendingDisconnect
		cd []byte
	)
	err := x.queryRow(ctx, "SELECT number, carrier, carrier_data, attempts, next_attempt, last_error FROM pending_disconnects"+
		" WHERE number = $1", e164).Scan(&d.Number, &d.Carrier, &cd, &d.Attempts, scanTime(&d.NextAttempt), &d.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, number.NewError(number.KindNotFound, e164)
	}
	if err != nil {
		return nil, x.d.internal("pending disconnect", e164, err)
	}
	d.CarrierData = parseDoc(cd)
	return &d, nil
}

// DeleteDisconnect implements store.CarrierOrders.
func (x *executor) DeleteDisconnect(ctx context.Context, e164 string) error {
	if _, err := x.exec(ctx, "DELETE FROM pending_disconnects WHERE number = $1", e164); err != nil {
		return x.d.internal("delete disconnect", e164, err)
	}
	return nil
}
