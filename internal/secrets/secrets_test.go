package secrets_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numan-dev/numan/internal/secrets"
)

func TestSealOpen(t *testing.T) {
	kr, err := secrets.NewKeyring(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"", "s3cret", `{"password":"x"}`, strings.Repeat("é", 1000)} {
		sealed, err := kr.Seal([]byte(plain))
		if err != nil {
			t.Fatal(err)
		}
		if !secrets.IsSealed(sealed) || (plain != "" && strings.Contains(sealed, plain)) {
			t.Fatalf("sealed %q as %q", plain, sealed)
		}
		got, err := kr.Open(sealed)
		if err != nil || string(got) != plain {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	a, _ := kr.Seal([]byte("same"))
	b, _ := kr.Seal([]byte("same"))
	if a == b {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
}

func TestOpenRefusesWrongKeyAndTampering(t *testing.T) {
	kr, _ := secrets.NewKeyring(secrets.GenerateKey())
	other, _ := secrets.NewKeyring(secrets.GenerateKey())
	sealed, _ := kr.Seal([]byte("s3cret"))
	_, err := other.Open(sealed)
	if !errors.Is(err, secrets.ErrWrongKey) || !strings.Contains(err.Error(), kr.CurrentID()) || !strings.Contains(err.Error(), other.CurrentID()) {
		t.Fatalf("wrong key: %v; want ErrWrongKey naming both key ids", err)
	}
	// Flip one byte of the ciphertext.
	i := len(sealed) - 3
	flipped := sealed[:i] + string(sealed[i]^1) + sealed[i+1:]
	if _, err := kr.Open(flipped); err == nil {
		t.Fatal("a tampered value opened")
	}
	// Move the value under another key id: the id is authenticated.
	_, rest, _ := strings.Cut(strings.TrimPrefix(sealed, secrets.Prefix), ":")
	if _, err := other.Open(secrets.Prefix + other.CurrentID() + ":" + rest); !errors.Is(err, secrets.ErrWrongKey) {
		t.Fatalf("relabelled value: %v", err)
	}
	for _, bad := range []string{"s3cret", secrets.Prefix, secrets.Prefix + "abc", secrets.Prefix + kr.CurrentID() + ":!!"} {
		if _, err := kr.Open(bad); err == nil {
			t.Fatalf("Open(%q) succeeded", bad)
		}
	}
}

func TestRotationKeyring(t *testing.T) {
	oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
	old, _ := secrets.NewKeyring(oldKey)
	sealed, _ := old.Seal([]byte("s3cret"))
	both, _ := secrets.NewKeyring(newKey, oldKey)
	if !both.NeedsReseal(sealed) {
		t.Fatal("a value under the old key does not need resealing")
	}
	plain, err := both.Open(sealed)
	if err != nil || string(plain) != "s3cret" {
		t.Fatalf("old value under both keys: %q, %v", plain, err)
	}
	again, _ := both.Seal(plain)
	if both.NeedsReseal(again) {
		t.Fatal("a value sealed now needs resealing")
	}
	if id, _ := secrets.SealedBy(again); id != secrets.KeyID(newKey) {
		t.Fatalf("sealed by %s, want the new key %s", id, secrets.KeyID(newKey))
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	def := filepath.Join(dir, "numan.db.key")

	// PostgreSQL: no default file, no key: a clear error.
	if _, err := secrets.Load(secrets.LoadOptions{}); !errors.Is(err, secrets.ErrNoKey) || !strings.Contains(err.Error(), "NUMAN_SECRET_KEY") {
		t.Fatalf("no key: %v", err)
	}
	// A lost key file of a database with sealed values is not replaced.
	if _, err := secrets.Load(secrets.LoadOptions{DefaultFile: def}); !errors.Is(err, secrets.ErrNoKey) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing file: %v", err)
	}
	// Zero setup: generated, owner-only.
	l, err := secrets.Load(secrets.LoadOptions{DefaultFile: def, Generate: true})
	if err != nil || !l.Generated || l.File != def {
		t.Fatalf("generate: %+v, %v", l, err)
	}
	fi, err := os.Stat(def)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", fi.Mode(), err)
	}
	again, err := secrets.Load(secrets.LoadOptions{DefaultFile: def, Generate: true})
	if err != nil || again.Generated || again.Keyring.CurrentID() != l.Keyring.CurrentID() {
		t.Fatalf("second start: %+v, %v; want the same key", again, err)
	}

	// A value wins over the default file; both a value and a file is refused.
	k := secrets.GenerateKey()
	v, err := secrets.Load(secrets.LoadOptions{Value: secrets.EncodeKey(k), DefaultFile: def})
	if err != nil || v.Keyring.CurrentID() != secrets.KeyID(k) || v.File != "" {
		t.Fatalf("value: %+v, %v", v, err)
	}
	if _, err := secrets.Load(secrets.LoadOptions{Value: secrets.EncodeKey(k), File: def}); err == nil {
		t.Fatal("a value and a file were both accepted")
	}
	for _, bad := range []string{"not base64!", secrets.EncodeKey([]byte("short"))} {
		if _, err := secrets.Load(secrets.LoadOptions{Value: bad}); err == nil {
			t.Fatalf("bad key %q accepted", bad)
		}
	}
	// Several keys: the first is current.
	k2 := secrets.GenerateKey()
	multi, err := secrets.Load(secrets.LoadOptions{Value: secrets.EncodeKey(k2) + "," + secrets.EncodeKey(k)})
	if err != nil || len(multi.Keyring.IDs()) != 2 || multi.Keyring.CurrentID() != secrets.KeyID(k2) {
		t.Fatalf("two keys: %+v, %v", multi, err)
	}
}

func TestFileKeyringFollowsRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
	if err := secrets.WriteKeyFile(path, oldKey); err != nil {
		t.Fatal(err)
	}
	l, err := secrets.Load(secrets.LoadOptions{File: path})
	if err != nil {
		t.Fatal(err)
	}
	kr := l.Keyring
	// Another process rotates: new value sealed under the new key only.
	other, _ := secrets.NewKeyring(newKey)
	sealed, _ := other.Seal([]byte("rotated"))
	if err := secrets.WriteKeyFile(path, newKey); err != nil {
		t.Fatal(err)
	}
	plain, err := kr.Open(sealed)
	if err != nil || string(plain) != "rotated" {
		t.Fatalf("open after rotation: %q, %v", plain, err)
	}
	mine, err := kr.Seal([]byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := secrets.SealedBy(mine); id != secrets.KeyID(newKey) {
		t.Fatalf("sealed under %s after rotation, want %s", id, secrets.KeyID(newKey))
	}
}
