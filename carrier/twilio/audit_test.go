package twilio

import (
	"testing"

	"github.com/numan-dev/numan/carrier/internal/audittest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/number"
)

// The carrier audit against the fake's pages of IncomingPhoneNumbers finds
// the number Numan does not know, the one Twilio no longer holds, and the
// ones they describe differently.
func TestAudit(t *testing.T) {
	f := newFakeTwilio(t, "")
	audittest.Run(t, audittest.Plant{
		Carrier:  Name,
		Settings: map[string]any{"account_sid": testSID, "auth_token": testToken, "api_url": f.srv.URL, "trunk_sid": "TK0123456789abcdef0123456789abcdef"},
		Seeds: []storetesting.Seed{
			{Number: testOwnedNumber, State: number.InService, Module: Name, CarrierData: map[string]any{"sid": "PN99999999999999999999999999999999"}},
			{Number: "+14155550190", State: number.Reserved, Module: Name},
			{Number: "+14155550199", State: number.InService, Module: Name},
		},
		Unknown:    []string{"+14155550177", "+14155550180"},
		Inactive:   []string{"+14155550180"}, // status pending
		Vanished:   []string{"+14155550199"},
		Mismatched: map[string]string{testOwnedNumber: "carrier_data.sid", "+14155550190": "route"},
	})
}
