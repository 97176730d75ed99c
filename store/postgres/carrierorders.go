package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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
	_ = json.Unmarshal([]byte(s), &d) // a JSONB object column
	return d
}

// RememberSearch implements store.CarrierOrders.
func (s *Store) RememberSearch(ctx context.Context, queryID string, found []store.Discovered, expires time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM discovery WHERE query_id = $1", queryID); err != nil {
			return internal("remember search", queryID, err)
		}
		rows := make([][]any, 0, len(found))
		for i, f := range found {
			cd, err := docJSON(f.CarrierData)
			if err != nil {
				return internal("remember search", f.Number, err)
			}
			rows = append(rows, []any{queryID, i, f.Number, f.Carrier, string(f.State), cd, expires})
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"discovery"},
			[]string{"query_id", "position", "number", "carrier", "state", "carrier_data", "expires"}, pgx.CopyFromRows(rows))
		if err != nil {
			return internal("remember search", queryID, err)
		}
		return nil
	})
}

// RecallSearch implements store.CarrierOrders.
func (s *Store) RecallSearch(ctx context.Context, queryID string, now time.Time, offset, limit int) ([]store.Discovered, int, bool, error) {
	var total int
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM discovery WHERE query_id = $1 AND expires > $2", queryID, now).Scan(&total); err != nil {
		return nil, 0, false, internal("recall search", queryID, err)
	}
	if total == 0 {
		return nil, 0, false, nil
	}
	rows, err := s.db.Query(ctx, "SELECT number, carrier, state, carrier_data::text FROM discovery WHERE query_id = $1 AND expires > $2 ORDER BY position LIMIT $3 OFFSET $4", queryID, now, limit, offset)
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
	err := s.db.QueryRow(ctx, "SELECT carrier, state, carrier_data::text FROM discovery WHERE number = $1 AND expires > $2 ORDER BY expires DESC LIMIT 1", e164, now).Scan(&d.Carrier, &st, &cd)
	if errors.Is(err, pgx.ErrNoRows) {
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
	tag, err := s.db.Exec(ctx, "DELETE FROM discovery WHERE expires <= $1", now)
	if err != nil {
		return 0, internal("purge discovery", "", err)
	}
	return int(tag.RowsAffected()), nil
}

// QueueDisconnect implements store.CarrierOrders.
func (s *Store) QueueDisconnect(ctx context.Context, d store.PendingDisconnect) error {
	cd, err := docJSON(d.CarrierData)
	if err != nil {
		return internal("queue disconnect", d.Number, err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO pending_disconnects (number, carrier, carrier_data, attempts, next_attempt, last_error)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (number) DO UPDATE SET carrier = excluded.carrier, carrier_data = excluded.carrier_data,
			attempts = excluded.attempts, next_attempt = excluded.next_attempt, last_error = excluded.last_error`,
		d.Number, d.Carrier, cd, d.Attempts, d.NextAttempt, d.LastError)
	if err != nil {
		return internal("queue disconnect", d.Number, err)
	}
	return nil
}

// DueDisconnects implements store.CarrierOrders.
func (s *Store) DueDisconnects(ctx context.Context, now time.Time, limit int) ([]store.PendingDisconnect, error) {
	rows, err := s.db.Query(ctx, "SELECT number, carrier, carrier_data::text, attempts, next_attempt, last_error FROM pending_disconnects WHERE next_attempt <= $1 ORDER BY next_attempt LIMIT $2", now, limit)
	if err != nil {
		return nil, internal("due disconnects", "", err)
	}
	defer rows.Close()
	var out []store.PendingDisconnect
	for rows.Next() {
		var d store.PendingDisconnect
		var cd string
		if err := rows.Scan(&d.Number, &d.Carrier, &cd, &d.Attempts, &d.NextAttempt, &d.LastError); err != nil {
			return nil, internal("due disconnects", "", err)
		}
		d.CarrierData, d.NextAttempt = parseDoc(cd), d.NextAttempt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDisconnect implements store.CarrierOrders.
func (s *Store) DeleteDisconnect(ctx context.Context, e164 string) error {
	if _, err := s.db.Exec(ctx, "DELETE FROM pending_disconnects WHERE number = $1", e164); err != nil {
		return internal("delete disconnect", e164, err)
	}
	return nil
}
