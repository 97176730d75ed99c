package twilio

import (
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
)

// The seed corpora live in testdata/fuzz/<target>/; these targets check
// that no reply, however broken, panics a parser or yields a half-read
// result.

func FuzzParseAvailable(f *testing.F) {
	f.Add(readTestdata(f, "available_local_415.json"))
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

func FuzzParseIncoming(f *testing.F) {
	f.Add(readTestdata(f, "incoming_created.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseIncoming(body)
		if err != nil && p != (incoming{}) {
			t.Fatalf("%+v with an error", p)
		}
	})
}

func FuzzParseIncomingList(f *testing.F) {
	f.Add(readTestdata(f, "incoming_list.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := parseIncomingList(body)
		if err != nil && list != nil {
			t.Fatalf("%v with an error", list)
		}
	})
}

func FuzzErrorMessage(f *testing.F) {
	f.Add(readTestdata(f, "error_401.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = ErrorMessage(400, body)
	})
}

func FuzzSearchQuery(f *testing.F) {
	f.Add("+1415", "US", "+1")
	f.Add("+44207", "GB", "+44")
	f.Fuzz(func(t *testing.T, prefix, country, dialcode string) {
		c, kind, q, err := searchQuery(prefix, carrier.SearchOptions{Country: country, Dialcode: dialcode})
		if err != nil || q == nil {
			return
		}
		if len(c) != 2 || (kind != "Local" && kind != "TollFree") {
			t.Fatalf("prefix %q: country %q kind %q", prefix, c, kind)
		}
		if p := q.Get("Contains"); p != "" && (len(p) < 2 || len(p) > 16) {
			t.Fatalf("prefix %q: Contains %q outside Twilio's 2..16 characters", prefix, p)
		}
	})
}
