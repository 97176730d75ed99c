package twilio

import (
	"testing"

	carriertwilio "github.com/numan-dev/numan/carrier/twilio"

	"github.com/numan-dev/numan/feature/internal/fakeapi"
)

// No reply, however broken, panics a parser or yields a half-read result.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"incoming_list.json", "incoming_registered.json", "address_created.json", "error_21629.json", "truncated.json"} {
		f.Add(fakeapi.ReadTestdata(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, err := parseIncoming(E911, body); err != nil && in.SID != "" {
			t.Fatal("number with an error")
		}
		if l, err := parseIncomingList(E911, body); err != nil && l != nil {
			t.Fatal("list with an error")
		}
		if a, err := parseAddress(E911, body); err != nil && a.SID != "" || err == nil && a.SID == "" {
			t.Fatalf("address %+v %v", a, err)
		}
		_ = carriertwilio.ErrorMessage(400, body)
	})
}
