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

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/number"
)

// DefaultTokenTTL is how long an auth token lasts, as Kazoo's default.
const DefaultTokenTTL = time.Hour

// Auth issues and verifies auth tokens. Tokens are stateless: an HMAC over
// the account id, the expiry, the stamp of the API key they were issued
// with (accounts.KeyStamp) and a random id. Renewing an account's key
// changes its stamp, so every token issued with the old key stops working
// on every node as soon as the node reads the account again (within the
// account cache's TTL). (API keys are the accounts service's:
// accounts.Keys.)
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

// tokenPayloadLen: account id (binary), expiry (unix seconds), key stamp,
// random id.
const tokenPayloadLen = 16 + 8 + accounts.KeyStampLen + 8

// userTokenPayloadLen: a user's token adds the user's id and the stamp of
// the user's credentials and rights (store.User.Stamp); its key stamp is
// zero: renewing the account's API key does not sign its users out.
const userTokenPayloadLen = tokenPayloadLen + 16 + userStampLen

// userStampLen is the length of a user's stamp, in bytes.
const userStampLen = 8

// Claims are what a verified token says.
type Claims struct {
	AccountID string
	Expires   time.Time
	// KeyStamp is the stamp of the API key the token was issued with.
	KeyStamp []byte
	// OwnerID is the user a user's token was issued to ("" for a token
	// of an API key), and UserStamp the user's stamp then (hex).
	OwnerID   string
	UserStamp string
}

// IssueToken returns a new token for the account, bound to its current API
// key, and when it expires.
func (a *Auth) IssueToken(acc *number.Account) (string, time.Time, error) {
	return a.issue(acc, accounts.KeyStamp(acc), nil)
}

// IssueUserToken returns a new token for a user of the account, bound to
// the user's stamp (store.User.Stamp, hex), and when it expires.
func (a *Auth) IssueUserToken(acc *number.Account, userID, stamp string) (string, time.Time, error) {
	uid, err := hex.DecodeString(userID)
	if err != nil || len(uid) != 16 {
		return "", time.Time{}, fmt.Errorf("api: bad user id %q", userID)
	}
	st, err := hex.DecodeString(stamp)
	if err != nil || len(st) != userStampLen {
		return "", time.Time{}, fmt.Errorf("api: bad user stamp")
	}
	return a.issue(acc, make([]byte, accounts.KeyStampLen), append(uid, st...))
}

func (a *Auth) issue(acc *number.Account, keyStamp, user []byte) (string, time.Time, error) {
	id, err := hex.DecodeString(acc.ID)
	if err != nil || len(id) != 16 {
		return "", time.Time{}, fmt.Errorf("api: bad account id %q", acc.ID)
	}
	exp := a.now().Add(a.ttl).Truncate(time.Second)
	p := make([]byte, tokenPayloadLen, userTokenPayloadLen)
	copy(p[:16], id)
	binary.BigEndian.PutUint64(p[16:24], uint64(exp.Unix()))
	copy(p[24:24+accounts.KeyStampLen], keyStamp)
	if _, err := rand.Read(p[24+accounts.KeyStampLen:]); err != nil {
		return "", time.Time{}, err
	}
	p = append(p, user...)
	sig := a.sign(p)
	enc := base64.RawURLEncoding
	tok := make([]byte, enc.EncodedLen(len(p))+1+enc.EncodedLen(len(sig)))
	enc.Encode(tok, p)
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

// VerifyToken returns what a token says, or an unauthenticated error when
// it is malformed, forged or expired. Whether its key is still the
// account's is the accounts service's to say (accounts.Service.Caller).
func (a *Auth) VerifyToken(tok string) (Claims, error) {
	enc := base64.RawURLEncoding
	sl := enc.EncodedLen(sha256.Size)
	plen := tokenPayloadLen
	if len(tok) == enc.EncodedLen(userTokenPayloadLen)+1+sl {
		plen = userTokenPayloadLen
	}
	pl := enc.EncodedLen(plen)
	if len(tok) != pl+1+sl || tok[pl] != '.' {
		return Claims{}, number.Errorf(number.KindUnauthenticated, "", "malformed token")
	}
	var buf [userTokenPayloadLen]byte
	p := buf[:plen]
	var sig [sha256.Size]byte
	if _, err := enc.Decode(p, []byte(tok[:pl])); err != nil {
		return Claims{}, number.Errorf(number.KindUnauthenticated, "", "malformed token")
	}
	if _, err := enc.Decode(sig[:], []byte(tok[pl+1:])); err != nil {
		return Claims{}, number.Errorf(number.KindUnauthenticated, "", "malformed token")
	}
	if !hmac.Equal(sig[:], a.sign(p)) {
		return Claims{}, number.Errorf(number.KindUnauthenticated, "", "bad token signature")
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(p[16:24])), 0)
	if !a.now().Before(exp) {
		return Claims{}, number.Errorf(number.KindUnauthenticated, "", "token expired")
	}
	c := Claims{AccountID: hex.EncodeToString(p[:16]), Expires: exp, KeyStamp: p[24 : 24+accounts.KeyStampLen]}
	if plen == userTokenPayloadLen {
		u := p[tokenPayloadLen:]
		c.OwnerID, c.UserStamp = hex.EncodeToString(u[:16]), hex.EncodeToString(u[16:])
	}
	return c, nil
}
