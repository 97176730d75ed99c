// Package all registers every built-in carrier. The numan binary imports it
// for its side effects; a carrier package that is not listed here cannot be
// configured, however complete it is (all_test.go catches that). Adding a
// carrier is its own package plus one line here.
package all

// Carriers without a remote API: storesearch registers local, inventory,
// managed, reserved and reserved_reseller, which search Numan's own store;
// mdn never searches.
import (
	_ "github.com/numan-dev/numan/carrier/mdn"
	_ "github.com/numan-dev/numan/carrier/storesearch"
)

// Carriers with a remote API (bandwidth2, other, simwood, telnyx, vitelity,
// voipinnovations, ...): one blank import per package, sorted.
import (
	_ "github.com/numan-dev/numan/carrier/bandwidth2"
	_ "github.com/numan-dev/numan/carrier/other"
	_ "github.com/numan-dev/numan/carrier/simwood"
	_ "github.com/numan-dev/numan/carrier/telnyx"
	_ "github.com/numan-dev/numan/carrier/twilio"
	_ "github.com/numan-dev/numan/carrier/vitelity"
	_ "github.com/numan-dev/numan/carrier/voipinnovations"
)
