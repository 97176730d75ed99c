package bandwidth2

import (
	"net/http"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/internal/releasetest"
)

// A number released at Bandwidth (a disconnect order) leaves the pool and
// is never sold again without a new order.
func TestReleaseThenActivate(t *testing.T) {
	f := newFakeBandwidth(t)
	releasetest.Run(t, releasetest.Case{
		Carrier: Name,
		Fake:    f.srv.URL,
		Settings: func(url string) map[string]any {
			return map[string]any{"api_url": url + "/api", "account_id": testAccount, "api_username": testUser,
				"api_password": testPassword, "site_id": "2297", "sip_peer": "500651"}
		},
		Number:      "+14155550100",
		CarrierData: map[string]any{"order_id": testOrderID},
		IsDisconnect: func(c releasetest.Call) bool {
			return c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/disconnects")
		},
		IsBuy: func(c releasetest.Call) bool {
			return c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/orders")
		},
	})
}
