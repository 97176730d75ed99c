package number

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDefaultConfigValidates(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeConfigEmptyIsDefaults(t *testing.T) {
	for _, doc := range []string{"", "{}", `{"_id":"number_manager"}`} {
		cfg, err := DecodeConfig([]byte(doc))
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if !reflect.DeepEqual(cfg, DefaultConfig()) {
			t.Errorf("%q: got %+v, want the defaults", doc, cfg)
		}
	}
}

func TestDecodeConfigKazooDocument(t *testing.T) {
	cfg, err := DecodeConfig(readTestdata(t, "number_manager_kazoo.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.AvailableModuleName != "bandwidth2" || cfg.PortInModuleName != "local" {
		t.Errorf("module names = %q, %q", cfg.AvailableModuleName, cfg.PortInModuleName)
	}
	if want := []string{"local", "bandwidth2", "telnyx"}; !slices.Equal(cfg.CarrierModules, want) {
		t.Errorf("carrier_modules = %v, want %v (registry names, deduplicated, in order)", cfg.CarrierModules, want)
	}
	if cfg.ReleasedState != Aging || !cfg.ShouldAge || cfg.MaximumSearchQuantity != 50 {
		t.Errorf("scalars = %+v", cfg)
	}
	// Keys absent from the document keep their defaults.
	if cfg.NumberSearchTimeoutMS != 5000 || cfg.ReconcileRegex != DefaultReconcileRegex || !cfg.ForceLocalOutbound {
		t.Errorf("defaults lost: %+v", cfg)
	}
	if want := []string{"knm_dash_e911", "cnam_notifier", "prepend"}; !slices.Equal(cfg.FeaturesAllow, want) {
		t.Errorf("features.allow from providers = %v", cfg.FeaturesAllow)
	}
	if len(cfg.E164Converters) != 2 || cfg.E164Converters[0].Prefix != "+33" {
		t.Errorf("converters = %+v", cfg.E164Converters)
	}
	if len(cfg.Classifiers) != 2 || cfg.Classifiers[0].Name != "tollfree_us" || cfg.Classifiers[1].FriendlyName != "did_us" {
		t.Errorf("classifiers = %+v", cfg.Classifiers)
	}
	if _, ok := cfg.Extra["vitelity"]; !ok {
		t.Errorf("unknown keys not kept: %v", cfg.Extra)
	}
	if _, ok := cfg.Extra["_rev"]; ok {
		t.Error("document bookkeeping kept as a setting")
	}

	z, err := NewNormalizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := z.Normalize("0612345678"); err != nil || got != "+33612345678" {
		t.Errorf("Normalize with the document's converters = %q, %v", got, err)
	}
}

func TestDecodeConfigFlat(t *testing.T) {
	cfg, err := DecodeConfig(readTestdata(t, "number_manager_flat.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.CarrierModules) != 0 {
		t.Errorf("an explicit empty carrier_modules = %v", cfg.CarrierModules)
	}
	if !slices.Equal(cfg.FeaturesAllow, []string{"cnam", "e911"}) || !cfg.UnauthorizedNumberLookup {
		t.Errorf("got %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDecodeConfigDefaultCarrierModulesFollowAvailableModule(t *testing.T) {
	cfg, err := DecodeConfig([]byte(`{"available_module_name":"knm_telnyx"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.CarrierModules, []string{"telnyx"}) {
		t.Errorf("carrier_modules = %v, want [telnyx] (Kazoo: [available_module_name])", cfg.CarrierModules)
	}
}

func TestDecodeConfigErrorsNameTheKey(t *testing.T) {
	tests := map[string]string{
		`[]`:                                      "number_manager",
		`{"maximum_search_quantity":"lots"}`:      "maximum_search_quantity",
		`{"should_age":"yes"}`:                    "should_age",
		`{"e164_converters":{"^x$":"+1"}}`:        "e164_converters",
		`{"classifiers":[1]}`:                     "classifiers",
		`{"providers":"cnam"}`:                    "providers",
		`{"default":{"released_state":["x"]}}`:    "released_state",
		`{"carrier_modules":"knm_local"}`:         "carrier_modules",
		`{"e164_converters":{"a":{},"a":{}}}`:     "e164_converters",
		`{"classifiers":{"x":{"emergency":"?"}}}`: "classifiers",
	}
	for doc, key := range tests {
		_, err := DecodeConfig([]byte(doc))
		if !IsKind(err, KindInvalid) || !strings.Contains(err.Error(), key) {
			t.Errorf("DecodeConfig(%s) = %v, want invalid naming %q", doc, err, key)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		key    string
		mutate func(*Config)
	}{
		{"e164_converters", func(c *Config) { c.E164Converters = append(c.E164Converters, Converter{Regex: "("}) }},
		{"e164_converters", func(c *Config) { c.E164Converters = Converters{{Prefix: "+1"}} }},
		{"reconcile_regex", func(c *Config) { c.ReconcileRegex = "[" }},
		{"classifiers", func(c *Config) { c.Classifiers[0].Regex = "(?P<" }},
		{"classifiers", func(c *Config) { c.Classifiers[1].Name = c.Classifiers[0].Name }},
		{"classifiers", func(c *Config) { c.Classifiers[0].Name = "" }},
		{"released_state", func(c *Config) { c.ReleasedState = "gone" }},
		{"released_state", func(c *Config) { c.ReleasedState = "" }},
		{"maximum_search_quantity", func(c *Config) { c.MaximumSearchQuantity = 0 }},
		{"number_search_timeout_ms", func(c *Config) { c.NumberSearchTimeoutMS = -1 }},
		{"discovery_expiry_s", func(c *Config) { c.DiscoveryExpiryS = -1 }},
		{"aging_expiry_d", func(c *Config) { c.AgingExpiryD = -1 }},
		{"available_module_name", func(c *Config) { c.AvailableModuleName = " " }},
		{"port_in_module_name", func(c *Config) { c.PortInModuleName = "" }},
		{"carrier_modules", func(c *Config) { c.CarrierModules = []string{"local", ""} }},
		{"features.allow", func(c *Config) { c.FeaturesAllow = []string{"teleportation"} }},
		{"features.deny", func(c *Config) { c.FeaturesDeny = []string{"cnam", "x"} }},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.mutate(&cfg)
		err := cfg.Validate()
		if !IsKind(err, KindInvalid) || !strings.Contains(AsError(err).Cause, "number_manager."+tt.key+":") {
			t.Errorf("%s: Validate() = %v, want invalid naming the key", tt.key, err)
		}
	}
}

// A Config written back out keeps Kazoo's object forms and reads back equal.
func TestConfigJSONRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"e164_converters":{"^(\\+?1)?`) || !strings.Contains(string(out), `"classifiers":{"tollfree_us":`) {
		t.Errorf("not Kazoo's object form: %s", out)
	}
	back, err := DecodeConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, cfg)
	}
}
