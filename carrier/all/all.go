// Package all registers every built-in carrier. The numan binary imports it
// for its side effects; a carrier package that is not listed here cannot be
// configured, however complete it is (all_test.go catches that).
package all

// Carriers without a remote API: they search Numan's own store.
import (
	_ "github.com/numan-dev/numan/carrier/inventory"
	_ "github.com/numan-dev/numan/carrier/local"
	_ "github.com/numan-dev/numan/carrier/managed"
	_ "github.com/numan-dev/numan/carrier/mdn"
	_ "github.com/numan-dev/numan/carrier/reserved"
	_ "github.com/numan-dev/numan/carrier/reservedreseller"
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
