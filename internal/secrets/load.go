package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// LoadOptions say where a node's secret key comes from, in this order:
// Value (NUMAN_SECRET_KEY), else File (--secret-key-file), else DefaultFile
// (the file next to a SQLite database), created when missing if Generate.
type LoadOptions struct {
	// Value holds keys as ParseKeys reads them: the current one first,
	// older ones (still opened, never sealed with) after.
	Value string
	// File is a key file the operator named; it must exist.
	File string
	// DefaultFile is where the zero-setup key lives (SQLite only); "" when
	// there is none (PostgreSQL: every node must be given the same key).
	DefaultFile string
	// Generate allows creating DefaultFile with a new key when it is
	// missing. The caller allows it only when the database holds no sealed
	// value yet, so a lost key file is an error, not a silent new key.
	Generate bool
}

// Loaded is a keyring and where its key came from.
type Loaded struct {
	Keyring *Keyring
	// File is the key file read (or created); "" when the key came from
	// Value.
	File string
	// Generated says File was created now, with a new key.
	Generated bool
}

// ErrNoKey is returned (wrapped) when no key was given and none may be
// generated.
var ErrNoKey = errors.New("secrets: no secret key")

// Load returns the keyring o describes. A keyring read from a file reloads
// the file when it changes (numan secrets rotate under a running server)
// or when a value names a key it does not hold.
func Load(o LoadOptions) (*Loaded, error) {
	if strings.TrimSpace(o.Value) != "" {
		if o.File != "" {
			return nil, errors.New("secrets: give the secret key either in NUMAN_SECRET_KEY or in --secret-key-file, not both")
		}
		raw, err := ParseKeys(o.Value)
		if err != nil {
			return nil, fmt.Errorf("NUMAN_SECRET_KEY: %w", err)
		}
		kr, err := NewKeyring(raw...)
		if err != nil {
			return nil, err
		}
		return &Loaded{Keyring: kr}, nil
	}
	path := o.File
	generated := false
	if path == "" {
		if o.DefaultFile == "" {
			return nil, fmt.Errorf("%w: set NUMAN_SECRET_KEY (or --secret-key-file) to a key from 'numan secrets generate'; every node of a cluster needs the same key", ErrNoKey)
		}
		path = o.DefaultFile
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if !o.Generate {
				return nil, fmt.Errorf("%w: the key file %s is missing, and the database holds secrets sealed with it: restore the file, or set NUMAN_SECRET_KEY to the database's key", ErrNoKey, path)
			}
			if err := WriteKeyFile(path, GenerateKey()); err != nil {
				return nil, err
			}
			generated = true
		}
	}
	kr, err := loadFile(path)
	if err != nil {
		return nil, err
	}
	return &Loaded{Keyring: kr, File: path, Generated: generated}, nil
}

// loadFile reads a key file into a keyring that follows the file.
func loadFile(path string) (*Keyring, error) {
	read := func() ([][]byte, time.Time, error) {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("secret key file: %w", err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("secret key file: %w", err)
		}
		raw, err := ParseKeys(string(b))
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("secret key file %s: %w", path, err)
		}
		return raw, fi.ModTime(), nil
	}
	raw, mod, err := read()
	if err != nil {
		return nil, err
	}
	kr, err := NewKeyring(raw...)
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	var mu sync.Mutex
	kr.reload = func() ([][]byte, error) {
		raw, m, err := read()
		if err == nil {
			mu.Lock()
			mod = m
			mu.Unlock()
		}
		return raw, err
	}
	kr.changed = func() bool {
		fi, err := os.Stat(path)
		if err != nil {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		return !fi.ModTime().Equal(mod)
	}
	return kr, nil
}

// WriteKeyFile writes keys (the current one first) to path, readable by
// its owner only, replacing the file atomically.
func WriteKeyFile(path string, keys ...[]byte) error {
	var b strings.Builder
	b.WriteString("# Numan secret key: it opens the secrets sealed in the database. Keep it apart from database backups.\n")
	for _, k := range keys {
		if len(k) != KeySize {
			return fmt.Errorf("secrets: a secret key is %d bytes", KeySize)
		}
		b.WriteString(EncodeKey(k))
		b.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("secret key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("secret key file: %w", err)
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return fmt.Errorf("secret key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("secret key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("secret key file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("secret key file: %w", err)
	}
	return nil
}

// Reload re-reads the key file the keyring came from (no-op for a keyring
// from a value): after rotation, the current key is the file's first.
func (kr *Keyring) Reload() error {
	if kr.reload == nil {
		return nil
	}
	raw, err := kr.reload()
	if err != nil {
		return err
	}
	return kr.set(raw)
}
