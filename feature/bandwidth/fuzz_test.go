package bandwidth

import (
	"testing"

	"github.com/numan-dev/numan/feature/internal/fakeapi"
)

// No reply, however broken, panics the parser or yields a half-read one.
func FuzzParseOrder(f *testing.F) {
	for _, s := range []string{"e911_received.xml", "e911_get_failed.xml", "e911_error_400.xml", "lidb_received.xml", "tnoption_complete.xml", "truncated.xml"} {
		f.Add(fakeapi.ReadTestdata(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseOrder(E911, body)
		if err != nil && (o.ID != "" || o.Status != "" || o.Errors != nil) {
			t.Fatalf("order %+v with an error", o)
		}
		if err == nil && o.Status == "" {
			t.Fatal("order without status and no error")
		}
		_ = o.errors()
		_ = errorMessage(400, body)
	})
}
