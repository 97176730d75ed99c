// Package requests keeps what Numan remembers about API requests, on
// every node at once through the store: idempotency keys (a write sent
// again with the same Idempotency-Key and body gets its first reply, and
// is not made again) and rate limits (token buckets per account and per
// credential). The API asks it about every request; the rules are here.
package requests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Store is what the service keeps its records in.
type Store interface {
	store.Requests
}

// LimitsOf returns the rate limits in force for an account's callers
// (nil: none); the manager's RateLimits.
type LimitsOf func(ctx context.Context, acc *number.Account) (*number.RateLimits, error)

// Options configure a Service.
type Options struct {
	// KeyTTL is how long an idempotency key is remembered (default 24
	// hours, as Stripe's).
	KeyTTL time.Duration
	// Limits gives the rate limits of an account; nil: no limits.
	Limits LimitsOf
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service answers the API's questions about requests.
type Service struct {
	st     Store
	ttl    time.Duration
	limits LimitsOf
	now    func() time.Time
}

// New returns a Service over st.
func New(st Store, o Options) *Service {
	if o.KeyTTL <= 0 {
		o.KeyTTL = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{st: st, ttl: o.KeyTTL, limits: o.Limits, now: o.Now}
}

// KeyTTL is how long a key is remembered.
func (s *Service) KeyTTL() time.Duration { return s.ttl }

// Caller is who sends a request: the account it acts as, and the
// credential (an API key's account, or a user) whose own bucket it also
// spends.
type Caller struct {
	Account    *number.Account // authenticated, with its Tree; nil for anonymous requests
	Credential string          // "key:<account>" or "user:<id>"
}

// Allow spends one request of the caller's buckets, the account's and the
// credential's, of writes or reads. A bucket that is empty refuses the
// request with KindTooManyRequests and RetryAfter; nothing is spent then
// from the other.
func (s *Service) Allow(ctx context.Context, c Caller, write bool) error {
	if s.limits == nil || c.Account == nil {
		return nil
	}
	l, err := s.limits(ctx, c.Account)
	if err != nil || l == nil {
		return err
	}
	kind := "reads"
	rate, burst := l.ReadsPerMinute, l.ReadsBurst
	if write {
		kind = "writes"
		rate, burst = l.WritesPerMinute, l.WritesBurst
	}
	keyRate, keyBurst := rate, burst
	if k := l.PerKey; k != nil {
		keyRate, keyBurst = k.ReadsPerMinute, k.ReadsBurst
		if write {
			keyRate, keyBurst = k.WritesPerMinute, k.WritesBurst
		}
	}
	now := s.now()
	if err := s.take(ctx, "account:"+c.Account.ID+":"+kind, rate, burst, now, "the account"); err != nil {
		return err
	}
	if c.Credential == "" {
		return nil
	}
	return s.take(ctx, c.Credential+":"+kind, keyRate, keyBurst, now, "this credential")
}

func (s *Service) take(ctx context.Context, bucket string, perMinute, burst float64, now time.Time, whose string) error {
	if perMinute <= 0 || burst < 1 {
		return nil
	}
	ok, wait, err := s.st.TakeTokens(ctx, bucket, 1, burst, perMinute/60, now)
	if err != nil || ok {
		return err
	}
	secs := int((wait + time.Second - 1) / time.Second)
	return &number.Error{Kind: number.KindTooManyRequests, RetryAfter: wait,
		Cause: fmt.Sprintf("%s sent more than %g requests a minute; retry in %d seconds", whose, perMinute, secs)}
}

// Reply is a reply kept for an idempotency key.
type Reply struct {
	Code        int
	ContentType string
	Body        []byte
}

// MaxKeyLength bounds an Idempotency-Key (Stripe's limit).
const MaxKeyLength = 255

// CheckKey says whether key is a usable Idempotency-Key: 1 to 255
// printable ASCII characters.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLength {
		return number.Errorf(number.KindInvalid, "", "Idempotency-Key must be 1 to %d characters", MaxKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return number.Errorf(number.KindInvalid, "", "Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return nil
}

// Hash is the fingerprint of a request: what a repeat must match.
func Hash(method, path, query string, body []byte) string {
	h := sha256.New()
	for _, part := range []string{method, path, query} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Begin starts a write sent with an Idempotency-Key. It returns the first
// reply when the key was used before with the same request (the caller
// sends it back and acts no more); nil when this request is the first
// (the caller acts, then calls Finish). The same key with another request
// is KindIdempotencyMismatch; a key whose first request has not answered
// yet (on this node or another) is KindConflict, to retry shortly.
func (s *Service) Begin(ctx context.Context, scope, key, hash string) (*Reply, error) {
	now := s.now()
	stored, claimed, err := s.st.ClaimIdempotencyKey(ctx, &store.IdempotencyRecord{
		Scope: scope, Key: key, RequestHash: hash, Created: now, Expires: now.Add(s.ttl)})
	switch {
	case err != nil:
		return nil, err
	case claimed:
		return nil, nil
	case stored.RequestHash != hash:
		return nil, &number.Error{Kind: number.KindIdempotencyMismatch,
			Cause: "this Idempotency-Key was used for another request; use a new key for a new request"}
	case stored.Status != store.KeyDone:
		return nil, &number.Error{Kind: number.KindConflict, RetryAfter: time.Second,
			Message: "a request with this Idempotency-Key is in progress", Cause: "retry when it has answered"}
	}
	return &Reply{Code: stored.Code, ContentType: stored.ContentType, Body: stored.Body}, nil
}

// Finish keeps the reply of a request Begin let through. A server error
// (5xx) is not kept and the key is forgotten: the request changed nothing
// (Numan answers 5xx only when nothing was written: a lost database, an
// internal fault), and it may be sent again with the same key.
func (s *Service) Finish(ctx context.Context, scope, key string, rp Reply) error {
	if rp.Code >= 500 || rp.Code == 0 {
		return s.st.ForgetIdempotencyKey(ctx, scope, key)
	}
	return s.st.FinishIdempotencyKey(ctx, scope, key, rp.Code, rp.ContentType, rp.Body)
}

// Purge forgets the keys that expired; a background job calls it.
func (s *Service) Purge(ctx context.Context) (int, error) {
	return s.st.PurgeIdempotencyKeys(ctx, s.now())
}
