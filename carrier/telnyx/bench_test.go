package telnyx

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseAvailable parses a search reply of the most numbers Numan
// asks Telnyx for (100).
func BenchmarkParseAvailable(b *testing.B) {
	items := make([]string, 0, maxLimit)
	for i := range maxLimit {
		items = append(items, fmt.Sprintf(`{"record_type":"available_phone_number","phone_number":"+1415555%04d","vanity_format":"","best_effort":false,"quickship":false,"reservable":true,"region_information":[{"region_type":"country_code","region_name":"US"},{"region_type":"rate_center","region_name":"SNFC CA 01"}],"cost_information":{"upfront_cost":"1.00","monthly_cost":"1.00","currency":"USD"},"features":[{"name":"sms"},{"name":"voice"}]}`, i))
	}
	body := []byte(`{"data":[` + strings.Join(items, ",") + `],"meta":{"total_results":100,"best_effort_results":0}}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		offers, err := parseAvailable(body)
		if err != nil || len(offers) != maxLimit {
			b.Fatal(len(offers), err)
		}
	}
}
