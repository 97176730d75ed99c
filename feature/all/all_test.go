package all_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	// The carriers declare their module names' aliases (knm_bandwidth is
	// bandwidth2), as in the numan binary.
	_ "github.com/numan-dev/numan/carrier/all"
	"github.com/numan-dev/numan/feature"
	_ "github.com/numan-dev/numan/feature/all"
)

// notProviders are directories under feature/ that register no provider.
var notProviders = map[string]bool{"all": true, "featuretest": true, "internal": true}

// TestAllImportsEveryProvider checks that all.go imports every provider
// package under feature/.
func TestAllImportsEveryProvider(t *testing.T) {
	src, err := os.ReadFile("all.go")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || notProviders[e.Name()] {
			continue
		}
		if !strings.Contains(string(src), `"github.com/numan-dev/numan/feature/`+e.Name()+`"`) {
			t.Errorf("all.go does not import feature/%s", e.Name())
		}
		if _, err := os.Stat(filepath.Join("..", e.Name())); err != nil {
			t.Error(err)
		}
	}
}

// TestKazooNames checks that Kazoo's provider names, and every default
// provider, are registered.
func TestKazooNames(t *testing.T) {
	names := feature.Names()
	for _, want := range []string{"dash_e911", "telnyx_e911", "vitelity_e911", "bandwidth_e911", "twilio_e911",
		"cnam_notifier", "telnyx_cnam", "vitelity_cnam", "bandwidth_cnam",
		"telnyx_messaging", "twilio_messaging", "bandwidth_messaging", "im",
		"failover", "prepend", "force_outbound", "ringback", "port_notifier"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s is not registered; registered: %v", want, names)
		}
	}
	for _, f := range feature.Features() {
		d := feature.DefaultProvider(f, "")
		info, ok := feature.Lookup(d)
		if !ok || !info.Serves(f) {
			t.Errorf("default provider %q of %s is not registered or does not serve it", d, f)
		}
		if len(feature.Serving(f, "")) == 0 {
			t.Errorf("nothing serves %s", f)
		}
	}
	for _, legacy := range []string{"knm_dash_e911", "wnm_telnyx_cnam", "knm_vitelity_e911"} {
		if _, ok := feature.Lookup(legacy); !ok {
			t.Errorf("Kazoo's %s is not found", legacy)
		}
	}
}

// TestMessagingByCarrier checks that SMS on a number goes to its carrier's
// provider where there is one, else to the generic one.
func TestMessagingByCarrier(t *testing.T) {
	for carrier, want := range map[string]string{"telnyx": "telnyx_messaging", "twilio": "twilio_messaging",
		"bandwidth2": "bandwidth_messaging", "knm_bandwidth": "bandwidth_messaging", "vitelity": "im", "local": "im"} {
		if got := feature.DefaultProvider("sms", carrier); got != want {
			t.Errorf("sms on %s: %s, want %s", carrier, got, want)
		}
	}
	if got := feature.Serving("e911", "telnyx"); !slices.Contains(got, "dash_e911") || !slices.Contains(got, "telnyx_e911") || slices.Contains(got, "twilio_e911") {
		t.Errorf("e911 at telnyx: %v", got)
	}
}
