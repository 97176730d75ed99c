package twilio

import (
	"net/http"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/internal/releasetest"
)

// A number released at Twilio (its IncomingPhoneNumber deleted) leaves the
// pool and is never sold again without a new purchase.
func TestReleaseThenActivate(t *testing.T) {
	f := newFakeTwilio(t, "")
	releasetest.Run(t, releasetest.Case{
		Carrier: Name,
		Fake:    f.srv.URL,
		Settings: func(url string) map[string]any {
			return map[string]any{"account_sid": testSID, "auth_token": testToken, "api_url": url}
		},
		Number:      testOwnedNumber,
		CarrierData: map[string]any{"sid": testPNSID},
		IsDisconnect: func(c releasetest.Call) bool {
			return c.Method == http.MethodDelete && strings.Contains(c.Path, "/IncomingPhoneNumbers/")
		},
		IsBuy: func(c releasetest.Call) bool {
			return c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/IncomingPhoneNumbers.json")
		},
	})
}
