package twilio

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseAvailable parses a full AvailablePhoneNumbers page of the
// largest PageSize (1000 numbers).
func BenchmarkParseAvailable(b *testing.B) {
	items := make([]string, 0, maxPageSize)
	for i := range maxPageSize {
		items = append(items, fmt.Sprintf(`{"friendly_name":"(415) 55%d-%04d","phone_number":"+141555%05d","lata":"722","locality":"San Francisco","rate_center":"SNFC CA 01","latitude":"37.780000","longitude":"-122.390000","region":"CA","postal_code":"94105","iso_country":"US","address_requirements":"none","beta":false,"capabilities":{"voice":true,"SMS":true,"MMS":true}}`, i/10000, i%10000, i))
	}
	body := []byte(`{"available_phone_numbers":[` + strings.Join(items, ",") + `],"uri":"/2010-04-01/Accounts/AC1/AvailablePhoneNumbers/US/Local.json"}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		offers, err := parseAvailable(body)
		if err != nil || len(offers) != maxPageSize {
			b.Fatal(len(offers), err)
		}
	}
}
