package api

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// AuthConfigID is the system-config document holding the server secret
// that signs auth tokens and seals API keys. Every node reads the same one
// from the database, so a token issued by one node is valid on all of them.
const AuthConfigID = "numan.auth"

// DefaultTokenTTL is how long an auth token lasts, as Kazoo's default.
const DefaultTokenTTL = time.Hour

// Auth issues and verifies auth tokens and protects API keys. Tokens are
// stateless: an HMAC over the account id, the expiry and a random id.
type Auth struct {
	ttl      time.Duration
	now      func() time.Time
	tokenKey []byte
	aead     cipher.AEAD
	macs     sync.Pool // of hash.Hash keyed with tokenKey: HMAC setup is the costly part
}

// NewAuth builds an Auth from the server secret.
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
	sk := sha256.Sum256(append([]byte("numan seal v1:"), secret...))
	block, err := aes.NewCipher(sk[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	a := &Auth{ttl: ttl, now: now, tokenKey: tk[:], aead: aead}
	a.macs.New = func() any { return hmac.New(sha256.New, a.tokenKey) }
	return a, nil
}

// LoadSecret returns the server secret stored in system config
// numan.auth, creating a random one on first start.
func LoadSecret(ctx context.Context, st store.Configs) ([]byte, error) {
	doc, err := config.ReadSections(ctx, st, AuthConfigID)
	if err != nil {
		return nil, err
	}
	var hexSecret string
	if raw, ok := config.Section(doc, config.DefaultSection)["secret"]; ok {
		_ = json.Unmarshal(raw, &hexSecret)
	}
	if hexSecret == "" {
		buf := make([]byte, 32)
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		hexSecret = hex.EncodeToString(buf)
		val, _ := json.Marshal(hexSecret)
		if err := config.WriteSection(ctx, st, AuthConfigID, config.DefaultSection, map[string]json.RawMessage{"secret": val}); err != nil {
			return nil, fmt.Errorf("api: store server secret: %w", err)
		}
		// Two nodes starting together on an empty database may both write;
		// read back so every node ends up with the one that was kept.
		return LoadSecret(ctx, st)
	}
	secret, err := hex.DecodeString(hexSecret)
	if err != nil {
		return nil, fmt.Errorf("api: system config %s: bad secret: %w", AuthConfigID, err)
	}
	return secret, nil
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

// NewAPIKey returns a random API key: 64 hex characters, as Kazoo's.
func NewAPIKey() string {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		panic("api: no randomness: " + err.Error())
	}
	return hex.EncodeToString(buf)
}

// NewAccountID returns a random account id: 32 hex characters.
func NewAccountID() string {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		panic("api: no randomness: " + err.Error())
	}
	return hex.EncodeToString(buf)
}

// HashAPIKey is how an API key is looked up: its SHA-256, in hex.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Seal encrypts an API key under the server secret, so it can be shown
// again to the account (Kazoo's GET .../api_key) without being stored in clear.
func (a *Auth) Seal(key string) (string, error) {
	nonce := make([]byte, a.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := a.aead.Seal(nonce, nonce, []byte(key), nil)
	return base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed API key.
func (a *Auth) Open(sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < a.aead.NonceSize() {
		return "", errors.New("api: malformed sealed key")
	}
	ns := a.aead.NonceSize()
	plain, err := a.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return "", errors.New("api: sealed key does not open with this server's secret")
	}
	return string(plain), nil
}

// SetAPIKey gives acc a new API key: stored hashed and sealed.
func (a *Auth) SetAPIKey(acc *number.Account, key string) error {
	sealed, err := a.Seal(key)
	if err != nil {
		return err
	}
	acc.APIKeyHash = HashAPIKey(key)
	acc.APIKeySealed = sealed
	return nil
}

// keyMatches compares a presented key with an account's hash in constant time.
func keyMatches(acc *number.Account, key string) bool {
	return subtle.ConstantTimeCompare([]byte(acc.APIKeyHash), []byte(HashAPIKey(key))) == 1
}

// EnsureMaster creates the master account (the system's superduper admin)
// when the database has no account. Its API key is masterKey, or a random
// one when masterKey is empty; created reports whether it was made now, and
// key is the key only then.
func EnsureMaster(ctx context.Context, st store.Store, a *Auth, masterKey string, now time.Time) (acc *number.Account, key string, err error) {
	n, err := st.CountAccounts(ctx)
	if err != nil {
		return nil, "", err
	}
	if n > 0 {
		return nil, "", nil
	}
	key = masterKey
	if key == "" {
		key = NewAPIKey()
	}
	acc = &number.Account{
		ID:                   NewAccountID(),
		Name:                 "master",
		Enabled:              true,
		Reseller:             true,
		AllowNumberAdditions: true,
		SuperduperAdmin:      true,
		Public:               number.Doc{},
		Created:              now,
		Modified:             now,
	}
	if err := a.SetAPIKey(acc, key); err != nil {
		return nil, "", err
	}
	if err := st.InsertAccount(ctx, acc); err != nil {
		return nil, "", err
	}
	return acc, key, nil
}
