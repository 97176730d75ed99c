package vitelity

import (
	"testing"

	"github.com/numan-dev/numan/carrier/internal/audittest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/number"
)

// The carrier audit against the fake's listdids finds the number Numan does
// not know, the one Vitelity no longer holds, and the one routed to
// another sub-account than routesip.
func TestAudit(t *testing.T) {
	_, srv := startFake(t)
	audittest.Run(t, audittest.Plant{
		Carrier:  Name,
		Settings: map[string]any{"api_url": srv.URL + "/api.php", "login": testLogin, "pass": testPass, "routesip": []string{testRouteSIP}},
		Seeds: []storetesting.Seed{
			{Number: "+14155550142", State: number.InService, Module: Name},
			{Number: "+18005550190", State: number.InService, Module: Name},
			{Number: "+14155550199", State: number.Reserved, Module: Name},
		},
		Unknown:    []string{"+14155550177"},
		Vanished:   []string{"+14155550199"},
		Mismatched: map[string]string{"+18005550190": "route"},
	})
}
