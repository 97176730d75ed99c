package bandwidth2

import (
	"testing"

	"github.com/numan-dev/numan/carrier/internal/audittest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/number"
)

// The carrier audit against the fake's in-service numbers finds the number
// Numan does not know, the one Bandwidth no longer holds, and the one
// Numan records under another carrier. Kazoo's module name bandwidth is
// this carrier's.
func TestAudit(t *testing.T) {
	f := newFakeBandwidth(t)
	audittest.Run(t, audittest.Plant{
		Carrier: Name,
		Settings: map[string]any{"api_url": f.srv.URL + "/api", "account_id": testAccount, "api_username": testUser,
			"api_password": testPassword, "site_id": "2297", "sip_peer": "500651"},
		Seeds: []storetesting.Seed{
			{Number: "+14155550100", State: number.InService, Module: Name, CarrierData: map[string]any{"order_id": testOrderID}},
			{Number: "+14155550101", State: number.Reserved, Module: "knm_bandwidth"},
			{Number: "+14155550150", State: number.InService, Module: "telnyx"},
			{Number: "+14155550199", State: number.Available, Module: Name},
		},
		Unknown:    []string{"+14155550190"},
		Vanished:   []string{"+14155550199"},
		Mismatched: map[string]string{"+14155550150": "module"},
	})
}
