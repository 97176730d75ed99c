package config_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/secrets"
	"github.com/numan-dev/numan/store/sqlite"
)

func newKeyring(t *testing.T, keys ...[]byte) *secrets.Keyring {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{secrets.GenerateKey()}
	}
	kr, err := secrets.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// planted are secrets a settings document may hold in each of the forms
// config treats as secret: a secret key's value (plain, nested, in an
// object), URL user info, URL query values.
var planted = []string{"PLANTED-api-key", "PLANTED-nested-pass", "PLANTED-userinfo", "PLANTED-query", "PLANTED-token-obj"}

func plantedKeys() map[string]json.RawMessage {
	return map[string]json.RawMessage{
		"api_key":       json.RawMessage(`"PLANTED-api-key"`),
		"account":       json.RawMessage(`{"login":"bob","password":"PLANTED-nested-pass","region":"us"}`),
		"phonebook_url": json.RawMessage(`"https://bob:PLANTED-userinfo@phonebook.example/v1"`),
		"api_url":       json.RawMessage(`"https://api.example/v2?key=PLANTED-query&format=json"`),
		"auth_token":    json.RawMessage(`{"id":"PLANTED-token-obj"}`),
		"urls":          json.RawMessage(`["https://plain.example/", "https://u:PLANTED-userinfo@x.example/"]`),
		"classifiers":   json.RawMessage(`{"z":{"regex":"^1"},"a":{"regex":"^2"}}`),
		"empty_secret":  json.RawMessage(`""`),
	}
}

func containsPlanted(b []byte) string {
	for _, p := range planted {
		if bytes.Contains(b, []byte(p)) {
			return p
		}
	}
	return ""
}

