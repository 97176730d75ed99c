package billing_test

import (
	"encoding/json"
	"testing"

	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/number"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in, currency string
		want         int64
		ok           bool
	}{
		{"0", "USD", 0, true},
		{"1", "USD", 100, true},
		{"1.5", "USD", 150, true},
		{"1.50", "USD", 150, true},
		{"0.07", "USD", 7, true},
		{"2.500000", "USD", 250, true}, // trailing zeros are not precision
		{"19.99", "EUR", 1999, true},
		{"1000", "JPY", 1000, true},
		{"1.5", "JPY", 0, false},
		{"1.234", "KWD", 1234, true},
		{"1.005", "USD", 0, false}, // never rounded
		{"-3.10", "USD", -310, true},
		{"1e3", "USD", 0, false},
		{"", "USD", 0, false},
		{"1.", "USD", 0, false},
		{"99999999999999999999", "USD", 0, false},
	} {
		got, err := billing.ParseAmount(tc.in, tc.currency)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d, ok %v", tc.in, tc.currency, got, err, tc.want, tc.ok)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "USD", "0.00"}, {7, "USD", "0.07"}, {150, "USD", "1.50"}, {-310, "USD", "-3.10"},
		{123456789, "EUR", "1234567.89"}, {1000, "JPY", "1000"}, {1234, "KWD", "1.234"},
	} {
		if got := billing.FormatAmount(tc.minor, tc.currency); got != tc.want {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
		back, err := billing.ParseAmount(billing.FormatAmount(tc.minor, tc.currency), tc.currency)
		if err != nil || back != tc.minor {
			t.Errorf("round trip of %d %s = %d, %v", tc.minor, tc.currency, back, err)
		}
	}
}

func TestDecodePlan(t *testing.T) {
	p, err := billing.DecodePlan(json.RawMessage(retailPlan))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Retail" || p.Currency != "USD" {
		t.Fatalf("%+v", p)
	}
	did := p.Items["phone_numbers"]["did_us"]
	intl := p.Items["phone_numbers"]["international"]
	fake := p.Items["number_carriers"]["fake"] // knm_fake is the fake carrier
	if did.Activation != 250 || did.Monthly != 100 || did.Name != "US DID" || intl.Activation != 1000 || intl.Monthly != 425 || fake.Activation != 10 {
		t.Fatalf("items %+v", p.Items)
	}
	// The canonical document decodes to the same plan.
	again, err := billing.DecodePlan(p.Doc())
	if err != nil || again.Items["phone_numbers"]["did_us"] != did || again.Items["number_carriers"]["fake"] != fake {
		t.Fatalf("round trip %+v, %v", again, err)
	}

	for name, doc := range map[string]string{
		"no name":          `{"plan":{}}`,
		"bad currency":     `{"name":"x","currency":"usd","plan":{}}`,
		"unknown category": `{"name":"x","plan":{"devices":{"sip_device":{"rate":1}}}}`,
		"unknown field":    `{"name":"x","plan":{"phone_numbers":{"did_us":{"rate":1,"discounts":{}}}}}`,
		"float precision":  `{"name":"x","plan":{"phone_numbers":{"did_us":{"rate":0.001}}}}`,
		"negative":         `{"name":"x","plan":{"phone_numbers":{"did_us":{"rate":-1}}}}`,
		"disagreeing":      `{"name":"x","plan":{"phone_numbers":{"did_us":{"rate":1,"rate_minor":99}}}}`,
		"not an object":    `[]`,
	} {
		if _, err := billing.DecodePlan(json.RawMessage(doc)); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
}
