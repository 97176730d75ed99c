package config_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	// The local carrier declares the default module number_manager's
	// defaults name (Kazoo's knm_local).
	_ "github.com/numan-dev/numan/carrier/storesearch"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/sqlite"
)

func TestSectionsAndSecrets(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id := config.CarrierID("knm_telnyx")
	if id != "number_manager.telnyx" {
		t.Fatalf("CarrierID = %q", id)
	}
	kr := newKeyring(t)
	src := config.NewSource(st, "", time.Nanosecond, config.SealWith(kr))
	keys := map[string]json.RawMessage{"api_key": json.RawMessage(`"KEY123"`), "api_url": json.RawMessage(`"https://a"`)}
	if err := src.WriteSection(ctx, id, config.DefaultSection, keys); err != nil {
		t.Fatal(err)
	}
	if err := src.WriteSection(ctx, id, "node1", map[string]json.RawMessage{"api_url": json.RawMessage(`"https://b"`)}); err != nil {
		t.Fatal(err)
	}
	for node, url := range map[string]string{"": `"https://a"`, "node1": `"https://b"`} {
		raw, err := config.NewSource(st, node, time.Nanosecond, config.SealWith(kr)).Carrier(ctx, "telnyx")
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]json.RawMessage
		json.Unmarshal(raw, &got)
		if string(got["api_url"]) != url || string(got["api_key"]) != `"KEY123"` {
			t.Fatalf("node %q: %s", node, raw)
		}
	}
	red := config.Redact(keys)
	if string(red["api_key"]) != `"********"` || string(red["api_url"]) != `"https://a"` {
		t.Fatalf("redacted %v", red)
	}
	// Writing back what was read keeps the secret.
	if err := src.WriteSection(ctx, id, config.DefaultSection, red); err != nil {
		t.Fatal(err)
	}
	doc, _ := src.Sections(ctx, id)
	if string(doc["default"]["api_key"]) != `"KEY123"` {
		t.Fatalf("secret lost: %s", doc["default"]["api_key"])
	}
	if err := src.DeleteSection(ctx, id, "node1"); err != nil {
		t.Fatal(err)
	}
	if err := src.DeleteSection(ctx, id, "node1"); !number.IsKind(err, number.KindNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestNumberManagerValidatesAndFollowsChanges(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src := config.NewSource(st, "", time.Nanosecond)
	cfg, _, err := src.NumberManager(ctx)
	if err != nil || cfg.ReleasedState != number.Available || cfg.MaximumSearchQuantity != 500 {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	if err := src.WriteSection(ctx, config.NumberManagerID, config.DefaultSection, map[string]json.RawMessage{"should_age": json.RawMessage(`true`)}); err != nil {
		t.Fatal(err)
	}
	if cfg, _, _ = src.NumberManager(ctx); !cfg.ShouldAge {
		t.Fatal("change not seen")
	}
	if err := src.WriteSection(ctx, config.NumberManagerID, config.DefaultSection, map[string]json.RawMessage{"released_state": json.RawMessage(`"nowhere"`)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.NumberManager(ctx); !number.IsKind(err, number.KindInvalid) {
		t.Fatalf("invalid config accepted: %v", err)
	}
}

func TestRedactKeepsOrderWhereNoSecret(t *testing.T) {
	classifiers := json.RawMessage(`{"tollfree_us":{"regex":"^\\+1800"},"did_us":{"regex":"^\\+1"}}`)
	nested := json.RawMessage(`{"zeta":1,"api_password":"p","alpha":2}`)
	got := config.Redact(map[string]json.RawMessage{"classifiers": classifiers, "other": nested, "token": json.RawMessage(`""`)})
	if string(got["classifiers"]) != string(classifiers) {
		t.Fatalf("classifiers changed: %s", got["classifiers"])
	}
	if string(got["other"]) != `{"alpha":2,"api_password":"********","zeta":1}` || string(got["token"]) != `""` {
		t.Fatalf("redacted: %s %s", got["other"], got["token"])
	}
}
