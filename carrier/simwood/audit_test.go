package simwood

import (
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/internal/audittest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/number"
)

// The carrier audit against the fake's allocated-numbers reports finds the
// numbers Numan does not know, the one Simwood no longer holds, and the
// ones Numan records differently (released, or under another carrier).
func TestAudit(t *testing.T) {
	_, srv := startFake(t)
	known := map[string]bool{"+442079460001": true, "+442079460003": true, "+442890180001": true}
	var unknown []string
	for _, n := range strings.Fields(wantAllocated) {
		if !known[n] {
			unknown = append(unknown, n)
		}
	}
	audittest.Run(t, audittest.Plant{
		Carrier: Name,
		Settings: map[string]any{"api_url": srv.URL + apiPath, "auth_username": testUser, "auth_password": testPass,
			"simwood_account_id": testAccount},
		Seeds: []storetesting.Seed{
			{Number: "+442079460001", State: number.InService, Module: Name},
			{Number: "+442079460003", State: number.Released, Module: Name},
			{Number: "+442890180001", State: number.InService, Module: "telnyx"},
			{Number: "+442079460099", State: number.InService, Module: Name},
		},
		Unknown:    unknown,
		Vanished:   []string{"+442079460099"},
		Mismatched: map[string]string{"+442079460003": "state", "+442890180001": "module"},
	})
}
