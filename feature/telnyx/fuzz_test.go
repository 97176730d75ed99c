package telnyx

import (
	"testing"

	"github.com/numan-dev/numan/feature/internal/fakeapi"
)

// No reply, however broken, panics a parser or yields a half-read result.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"phone_numbers_list.json", "validate_invalid.json", "address_created.json", "emergency_active.json",
		"voice_cnam_on.json", "messaging_on.json", "error_422_address.json", "truncated.json"} {
		f.Add(fakeapi.ReadTestdata(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if l, err := parsePhoneNumbers(E911, body); err != nil && l != nil {
			t.Fatal("list with an error")
		}
		if a, err := parseAddress(E911, body); err != nil && a.ID != "" || err == nil && a.ID == "" {
			t.Fatalf("address %+v, %v", a, err)
		}
		if v, err := parseValidation(E911, body); err == nil && v.Result != "valid" && v.Result != "invalid" {
			t.Fatalf("validation %+v", v)
		} else if err == nil {
			_ = v.reason()
		}
		_, _ = parseVoiceSettings(E911, body)
		_, _ = parseMessagingSettings(E911, body)
		_ = errorMessage(400, body)
	})
}
