package vitelity

import (
	"testing"

	"github.com/numan-dev/numan/feature/internal/fakeapi"
)

// No reply, however broken, panics the parser or yields a half-read one.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"ok.xml", "e911send_ok.xml", "e911send_fail.xml", "truncated.xml", "plain_text.txt"} {
		f.Add(fakeapi.ReadTestdata(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseReply(E911, body)
		if err != nil && (r.Status != "" || r.Info != nil) {
			t.Fatalf("reply %+v with an error", r)
		}
		if err == nil && r.Status == "" {
			t.Fatal("reply without status and no error")
		}
		_ = r.info()
		_ = r.message()
	})
}
