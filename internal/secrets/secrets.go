// Package secrets seals Numan's secrets at rest (carrier credentials,
// secret URLs, the server secret that signs auth tokens) with a key that is
// never stored in the database: a dump of the database alone opens nothing.
//
// A sealed value is text: "numan-sealed:v1:<key id>:<base64url(nonce|ciphertext)>",
// AES-256-GCM. The key id is a fingerprint of the key that sealed it, so a
// Keyring holding several keys (the current one first, older ones after)
// opens values sealed under any of them while sealing only under the
// current one: that is how a key is rotated (Keyring.NeedsReseal tells
// which values to seal again).
//
// Where the key comes from (NUMAN_SECRET_KEY, a key file, or a file
// generated next to a SQLite database) is decided by Load.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// KeySize is the length of a secret key: AES-256.
const KeySize = 32

// Prefix starts every sealed value.
const Prefix = "numan-sealed:v1:"

// ErrWrongKey is returned (wrapped) when a value was sealed under a key the
// keyring does not hold, or does not open under the key it names.
var ErrWrongKey = errors.New("secrets: wrong secret key")

// key is one AES-256-GCM key and its id.
type key struct {
	id   string
	aead cipher.AEAD
}

func newKey(raw []byte) (*key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("secrets: a secret key is %d bytes (base64: 44 characters), not %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &key{id: KeyID(raw), aead: aead}, nil
}

// KeyID is the fingerprint of a key that sealed values carry: it tells
// which key sealed a value without revealing anything of the key.
func KeyID(raw []byte) string {
	sum := sha256.Sum256(append([]byte("numan secret key id\x00"), raw...))
	return hex.EncodeToString(sum[:8])
}

// GenerateKey returns a new random key.
func GenerateKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("secrets: no randomness: " + err.Error())
	}
	return k
}

// EncodeKey is a key as NUMAN_SECRET_KEY and key files hold it: standard
// base64.
func EncodeKey(raw []byte) string { return base64.StdEncoding.EncodeToString(raw) }

// ParseKeys reads keys written as EncodeKey does, separated by commas,
// spaces or newlines; lines starting with # are comments. The first key is
// the current one.
func ParseKeys(text string) ([][]byte, error) {
	var out [][]byte
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			raw, err := base64.StdEncoding.DecodeString(f)
			if err != nil {
				raw, err = base64.RawStdEncoding.DecodeString(f)
			}
			if err != nil {
				return nil, errors.New("secrets: a secret key is not base64 (generate one with 'numan secrets generate')")
			}
			if len(raw) != KeySize {
				return nil, fmt.Errorf("secrets: a secret key is %d bytes (base64: 44 characters), not %d", KeySize, len(raw))
			}
			out = append(out, raw)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("secrets: no secret key given")
	}
	return out, nil
}

// Keyring seals under its current key and opens under any of its keys. It
// is safe for concurrent use.
type Keyring struct {
	mu     sync.RWMutex
	keys   []*key // current first
	reload func() ([][]byte, error)
	// changed reports whether the key file changed since it was read
	// (nil for a keyring not read from a file).
	changed func() bool
}

// NewKeyring returns a keyring of keys, the first being the current one.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	kr := &Keyring{}
	if err := kr.set(keys); err != nil {
		return nil, err
	}
	return kr, nil
}

func (kr *Keyring) set(raw [][]byte) error {
	if len(raw) == 0 {
		return errors.New("secrets: no secret key given")
	}
	keys := make([]*key, 0, len(raw))
	for _, r := range raw {
		k, err := newKey(r)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	kr.mu.Lock()
	kr.keys = keys
	kr.mu.Unlock()
	return nil
}

// CurrentID is the id of the key new values are sealed under.
func (kr *Keyring) CurrentID() string {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.keys[0].id
}

// IDs are the ids of every key the keyring opens with, current first.
func (kr *Keyring) IDs() []string {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	ids := make([]string, len(kr.keys))
	for i, k := range kr.keys {
		ids[i] = k.id
	}
	return ids
}

// Seal encrypts plain under the current key.
func (kr *Keyring) Seal(plain []byte) (string, error) {
	if kr.changed != nil && kr.changed() {
		// Rotated under a running server: seal with the new current key.
		if err := kr.Reload(); err != nil {
			return "", err
		}
	}
	kr.mu.RLock()
	k := kr.keys[0]
	kr.mu.RUnlock()
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	head := Prefix + k.id + ":"
	ct := k.aead.Seal(nonce, nonce, plain, []byte(head))
	return head + base64.RawURLEncoding.EncodeToString(ct), nil
}

// IsSealed reports whether s is a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, Prefix) }

// split returns the key id and ciphertext of a sealed value.
func split(sealed string) (id string, ct []byte, err error) {
	if !IsSealed(sealed) {
		return "", nil, errors.New("secrets: not a sealed value")
	}
	rest := sealed[len(Prefix):]
	id, b64, ok := strings.Cut(rest, ":")
	if !ok || id == "" {
		return "", nil, errors.New("secrets: malformed sealed value")
	}
	ct, err = base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, errors.New("secrets: malformed sealed value")
	}
	return id, ct, nil
}

// SealedBy returns the id of the key a sealed value was sealed under.
func SealedBy(sealed string) (string, error) {
	id, _, err := split(sealed)
	return id, err
}

func (kr *Keyring) find(id string) *key {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	for _, k := range kr.keys {
		if k.id == id {
			return k
		}
	}
	return nil
}

// Open decrypts a sealed value. A value sealed under a key the keyring
// does not hold is ErrWrongKey, naming both key ids; so is a value that
// does not open (damaged, or forged).
func (kr *Keyring) Open(sealed string) ([]byte, error) {
	id, ct, err := split(sealed)
	if err != nil {
		return nil, err
	}
	k := kr.find(id)
	if k == nil && kr.reload != nil {
		// The key file may have been rotated under a running server.
		if raw, err := kr.reload(); err == nil {
			_ = kr.set(raw)
			k = kr.find(id)
		}
	}
	if k == nil {
		return nil, fmt.Errorf("%w: a value was sealed with key %s, and this node has key(s) %s (set NUMAN_SECRET_KEY or --secret-key-file to the database's key)",
			ErrWrongKey, id, strings.Join(kr.IDs(), ", "))
	}
	ns := k.aead.NonceSize()
	if len(ct) < ns {
		return nil, errors.New("secrets: malformed sealed value")
	}
	plain, err := k.aead.Open(nil, ct[:ns], ct[ns:], []byte(Prefix+id+":"))
	if err != nil {
		return nil, fmt.Errorf("%w: a value sealed with key %s does not open (damaged or forged)", ErrWrongKey, id)
	}
	return plain, nil
}

// NeedsReseal reports whether a sealed value was sealed under a key other
// than the current one (rotation seals it again).
func (kr *Keyring) NeedsReseal(sealed string) bool {
	id, err := SealedBy(sealed)
	return err == nil && id != kr.CurrentID()
}
