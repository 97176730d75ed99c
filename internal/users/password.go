package users

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Kazoo clients never send a password: they send the MD5 (or SHA-1) of
// "username:password" (Monster UI, the Kazoo SDKs, PUT /v2/user_auth), and
// Kazoo stored those digests in clear. Numan stores neither the password
// nor the digests: each digest is hashed with argon2id (a memory-hard KDF,
// RFC 9106; chosen over bcrypt because it resists GPU and ASIC guessing
// with memory, not only time, has no 72-byte input limit, and its PHC
// string records its parameters, so they can be raised later and old
// hashes upgraded at sign-in). A digest is a password-equivalent for
// Kazoo's protocol, so it gets the same protection a password would.
//
// A sign-in names an account and sends a digest, not a username, so the
// user must be found by the digest. A salted hash cannot be looked up;
// each user therefore also has a 16-bit tag of each digest, keyed with a
// key derived from the server secret (kept outside the database): the
// tag narrows an account's users to about one candidate (1 in 65,536
// share a tag), and the argon2id hash decides. The tag is too short to
// help anyone guess: with the database alone it is keyed, and even with
// the key it only rules out most guesses, each survivor still costing an
// argon2id computation.

// Params are argon2id's costs.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams are OWASP's first argon2id configuration (19 MiB, 2
// passes, 1 thread): about 20-40 ms a hash on one core.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// Digest is the credentials digest a Kazoo client sends for a username and
// password: the hex MD5 (or SHA-1 when sha is true) of
// "username:password", the username in lower case as Kazoo keeps it.
func Digest(username, password string, sha bool) string {
	in := []byte(NormalizeUsername(username) + ":" + password)
	if sha {
		sum := sha1.Sum(in)
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum(in)
	return hex.EncodeToString(sum[:])
}

// NormalizeUsername is how usernames are kept and compared: trimmed, in
// lower case.
func NormalizeUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// hasher hashes and verifies credentials digests. It bounds how many
// argon2id computations run at once: each takes Params.Memory, so a burst
// of sign-ins cannot take the server's memory.
type hasher struct {
	p     Params
	slots chan struct{}
	tagK  []byte // the key of the tags
}

func newHasher(p Params, concurrency int, secret []byte) *hasher {
	if concurrency < 1 {
		concurrency = 1
	}
	tk := sha256.Sum256(append([]byte("numan user credential tags v1:"), secret...))
	return &hasher{p: p, slots: make(chan struct{}, concurrency), tagK: tk[:]}
}

// acquire waits for a hashing slot, or for ctx to end.
func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

// hash returns the PHC string of argon2id over digest, with a new salt.
func (h *hasher) hash(ctx context.Context, digest string) (string, error) {
	var salt [saltLen]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(digest), salt[:], h.p.Time, h.p.Memory, h.p.Threads, keyLen)
	h.release()
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		enc.EncodeToString(salt[:]), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("users: not an argon2id hash")

// parsed is a PHC string taken apart.
type parsed struct {
	p         Params
	salt, key []byte
}

func parsePHC(s string) (parsed, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return parsed{}, errBadHash
	}
	var out parsed
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &out.p.Memory, &out.p.Time, &out.p.Threads); err != nil {
		return parsed{}, errBadHash
	}
	enc := base64.RawStdEncoding
	var err error
	if out.salt, err = enc.DecodeString(parts[4]); err != nil {
		return parsed{}, errBadHash
	}
	if out.key, err = enc.DecodeString(parts[5]); err != nil || len(out.key) == 0 {
		return parsed{}, errBadHash
	}
	if out.p.Memory == 0 || out.p.Time == 0 || out.p.Threads == 0 || out.p.Memory > 1<<22 || out.p.Time > 64 {
		return parsed{}, errBadHash
	}
	return out, nil
}

// verify reports whether digest matches the PHC string, and whether the
// hash should be redone with the current parameters.
func (h *hasher) verify(ctx context.Context, phc, digest string) (ok, stale bool, err error) {
	ph, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	key := argon2.IDKey([]byte(digest), ph.salt, ph.p.Time, ph.p.Memory, ph.p.Threads, uint32(len(ph.key)))
	h.release()
	return subtle.ConstantTimeCompare(key, ph.key) == 1, ph.p != h.p, nil
}

// dummy spends what a verification spends, so a sign-in that finds no
// candidate takes as long as one that finds a wrong one.
func (h *hasher) dummy(ctx context.Context) {
	if h.acquire(ctx) != nil {
		return
	}
	var salt [saltLen]byte
	_ = argon2.IDKey([]byte("numan"), salt[:], h.p.Time, h.p.Memory, h.p.Threads, keyLen)
	h.release()
}

// tag is the 16-bit keyed tag of a digest (never 0, which means "no
// credentials").
func (h *hasher) tag(digest string, sha bool) int64 {
	m := hmac.New(sha256.New, h.tagK)
	if sha {
		m.Write([]byte("sha1:"))
	} else {
		m.Write([]byte("md5:"))
	}
	m.Write([]byte(strings.ToLower(digest)))
	t := int64(binary.BigEndian.Uint16(m.Sum(nil)))
	return t + 1
}

// validDigest reports whether s looks like the hex digest of method.
func validDigest(s string, sha bool) bool {
	want := 32
	if sha {
		want = 40
	}
	if len(s) != want {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
