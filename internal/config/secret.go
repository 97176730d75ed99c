package config

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// SecretID is the system-config document holding the server secret that
// signs auth tokens and seals API keys. Every node reads the same one from
// the database, so a token issued by one node is valid on all of them. It
// is stored sealed (its key is "secret"), so a database dump alone cannot
// mint tokens. The API never shows or changes it.
const SecretID = "numan.auth"

// LoadSecret returns the server secret stored in system config
// numan.auth, creating a random one on first start.
func (s *Source) LoadSecret(ctx context.Context) ([]byte, error) {
	doc, err := s.Sections(ctx, SecretID)
	if err != nil {
		return nil, err
	}
	var hexSecret string
	if raw, ok := Section(doc, DefaultSection)["secret"]; ok {
		_ = json.Unmarshal(raw, &hexSecret)
	}
	if hexSecret == "" {
		buf := make([]byte, 32)
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		hexSecret = hex.EncodeToString(buf)
		val, _ := json.Marshal(hexSecret)
		if err := s.WriteSection(ctx, SecretID, DefaultSection, map[string]json.RawMessage{"secret": val}); err != nil {
			return nil, fmt.Errorf("config: store server secret: %w", err)
		}
		// Two nodes starting together on an empty database may both write;
		// read back so every node ends up with the one that was kept.
		return s.LoadSecret(ctx)
	}
	secret, err := hex.DecodeString(hexSecret)
	if err != nil {
		return nil, fmt.Errorf("config: system config %s: bad secret: %w", SecretID, err)
	}
	return secret, nil
}
