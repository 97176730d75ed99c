package simwood

import (
	"net/http"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/internal/releasetest"
)

// A number released at Simwood (de-allocated) leaves the pool and is never
// sold again without a new allocation.
func TestReleaseThenActivate(t *testing.T) {
	f, srv := startFake(t)
	f.mu.Lock()
	f.allocated["442079460001"] = true
	f.mu.Unlock()
	releasetest.Run(t, releasetest.Case{
		Carrier: Name,
		Fake:    srv.URL,
		Settings: func(url string) map[string]any {
			return map[string]any{"api_url": url + apiPath, "auth_username": testUser, "auth_password": testPass,
				"simwood_account_id": testAccount}
		},
		Number: "+442079460001",
		IsDisconnect: func(c releasetest.Call) bool {
			return c.Method == http.MethodDelete && strings.Contains(c.Path, "/allocated/")
		},
		IsBuy: func(c releasetest.Call) bool {
			return c.Method == http.MethodPut && strings.Contains(c.Path, "/allocated/")
		},
	})
}
