package telnyx

import (
	"net/http"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/internal/releasetest"
)

// A number released at Telnyx leaves the pool and is never sold again
// without a new number order.
func TestReleaseThenActivate(t *testing.T) {
	f := newFakeTelnyx(t)
	releasetest.Run(t, releasetest.Case{
		Carrier: Name,
		Fake:    f.srv.URL,
		Settings: func(url string) map[string]any {
			return map[string]any{"api_key": testKey, "api_url": url}
		},
		Number:      testOwnedNumber,
		CarrierData: map[string]any{"phone_number_id": testPhoneID},
		IsDisconnect: func(c releasetest.Call) bool {
			return c.Method == http.MethodDelete && strings.HasPrefix(c.Path, "/v2/phone_numbers/")
		},
		IsBuy: func(c releasetest.Call) bool { return c.Method == http.MethodPost && c.Path == "/v2/number_orders" },
	})
}
