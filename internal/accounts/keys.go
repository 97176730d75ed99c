package accounts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"

	"github.com/numan-dev/numan/number"
)

// Keys protects accounts' API keys with the server secret: a key is stored
// as its hash (what api_auth looks up) and sealed (so GET .../api_key can
// show it again), never in clear.
type Keys struct {
	aead cipher.AEAD
}

// NewKeys returns the Keys of a server secret (config.LoadSecret).
func NewKeys(secret []byte) (*Keys, error) {
	if len(secret) < 32 {
		return nil, errors.New("accounts: server secret shorter than 32 bytes")
	}
	sk := sha256.Sum256(append([]byte("numan seal v1:"), secret...))
	block, err := aes.NewCipher(sk[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead}, nil
}

// NewAPIKey returns a random API key: 64 hex characters, as Kazoo's.
func NewAPIKey() string {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		panic("accounts: no randomness: " + err.Error())
	}
	return hex.EncodeToString(buf)
}

// NewID returns a random account id: 32 hex characters.
func NewID() string {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		panic("accounts: no randomness: " + err.Error())
	}
	return hex.EncodeToString(buf)
}

// HashAPIKey is how an API key is looked up: its SHA-256, in hex.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Seal encrypts an API key under the server secret.
func (k *Keys) Seal(key string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := k.aead.Seal(nonce, nonce, []byte(key), nil)
	return base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed API key.
func (k *Keys) Open(sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return "", errors.New("accounts: malformed sealed key")
	}
	ns := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return "", errors.New("accounts: sealed key does not open with this server's secret")
	}
	return string(plain), nil
}

// SetAPIKey gives acc a new API key: stored hashed and sealed.
func (k *Keys) SetAPIKey(acc *number.Account, key string) error {
	sealed, err := k.Seal(key)
	if err != nil {
		return err
	}
	acc.APIKeyHash = HashAPIKey(key)
	acc.APIKeySealed = sealed
	return nil
}

// KeyStampLen is the length of a KeyStamp.
const KeyStampLen = 8

// KeyStamp identifies an account's current API key without revealing it:
// auth tokens carry the stamp of the key they were issued with, and stop
// working when the key is renewed.
func KeyStamp(acc *number.Account) []byte {
	sum := sha256.Sum256([]byte("numan key stamp\x00" + acc.APIKeyHash))
	return sum[:KeyStampLen]
}

// keyMatches compares a presented key with an account's hash in constant time.
func keyMatches(acc *number.Account, key string) bool {
	return subtle.ConstantTimeCompare([]byte(acc.APIKeyHash), []byte(HashAPIKey(key))) == 1
}
