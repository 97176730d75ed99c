package telnyx

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func TestCheckRoute(t *testing.T) {
	c := newTestCarrier(t, testConfig("http://127.0.0.1:1"))
	for _, tc := range []struct {
		route string
		ok    bool
	}{
		{`{"connection_id": "2001234567890123456"}`, true},
		{`{"messaging_profile_id": "40017a0c-5a1b-4d8e-9a35-3e1f2b6c7d80"}`, true},
		{`{"connection_id": "1", "messaging_profile_id": "2"}`, true},
		{`{}`, false},
		{`{"connection": "1"}`, false},
		{`{"connection_id": 1}`, false},
	} {
		err := c.CheckRoute(json.RawMessage(tc.route))
		if (err == nil) != tc.ok || (err != nil && !number.IsKind(err, number.KindInvalid)) {
			t.Errorf("%s: %v", tc.route, err)
		}
	}
}

func TestRoute(t *testing.T) {
	ctx := context.Background()
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	n := testNumber(testOwnedNumber)
	n.State = number.InService

	// No id in carrier data: looked up, then both halves patched.
	data, err := c.Route(ctx, n, json.RawMessage(`{"connection_id": "2001234567890123456", "messaging_profile_id": "40017a0c-5a1b-4d8e-9a35-3e1f2b6c7d80"}`))
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if !data.Get("phone_number_id", &id) || id != testPhoneID {
		t.Fatalf("carrier data %v", data)
	}
	if len(f.patches) != 2 || !strings.Contains(f.patches[0], `"connection_id":"2001234567890123456"`) ||
		!strings.Contains(f.patches[1], `"messaging_profile_id":"40017a0c-5a1b-4d8e-9a35-3e1f2b6c7d80"`) {
		t.Fatalf("patches %q", f.patches)
	}

	// With the id known: no lookup.
	n.CarrierData = data
	before := len(f.seen())
	if _, err := c.Route(ctx, n, json.RawMessage(`{"connection_id": "2001234567890123456"}`)); err != nil {
		t.Fatal(err)
	}
	if seen := f.seen()[before:]; len(seen) != 1 || !strings.HasPrefix(seen[0], "PATCH /v2/phone_numbers/"+testPhoneID) {
		t.Fatalf("requests %q", seen)
	}

	// Telnyx refuses a connection of another account: a definite refusal.
	_, err = c.Route(ctx, n, json.RawMessage(`{"connection_id": "not-mine"}`))
	if err == nil || !carrier.IsDefiniteRefusal(err) || !strings.Contains(err.Error(), "does not belong") {
		t.Fatalf("refused route: %v", err)
	}

	// A number the account does not hold.
	if _, err := c.Route(ctx, testNumber("+14155550199"), json.RawMessage(`{"connection_id": "1"}`)); err == nil {
		t.Fatal("routed a number Telnyx does not hold")
	}
}
