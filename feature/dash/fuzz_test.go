package dash

import (
	"testing"

	"github.com/numan-dev/numan/feature/internal/fakeapi"
)

// No reply, however broken, panics the parser or yields a half-read one.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"validate_geocoded.xml", "validate_multiple.xml", "add_provisioned.xml", "provision_provisioned.xml", "remove_removed.xml", "truncated.xml"} {
		f.Add(fakeapi.ReadTestdata(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, verb := range []string{"validateLocation", "addLocation", "provisionLocation", "removeURI"} {
			r, err := parseReply(verb, body)
			if err != nil && (r.Locations != nil || r.LocationStatus != nil || r.URIStatus != nil) {
				t.Fatalf("%s: reply %+v with an error", verb, r)
			}
			for _, l := range r.Locations {
				_ = l.public()
				_ = l.address()
			}
			_, _ = r.status()
		}
		_ = errorMessage(500, body)
	})
}
