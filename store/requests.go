package store

import (
	"context"
	"time"
)

// Idempotency key states.
const (
	KeyPending = "pending" // the first request with the key is running
	KeyDone    = "done"    // the first request answered; its reply is kept
)

// IdempotencyRecord is the first request made with an Idempotency-Key: a
// hash of what it asked, and once it answered, its reply.
type IdempotencyRecord struct {
	Scope       string // who sent it: the same key from two callers is two keys
	Key         string
	RequestHash string
	Status      string // KeyPending or KeyDone
	Code        int
	ContentType string
	Body        []byte
	Created     time.Time
	Expires     time.Time
}

// Requests persists what the API keeps about requests across nodes:
// idempotency keys and rate-limit buckets. Part of Data.
type Requests interface {
	// ClaimIdempotencyKey stores r as pending and reports claimed, unless
	// its scope and key are stored and not expired at r.Created: then it
	// returns the stored record and stores nothing. An expired record is
	// replaced.
	ClaimIdempotencyKey(ctx context.Context, r *IdempotencyRecord) (stored *IdempotencyRecord, claimed bool, err error)
	// FinishIdempotencyKey keeps the reply of a pending key.
	FinishIdempotencyKey(ctx context.Context, scope, key string, code int, contentType string, body []byte) error
	// ForgetIdempotencyKey removes a key, so that the request may be sent
	// again (its first attempt failed without acting).
	ForgetIdempotencyKey(ctx context.Context, scope, key string) error
	// PurgeIdempotencyKeys removes the keys that expired before t and
	// returns how many.
	PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int, error)
	// TakeTokens takes cost tokens from the bucket key, which holds at
	// most capacity tokens and gains rate tokens a second, as of now; one
	// atomic statement, so every node shares the bucket. When the bucket
	// has fewer than cost, nothing is taken, ok is false and wait is how
	// long until it has enough.
	TakeTokens(ctx context.Context, key string, cost, capacity, rate float64, now time.Time) (ok bool, wait time.Duration, err error)
}
