package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
)

// DefaultTokenTTL is how long an auth token lasts, as Kazoo's default.
const DefaultTokenTTL = time.Hour

// Auth issues and verifies auth tokens. Tokens are stateless: an HMAC over
// the account id, the expiry and a random id. (API keys are the accounts
// service's: accounts.Keys.)
type Auth struct {
	ttl      time.Duration
	now      func() time.Time
	tokenKey []byte
	macs     sync.Pool // of hash.Hash keyed with tokenKey: HMAC setup is the costly part
}

// NewAuth builds an Auth from the server secret (config.LoadSecret).
func NewAuth(secret []byte, ttl time.Duration, now func() time.Time) (*Auth, error) {
	if len(secret) < 32 {
		return nil, errors.New("api: server secret shorter than 32 bytes")
	}
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	if now == nil {
		now = time.Now
	}
	tk := sha256.Sum256(append([]byte("numan token v1:"), secret...))
	a := &Auth{ttl: ttl, now: now, tokenKey: tk[:]}
	a.macs.New = func() any { return hmac.New(sha256.New, a.tokenKey) }
	return a, nil
}

// TTL is how long issued tokens last.
func (a *Auth) TTL() time.Duration { return a.ttl }

const tokenPayloadLen = 16 + 8 + 8 // account id (binary), expiry (unix seconds), random id

// IssueToken returns a new token for the account and when it expires.
func (a *Auth) IssueToken(accountID string) (string, time.Time, error) {
	id, err := hex.DecodeString(accountID)
	if err != nil || len(id) != 16 {
		return "", time.Time{}, fmt.Errorf("api: bad account id %q", accountID)
	}
	exp := a.now().Add(a.ttl).Truncate(time.Second)
	var p [tokenPayloadLen]byte
	copy(p[:16], id)
	binary.BigEndian.PutUint64(p[16:24], uint64(exp.Unix()))
	if _, err := rand.Read(p[24:]); err != nil {
		return "", time.Time{}, err
	}
	sig := a.sign(p[:])
	enc := base64.RawURLEncoding
	tok := make([]byte, enc.EncodedLen(len(p))+1+enc.EncodedLen(len(sig)))
	enc.Encode(tok, p[:])
	n := enc.EncodedLen(len(p))
	tok[n] = '.'
	enc.Encode(tok[n+1:], sig)
	return string(tok), exp, nil
}

func (a *Auth) sign(payload []byte) []byte {
	h := a.macs.Get().(hash.Hash)
	h.Reset()
	h.Write(payload)
	sum := h.Sum(nil)
	a.macs.Put(h)
	return sum
}

// VerifyToken returns the account id a token was issued to, or an
// unauthenticated error when it is malformed, forged or expired.
func (a *Auth) VerifyToken(tok string) (string, time.Time, error) {
	enc := base64.RawURLEncoding
	pl := enc.EncodedLen(tokenPayloadLen)
	sl := enc.EncodedLen(sha256.Size)
	if len(tok) != pl+1+sl || tok[pl] != '.' {
		return "", time.Time{}, number.Errorf(number.KindUnauthenticated, "", "malformed token")
	}
	var p [tokenPayloadLen]byte
	var sig [sha256.Size]byte
	if _, err := enc.Decode(p[:], []byte(tok[:pl])); err != nil {
		return "", time.Time{}, number.Errorf(number.KindUnauthenticated, "", "malformed token")
	}
	if _, err := enc.Decode(sig[:], []byte(tok[pl+1:])); err != nil {
		return "", time.Time{}, number.Errorf(number.KindUnauthenticated, "", "malformed token")
	}
	if !hmac.Equal(sig[:], a.sign(p[:])) {
		return "", time.Time{}, number.Errorf(number.KindUnauthenticated, "", "bad token signature")
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(p[16:24])), 0)
	if !a.now().Before(exp) {
		return "", time.Time{}, number.Errorf(number.KindUnauthenticated, "", "token expired")
	}
	return hex.EncodeToString(p[:16]), exp, nil
}
