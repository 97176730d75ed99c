package voipinnovations

import (
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/internal/releasetest"
)

// A number released at VoIP Innovations (releaseDID) leaves the pool and is
// never sold again without a new assignDID.
func TestReleaseThenActivate(t *testing.T) {
	_, srv := startFake(t)
	releasetest.Run(t, releasetest.Case{
		Carrier: Name,
		Fake:    srv.URL,
		Settings: func(url string) map[string]any {
			return map[string]any{"api_url": url + servicePath, "login": testLogin, "password": testPassword, "endpoint_group": testEPG}
		},
		Number:       "+13035550110",
		IsDisconnect: func(c releasetest.Call) bool { return strings.Contains(c.Body, "releaseDID") },
		IsBuy:        func(c releasetest.Call) bool { return strings.Contains(c.Body, "assignDID") },
	})
}
