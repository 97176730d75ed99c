package billing_test

import (
	"encoding/json"
	"testing"

	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/number"
)

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
