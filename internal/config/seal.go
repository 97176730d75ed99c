package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/numan-dev/numan/internal/secrets"
)

// errNoKeyring is the error of a source asked to seal or open a secret
// without a keyring.
var errNoKeyring = errors.New("config: no secret key to seal or open secrets with")

// seal returns v (the value of key in document id) with every secret in it
// sealed; a value already sealed under an older key is sealed again under
// the current one.
func (s *Source) seal(id, key string, v json.RawMessage) (json.RawMessage, error) {
	out, _, err := walk(key, v, func(k string, leaf json.RawMessage) (json.RawMessage, error) {
		return s.sealLeaf(id, leaf)
	})
	return out, err
}

func (s *Source) sealLeaf(id string, leaf json.RawMessage) (json.RawMessage, error) {
	if s.keys == nil {
		return nil, fmt.Errorf("system config %s: %w", id, errNoKeyring)
	}
	plain := bytes.TrimSpace(leaf)
	var str string
	if json.Unmarshal(plain, &str) == nil && secrets.IsSealed(str) {
		if !s.keys.NeedsReseal(str) {
			// Sealed under the current key: it must still open.
			if _, err := s.keys.Open(str); err != nil {
				return nil, fmt.Errorf("system config %s: %w", id, err)
			}
			return leaf, nil
		}
		p, err := s.keys.Open(str)
		if err != nil {
			return nil, fmt.Errorf("system config %s: %w", id, err)
		}
		plain = p
	}
	sealed, err := s.keys.Seal(plain)
	if err != nil {
		return nil, err
	}
	return json.Marshal(sealed)
}

// open returns v with every sealed value in it opened.
func (s *Source) open(id string, v json.RawMessage) (json.RawMessage, error) {
	if !bytes.Contains(v, []byte(secrets.Prefix)) {
		return v, nil
	}
	out, _, err := walk("", v, func(_ string, leaf json.RawMessage) (json.RawMessage, error) {
		var str string
		if json.Unmarshal(leaf, &str) != nil || !secrets.IsSealed(str) {
			return leaf, nil //nolint:nilerr // not a sealed string: nothing to open
		}
		if s.keys == nil {
			return nil, fmt.Errorf("system config %s: %w", id, errNoKeyring)
		}
		plain, err := s.keys.Open(str)
		if err != nil {
			return nil, fmt.Errorf("system config %s: %w", id, err)
		}
		return plain, nil
	})
	return out, err
}

// SealAll seals every secret stored in clear in every system-config
// document, and seals again under the current key every value sealed under
// an older one; it returns the ids of the documents it rewrote. It runs
// when a node starts (a database from before sealing is migrated) and when
// the key is rotated (numan secrets rotate). It fails, naming the key ids,
// when a value does not open with the keyring: the node was given the
// wrong key.
func (s *Source) SealAll(ctx context.Context) ([]string, error) {
	if s.keys == nil {
		return nil, errNoKeyring
	}
	defer s.Invalidate()
	ids, err := s.store.ListConfigs(ctx)
	if err != nil {
		return nil, err
	}
	var rewritten []string
	for _, id := range ids {
		doc, err := ReadSections(ctx, s.store, id)
		if err != nil {
			return rewritten, err
		}
		changed := false
		for _, sec := range doc {
			for k, v := range sec {
				out, err := s.seal(id, k, v)
				if err != nil {
					return rewritten, err
				}
				if !bytes.Equal(out, v) {
					sec[k], changed = out, true
				}
			}
		}
		if !changed {
			continue
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return rewritten, err
		}
		if err := s.store.PutConfig(ctx, id, raw); err != nil {
			return rewritten, err
		}
		rewritten = append(rewritten, id)
	}
	return rewritten, nil
}

// HasSealed reports whether any system-config document holds a sealed
// value: a database whose key file is missing must not get a new key.
func HasSealed(ctx context.Context, st interface {
	ListConfigs(ctx context.Context) ([]string, error)
	GetConfig(ctx context.Context, id string) (json.RawMessage, error)
}) (bool, error) {
	ids, err := st.ListConfigs(ctx)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		raw, err := st.GetConfig(ctx, id)
		if err != nil {
			continue
		}
		if bytes.Contains(raw, []byte(secrets.Prefix)) {
			return true, nil
		}
	}
	return false, nil
}
