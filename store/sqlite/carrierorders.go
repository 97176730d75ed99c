package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

var _ store.CarrierOrders = (*Store)(nil)

func docJSON(d number.Doc) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func parseDoc(s string) number.Doc {
	d := number.Doc{}
	_ = json.Unmarshal([]byte(s), &d) // written by docJSON: always an object
	return d
}

// RememberSearch implements store.CarrierOrders.
func (s *Store) RememberSearch(ctx context.Context, queryID string, found []store.Discovered, expires time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM discovery WHERE query_id = $1", queryID); err != nil {
			return internal("remember search", queryID, err)
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO discovery (query_id, position, number, carrier, state, carrier_data, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)")
		if err != nil {
			return internal("remember search", queryID, err)
		}
		defer stmt.Close()
		for i, f := range found {
			cd, err := docJSON(f.CarrierData)
			if err != nil {
				return internal("remember search", f.Number, err)
			}
			if _, err := stmt.ExecContext(ctx, queryID, i, f.Number, f.Carrier, string(f.State), cd, expires.UnixMicro()); err != nil {
				return internal("remember search", f.Number, err)
			}
		}
		return nil
	})
}

// RecallSearch implements store.CarrierOrders.
func (s *Store) RecallSearch(ctx context.Context, queryID string, now time.Time, offset, limit int) ([]store.Discovered, int, bool, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM discovery WHERE query_id = $1 AND expires > $2", queryID, now.UnixMicro()).Scan(&total); err != nil {
		return nil, 0, false, internal("recall search", queryID, err)
	}
	if total == 0 {
		return nil, 0, false, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT number, carrier, state, carrier_data FROM discovery WHERE query_id = $1 AND expires > $2 ORDER BY position LIMIT $3 OFFSET $4", queryID, now.UnixMicro(), limit, offset)
	if err != nil {
		return nil, 0, false, internal("recall search", queryID, err)
	}
	defer rows.Close()
	var out []store.Discovered
	for rows.Next() {
		var d store.Discovered
		var st, cd string
		if err := rows.Scan(&d.Number, &d.Carrier, &st, &cd); err != nil {
			return nil, 0, false, internal("recall search", queryID, err)
		}
		d.State, d.CarrierData = number.State(st), parseDoc(cd)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, internal("recall search", queryID, err)
	}
	return out, total, true, nil
}

// DiscoveredNumber implements store.CarrierOrders.
func (s *Store) DiscoveredNumber(ctx context.Context, e164 string, now time.Time) (*store.Discovered, error) {
	d := store.Discovered{Number: e164}
	var st, cd string
	err := s.db.QueryRowContext(ctx, "SELECT carrier, state, carrier_data FROM discovery WHERE number = $1 AND expires > $2 ORDER BY expires DESC LIMIT 1", e164, now.UnixMicro()).Scan(&d.Carrier, &st, &cd)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, number.NewError(number.KindNotFound, e164)
	}
	if err != nil {
		return nil, internal("discovered number", e164, err)
	}
	d.State, d.CarrierData = number.State(st), parseDoc(cd)
	return &d, nil
}

// PurgeDiscovery implements store.CarrierOrders.
func (s *Store) PurgeDiscovery(ctx context.Context, now time.Time) (int, error) {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM discovery WHERE expires <= $1", now.UnixMicro())
	if err != nil {
		return 0, internal("purge discovery", "", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// QueueDisconnect implements store.CarrierOrders.
func (s *Store) QueueDisconnect(ctx context.Context, d store.PendingDisconnect) error {
	cd, err := docJSON(d.CarrierData)
	if err != nil {
		return internal("queue disconnect", d.Number, err)
	}
	_, err = s.writer.ExecContext(ctx, `INSERT INTO pending_disconnects (number, carrier, carrier_data, attempts, next_attempt, last_error)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (number) DO UPDATE SET carrier = excluded.carrier, carrier_data = excluded.carrier_data,
			attempts = excluded.attempts, next_attempt = excluded.next_attempt, last_error = excluded.last_error`,
		d.Number, d.Carrier, cd, d.Attempts, d.NextAttempt.UnixMicro(), d.LastError)
	if err != nil {
		return internal("queue disconnect", d.Number, err)
	}
	return nil
}

// DueDisconnects implements store.CarrierOrders.
func (s *Store) DueDisconnects(ctx context.Context, now time.Time, limit int) ([]store.PendingDisconnect, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT number, carrier, carrier_data, attempts, next_attempt, last_error FROM pending_disconnects WHERE next_attempt <= $1 ORDER BY next_attempt LIMIT $2", now.UnixMicro(), limit)
	if err != nil {
		return nil, internal("due disconnects", "", err)
	}
	defer rows.Close()
	var out []store.PendingDisconnect
	for rows.Next() {
		var d store.PendingDisconnect
		var cd string
		var next int64
		if err := rows.Scan(&d.Number, &d.Carrier, &cd, &d.Attempts, &next, &d.LastError); err != nil {
			return nil, internal("due disconnects", "", err)
		}
		d.CarrierData, d.NextAttempt = parseDoc(cd), time.UnixMicro(next).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDisconnect implements store.CarrierOrders.
func (s *Store) DeleteDisconnect(ctx context.Context, e164 string) error {
	if _, err := s.writer.ExecContext(ctx, "DELETE FROM pending_disconnects WHERE number = $1", e164); err != nil {
		return internal("delete disconnect", e164, err)
	}
	return nil
}
