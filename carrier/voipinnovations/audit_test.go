package voipinnovations

import (
	"testing"

	"github.com/numan-dev/numan/carrier/internal/audittest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/number"
)

// The carrier audit against the fake's auditDIDs finds the number Numan
// does not know, the one VoIP Innovations no longer holds, and the one on
// another endpoint group than endpoint_group.
func TestAudit(t *testing.T) {
	_, srv := startFake(t)
	audittest.Run(t, audittest.Plant{
		Carrier:  Name,
		Settings: map[string]any{"api_url": srv.URL + servicePath, "login": testLogin, "password": testPassword, "endpoint_group": testEPG},
		Seeds: []storetesting.Seed{
			{Number: "+13035550110", State: number.InService, Module: Name},
			{Number: "+13035550190", State: number.InService, Module: Name},
			{Number: "+13035550199", State: number.Aging, Module: Name},
		},
		Unknown:    []string{"+13035550177"},
		Vanished:   []string{"+13035550199"},
		Mismatched: map[string]string{"+13035550190": "route"},
	})
}
