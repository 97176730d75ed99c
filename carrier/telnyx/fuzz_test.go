package telnyx

import (
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
)

// The seed corpora live in testdata/fuzz/<target>/; these targets check
// that no reply, however broken, panics a parser or yields a half-read
// result.

func FuzzParseAvailable(f *testing.F) {
	f.Add(readTestdata(f, "available_ndc_415.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		offers, err := parseAvailable(body)
		if err != nil && offers != nil {
			t.Fatalf("offers with an error: %v", offers)
		}
		for _, o := range offers {
			if !isE164(o.PhoneNumber) || o.raw == nil {
				t.Fatalf("offered %+v", o)
			}
			if p := carriertest.DetailsProblem(o.details()); p != "" {
				t.Fatalf("details of %+v: %s", o, p)
			}
		}
	})
}

func FuzzParseOrder(f *testing.F) {
	f.Add(readTestdata(f, "order_success.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseOrder(body)
		if err != nil && (o.ID != "" || o.Status != "" || o.PhoneNumbers != nil) {
			t.Fatalf("order %+v with an error", o)
		}
		if err == nil && o.Status == "" {
			t.Fatal("order without status and no error")
		}
	})
}

func FuzzParsePhoneNumbers(f *testing.F) {
	f.Add(readTestdata(f, "phone_numbers_list.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := parsePhoneNumbers(body)
		if err != nil && list != nil {
			t.Fatalf("list %v with an error", list)
		}
	})
}

func FuzzParsePhoneNumber(f *testing.F) {
	f.Add(readTestdata(f, "phone_number_deleted.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parsePhoneNumber(body)
		if err != nil && p != (phoneNumber{}) {
			t.Fatalf("phone number %+v with an error", p)
		}
	})
}

func FuzzErrorMessage(f *testing.F) {
	f.Add(readTestdata(f, "error_401.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = errorMessage(400, body)
	})
}

func FuzzSearchQuery(f *testing.F) {
	f.Add("+1415", "US", "+1")
	f.Add("+44207", "GB", "+44")
	f.Fuzz(func(t *testing.T, prefix, country, dialcode string) {
		q, err := searchQuery(prefix, carrier.SearchOptions{Country: country, Dialcode: dialcode})
		if err == nil && q != nil && len(q.Get("filter[country_code]")) == 0 {
			t.Fatalf("prefix %q: query without a country: %v", prefix, q)
		}
	})
}