func TestSecretsAreSealedAtRestAndMaskedWhenShown(t *testing.T) {
	ctx := t.Context()
	st := openStore(t)
	src := config.NewSource(st, "", time.Nanosecond, config.SealWith(newKeyring(t)))
	keys := plantedKeys()
	if err := src.WriteSection(ctx, "number_manager.other", config.DefaultSection, keys); err != nil {
		t.Fatal(err)
	}
	raw, err := st.GetConfig(ctx, "number_manager.other")
	if err != nil {
		t.Fatal(err)
	}
	if p := containsPlanted(raw); p != "" {
		t.Fatalf("%s stored in clear: %s", p, raw)
	}
	if !bytes.Contains(raw, []byte(`{"z":{"regex":"^1"},"a":{"regex":"^2"}}`)) || !bytes.Contains(raw, []byte(`"empty_secret":""`)) {
		t.Fatalf("values holding no secret changed at rest: %s", raw)
	}
	// Read back: every value as written.
	eff, err := src.Carrier(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(eff, &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range keys {
		if !jsonEqual(got[k], v) {
			t.Errorf("%s read back as %s, want %s", k, got[k], v)
		}
	}
	// Shown: masked, URLs keep what is not secret.
	shown, _ := json.Marshal(config.Redact(got))
	if p := containsPlanted(shown); p != "" {
		t.Fatalf("%s shown: %s", p, shown)
	}
	red := config.Redact(got)
	for k, want := range map[string]string{
		"phonebook_url": `"https://********@phonebook.example/v1"`,
		"api_url":       `"https://api.example/v2?key=********\u0026format=********"`,
		"api_key":       `"********"`,
	} {
		if !jsonEqual(red[k], json.RawMessage(want)) {
			t.Errorf("%s shown as %s, want %s", k, red[k], want)
		}
	}
	// Written back as shown (a PATCH of everything it read, one key
	// changed): every secret kept.
	red["extra"] = json.RawMessage(`1`)
	if err := src.WriteSection(ctx, "number_manager.other", config.DefaultSection, red); err != nil {
		t.Fatal(err)
	}
	doc, _ := src.Sections(ctx, "number_manager.other")
	for k, v := range keys {
		if !jsonEqual(doc["default"][k], v) {
			t.Errorf("after writing back what was shown, %s = %s, want %s", k, doc["default"][k], v)
		}
	}
	// Inside an object, a changed neighbour keeps the masked password.
	if err := src.WriteSection(ctx, "number_manager.other", config.DefaultSection, map[string]json.RawMessage{
		"account": json.RawMessage(`{"login":"alice","password":"********","region":"us"}`),
	}); err != nil {
		t.Fatal(err)
	}
	doc, _ = src.Sections(ctx, "number_manager.other")
	if !jsonEqual(doc["default"]["account"], json.RawMessage(`{"login":"alice","password":"PLANTED-nested-pass","region":"us"}`)) {
		t.Errorf("account = %s", doc["default"]["account"])
	}
}

func TestSealAllMigratesAndRotates(t *testing.T) {
	ctx := t.Context()
	st := openStore(t)
	// A database from before sealing: secrets in clear.
	legacy, _ := json.Marshal(map[string]any{"default": plantedKeys(), "node1": map[string]any{"password": "PLANTED-api-key"}})
	if err := st.PutConfig(ctx, "number_manager.other", legacy); err != nil {
		t.Fatal(err)
	}
	if err := st.PutConfig(ctx, "plain", json.RawMessage(`{"default":{"a":1}}`)); err != nil {
		t.Fatal(err)
	}
	if has, _ := config.HasSealed(ctx, st); has {
		t.Fatal("HasSealed on a legacy database")
	}
	oldKey, newKey := secrets.GenerateKey(), secrets.GenerateKey()
	src := config.NewSource(st, "", time.Nanosecond, config.SealWith(newKeyring(t, oldKey)))
	// Before migration, clear values are still read.
	if _, err := src.Carrier(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	ids, err := src.SealAll(ctx)
	if err != nil || !slices.Equal(ids, []string{"number_manager.other"}) {
		t.Fatalf("SealAll = %v, %v", ids, err)
	}
	raw, _ := st.GetConfig(ctx, "number_manager.other")
	if p := containsPlanted(raw); p != "" {
		t.Fatalf("%s in clear after migration: %s", p, raw)
	}
	if has, _ := config.HasSealed(ctx, st); !has {
		t.Fatal("HasSealed after migration: false")
	}
	if ids, _ := src.SealAll(ctx); len(ids) != 0 {
		t.Fatalf("second SealAll rewrote %v", ids)
	}

	// The wrong key: a clear error naming the key ids.
	wrong := config.NewSource(st, "", time.Nanosecond, config.SealWith(newKeyring(t, newKey)))
	if _, err := wrong.Carrier(ctx, "other"); !errors.Is(err, secrets.ErrWrongKey) {
		t.Fatalf("read with the wrong key: %v", err)
	}
	if _, err := wrong.SealAll(ctx); !errors.Is(err, secrets.ErrWrongKey) || !strings.Contains(err.Error(), secrets.KeyID(oldKey)) {
		t.Fatalf("SealAll with the wrong key: %v", err)
	}
	// No key at all: refused, not read as garbage.
	if _, err := config.NewSource(st, "", time.Nanosecond).Carrier(ctx, "other"); err == nil {
		t.Fatal("a sealed document read without a key")
	}

	// Rotation: new key first, old one still opening.
	rot := config.NewSource(st, "", time.Nanosecond, config.SealWith(newKeyring(t, newKey, oldKey)))
	if ids, err := rot.SealAll(ctx); err != nil || len(ids) != 1 {
		t.Fatalf("rotate: %v, %v", ids, err)
	}
	raw, _ = st.GetConfig(ctx, "number_manager.other")
	if bytes.Contains(raw, []byte(secrets.KeyID(oldKey))) {
		t.Fatalf("a value still sealed under the old key: %s", raw)
	}
	onlyNew := config.NewSource(st, "node1", time.Nanosecond, config.SealWith(newKeyring(t, newKey)))
	eff, err := onlyNew.Carrier(ctx, "other")
	if err != nil || !bytes.Contains(eff, []byte(`"password":"PLANTED-api-key"`)) {
		t.Fatalf("after rotation, with the new key only: %s, %v", eff, err)
	}
}

func TestNoKeyringRefusesToWriteSecrets(t *testing.T) {
	src := config.NewSource(openStore(t), "", time.Nanosecond)
	if err := src.WriteSection(t.Context(), "x", config.DefaultSection, map[string]json.RawMessage{"password": json.RawMessage(`"p"`)}); err == nil {
		t.Fatal("a secret written without a key")
	}
	if err := src.WriteSection(t.Context(), "x", config.DefaultSection, map[string]json.RawMessage{"a": json.RawMessage(`1`)}); err != nil {
		t.Fatalf("a plain value: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://host/path":                   "",
		"https://u:p@host/path":               "https://********@host/path",
		"https://u@host":                      "https://********@host",
		"https://host/p?k=v&x=y":              "https://host/p?k=********&x=********",
		"https://host/p#access_token=abc":     "https://host/p#********",
		"http://u:p%zz@host":                  "********",
		"not a url ?x=1":                      "",
		"postgres://numan:pw@db:5432/numan?x": "postgres://********@db:5432/numan?x=********",
	} {
		got, ok := config.RedactURL(in)
		if want == "" {
			if ok || got != in {
				t.Errorf("RedactURL(%q) = %q, %v; want unchanged", in, got, ok)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("RedactURL(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got := config.RedactText(`Get "https://u:s3cret@h/x?key=abc": dial tcp`); strings.Contains(got, "s3cret") || strings.Contains(got, "abc") {
		t.Errorf("RedactText = %q", got)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

var _ = context.Background
