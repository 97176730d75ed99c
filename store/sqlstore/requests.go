package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

const keyColumns = "scope, key, request_hash, status, code, content_type, body, created, expires"

// ClaimIdempotencyKey implements store.Requests.
func (x *executor) ClaimIdempotencyKey(ctx context.Context, r *store.IdempotencyRecord) (*store.IdempotencyRecord, bool, error) {
	r.Created, r.Expires = storedTime(r.Created), storedTime(r.Expires)
	var (
		stored  *store.IdempotencyRecord
		claimed bool
	)
	err := x.atomic(ctx, func(x *executor) error {
		// An expired key is gone: the request is new again.
		if _, err := x.exec(ctx, "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires <= $3",
			r.Scope, r.Key, x.d.time(r.Created)); err != nil {
			return x.d.internal("claim idempotency key", r.Key, err)
		}
		ok, err := x.execOne(ctx, "INSERT INTO idempotency_keys ("+keyColumns+") VALUES ($1, $2, $3, $4, 0, '', NULL, $5, $6)"+
			" ON CONFLICT (scope, key) DO NOTHING",
			r.Scope, r.Key, r.RequestHash, store.KeyPending, x.d.time(r.Created), x.d.time(r.Expires))
		if err != nil {
			return x.d.internal("claim idempotency key", r.Key, err)
		}
		if ok {
			claimed = true
			return nil
		}
		var s store.IdempotencyRecord
		err = x.queryRow(ctx, "SELECT "+keyColumns+" FROM idempotency_keys WHERE scope = $1 AND key = $2", r.Scope, r.Key).
			Scan(&s.Scope, &s.Key, &s.RequestHash, &s.Status, &s.Code, &s.ContentType, &s.Body, scanTime(&s.Created), scanTime(&s.Expires))
		if errors.Is(err, sql.ErrNoRows) {
			// Finished and forgotten between the two statements: the
			// caller may try again.
			return &number.Error{Kind: number.KindConflict, Message: "idempotency key " + r.Key + " changed meanwhile"}
		}
		if err != nil {
			return x.d.internal("read idempotency key", r.Key, err)
		}
		stored = &s
		return nil
	})
	return stored, claimed, err
}

// FinishIdempotencyKey implements store.Requests.
func (x *executor) FinishIdempotencyKey(ctx context.Context, scope, key string, code int, contentType string, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	if _, err := x.exec(ctx, "UPDATE idempotency_keys SET status = $1, code = $2, content_type = $3, body = $4"+
		" WHERE scope = $5 AND key = $6 AND status = $7",
		store.KeyDone, code, contentType, body, scope, key, store.KeyPending); err != nil {
		return x.d.internal("keep idempotent reply", key, err)
	}
	return nil
}

// ForgetIdempotencyKey implements store.Requests.
func (x *executor) ForgetIdempotencyKey(ctx context.Context, scope, key string) error {
	if _, err := x.exec(ctx, "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2", scope, key); err != nil {
		return x.d.internal("forget idempotency key", key, err)
	}
	return nil
}

// PurgeIdempotencyKeys implements store.Requests.
func (x *executor) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int, error) {
	res, err := x.exec(ctx, "DELETE FROM idempotency_keys WHERE expires < $1", x.d.time(storedTime(before)))
	if err != nil {
		return 0, x.d.internal("purge idempotency keys", "", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// refill is the bucket's tokens as of $4 (microseconds), refilled at $5
// a second and capped at $2: CASE rather than LEAST/MIN, which the
// dialects spell differently. A clock behind the bucket's refills
// nothing.
const refill = "(CASE WHEN rate_buckets.tokens + (CASE WHEN $4 > rate_buckets.updated_us THEN $4 - rate_buckets.updated_us ELSE 0 END) * CAST($5 AS DOUBLE PRECISION) / 1000000.0 > $2" +
	" THEN $2 ELSE rate_buckets.tokens + (CASE WHEN $4 > rate_buckets.updated_us THEN $4 - rate_buckets.updated_us ELSE 0 END) * CAST($5 AS DOUBLE PRECISION) / 1000000.0 END)"

// TakeTokens implements store.Requests.
func (x *executor) TakeTokens(ctx context.Context, key string, cost, capacity, rate float64, now time.Time) (bool, time.Duration, error) {
	if cost > capacity || rate <= 0 {
		return false, 0, number.Errorf(number.KindInvalid, key, "a bucket of %g tokens at %g/s cannot give %g", capacity, rate, cost)
	}
	us := now.UnixMicro()
	var left float64
	err := x.atomic(ctx, func(x *executor) error {
		return x.queryRow(ctx, "INSERT INTO rate_buckets (key, tokens, updated_us) VALUES ($1, CAST($2 AS DOUBLE PRECISION) - $3, $4)"+
			" ON CONFLICT (key) DO UPDATE SET tokens = "+refill+" - $3, updated_us = CASE WHEN $4 > rate_buckets.updated_us THEN $4 ELSE rate_buckets.updated_us END"+
			" WHERE "+refill+" >= $3 RETURNING tokens",
			key, capacity, cost, us, rate).Scan(&left)
	})
	if err == nil {
		return true, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, 0, x.d.internal("take tokens", key, err)
	}
	var (
		tokens  float64
		updated int64
	)
	if err := x.queryRow(ctx, "SELECT tokens, updated_us FROM rate_buckets WHERE key = $1", key).Scan(&tokens, &updated); err != nil {
		return false, 0, x.d.internal("read bucket", key, err)
	}
	have := math.Min(capacity, tokens+float64(max(us-updated, 0))*rate/1e6)
	wait := time.Duration(math.Ceil((cost - have) / rate * float64(time.Second)))
	return false, max(wait, time.Millisecond), nil
}
