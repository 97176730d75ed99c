// Package all registers every built-in feature provider. A binary that
// runs feature providers imports it for its side effects; a provider
// package not listed here cannot be configured (all_test.go catches that).
package all

// Providers that call no third party.
import (
	_ "github.com/numan-dev/numan/feature/cnamnotifier"
	_ "github.com/numan-dev/numan/feature/im"
	_ "github.com/numan-dev/numan/feature/local"
)

// Providers with a remote API, one blank import per package, sorted.
import (
	_ "github.com/numan-dev/numan/feature/bandwidth"
	_ "github.com/numan-dev/numan/feature/dash"
	_ "github.com/numan-dev/numan/feature/telnyx"
	_ "github.com/numan-dev/numan/feature/twilio"
	_ "github.com/numan-dev/numan/feature/vitelity"
)
