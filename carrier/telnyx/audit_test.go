package telnyx

import (
	"testing"

	"github.com/numan-dev/numan/carrier/internal/audittest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/number"
)

// The carrier audit against the fake's three pages of phone numbers finds
// the number Numan does not know, the one Telnyx no longer holds, and the
// ones they describe differently.
func TestAudit(t *testing.T) {
	f := newFakeTelnyx(t)
	audittest.Run(t, audittest.Plant{
		Carrier:  Name,
		Settings: map[string]any{"api_key": testKey, "api_url": f.srv.URL, "connection_id": "1494404757140276705"},
		Seeds: []storetesting.Seed{
			{Number: testOwnedNumber, State: number.InService, Module: Name, AssignedTo: "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812",
				CarrierData: map[string]any{"order_id": testOrderID, "phone_number_id": "1293384261075739999"}},
			{Number: "+14155550190", State: number.InService, Module: Name, AssignedTo: "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812"},
			{Number: "+14155550199", State: number.InService, Module: Name, AssignedTo: "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812"},
			{Number: "+14155550181", State: number.Available, Module: "local"}, // deleted at Telnyx: not held, not judged
		},
		Unknown:    []string{"+14155550177", "+14155550180"},
		Inactive:   []string{"+14155550180"}, // port-pending
		Vanished:   []string{"+14155550199"},
		Mismatched: map[string]string{testOwnedNumber: "carrier_data.phone_number_id", "+14155550190": "route"},
	})
}
