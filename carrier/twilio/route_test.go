package twilio

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func TestCheckRoute(t *testing.T) {
	f := newFakeTwilio(t, "")
	c := newTestCarrier(t, testConfig(f.srv.URL))
	for _, tc := range []struct {
		route string
		ok    bool
	}{
		{`{"trunk_sid": "TK9876543210fedcba9876543210fedcba"}`, true},
		{`{"voice_url": "https://pbx.example.com/voice", "voice_method": "GET", "sms_url": "https://pbx.example.com/sms"}`, true},
		{`{"sms_url": "https://pbx.example.com/sms"}`, true},
		{`{}`, false},
		{`{"trunk_sid": "TK1", "voice_url": "https://pbx.example.com/voice"}`, false},
		{`{"voice_url": "ftp://pbx.example.com"}`, false},
		{`{"voice_url": "https://pbx.example.com", "voice_method": "PUT"}`, false},
		{`{"trunk": "TK1"}`, false},
	} {
		err := c.CheckRoute(json.RawMessage(tc.route))
		if (err == nil) != tc.ok || (err != nil && !number.IsKind(err, number.KindInvalid)) {
			t.Errorf("%s: %v", tc.route, err)
		}
	}
}

func TestRoute(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t, "")
	c := newTestCarrier(t, testConfig(f.srv.URL))
	n := testNumber(testOwnedNumber)

	data, err := c.Route(ctx, n, json.RawMessage(`{"trunk_sid": "TK9876543210fedcba9876543210fedcba"}`))
	if err != nil {
		t.Fatal(err)
	}
	var sid string
	if !data.Get("sid", &sid) || sid != testPNSID || len(f.updates) != 1 || f.updates[0].Get("TrunkSid") != "TK9876543210fedcba9876543210fedcba" {
		t.Fatalf("data %v, updates %v", data, f.updates)
	}

	// A voice URL takes the number off its trunk; the sid is known now.
	n.CarrierData = data
	before := len(f.seen())
	if _, err := c.Route(ctx, n, json.RawMessage(`{"voice_url": "https://pbx.example.com/voice", "sms_url": "https://pbx.example.com/sms"}`)); err != nil {
		t.Fatal(err)
	}
	u := f.updates[1]
	if _, onTrunk := u["TrunkSid"]; !onTrunk || u.Get("TrunkSid") != "" || u.Get("VoiceUrl") != "https://pbx.example.com/voice" || u.Get("SmsUrl") != "https://pbx.example.com/sms" {
		t.Fatalf("update %v", u)
	}
	if seen := f.seen()[before:]; len(seen) != 1 {
		t.Fatalf("requests %q", seen)
	}

	// Twilio refuses an unknown trunk.
	_, err = c.Route(ctx, n, json.RawMessage(`{"trunk_sid": "TKffffffffffffffffffffffffffffffff"}`))
	if err == nil || !carrier.IsDefiniteRefusal(err) || !strings.Contains(err.Error(), "21227") && !strings.Contains(err.Error(), "not found") {
		t.Fatalf("refused trunk: %v", err)
	}
	if _, err := c.Route(ctx, testNumber("+14155550199"), json.RawMessage(`{"trunk_sid": "TK1"}`)); err == nil {
		t.Fatal("routed a number Twilio does not hold")
	}
}
